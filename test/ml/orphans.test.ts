// A training killed after writing its weights, before its run was recorded, leaves a folder
// no run names: the next writer to open the library removes it and keeps every recorded run's.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { open, tempDir } from '../library/helpers'

let t: ReturnType<typeof tempDir>
beforeEach(() => (t = tempDir()))
afterEach(() => t.cleanup())

it('removes model folders no run names, keeps the ones runs name (even after the library moved)', async () => {
  const lib = join(t.dir, 'lib')
  const core = open(lib)
  const models = join(lib, 'models')
  for (const name of ['run-1-aaaaaa', 'run-2-bbbbbb']) {
    mkdirSync(join(models, name), { recursive: true })
    writeFileSync(join(models, name, 'head.bin'), 'weights')
  }
  mkdirSync(join(models, 'not-a-run'))
  // The run was recorded under another absolute folder (the library was moved since).
  core.db
    .prepare(
      `INSERT INTO model_runs (created_at, kind, config, backend, genres, train_size, val_size, seconds, metrics, epochs, thresholds, weights_path)
       VALUES (1, 'head', '{}', 'wasm', '[]', 0, 0, 0, '{}', '[]', '[]', ?)`,
    )
    .run('/somewhere/else/lib/models/run-1-aaaaaa')
  await core.close()
  const again = open(lib)
  await again.close()
  expect(existsSync(join(models, 'run-1-aaaaaa', 'head.bin'))).toBe(true)
  expect(existsSync(join(models, 'run-2-bbbbbb'))).toBe(false)
  expect(existsSync(join(models, 'not-a-run'))).toBe(true)
})
