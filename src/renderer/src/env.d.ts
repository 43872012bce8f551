// Globals of the renderer: the desktop preload's link to the core (absent in a browser).
import type { DesktopBridge } from '../../shared/api'

declare global {
  interface Window {
    posterityDesktop?: DesktopBridge
  }
}

export {}

// data-* attributes (test ids, data-id) bound with v-bind under strictTemplates.
declare module '@vue/runtime-dom' {
  interface HTMLAttributes {
    [key: `data-${string}`]: string | number | boolean | null | undefined
  }
}
