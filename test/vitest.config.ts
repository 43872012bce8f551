import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Tests spawn the built CLI, worker and core process: build first when out/ is missing or stale.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Native addons (better-sqlite3, sharp, onnxruntime) are happiest in forked workers.
    pool: 'forks',
  },
})
