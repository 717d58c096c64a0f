/**
 * The one way the engine reads a photo's bytes, and the rules for which
 * files are photos at all. A name ending in .jpg proves nothing: a named pipe
 * (FIFO) called x.jpg blocks a plain open() forever, and a link to /dev/zero
 * makes readFile() allocate until the process dies. So every read is
 *  - non-blocking to open (O_NONBLOCK: opening a FIFO without a writer returns at once),
 *  - checked on the opened descriptor (fstat): only a regular file is read, which also
 *    closes the race where the file is swapped for something else after it was admitted;
 *    and (`mayRead`) its real path must still lie in a watched folder,
 *  - size-capped (MAX_PHOTO_BYTES), reading exactly the size fstat reported,
 *  - time-bounded: a read that makes no progress for `stallMs` is given up, so a dead
 *    network drive cannot hold an indexing slot. The stuck system call itself cannot be
 *    cancelled: it keeps one of libuv's threads (4 by default, shared with sharp's work)
 *    until it returns, and its descriptor is closed then. So once MAX_STUCK_READS calls are
 *    stuck, new reads are refused at once (kind 'deferred': put off by the indexer, never counted against the photo)
 *    instead of losing the remaining threads and, with them, all decoding.
 * The scanner applies the same rules before a file is catalogued (scanner/admit.ts uses
 * `refusalFor`), so what the first scan refuses the watcher refuses too.
 */
import { createHash, type Hash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { open, readlink, realpath, type FileHandle } from 'node:fs/promises';
import { DecodeError } from './decode-error.js';

/** The largest photo Scenery reads: several times any camera's JPEG, HEIC or 8-bit TIFF. A larger file is refused with its size in the reason. */
export const MAX_PHOTO_BYTES = 512 * 1024 * 1024;

/** A read that makes no progress for this long is abandoned. */
export const READ_STALL_MS = 30_000;

/** Given-up system calls that may still hold a libuv thread before new reads are refused. */
export const MAX_STUCK_READS = 2;

const CHUNK = 8 * 1024 * 1024;

let stuckCalls = 0;

/** File system calls given up on that have not returned yet (tests). */
export function stuckReads(): number {
  return stuckCalls;
}

const mb = (n: number): string => `${Math.round(n / (1024 * 1024)).toLocaleString('en')} MB`;

/** Why a file with these stats is not read, or null if it may be. */
export function refusalFor(st: Stats): DecodeError | null {
  if (st.isDirectory()) return new DecodeError('this is a folder, not a photo', 'unsupported');
  if (!st.isFile()) {
    const what = st.isFIFO()
      ? 'a named pipe (FIFO)'
      : st.isCharacterDevice() || st.isBlockDevice()
        ? 'a device'
        : st.isSocket()
          ? 'a socket'
          : 'not a regular file';
    return new DecodeError(`this is ${what}, not a photo file; Scenery reads only regular files`, 'not_a_file');
  }
  if (st.size > MAX_PHOTO_BYTES) return new DecodeError(`the file is ${mb(st.size)}; Scenery reads photos up to ${mb(MAX_PHOTO_BYTES)}`, 'too_large');
  if (st.size === 0) return new DecodeError('the file is empty (0 bytes)', 'empty');
  return null;
}

function stalled(stallMs: number): DecodeError {
  return new DecodeError(`reading the file made no progress for ${Math.round(stallMs / 1000)} s (a disconnected network drive or a failing disk?)`, 'stalled');
}

/**
 * Settles with `p`, or rejects with `onTimeout()` after `ms`. If `p` settles later, `late` gets its
 * value (to close a descriptor that was opened after all).
 */
function within<T>(p: Promise<T>, ms: number, onTimeout: () => Error, late?: (v: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let abandoned = false;
    const timer = setTimeout(() => {
      done = true;
      abandoned = true;
      stuckCalls++;
      reject(onTimeout());
    }, ms);
    p.then(
      (v) => {
        if (abandoned) stuckCalls--;
        if (!done) {
          done = true;
          clearTimeout(timer);
          resolve(v);
        } else late?.(v);
      },
      (e: unknown) => {
        if (abandoned) stuckCalls--;
        if (!done) {
          done = true;
          clearTimeout(timer);
          reject(e as Error);
        }
      },
    );
  });
}

