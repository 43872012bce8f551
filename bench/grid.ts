// `npm run bench -- grid [N]`: the grid of a synthetic library of N (default 100,000) posters,
// served by `posterity serve` as a child process and driven in Debian's Chromium.
// Prints: the first screen (navigation start → first poster card with its image loaded, and
// → every card on screen loaded; median of 3 fresh browser contexts) beside a bare node:http
// page with one <img> in the same Chromium; a genre filter's round trip through the UI (click
// → the count changes) beside the same query over the WebSocket from Node; frame times while
// scrolling for 2 s and the DOM size; the serve process's peak and final RSS.
// Aims (issue 2): first screen < 1 s, serve RSS < 400 MB, filtered query < 50 ms (the
// server-side time; `npm run bench -- query` has the full table).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { WebSocket } from 'ws'
import { CHROMIUM, CHROMIUM_ARGS, repo, startServeChild, type ServeChild } from '../scripts/harness'
import { createSyntheticLibrary } from './synthetic'

// In-page scripts are plain strings run through page.evaluate (CDP): serialised functions would
// carry tsx's transform helpers, and the app's CSP refuses waitForFunction's eval'd predicates.

interface FirstScreen {
  /** performance.now() at the paint / at the first rAF that saw the state (ms from navigation start). */
  fcp: number | null
  first: number | null
  all: number | null
  cards: number
}

/**
 * Installed before the page's own scripts: every animation frame, looks at the images under
 * `imgSel` (and the cards under `cardSel`) in the viewport and notes when the first image has
 * loaded and when every card on screen has its image.
 */
const PROBE = (imgSel: string, cardSel: string) => `(() => {
  const probe = window.__probe = { fcp: null, first: null, all: null, cards: 0 };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.name === 'first-contentful-paint') probe.fcp = e.startTime;
    }).observe({ type: 'paint', buffered: true });
  } catch (e) {}
  const inView = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
  };
  const loaded = (img) => !!img && img.complete && img.naturalWidth > 0;
  const tick = () => {
    const now = performance.now();
    const imgs = [...document.querySelectorAll(${JSON.stringify(imgSel)})].filter(inView);
    if (probe.first === null && imgs.some(loaded)) probe.first = now;
    const cards = [...document.querySelectorAll(${JSON.stringify(cardSel)})].filter(inView);
    if (cards.length && cards.every((c) => loaded(c.tagName === 'IMG' ? c : c.querySelector('img')))) {
      probe.all = now;
      probe.cards = cards.length;
      return;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()`

/** Clicks a genre filter; ms until the poster count changes, and until the next frame after. */
async function toggleGenre(page: Page, genre: string): Promise<{ count: number; frame: number; text: string }> {
  await page.waitForTimeout(300) // let the previous change settle (genre counts, thumbnails)
  return (await page.evaluate(`(async (genre) => {
    const total = document.querySelector('.toolbar .total');
    const before = total.textContent;
    const box = document.querySelector('[data-testid="genre-filter-' + genre + '"]');
    if (!box) throw new Error('no filter for ' + genre);
    const changed = () => total.textContent !== before && / posters$/.test(total.textContent);
    const t0 = performance.now();
    box.click();
    await new Promise((resolve, reject) => {
      const mo = new MutationObserver(() => { if (changed()) { mo.disconnect(); resolve(); } });
      mo.observe(total, { childList: true, characterData: true, subtree: true });
      setTimeout(() => { mo.disconnect(); reject(new Error('the count did not change in 20 s')); }, 20000);
    });
    const t1 = performance.now();
    await new Promise((r) => requestAnimationFrame(() => r()));
    return { count: t1 - t0, frame: performance.now() - t0, text: total.textContent };
  })(${JSON.stringify(genre)})`)) as { count: number; frame: number; text: string }
}

interface ScrollFigures {
  frames: number
  p50: number
  p95: number
  max: number
  long: number
  scrolled: number
  rows: number
  nodesBefore: number
  nodesMin: number
  nodesMax: number
  nodesAfter: number
  cardsMax: number
  skeletons: number
}

