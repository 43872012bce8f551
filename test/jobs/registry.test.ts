// The job registry of a long session: finished jobs beyond the latest 200 are forgotten, the
// running ones never are.
import { describe, expect, it } from 'vitest'
import { JobRegistry } from '../../src/main/jobs/registry'

describe('job registry', () => {
  it('keeps the latest 200 finished jobs and every running one', async () => {
    const jobs = new JobRegistry()
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const long = jobs.start('long', () => gate)
    for (let i = 0; i < 260; i++) await jobs.start('quick', async () => i).promise
    jobs.start('tail', async () => 0)
    const list = jobs.list()
    expect(list.find((j) => j.jobId === long.jobId)?.status).toBe('running')
    expect(list.filter((j) => j.status !== 'running').length).toBeLessThanOrEqual(200)
    expect(list.length).toBeLessThanOrEqual(202)
    release()
    await long.promise
  })
})