function explainFsError(e: unknown): DecodeError {
  if (e instanceof DecodeError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new DecodeError('the file disappeared before it could be read', 'vanished');
  if (code === 'EACCES' || code === 'EPERM') return new DecodeError('permission denied: Scenery cannot read this file', 'unreadable');
  if (code === 'EISDIR') return new DecodeError('this is a folder, not a photo', 'unsupported');
  return new DecodeError(`cannot read the file: ${code ?? (e as Error).message}`, 'unreadable');
}

export interface ReadOptions {
  /** Give up when a single open or read makes no progress this long (default READ_STALL_MS). */
  stallMs?: number;
  /**
   * Whether the real path of the opened file may be read (it lies in a watched folder): the
   * same rule as admission, checked on what was actually opened, so a link retargeted after
   * it was admitted, or a retried refused link, is not read.
   */
  mayRead?: (realPath: string) => Promise<boolean>;
  /** The file system calls (tests replace them to simulate a stuck drive). */
  openFile?: (path: string, flags: number) => Promise<FileHandle>;
}

/**
 * Opens a photo under the rules above and hands `use` a bounded reader of it; every failure
 * becomes a clear DecodeError, and the descriptor is closed once no call is in flight on it.
 */
async function withPhotoFile<T>(
  path: string,
  options: ReadOptions,
  use: (size: number, readAt: (buf: Buffer, off: number, len: number, pos: number) => Promise<number>) => Promise<T>,
): Promise<T> {
  const stallMs = options.stallMs ?? READ_STALL_MS;
  if (stuckCalls >= MAX_STUCK_READS) {
    throw new DecodeError(`not read now: ${stuckCalls} earlier reads are stuck (a drive or network share is not answering)`, 'deferred');
  }
  const openFile = options.openFile ?? ((p: string, f: number) => open(p, f));
  // O_NOCTTY: a terminal device must never become our controlling terminal.
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);
  let fh: FileHandle;
  try {
    fh = await within(openFile(path, flags), stallMs, () => stalled(stallMs), (late) => void late.close().catch(() => {}));
  } catch (e) {
    throw explainFsError(e);
  }
  // Closed only when no call is in flight on it (a descriptor number must not be reused under a stuck read).
  let inFlight: Promise<unknown> = Promise.resolve();
  try {
    const statting = fh.stat();
    inFlight = statting.catch(() => {});
    const st = await within(statting, stallMs, () => stalled(stallMs));
    const refused = refusalFor(st);
    if (refused) throw refused;
    if (options.mayRead) {
      // Linux names the opened file in /proc; elsewhere the path is resolved again.
      const real = await readlink(`/proc/self/fd/${fh.fd}`).catch(() => realpath(path));
      if (!(await options.mayRead(real))) throw new DecodeError('this is a link to a file outside the watched folders', 'outside_folders');
    }
    return await use(st.size, async (buf, off, len, pos) => {
      const read = fh.read(buf, off, len, pos);
      inFlight = read.catch(() => {});
      const { bytesRead } = await within(read, stallMs, () => stalled(stallMs));
      if (bytesRead === 0) throw new DecodeError(`the file got shorter while it was read (${st.size} bytes expected, ${pos} read)`, 'corrupt');
      return bytesRead;
    });
  } catch (e) {
    throw explainFsError(e);
  } finally {
    void inFlight.then(() => fh.close()).catch(() => {});
  }
}

/** Reads a photo file under the rules above (exactly the size it had when opened). */
export function readPhotoFile(path: string, options: ReadOptions = {}): Promise<Buffer> {
  return withPhotoFile(path, options, async (size, readAt) => {
    const buf = Buffer.allocUnsafe(size);
    for (let off = 0; off < size; ) off += await readAt(buf, off, Math.min(CHUNK, size - off), off);
    return buf;
  });
}

/**
 * A photo's content hash: what the catalog records for it (the indexer hashes the bytes it decodes), and what
 * hashPhotoFile computes to recognise a moved file. The two must agree, so both start here.
 */
function contentHasher(): Hash {
  return createHash('sha256');
}

/** The content hash of a photo's bytes (hex). */
export function contentHash(buf: Uint8Array): string {
  return contentHasher().update(buf).digest('hex');
}

/** The content hash of a photo file (equal to contentHash of its bytes), read under the same rules, in chunks. */
export function hashPhotoFile(path: string, options: ReadOptions = {}): Promise<string> {
  return withPhotoFile(path, options, async (size, readAt) => {
    const h = contentHasher();
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, size));
    for (let off = 0; off < size; ) {
      const n = await readAt(buf, 0, Math.min(buf.length, size - off), off);
      h.update(buf.subarray(0, n));
      off += n;
    }
    return h.digest('hex');
  });
}