/** Scrolls the grid by `step` px every frame for `duration` ms; frame gaps and DOM size. */
const SCROLL = (duration: number, step: number) => `(async () => {
  const el = document.querySelector('[data-testid="poster-grid"]');
  el.scrollTop = 0;
  await new Promise((r) => setTimeout(r, 500));
  const nodes = () => document.getElementsByTagName('*').length;
  const nodesBefore = nodes();
  let nodesMin = nodesBefore, nodesMax = nodesBefore, cardsMax = 0;
  const gaps = [];
  await new Promise((resolve) => {
    let last = -1;
    let end = 0;
    const tick = (now) => {
      if (last < 0) end = now + ${duration};
      else gaps.push(now - last);
      last = now;
      el.scrollTop += ${step};
      if (gaps.length % 10 === 0) {
        const c = nodes(); nodesMin = Math.min(nodesMin, c); nodesMax = Math.max(nodesMax, c);
        cardsMax = Math.max(cardsMax, el.querySelectorAll('.card').length);
      }
      if (now < end) requestAnimationFrame(tick); else resolve();
    };
    requestAnimationFrame(tick);
  });
  const top = el.getBoundingClientRect().top, bottom = el.getBoundingClientRect().bottom;
  const skeletons = [...el.querySelectorAll('.card.skeleton')].filter((c) => {
    const r = c.getBoundingClientRect();
    return r.bottom > top && r.top < bottom;
  }).length;
  const ys = [...new Set([...el.querySelectorAll('.card')].map((c) => c.getBoundingClientRect().top))].sort((a, b) => a - b);
  const pitch = ys.length > 1 ? ys[1] - ys[0] : 0;
  const scrolled = el.scrollTop;
  await new Promise((r) => setTimeout(r, 1000));
  gaps.sort((a, b) => a - b);
  const at = (p) => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))];
  return {
    frames: gaps.length, p50: at(0.5), p95: at(0.95), max: gaps[gaps.length - 1], long: gaps.filter((g) => g > 50).length,
    scrolled, rows: pitch ? Math.round(scrolled / pitch) : 0,
    nodesBefore, nodesMin, nodesMax, nodesAfter: nodes(), cardsMax, skeletons,
  };
})()`

/** Drags the scrollbar to the middle in one step: ms until every card on screen has its data. */
const JUMP = `(async () => {
  const el = document.querySelector('[data-testid="poster-grid"]');
  const t0 = performance.now();
  el.scrollTop = el.scrollHeight / 2;
  const box = el.getBoundingClientRect();
  for (;;) {
    await new Promise((r) => requestAnimationFrame(() => r()));
    const shown = [...el.querySelectorAll('.card')].filter((c) => {
      const r = c.getBoundingClientRect();
      return r.bottom > box.top && r.top < box.bottom;
    });
    if (shown.length && !shown.some((c) => c.classList.contains('skeleton'))) return performance.now() - t0;
    if (performance.now() - t0 > 20000) throw new Error('the middle of the grid did not fill in 20 s');
  }
})()`

const VIEWPORT = { width: 1440, height: 900 }
const LOADS = 3
const FILTER_GENRES = ['Western', 'Drama', 'Horror', 'Action', 'Documentary']

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}
const ms = (x: number | null | undefined): string => (x == null ? '—' : `${x.toFixed(0)} ms`)
const mb = (kb: number): string => `${(kb / 1024).toFixed(0)} MB`

/** VmHWM (peak) and VmRSS of a process, in kB. */
function memoryOf(pid: number): { hwm: number; rss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  return { hwm: field('VmHWM'), rss: field('VmRSS') }
}

