// What the similar / duplicates CLI commands share: embedding what is missing first.
import type { Core } from '../core'
import { waitForJob } from './model-support'
import { coreApi } from './api'

/**
 * Embeds the posters without a cached embedding (through model.embed, progress on stderr)
 * when the backbone is installed; without it, only the posters already embedded take part.
 */
export async function embedMissing(core: Core): Promise<void> {
  const st = await coreApi(core).model.status({})
  if (st.embedded >= st.posters) return
  if (!st.backbone.path) {
    process.stderr.write(`${st.posters - st.embedded} of ${st.posters} posters have no embedding and the backbone is not installed: they are left out\n`)
    return
  }
  let last = 0
  const off = core.events.onAny((name, payload) => {
    if (name !== 'embed.progress') return
    const p = payload as { done: number; total: number; failed: number }
    if (p.done !== p.total && Date.now() - last < 2000) return
    last = Date.now()
    process.stderr.write(`embedding ${p.done}/${p.total}${p.failed ? ` (${p.failed} unreadable)` : ''}\n`)
  })
  try {
    const { jobId } = await coreApi(core).model.embed({})
    await waitForJob(core, jobId)
  } finally {
    off()
  }
}
