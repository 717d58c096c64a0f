/**
 * Which entries of a watched folder become photos in the catalog. ONE rule,
 * used by the first scan (walk.ts) and by the live watcher (scanner.ts) alike;
 * before, the scan skipped anything that was not a plain file while the
 * watcher passed a FIFO or a link to /dev/zero straight to the indexer.
 *  - Only names that look like photos (file-types.ts) are considered.
 *  - A regular file is a photo, unless it is larger than MAX_PHOTO_BYTES.
 *  - A symbolic link is resolved: a link to a regular file inside a watched folder is a
 *    photo (read through the link); a link to anything outside every watched folder,
 *    a dangling link, or a link to a pipe or device is refused. Links to folders are
 *    never followed (no loops), so they are simply not photos.
 *  - Pipes, devices and sockets are refused.
 * A refused entry IS catalogued, as a failed photo with the reason: it has a
 * photo's name, so the user expects to see it, and the failed view says why it
 * has no tags (the same as a file Scenery may not read). It costs no indexing
 * work; the indexer's read path (imaging/photo-file.ts) enforces the same rules
 * again on the opened file, for anything swapped after admission.
 */
import { lstat, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileFacts } from '../catalog/catalog.js';
import { DecodeError } from '../imaging/decode-error.js';
import { refusalFor } from '../imaging/photo-file.js';
import { isInside } from '../media/media-files.js';
import { isPhotoName } from './file-types.js';

export type Admission =
  | { kind: 'photo'; facts: FileFacts }
  | { kind: 'refused'; facts: FileFacts; error: DecodeError }
  /** Not a photo at all (name, folder, gone): nothing to record. */
  | { kind: 'ignored' };

const IGNORED: Admission = { kind: 'ignored' };

/**
 * Real paths of every watched folder (where a link may point), for the scanner and the
 * indexer's read check alike; recomputed when the folder list changes or on `refresh()`
 * (a folder that was offline may resolve now).
 */
export class WatchedRoots {
  private cache: { key: string; roots: Promise<string[]> } | null = null;
  constructor(private readonly folders: () => readonly { path: string }[]) {}

  get(): Promise<string[]> {
    const folders = this.folders();
    const key = folders.map((f) => f.path).join('\0');
    if (this.cache?.key !== key) {
      const roots = Promise.all(folders.map((f) => realpath(f.path).catch(() => null))).then((r) => r.filter((p): p is string => p !== null));
      this.cache = { key, roots };
    }
    return this.cache.roots;
  }

  refresh(): void {
    this.cache = null;
  }
}

/**
 * Admits `relPath` (with '/' separators) below `root`. `roots` gives the real paths of every
 * watched folder, which a link may point into (asked for only when there is a link).
 */
export async function admitFile(root: string, relPath: string, roots: () => Promise<readonly string[]>): Promise<Admission> {
  const name = relPath.slice(relPath.lastIndexOf('/') + 1);
  if (!isPhotoName(name)) return IGNORED;
  const path = join(root, ...relPath.split('/'));
  let own;
  try {
    own = await lstat(path);
  } catch (e) {
    // A path beyond the system's limit is the walk's to report (walk.ts).
    if ((e as NodeJS.ErrnoException).code === 'ENAMETOOLONG') throw e;
    return IGNORED; // vanished: the watcher sees it go
  }
  if (own.isDirectory()) return IGNORED;
  const ownFacts: FileFacts = { relPath, name, size: own.size, mtimeMs: own.mtimeMs };
  let st = own;
  if (own.isSymbolicLink()) {
    let target: string;
    try {
      target = await realpath(path);
      st = await stat(target);
    } catch {
      return { kind: 'refused', facts: ownFacts, error: new DecodeError('this is a link to a file that does not exist', 'vanished') };
    }
    if (st.isDirectory()) return IGNORED;
    const special = refusalFor(st);
    if (special?.kind === 'not_a_file') return { kind: 'refused', facts: ownFacts, error: special };
    if (!(await roots()).some((r) => isInside(r, target))) {
      return { kind: 'refused', facts: ownFacts, error: new DecodeError('this is a link to a file outside the watched folders', 'outside_folders') };
    }
  }
  const refusal = refusalFor(st);
  // An empty file is not refused here: it is usually being written, and the write-finish wait and the indexer handle it.
  if (refusal && refusal.kind !== 'empty') return { kind: 'refused', facts: ownFacts, error: refusal };
  return { kind: 'photo', facts: { relPath, name, size: st.size, mtimeMs: st.mtimeMs } };
}
