// Globals of the renderer: the preload's bridge (absent in a browser).
import type { PosterityBridge } from '../../shared/api'

declare global {
  interface Window {
    posterity?: PosterityBridge
  }
}

export {}

// data-* attributes (test ids, data-id) bound with v-bind under strictTemplates.
declare module '@vue/runtime-dom' {
  interface HTMLAttributes {
    [key: `data-${string}`]: string | number | boolean | null | undefined
  }
}
