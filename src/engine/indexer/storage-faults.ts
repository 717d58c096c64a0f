/**
 * Failures of the library's own storage (the catalog database and the
 * thumbnail folder), told apart from failures of a photo. A full disk, a
 * read-only or unwritable library folder says nothing about the photo being
 * indexed: marking it "could not be read" would be wrong and would stick. So
 * the indexer stalls instead (stops taking jobs, says why) and a probe checks
 * every few seconds whether the library can be written again; then the photos
 * that hit the fault are queued again and indexing continues by itself.
 *
 * Photo-side read errors never get here: readPhotoFile turns them into
 * DecodeErrors, which the indexer handles per photo.
 */
import { mkdir, statfs, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IndexingStall } from '../../shared/domain.js';

const MESSAGES: Record<IndexingStall['reason'], string> = {
  'disk-full': 'The disk holding the Scenery library is full. Free some space; tagging continues by itself.',
  'read-only': 'The Scenery library folder is read-only. Make it writable again; tagging continues by itself.',
  'no-permission': 'Scenery may not write to its library folder (permission denied). Fix its permissions; tagging continues by itself.',
  'write-error': 'Scenery cannot write to its library folder (a disk error). Tagging continues by itself once it can.',
};

export function stall(reason: IndexingStall['reason']): IndexingStall {
  return { reason, message: MESSAGES[reason] };
}

/**
 * The stall a library-side error calls for, or null when the error is not about the library's storage.
 * Wider than catalog.ts's FS_NOT_WRITABLE_CODES on purpose: a running library also stalls (and resumes by
 * itself) on a full disk or an I/O error, which opening a library does not call "not writable".
 */
export function storageFault(e: unknown): IndexingStall | null {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
    case 'SQLITE_FULL':
    // SQLite's shared-memory index could not grow: it writes each new page so that a full disk fails here, not in a SIGBUS.
    case 'SQLITE_IOERR_SHMSIZE':
      return stall('disk-full');
    case 'EROFS':
      return stall('read-only');
    case 'EACCES':
    case 'EPERM':
    case 'SQLITE_PERM':
      return stall('no-permission');
    case 'EIO':
    case 'SQLITE_CANTOPEN':
      return stall('write-error');
  }
  if (code.startsWith('SQLITE_READONLY')) return stall('read-only');
  if (code.startsWith('SQLITE_IOERR')) return stall('write-error');
  return null;
}

/** What a probe writes: about one thumbnail. */
const PROBE_BYTES = 64 * 1024;

/**
 * Null when the library can take indexing again: enough free space (16 MB, or a
 * quarter of a small volume, so that one freed thumbnail does not resume and
 * stall again at once), a file written and removed in the thumbnail folder, and
 * a write to the catalog.
 */
export async function probeStorage(libraryDir: string, writeCatalog: () => void): Promise<IndexingStall | null> {
  const probe = join(libraryDir, 'thumbs', `.write-probe-${process.pid}`);
  try {
    const fs = await statfs(libraryDir);
    const free = fs.bavail * fs.bsize;
    if (free < Math.min(16e6, (fs.blocks * fs.bsize) / 4)) return stall('disk-full');
    await mkdir(join(libraryDir, 'thumbs'), { recursive: true });
    await writeFile(probe, Buffer.alloc(PROBE_BYTES));
    await unlink(probe);
    writeCatalog();
    return null;
  } catch (e) {
    await unlink(probe).catch(() => {});
    return storageFault(e) ?? stall('write-error');
  }
}
