// Before any test: the CLI, the model worker and the core process run as built JavaScript
// (out/main), so a missing or outdated build is made first, saying so.
import { ensureBuilt } from '../scripts/harness'

export default async function setup(): Promise<void> {
  await ensureBuilt()
}
