// The README screenshot: `node --import tsx scripts/screenshot.ts [OUT.png] [--dark]` (needs `npm run build`
// and Chromium). Draws ~60 made-up posters with sharp (gradients, shapes, a big title; never
// real artwork), imports them with labels and metadata through the CLI into a temp library,
// serves it, selects a few posters in Chromium, opens the detail and writes
// resources/screenshot.png. Everything temporary is removed afterwards.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import sharp from 'sharp'
import { mulberry32 as rng } from '../src/shared/random'
import { CHROMIUM, CHROMIUM_ARGS, CLI, repo, startServeChild, type ServeChild } from './harness'

const argv = process.argv.slice(2)
const dark = argv.includes('--dark')
const out = argv.find((a) => !a.startsWith('--')) ?? join(repo, 'resources/screenshot.png')
const COUNT = 60

const GENRES = ['Drama', 'Comedy', 'Action', 'Romance', 'Thriller', 'Horror', 'Sci-Fi', 'Adventure', 'Animation', 'Crime', 'Family', 'Documentary']
/** Colours by first genre, so the grid reads as a varied collection. [top, bottom, accent] */
const PALETTE: Record<string, [string, string, string]> = {
  Drama: ['#2b4162', '#fa9f42', '#f6e8c3'],
  Comedy: ['#ffd23f', '#ee4266', '#ffffff'],
  Action: ['#1b1b1e', '#d7263d', '#f4d35e'],
  Romance: ['#ffafcc', '#6a4c93', '#ffffff'],
  Thriller: ['#0b132b', '#3a506b', '#5bc0be'],
  Horror: ['#000000', '#6a040f', '#e5383b'],
  'Sci-Fi': ['#03045e', '#00b4d8', '#caf0f8'],
  Adventure: ['#2d6a4f', '#f4a261', '#fefae0'],
  Animation: ['#7209b7', '#4cc9f0', '#fff3b0'],
  Crime: ['#212529', '#495057', '#ffba08'],
  Family: ['#90e0ef', '#ffb703', '#ffffff'],
  Documentary: ['#e9ecef', '#6c757d', '#212529'],
}
const FIRST = ['The Last', 'Midnight', 'Neon', 'Silent', 'Crimson', 'Paper', 'Iron', 'Golden', 'Hollow', 'Electric', 'Velvet', 'Northern', 'Salt', 'Distant', 'Lucky']
const SECOND = ['Harbor', 'Orchard', 'Signal', 'Frontier', 'Garden', 'Comet', 'Lighthouse', 'Parade', 'Circuit', 'Canyon', 'Tide', 'Kingdom', 'Engine', 'Summer', 'Echo']

interface Film {
  id: string
  title: string
  year: number
  /** null: not in the labels file (unlabelled). */
  genres: string[] | null
}

