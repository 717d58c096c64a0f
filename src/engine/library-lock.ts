/**
 * One writer per library. Two processes indexing the same catalog (two `scenery index`, or `index` while the app or
 * `serve` runs) fight over SQLite's write lock: one of them gets SQLITE_BUSY in the middle of a batch and its indexing
 * pump dies. So every process that writes (index, serve, the desktop app) takes `<library>/scenery.lock` first: a file
 * created with O_EXCL holding the owner's pid, command and host. A second writer is refused with a message naming
 * the first; a lock whose process is gone (killed, crashed, machine restarted) is taken over. Read-only commands
 * (search, photos) take no lock. Within one process the lock is shared (counted), so tests and the app may reopen.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { FS_NOT_WRITABLE_CODES, libraryNotWritable } from './catalog/catalog.js';
import { processAlive } from './process-alive.js';

export const LOCK_FILE = 'scenery.lock';

export interface LockHolder {
  pid: number;
  command: string;
  host: string;
  startedAt: string;
}

export class LibraryLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `the library ${dir} is in use by another Scenery process (pid ${holder.pid}${holder.host !== hostname() ? ` on ${holder.host}` : ''}: ${holder.command}, since ${holder.startedAt}). ` +
        `Wait for it to finish or stop it, then try again (if no such process exists, delete ${join(dir, LOCK_FILE)}).`,
    );
    this.name = 'LibraryLockedError';
  }
}

/** What this process is, in words a user recognises in `ps`. */
export function currentCommand(argv = process.argv): string {
  if (process.versions['electron']) return 'the Scenery desktop app';
  const script = argv[1] ? basename(argv[1]).replace(/\.(m?js|ts)$/, '') : 'node';
  return [script === 'scenery' || script === 'index' ? 'scenery' : script, ...argv.slice(2)].join(' ');
}

/** Whether the lock's process still runs. A lock from before the last boot is stale whatever its pid now names. */
function holderAlive(h: LockHolder): boolean {
  return processAlive(h.pid, Date.parse(h.startedAt));
}

function readHolder(path: string): { text: string; holder: LockHolder | null } | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    return { text, holder: Number.isInteger(h.pid) && h.pid > 0 ? h : null };
  } catch {
    return { text, holder: null };
  }
}

/** The locks this process holds, by library folder; an exiting process removes them (a killed one leaves them stale). */
const held = new Map<string, { count: number; path: string }>();
let exitHook = false;

/**
 * Takes the library's writer lock (creating the folder); returns its release. Throws LibraryLockedError when a live
 * process holds it.
 */
export function acquireLibraryLock(dir: string, command = currentCommand()): () => void {
  const mine = held.get(dir);
  if (mine) {
    mine.count++;
    return once(() => releaseShared(dir));
  }
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, command, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, JSON.stringify(me));
      } finally {
        closeSync(fd);
      }
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (FS_NOT_WRITABLE_CODES.includes(code)) throw libraryNotWritable(dir, code, (e as Error).message, join(dir, 'catalog.sqlite'));
      if (code !== 'EEXIST') throw e;
    }
    if (attempt > 50) throw new Error(`could not take the lock ${path}: it keeps changing`);
    const seen = readHolder(path);
    if (!seen) continue; // released meanwhile
    const h = seen.holder;
    if (h && (h.host !== me.host || holderAlive(h))) throw new LibraryLockedError(dir, h);
    // An unreadable lock is a writer between its open and its write: wait; if it stays so (half a second), it is debris.
    if (!h && attempt < 20) {
      sleepMs(25);
      continue;
    }
    // Stale (its process is gone): take it over, unless someone else did so since we read it.
    if (readHolder(path)?.text === seen.text) {
      try {
        unlinkSync(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
  }
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const h of held.values()) removeIfMine(h.path);
    });
  }
  held.set(dir, { count: 1, path });
  return once(() => releaseShared(dir));
}

function releaseShared(dir: string): void {
  const mine = held.get(dir);
  if (!mine || --mine.count > 0) return;
  held.delete(dir);
  removeIfMine(mine.path);
}

function removeIfMine(path: string): void {
  try {
    if (readHolder(path)?.holder?.pid === process.pid) unlinkSync(path);
  } catch {
    // Gone already, or the folder was removed: nothing to release.
  }
}

function once(f: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    f();
  };
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
