// The desktop IPC and preload, wired to a real core, with Electron's three objects
// (ipcMain, ipcRenderer, contextBridge) replaced by in-process stand-ins: no Electron binary
// exists here. What is checked is our code: the channels derived from the contract, the
// sender check, event forwarding, and the exact shape of `window.posterity`.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { channels, EVENT_CHANNEL, type Envelope, type PosterityBridge } from '../../src/shared/api'
import { openCore, type Core } from '../../src/main/core'

type Handler = (event: unknown, args: unknown) => Promise<Envelope> | Envelope
const electron = vi.hoisted(() => {
  const handlers = new Map<string, Handler>()
  const rendererListeners = new Map<string, ((event: unknown, msg: unknown) => void)[]>()
  const exposed: Record<string, unknown> = {}
  return { handlers, rendererListeners, exposed, invoke: null as null | ((channel: string, args: unknown) => Promise<Envelope>) }
})

vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, fn: Handler) => {
      if (electron.handlers.has(channel)) throw new Error(`second handler for ${channel}`)
      electron.handlers.set(channel, fn)
    },
    removeHandler: (channel: string) => electron.handlers.delete(channel),
  },
  ipcRenderer: {
    invoke: (channel: string, args: unknown) => electron.invoke!(channel, args),
    on: (channel: string, fn: (event: unknown, msg: unknown) => void) => {
      electron.rendererListeners.set(channel, [...(electron.rendererListeners.get(channel) ?? []), fn])
    },
  },
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (electron.exposed[key] = value) },
  webUtils: { getPathForFile: (f: { path: string }) => f.path },
}))

const APP_URL = 'file:///app/out/renderer/index.html'
let dir: string
let core: Core
const sent: { channel: string; msg: unknown }[] = []
const mainFrame = { url: APP_URL }
const webContents = {
  mainFrame,
  send: (channel: string, msg: unknown) => {
    sent.push({ channel, msg })
    for (const l of electron.rendererListeners.get(channel) ?? []) l({}, msg)
  },
}
const win = { isDestroyed: () => false, webContents }
const fromWindow = { sender: webContents, senderFrame: mainFrame }
let unregister: () => void

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'posterity-ipc-'))
  core = openCore({ libraryDir: dir, host: 'electron' })
  const { registerIpc } = await import('../../src/main/electron/ipc')
  unregister = registerIpc(core, win as never, APP_URL)
  // The renderer side: ipcRenderer.invoke reaches the registered handler as the window would.
  electron.invoke = async (channel, args) => {
    const h = electron.handlers.get(channel)
    if (!h) throw new Error(`No handler registered for '${channel}'`)
    return h(fromWindow, structuredClone(args))
  }
  await import('../../src/preload/index')
})

afterAll(async () => {
  await core?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('IPC derived from the contract', () => {
  it('registers exactly one handler per contract command', () => {
    expect([...electron.handlers.keys()].sort()).toEqual([...channels].sort())
  })

  it('dispatches calls from our window to the core, validating them', async () => {
    const h = electron.handlers.get('system.info')!
    expect(await h(fromWindow, {})).toMatchObject({ ok: true, value: { host: 'electron', libraryPath: dir } })
    expect(await electron.handlers.get('library.query')!(fromWindow, { limit: -1 })).toMatchObject({ ok: false, error: { code: 'invalid-args' } })
  })

  it('refuses other senders: another webContents, a subframe, a foreign page', async () => {
    const h = electron.handlers.get('system.info')!
    const refused = { ok: false, error: { code: 'unsupported' } }
    expect(await h({ sender: { ...webContents }, senderFrame: mainFrame }, {})).toMatchObject(refused)
    expect(await h({ sender: webContents, senderFrame: { url: APP_URL } }, {})).toMatchObject(refused)
    expect(await h({ sender: webContents, senderFrame: null }, {})).toMatchObject(refused)
    mainFrame.url = 'https://evil.example/'
    try {
      expect(await h(fromWindow, {})).toMatchObject(refused)
    } finally {
      mainFrame.url = APP_URL
    }
  })

  it('forwards core events to the window on one channel', () => {
    sent.length = 0
    core.events.emit('library.changed', { reason: 'genres' })
    expect(sent).toEqual([{ channel: EVENT_CHANNEL, msg: { name: 'library.changed', payload: { reason: 'genres' } } }])
  })
})

describe('preload', () => {
  const bridge = () => electron.exposed.posterity as PosterityBridge

  it('exposes only window.posterity: api, on, host', () => {
    expect(Object.keys(electron.exposed)).toEqual(['posterity'])
    expect(Object.keys(bridge()).sort()).toEqual(['api', 'host', 'on'])
    expect(Object.keys(bridge().host!)).toEqual(['pathForFile'])
  })

  it('gives the typed API of the whole contract over IPC', async () => {
    const domains = new Set(channels.map((c) => c.split('.')[0]))
    expect(new Set(Object.keys(bridge().api))).toEqual(domains)
    expect((await bridge().api.system.info({})).host).toBe('electron')
    await expect(bridge().api.library.get({ id: 'tt404' })).rejects.toMatchObject({ name: 'ApiError', code: 'not-found' })
    await expect(bridge().api.library.query({ limit: 0 })).rejects.toMatchObject({ code: 'invalid-args' })
  })

  it('delivers contract events to listeners, and stops when told', () => {
    const got: unknown[] = []
    const off = bridge().on('library.changed', (p) => got.push(p))
    core.events.emit('library.changed', { reason: 'labels', ids: ['tt1'] })
    off()
    core.events.emit('library.changed', { reason: 'labels' })
    expect(got).toEqual([{ reason: 'labels', ids: ['tt1'] }])
  })

  it('refuses event names outside the contract', () => {
    expect(() => bridge().on('nope' as never, () => {})).toThrow(/unknown event/)
  })

  it('unregisters every handler', () => {
    unregister()
    expect(electron.handlers.size).toBe(0)
  })
})
