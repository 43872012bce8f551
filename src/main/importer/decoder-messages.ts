// A refused file's reason in the decoder's words, and only its own. libvips keeps one error
// buffer for the whole process: with several decodes at once, a failing file's message can
// carry another file's lines ("vipspng: ..." for a JPEG) or none at all ("Unknown error").

/** The prefixes libvips' loaders give their lines, by the format sharp names. */
const LOADERS: Record<string, RegExp> = {
  jpeg: /^(VipsJpeg|VipsForeignLoadJpeg|jpegload)\b/i,
  png: /^(vipspng|VipsForeignLoadPng|pngload|spng)\b/i,
  webp: /^(VipsForeignLoadWebp|webpload|webp2vips)\b/i,
  gif: /^(VipsForeignLoadGif|gifload|cgif)\b/i,
  tiff: /^(VipsForeignLoadTiff|tiffload|tiff2vips)\b/i,
  heif: /^(VipsForeignLoadHeif|heifload|heif)\b/i,
}
/** Lines that say nothing about the file. */
const EMPTY = /^(Unknown error|Warning treated as error due to failOn setting)$/i

/**
 * The lines of `message` that can be this format's decoder's: those another loader signed and
 * those that say nothing are dropped. `mixed`: another loader's lines were there, so this
 * file's own may have been taken by the other decode.
 */
export function ownLines(format: string | null, message: string): { text: string; mixed: boolean } {
  let mixed = false
  const kept = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => {
      if (!l || EMPTY.test(l)) return false
      const other = Object.entries(LOADERS).some(([f, re]) => f !== format && re.test(l))
      if (other) mixed = true
      return !other
    })
  return { text: [...new Set(kept)].join('; '), mixed }
}

// Decodes share the process; a retry to learn a failing file's own message waits until none
// runs and holds new ones back meanwhile, so no other decode's lines reach its message.
let active = 0
const idle: (() => void)[] = []
let gate: Promise<void> = Promise.resolve()

/** Runs one decode (any sharp pipeline), unless a retry runs alone. */
export async function decoding<T>(f: () => Promise<T>): Promise<T> {
  for (let g = gate; ; g = gate) {
    await g
    if (g === gate) break
  }
  active++
  try {
    return await f()
  } finally {
    if (--active === 0) for (const wake of idle.splice(0)) wake()
  }
}

/** Runs `f` while no decode runs (never call it from inside `decoding`: it would wait for itself). */
export function alone<T>(f: () => Promise<T>): Promise<T> {
  const before = gate
  let open!: () => void
  gate = new Promise<void>((resolve) => (open = resolve))
  return (async () => {
    await before
    if (active > 0) await new Promise<void>((resolve) => idle.push(resolve))
    try {
      return await f()
    } finally {
      open()
    }
  })()
}
