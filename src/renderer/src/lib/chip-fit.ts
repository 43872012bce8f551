// Which genre chips fit on one line of a card: whole chips only (never cut mid-word), the
// rest counted as "+N". Text is measured with the card's font on a canvas, once per string.

const cache = new Map<string, number>()
let ctx: CanvasRenderingContext2D | null | undefined

/** Width of `text` at the chips' font, in px (an estimate where no canvas exists). */
export function textWidth(text: string, font = '11px system-ui, sans-serif'): number {
  const key = `${font}\n${text}`
  let w = cache.get(key)
  if (w !== undefined) return w
  if (ctx === undefined) ctx = typeof document !== 'undefined' ? document.createElement('canvas').getContext('2d') : null
  if (ctx) {
    ctx.font = font
    w = ctx.measureText(text).width
  } else w = text.length * 6.2
  if (cache.size > 5000) cache.clear()
  cache.set(key, w)
  return w
}

/**
 * How many of `labels` fit in `available` px, each `pad` px wider than its text, `gap` px apart,
 * keeping room for the "+N" counter whenever some are left out.
 */
export function chipsThatFit(labels: string[], available: number, measure: (s: string) => number = textWidth, pad = 16, gap = 4): number {
  let used = 0
  for (let i = 0; i < labels.length; i++) {
    const w = measure(labels[i]) + pad + (i ? gap : 0)
    const rest = labels.length - i - 1
    const counter = rest > 0 ? gap + measure(`+${rest}`) + 4 : 0
    if (used + w + counter > available) return i
    used += w
  }
  return labels.length
}

/**
 * The chips of one card line: `whole` chips that fit entirely, as chipsThatFit says; and, only
 * when not even the first one fits, `cut`: the width (px, padding included) the first chip may
 * take, cut with an ellipsis, when that still leaves it at least `minChars` characters of its
 * genre (a leading source mark such as "✦ " not counted). `cut` is null otherwise: the card
 * shows "+N" alone rather than a chip reduced to an ellipsis.
 */
export function chipLine(
  labels: string[],
  available: number,
  measure: (s: string) => number = textWidth,
  pad = 16,
  gap = 4,
  minChars = 3,
): { whole: number; cut: number | null } {
  const whole = chipsThatFit(labels, available, measure, pad, gap)
  if (whole > 0 || !labels.length) return { whole, cut: null }
  const rest = labels.length - 1
  const room = available - (rest > 0 ? gap + measure(`+${rest}`) + 4 : 0)
  const first = labels[0]
  const mark = /^[^\p{L}\p{N}]\s/u.test(first) ? 2 : 0
  const least = measure(`${first.slice(0, mark + minChars)}…`) + pad
  return { whole: 0, cut: room >= least ? Math.floor(room) : null }
}
