import { chmodSync, existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import type { Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'

// Native and heavy Node modules stay outside the bundle and load from node_modules.
const external = ['better-sqlite3', 'sharp', 'onnxruntime-node', 'ws', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']

/** package.json "bin" points at out/main/cli.js: npm runs it directly, so it must be executable. */
const executableCli = (): Plugin => ({
  name: 'posterity-executable-cli',
  writeBundle(options) {
    const cli = join(options.dir ?? resolve(__dirname, 'out/main'), 'cli.js')
    if (existsSync(cli)) chmodSync(cli, 0o755)
  },
})

/**
 * The page's CSP (index.html's meta) allows no inline styles; Vite's dev server injects CSS as
 * <style> elements, so only the page it serves allows them (the desktop app's dev header does too:
 * hosting/csp.ts DEV_SERVER_CSP). Built pages keep the strict policy.
 */
const devInlineStyles = (): Plugin => ({
  name: 'posterity-dev-inline-styles',
  apply: 'serve',
  transformIndexHtml: (html) => html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
})

export default defineConfig({
  main: {
    plugins: [executableCli()],
    build: {
      rollupOptions: {
        external,
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          // The core in its own process (an Electron utility process in the desktop app).
          'core-host': resolve(__dirname, 'src/main/core-host/index.ts'),
          // Heavy ML work runs in a child process of whichever process holds the core.
          worker: resolve(__dirname, 'src/main/ml/worker.ts'),
          // The worker's training threads (cross-validation folds side by side).
          'head-thread': resolve(__dirname, 'src/main/ml/train/head-thread.ts'),
          // The `posterity` CLI (package.json "bin"): plain Node, no TypeScript at run time.
          cli: resolve(__dirname, 'src/main/cli-main.ts'),
        },
      },
    },
  },
  preload: {
    // Sandboxed preloads can require nothing but electron: bundle every dependency (zod).
    build: { externalizeDeps: false, rollupOptions: { input: { index: resolve(__dirname, 'src/preload/index.ts') }, output: { format: 'cjs' } } },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    plugins: [vue(), devInlineStyles()],
    // electron-vite leaves bundles unminified; the renderer is also served to browsers.
    build: { minify: true, rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } } },
  },
})