/** A bare node:http page with one image (a thumbnail of the library): the baseline. */
function startBaseline(imageFile: string): Promise<{ server: Server; url: string }> {
  const image = readFileSync(imageFile)
  const html = `<!doctype html><meta charset="utf-8"><title>baseline</title><h1>Baseline</h1><img src="/t.jpg" width="240" height="356" alt="">`
  const server = createServer((req, res) => {
    if (req.url === '/t.jpg') res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': image.length }).end(image)
    else res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html)
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address()
      resolve({ server, url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/` })
    }),
  )
}

/** One fresh context (empty cache, new socket), one navigation; the probe's figures. */
async function loadOnce(browser: Browser, url: string, imgSel: string, cardSel: string): Promise<FirstScreen> {
  const context = await browser.newContext({ viewport: VIEWPORT, colorScheme: 'light' })
  try {
    const page = await context.newPage()
    await page.addInitScript({ content: PROBE(imgSel, cardSel) })
    await page.goto(url)
    // A string predicate for waitForFunction would be eval'd in the page, which the CSP refuses.
    // The paint entry can arrive a little after the image on a trivial page: wait for both.
    const read = `(() => {
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      return { ...window.__probe, fcp: fcp ? fcp.startTime : window.__probe.fcp };
    })()`
    for (let waited = 0; ; waited += 50) {
      const probe = (await page.evaluate(read)) as FirstScreen
      if (probe.all !== null && (probe.fcp !== null || waited > 2000)) return probe
      if (waited > 30_000) throw new Error(`the first screen of ${url} did not complete in 30 s`)
      await new Promise((r) => setTimeout(r, 50))
    }
  } finally {
    await context.close()
  }
}

/** The same query as the UI's first page, over the API socket from Node: server time + loopback. */
async function socketQuery(serve: ServeChild, genre: string, runs: number): Promise<number[]> {
  const ws = new WebSocket(`${serve.origin.replace('http', 'ws')}/api?token=${serve.token}`, { origin: serve.origin })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  type Envelope = { ok: boolean; error?: { message: string } }
  const pending = new Map<number, (v: Envelope) => void>()
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { type: string; id: number; envelope: Envelope }
    if (msg.type === 'result') pending.get(msg.id)?.(msg.envelope)
  })
  const args = { genres: [genre], match: 'any', labelled: 'all', duplicatesOnly: false, sort: 'title', desc: false, offset: 0, limit: 200 }
  const times: number[] = []
  try {
    for (let id = 1; id <= runs + 3; id++) {
      const t = performance.now()
      const env = await new Promise<Envelope>((resolve) => {
        pending.set(id, resolve)
        ws.send(JSON.stringify({ type: 'call', id, channel: 'library.query', args }))
      })
      if (!env.ok) throw new Error(`library.query failed: ${env.error?.message}`)
      if (id > 3) times.push(performance.now() - t) // the first runs warm the statement cache
    }
  } finally {
    ws.close()
  }
  return times
}

export default async function main(args: string[]): Promise<number> {
  const n = Number(args[0] ?? 100_000)
  if (!existsSync(join(repo, 'out/renderer/index.html'))) {
    console.error('out/renderer is missing: run `npm run build` first (the grid bench serves the built renderer).')
    return 1
  }
  if (!existsSync(CHROMIUM)) {
    console.error(`no Chromium at ${CHROMIUM} (install Debian's chromium, or set POSTERITY_CHROMIUM)`)
    return 1
  }
  const dir = mkdtempSync(join(tmpdir(), 'posterity-bench-grid-'))
  let serve: ServeChild | null = null
  let browser: Browser | null = null
  let baseline: Server | null = null
  let cleaning: Promise<void> | null = null
  const cleanup = () =>
    (cleaning ??= (async () => {
      await browser?.close().catch(() => {})
      baseline?.close()
      if (serve) await serve.stop()
      rmSync(dir, { recursive: true, force: true })
    })())
  // Ctrl+C must not leave a server or 100,000 files behind.
  const onSignal = () => void cleanup().finally(() => process.exit(130))
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    // Timings on a shared 2-core box move with its load: print it beside them.
    console.log(`load average (1/5/15 min): ${loadavg().map((l) => l.toFixed(2)).join(' / ')}`)
    const made = await createSyntheticLibrary(dir, { posters: n, thumbnails: true })
    console.log(`synthetic library: ${made.posters.toLocaleString()} posters with thumbnails in ${made.seconds.toFixed(1)} s`)

    serve = await startServeChild(dir)
    const pid = serve.child.pid!
    console.log(`posterity serve: pid ${pid}, RSS after start ${mb(memoryOf(pid).rss)}`)
    const base = await startBaseline(join(dir, 'synthetic-base', '0.jpg'))
    baseline = base.server
    // Our own signal handler closes the browser, after which everything else is cleaned up.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, handleSIGINT: false, handleSIGTERM: false })
    console.log(`chromium ${browser.version()} headless (fresh temporary profile), viewport ${VIEWPORT.width}x${VIEWPORT.height}`)

    // First screen, alternating app and baseline so both see the same machine state.
    const app: FirstScreen[] = []
    const bare: FirstScreen[] = []
    for (let i = 0; i < LOADS; i++) {
      bare.push(await loadOnce(browser, base.url, 'img', 'img'))
      app.push(await loadOnce(browser, serve.url, '[data-testid="poster-card"] img', '[data-testid="poster-grid"] .card'))
    }
    const row = (label: string, xs: FirstScreen[], key: keyof FirstScreen) =>
      console.log(`  ${label.padEnd(44)} ${ms(median(xs.map((x) => x[key] ?? NaN))).padStart(7)}   (${xs.map((x) => ms(x[key])).join(', ')})`)
    console.log(`\nfirst screen, from navigation start, median of ${LOADS} fresh loads (each load):`)
    row('app: first contentful paint', app, 'fcp')
    row('app: first poster card with its image', app, 'first')
    row('app: every card on screen with its image', app, 'all')
    console.log(`  (cards on the first screen: ${app.map((a) => a.cards).join(', ')})`)
    row('baseline (bare node:http + 1 img): FCP', bare, 'fcp')
    row('baseline: its image loaded', bare, 'first')
    const firstMed = median(app.map((a) => a.first!))
    const allMed = median(app.map((a) => a.all!))
    const baseMed = median(bare.map((b) => b.first!))
    console.log(`  ratio app / baseline: first card ${(firstMed / baseMed).toFixed(1)}x, full screen ${(allMed / baseMed).toFixed(1)}x`)

    // The UI: one page kept open for the filter and scroll runs.
    const context = await browser.newContext({ viewport: VIEWPORT, colorScheme: 'light' })
    const page: Page = await context.newPage()
    await page.goto(serve.url)
    await page.locator('[data-testid="genre-filter-Drama"]').waitFor({ timeout: 30_000 })
    await page.locator('[data-testid="poster-card"]').first().waitFor({ timeout: 30_000 })
    await page.waitForTimeout(500)

    console.log('\ngenre filter through the UI (click → the count changes; → the next frame):')
    const on: number[] = []
    const off: number[] = []
    for (const g of FILTER_GENRES) {
      const a = await toggleGenre(page, g)
      const b = await toggleGenre(page, g)
      on.push(a.count)
      off.push(b.count)
      console.log(`  ${('+' + g).padEnd(14)} ${ms(a.count).padStart(7)} ${ms(a.frame).padStart(7)}  ${a.text.padEnd(18)} | off again ${ms(b.count)} (${b.text})`)
    }
    console.log(`  filter on: median ${ms(median(on))}, max ${ms(Math.max(...on))}; filter off: median ${ms(median(off))}, max ${ms(Math.max(...off))}`)
    const q = await socketQuery(serve, 'Western', 30)
    const q2 = await socketQuery(serve, 'Drama', 30)
    console.log(`  the same query (first page of 200) over the WebSocket from Node: Western p50 ${q.length ? pct(q, 50).toFixed(1) : '—'} ms, p95 ${pct(q, 95).toFixed(1)} ms; Drama p50 ${pct(q2, 50).toFixed(1)} ms, p95 ${pct(q2, 95).toFixed(1)} ms`)

    console.log('\nscrolling for 2 s (scripted, 60 px a frame, from the top of all posters):')
    const s = (await page.evaluate(SCROLL(2000, 60))) as ScrollFigures
    console.log(`  frames ${s.frames}, frame time p50 ${s.p50.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, max ${s.max.toFixed(1)} ms, frames over 50 ms: ${s.long}`)
    console.log(`  scrolled ${s.scrolled.toLocaleString()} px (~${s.rows} rows); DOM nodes before ${s.nodesBefore}, during min ${s.nodesMin} / max ${s.nodesMax}, after ${s.nodesAfter}`)
    console.log(`  at most ${s.cardsMax} cards in the DOM for ${n.toLocaleString()} posters; cards on screen still loading when the scroll stopped: ${s.skeletons}`)
    const jump = (await page.evaluate(JUMP)) as number
    console.log(`  scrollbar dragged to the middle (poster ~${Math.round(n / 2).toLocaleString()}): cards on screen filled in ${ms(jump)}`)
    await context.close()

    const mem = memoryOf(pid)
    console.log(`\nposterity serve memory: peak (VmHWM) ${mb(mem.hwm)}, now (VmRSS) ${mb(mem.rss)}`)
    console.log('\naims (issue 2):')
    console.log(`  first screen < 1 s:          first card ${ms(firstMed)}, full screen ${ms(allMed)}  ${allMed < 1000 ? 'ok' : 'MISSED'}`)
    console.log(`  serve RSS < 400 MB:          peak ${mb(mem.hwm)}  ${mem.hwm < 400 * 1024 ? 'ok' : 'MISSED'}`)
    console.log(`  filtered query < 50 ms:      over the socket worst p95 ${Math.max(pct(q, 95), pct(q2, 95)).toFixed(1)} ms (server side; \`npm run bench -- query\` has every case); through the UI median ${ms(median(on))}`)
    return 0
  } catch (err) {
    if (serve) process.stderr.write(serve.stderr())
    throw err
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await cleanup()
  }
}