function films(): Film[] {
  const rand = rng(7)
  const used = new Set<string>()
  return Array.from({ length: COUNT }, (_, i) => {
    let title = ''
    while (!title || used.has(title)) title = `${FIRST[Math.floor(rand() * FIRST.length)]} ${SECOND[Math.floor(rand() * SECOND.length)]}`
    used.add(title)
    const k = 1 + Math.floor(rand() * 3)
    const genres = [...new Set(Array.from({ length: k }, () => GENRES[Math.floor(rand() * GENRES.length)]))]
    return { id: `tt99${String(10001 + i).padStart(5, '0')}`, title, year: 1950 + Math.floor(rand() * 75), genres: i % 9 === 4 ? null : genres }
  })
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')

/** One 300x450 poster as SVG: a gradient, a few shapes, the title, a billing block. */
function posterSvg(f: Film, i: number): string {
  const rand = rng(100 + i)
  const [top, bottom, accent] = PALETTE[(f.genres ?? GENRES)[i % 2 === 0 ? 0 : (f.genres?.length ?? 1) - 1] ?? 'Drama']
  const words = f.title.toUpperCase().split(' ')
  const longest = Math.max(...words.map((w) => w.length))
  const size = Math.min(64, Math.floor(268 / (longest * 0.68)))
  const style = i % 4
  const shapes: string[] = []
  if (style === 0) shapes.push(`<circle cx="${80 + rand() * 140}" cy="${120 + rand() * 60}" r="${60 + rand() * 40}" fill="${accent}" opacity="0.85"/>`)
  if (style === 1)
    for (let k = 0; k < 3; k++)
      shapes.push(`<polygon points="${-40 + k * 120},450 ${60 + k * 110 + rand() * 40},${190 + rand() * 90} ${170 + k * 120},450" fill="${k % 2 ? top : bottom}" opacity="0.75"/>`)
  if (style === 2)
    for (let k = 0; k < 6; k++) shapes.push(`<rect x="0" y="${60 + k * 34}" width="300" height="${6 + k * 2}" fill="${accent}" opacity="${0.15 + k * 0.1}" transform="rotate(-12 150 225)"/>`)
  if (style === 3) {
    shapes.push(`<circle cx="150" cy="170" r="110" fill="none" stroke="${accent}" stroke-width="10" opacity="0.8"/>`)
    shapes.push(`<circle cx="150" cy="170" r="60" fill="${accent}" opacity="0.5"/>`)
  }
  const lines = words.map(
    (w, k) => `<text x="150" y="${300 + k * (size + 2)}" font-size="${size}" text-anchor="middle">${esc(w)}</text>`,
  )
  return `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="450">
  <defs><linearGradient id="g" x1="0" y1="0" x2="${(rand() * 0.6).toFixed(2)}" y2="1">
    <stop offset="0" stop-color="${top}"/><stop offset="1" stop-color="${bottom}"/></linearGradient></defs>
  <rect width="300" height="450" fill="url(#g)"/>
  ${shapes.join('\n  ')}
  <g font-family="DejaVu Sans, Liberation Sans, sans-serif" font-weight="bold" fill="#ffffff" stroke="#000000" stroke-opacity="0.35" stroke-width="1.5">${lines.join('')}</g>
  <text x="150" y="418" font-family="Liberation Sans Narrow, sans-serif" font-size="9" fill="#ffffff" fill-opacity="0.7" text-anchor="middle">A POSTERITY PICTURE · MADE-UP FILM · ${f.year}</text>
  <text x="150" y="434" font-family="DejaVu Sans, sans-serif" font-size="11" fill="#ffffff" fill-opacity="0.9" text-anchor="middle" letter-spacing="3">COMING SOON</text>
</svg>`
}

/** Polls a page expression (a string: the app's CSP refuses eval'd predicates). */
async function until(page: Page, expression: string, what: string): Promise<void> {
  for (let waited = 0; !(await page.evaluate(expression)); waited += 100) {
    if (waited > 20_000) throw new Error(`timed out waiting for ${what}`)
    await page.waitForTimeout(100)
  }
}

const allImagesLoaded = `[...document.querySelectorAll('img')].every((i) => i.complete && i.naturalWidth > 0)`

async function main(): Promise<void> {
  if (!existsSync(join(repo, 'out/renderer/index.html'))) throw new Error('out/renderer is missing: run `npm run build` first')
  const root = mkdtempSync(join(tmpdir(), 'posterity-screenshot-'))
  let serve: ServeChild | null = null
  let browser: Browser | null = null
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    const list = films()
    const folder = join(root, 'posters')
    mkdirSync(folder)
    await Promise.all(list.map((f, i) => sharp(Buffer.from(posterSvg(f, i))).jpeg({ quality: 88 }).toFile(join(folder, `${f.id}.jpg`))))
    const rows = list
      .filter((f) => f.genres)
      .map((f) => [f.id, `"[${f.genres!.map((g) => `'${g}'`).join(', ')}]"`, ...GENRES.map((g) => (f.genres!.includes(g) ? 1 : 0))].join(','))
    writeFileSync(join(root, 'labels.csv'), [['Id', 'Genre', ...GENRES].join(','), ...rows].join('\n') + '\n')
    writeFileSync(join(root, 'movies.csv'), ['Id,Title,Year', ...list.map((f) => `${f.id},${f.title},${f.year}`)].join('\n') + '\n')
    const library = join(root, 'library')
    const cli = [CLI, 'import', folder, '--labels', join(root, 'labels.csv'), '--metadata', join(root, 'movies.csv'), '--library', library]
    const imported = spawnSync(process.execPath, cli, { cwd: repo, encoding: 'utf8' })
    if (imported.status !== 0) throw new Error(`posterity import failed:\n${imported.stdout}\n${imported.stderr}`)

    const s = await startServeChild(library)
    serve = s
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: dark ? 'dark' : 'light' })
    await page.goto(s.url)
    const card = (n: number) => page.locator('[data-testid="poster-card"]').nth(n)
    await card(0).waitFor()
    await until(page, `document.querySelectorAll('[data-testid="poster-card"]').length >= 12 && ${allImagesLoaded}`, 'the grid')
    // A selection of four (a click, a shift-click range, ctrl-clicks); the last one is the
    // cursor, and the detail opens on it. The grid then has 4 columns: indices 0-7 on screen.
    await card(0).click()
    await card(1).click({ modifiers: ['Shift'] })
    await card(6).click({ modifiers: ['Control'] })
    await card(5).click({ modifiers: ['Control'] })
    await page.getByRole('button', { name: 'Detail' }).click()
    await page.locator('[data-testid="poster-detail"] h2').waitFor()
    await page.evaluate(`document.querySelector('[data-testid="poster-grid"]').scrollTop = 0`)
    await page.mouse.move(0, 899)
    await until(page, allImagesLoaded, 'the images')
    await page.waitForTimeout(400)
    const png = await page.screenshot()
    // A palette PNG keeps the README light; the UI's flat colours survive quantisation well.
    await sharp(png).png({ palette: true, quality: 90, effort: 10 }).toFile(out)
    console.log(`wrote ${out} (${Math.round(statSync(out).size / 1024)} KB)`)
  } finally {
    await browser?.close()
    await serve?.stop()
    rmSync(root, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
})
