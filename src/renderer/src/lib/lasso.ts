// Geometry of the map: the view transform (zoom and pan) and the lasso's point-in-polygon test.

export interface View {
  /** Screen pixels per map unit. */
  scale: number
  /** Screen position of the map origin. */
  tx: number
  ty: number
}

/** The view that fits points (x, y interleaved) into a w × h box with a margin. */
export function fitView(xy: ArrayLike<number>, w: number, h: number, margin = 24): View {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity
  for (let i = 0; i < xy.length; i += 2) {
    minX = Math.min(minX, xy[i]); maxX = Math.max(maxX, xy[i])
    minY = Math.min(minY, xy[i + 1]); maxY = Math.max(maxY, xy[i + 1])
  }
  if (!Number.isFinite(minX)) return { scale: 1, tx: w / 2, ty: h / 2 }
  const sx = (w - 2 * margin) / Math.max(maxX - minX, 1e-9)
  const sy = (h - 2 * margin) / Math.max(maxY - minY, 1e-9)
  const scale = Math.max(1e-6, Math.min(sx, sy))
  return { scale, tx: w / 2 - ((minX + maxX) / 2) * scale, ty: h / 2 - ((minY + maxY) / 2) * scale }
}

/** Zooms by `factor` keeping the screen point (px, py) fixed. */
export function zoomAt(v: View, factor: number, px: number, py: number): View {
  const scale = Math.min(1e6, Math.max(1e-6, v.scale * factor))
  const f = scale / v.scale
  return { scale, tx: px - (px - v.tx) * f, ty: py - (py - v.ty) * f }
}

/** Whether (x, y) lies inside the polygon (x, y interleaved), by ray casting. */
export function insidePolygon(poly: ArrayLike<number>, x: number, y: number): boolean {
  let inside = false
  const n = poly.length / 2
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = poly[2 * i], yi = poly[2 * i + 1]
    const xj = poly[2 * j], yj = poly[2 * j + 1]
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

/** Indices of the points (map coordinates) whose screen position is inside a screen polygon. */
export function pointsInLasso(xy: ArrayLike<number>, v: View, poly: number[]): number[] {
  if (poly.length < 6) return []
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity
  for (let i = 0; i < poly.length; i += 2) {
    minX = Math.min(minX, poly[i]); maxX = Math.max(maxX, poly[i])
    minY = Math.min(minY, poly[i + 1]); maxY = Math.max(maxY, poly[i + 1])
  }
  const out: number[] = []
  for (let i = 0; i < xy.length / 2; i++) {
    const sx = xy[2 * i] * v.scale + v.tx
    const sy = xy[2 * i + 1] * v.scale + v.ty
    if (sx < minX || sx > maxX || sy < minY || sy > maxY) continue
    if (insidePolygon(poly, sx, sy)) out.push(i)
  }
  return out
}
