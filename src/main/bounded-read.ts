// Reading a small file the user's folders hold (an NFO, a backup) without trusting what its
// directory entry says: a FIFO would block the read for good, and /proc files report size 0
// while producing endless bytes. The file is opened non-blocking, must be a regular file,
// and at most `max` bytes are read whatever its reported size.
import { constants } from 'node:fs'
import { open } from 'node:fs/promises'

export class TooLarge extends Error {}
export class NotRegular extends Error {}

export async function readBounded(path: string, max: number): Promise<Buffer> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
  try {
    const st = await fh.stat()
    if (!st.isFile()) throw new NotRegular('not a regular file')
    if (st.size > max) throw new TooLarge(`larger than ${max} bytes`)
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(64 * 1024, max + 1 - total))
      const { bytesRead } = await fh.read(buf, 0, buf.length, null)
      if (bytesRead === 0) break
      chunks.push(buf.subarray(0, bytesRead))
      total += bytesRead
      if (total > max) throw new TooLarge(`larger than ${max} bytes`)
    }
    return Buffer.concat(chunks, total)
  } finally {
    await fh.close()
  }
}
