// A write-back's journal: each NFO is listed in `<library>/collection-backups/<write>/journal.jsonl`
// before it is replaced, so a write-back killed mid-way can still be undone, and the genres it
// put into NFOs are still known as the model's (a rescan must not read them as a person's).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Film } from '../../shared/api'

export const BACKUP_DIR = 'collection-backups'

/** The description of a write-back entry until it finishes: one left so after its process ended was interrupted. */
export const WRITING = 'writing…'

export interface WrittenFile {
  film: number
  path: string
  /** The original's copy, or null when the write-back created the file. */
  backup: string | null
  /** sha256 of the bytes written: undo leaves a file alone that was changed since. */
  sha256: string
  /** The genres written (a rescan then knows them for the model's, not a person's). */
  genres?: string[]
  /** The film's review decision before the write-back: undo gives it back. */
  decision?: Film['decision']
  /**
   * Written in place (the file has other names, hard links, which a rename would split): not
   * atomic, so until the journal says `done` the file may be cut short, and undo puts the
   * backup back whatever the file holds.
   */
  inPlace?: boolean
  done?: boolean
  /** An in-place write that failed and could not put the original back: undo restores it. */
  torn?: boolean
}

export const journalOf = (dir: string, writeId: number) => join(dir, BACKUP_DIR, String(writeId), 'journal.jsonl')

/** The files a write-back's journal lists (none when it has no journal), each once, in journal order. */
function journalFiles(dir: string, writeId: number): WrittenFile[] {
  let text: string
  try {
    text = readFileSync(journalOf(dir, writeId), 'utf8')
  } catch {
    return []
  }
  const byPath = new Map<string, WrittenFile>()
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    try {
      const f = JSON.parse(line) as WrittenFile | { path: string; done: true }
      // The line after an in-place write: that file was written whole.
      if (!('film' in f)) {
        const e = byPath.get(f.path)
        if (e) e.done = true
      } else byPath.set(f.path, f)
    } catch {
      // A line cut short by the crash: its file was not replaced yet (it is listed before the rename).
    }
  }
  return [...byPath.values()]
}

export const byPathName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
/** An entry's files in a stable order: by film, a film's NFOs by path. */
export const byFilmThenPath = (a: WrittenFile, b: WrittenFile) => a.film - b.film || byPathName(a.path, b.path)

/** The files of an entry: those recorded with it and, for an interrupted (or running) one, its journal's (duplicates once). */
export function entryFiles(dir: string, writeId: number, recorded: WrittenFile[]): WrittenFile[] {
  const byPath = new Map(journalFiles(dir, writeId).map((f) => [f.path, f]))
  for (const f of recorded) byPath.set(f.path, f)
  return [...byPath.values()].sort(byFilmThenPath)
}
