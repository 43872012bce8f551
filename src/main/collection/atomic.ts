// Replacing a file so that a reader (Kodi scanning the NAS, a crash, a full disk) sees either
// the old bytes or the new ones, never half: a temporary file in the same folder, flushed to
// disk, then renamed over the target. Any failure removes the temporary file and leaves the
// target exactly as it was.
//
// A file with other names (hard links, nlink > 1) cannot be replaced that way: the rename
// gives this name a new file and every other name keeps the old bytes. Such a file is written
// in place instead (same inode, so every name sees the new bytes), which is not atomic: the
// write-back journals it first and keeps its original, so a write cut short is put back from
// the backup (see write.ts).
import { randomBytes } from 'node:crypto'
import { chown, open, readdir, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { errnoWords, processExists } from '../errno'

export class WriteRefused extends Error {}
/** An in-place write that failed part-way and could not put the original back: the file may be cut short. */
export class TornWrite extends WriteRefused {}

/** Why a file cannot be written, in words a user acts on. */
export function writeReason(err: unknown): string {
  return err instanceof WriteRefused ? err.message : errnoWords(err, 'the folder is gone')
}

/**
 * Refuses files and folders whose write bits are all off: the owner made them read-only on
 * purpose, and running as root (or on a share that ignores modes) must not override that.
 */
export async function checkWritable(path: string): Promise<void> {
  const dir = await stat(dirname(path))
  if ((dir.mode & 0o222) === 0) throw new WriteRefused('read-only folder')
  const file = await stat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null
    throw e
  })
  if (file && (file.mode & 0o222) === 0) throw new WriteRefused('read-only file')
}

export async function atomicWrite(path: string, bytes: Buffer): Promise<void> {
  await checkWritable(path)
  const before = await stat(path).catch(() => null)
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.posterity-tmp`)
  const fh = await open(tmp, 'wx', before ? before.mode & 0o7777 : 0o644)
  try {
    try {
      await fh.writeFile(bytes)
      await fh.sync()
    } finally {
      await fh.close()
    }
    // The media server may run as the file's owner: the new file keeps it (where we may set it).
    if (before) await chown(tmp, before.uid, before.gid).catch(() => {})
    await rename(tmp, path)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw err
  }
  // The rename itself reaches the disk with the folder's entry.
  const d = await open(dirname(path), 'r').catch(() => null)
  if (d) await d.sync().catch(() => {}).finally(() => d.close())
}

/** Whether `path` has other names (hard links): a rename would split them, so it is written in place. */
export async function hardLinked(path: string): Promise<boolean> {
  const st = await stat(path).catch(() => null)
  return !!st && st.isFile() && st.nlink > 1
}

/**
 * Writes `bytes` over the file itself (its inode, so every hard link sees them), then cuts it
 * to their length and flushes it. Not atomic: a failure part-way (a full disk) puts `original`
 * back in place when it is given (it fits: the file held it before); if even that fails the
 * error says the file may be cut short.
 */
export async function writeInPlace(path: string, bytes: Buffer, original?: Buffer): Promise<void> {
  await checkWritable(path)
  const put = async (b: Buffer) => {
    const fh = await open(path, 'r+')
    try {
      // One write may land only part of the bytes (a disk filling up): write the rest, so that a
      // full disk fails here (and the original goes back) instead of truncate padding with zeros.
      for (let at = 0; at < b.length; ) {
        const { bytesWritten } = await fh.write(b, at, b.length - at, at)
        if (bytesWritten <= 0) throw Object.assign(new Error('no space left on the device'), { code: 'ENOSPC' })
        at += bytesWritten
      }
      await fh.truncate(b.length)
      await fh.sync()
    } finally {
      await fh.close()
    }
  }
  try {
    await put(bytes)
  } catch (err) {
    if (!original) throw err
    try {
      await put(original)
    } catch {
      throw new TornWrite(`${writeReason(err)} while writing the hard-linked file in place; it may be cut short (its original is in the write-back's backups)`)
    }
    throw err
  }
}

/** The file replaced: atomically by rename, or in place when it has other names (hard links). */
export async function replaceFile(path: string, bytes: Buffer, original?: Buffer): Promise<void> {
  if (await hardLinked(path)) await writeInPlace(path, bytes, original)
  else await atomicWrite(path, bytes)
}

const TEMP = /^\..+\.(\d+)-[0-9a-f]{8}\.posterity-tmp$/

/** Removes the temporary files of writes that were killed before their rename (their process is gone). */
export async function removeStaleTemps(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[])
  for (const n of names) {
    const m = TEMP.exec(n)
    if (m && Number(m[1]) !== process.pid && !processExists(Number(m[1]))) await unlink(join(dir, n)).catch(() => {})
  }
}
