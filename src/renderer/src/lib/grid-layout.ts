// Geometry of the virtualized poster grid: how many columns fit, how tall a row is, and
// which rows are on screen. Pure, so it is tested without a browser.

export interface GridMetrics {
  cols: number
  cardWidth: number
  cardHeight: number
  /** Row pitch: card height plus the gap. */
  rowHeight: number
  rows: number
  /** Height of the whole scrollable content. */
  contentHeight: number
}

export interface GridOptions {
  minCardWidth: number
  gap: number
  padding: number
  /** Fixed height of the caption under the image. */
  captionHeight: number
  /** Image height / width (posters are about 3:2 tall). */
  aspect: number
}

export const defaultGridOptions: GridOptions = { minCardWidth: 150, gap: 14, padding: 16, captionHeight: 58, aspect: 1.5 }

export function gridMetrics(width: number, total: number, o: GridOptions = defaultGridOptions): GridMetrics {
  const inner = Math.max(0, width - 2 * o.padding)
  const cols = Math.max(1, Math.floor((inner + o.gap) / (o.minCardWidth + o.gap)))
  const cardWidth = Math.max(40, Math.floor((inner - o.gap * (cols - 1)) / cols))
  const cardHeight = Math.round(cardWidth * o.aspect) + o.captionHeight
  const rowHeight = cardHeight + o.gap
  const rows = Math.ceil(total / cols)
  const contentHeight = rows === 0 ? 0 : 2 * o.padding + rows * rowHeight - o.gap
  return { cols, cardWidth, cardHeight, rowHeight, rows, contentHeight }
}

/** Item index range [start, end) to render for a viewport, with `overscan` rows each side. */
export function visibleRange(
  m: GridMetrics,
  total: number,
  scrollTop: number,
  viewportHeight: number,
  overscan = 2,
  padding = defaultGridOptions.padding,
): { start: number; end: number } {
  if (total === 0 || m.rows === 0) return { start: 0, end: 0 }
  const top = Math.max(0, scrollTop - padding)
  const firstRow = Math.max(0, Math.floor(top / m.rowHeight) - overscan)
  const lastRow = Math.min(m.rows - 1, Math.floor((top + viewportHeight) / m.rowHeight) + overscan)
  return { start: firstRow * m.cols, end: Math.min(total, (lastRow + 1) * m.cols) }
}

/** Position of item `index` inside the content. */
export function cellPosition(m: GridMetrics, index: number, o: GridOptions = defaultGridOptions): { x: number; y: number } {
  const row = Math.floor(index / m.cols)
  const col = index % m.cols
  return { x: o.padding + col * (m.cardWidth + o.gap), y: o.padding + row * m.rowHeight }
}

/** The scrollTop that brings item `index` into view, or null when it is already visible. */
export function scrollToReveal(
  m: GridMetrics,
  index: number,
  scrollTop: number,
  viewportHeight: number,
  o: GridOptions = defaultGridOptions,
): number | null {
  const { y } = cellPosition(m, index, o)
  if (y < scrollTop) return Math.max(0, y - o.padding)
  if (y + m.cardHeight > scrollTop + viewportHeight) return y + m.cardHeight + o.padding - viewportHeight
  return null
}
