/** The writer lock: one live writer per library; a dead one's lock is taken over; readers need none. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, uptime } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/harness.js';
import { acquireLibraryLock, currentCommand, LibraryLockedError, LOCK_FILE } from './library-lock.js';
import { Library, LibraryNotFoundError } from './library.js';

const tmp = tempDir('lock');
afterAll(() => tmp.cleanup());

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function holder(dir: string): { pid: number; command: string } {
  return JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as { pid: number; command: string };
}

describe('library lock', () => {
  it('is refused while a live process (here: this test runner\'s parent) holds it, naming it', () => {
    const dir = join(tmp.path, 'live');
    const other = { pid: process.ppid, command: 'scenery serve --library x', host: hostname(), startedAt: new Date().toISOString() };
    acquireLibraryLock(dir)(); // creates the folder
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(other));
    let err: unknown;
    try {
      acquireLibraryLock(dir, 'scenery index');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LibraryLockedError);
    expect((err as Error).message).toContain(`in use by another Scenery process (pid ${process.ppid}: scenery serve --library x, since ${other.startedAt})`);
    expect(holder(dir).pid).toBe(process.ppid);
  });

  it('a lock left by a process that is gone is taken over', () => {
    const dir = join(tmp.path, 'stale');
    acquireLibraryLock(dir)();
    const pid = deadPid();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, command: 'scenery index /p', host: hostname(), startedAt: 'x' }));
    const release = acquireLibraryLock(dir, 'scenery index /q');
    expect(holder(dir)).toMatchObject({ pid: process.pid, command: 'scenery index /q' });
    release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('a lock from before the machine last started is stale even if its pid is in use again', () => {
    const dir = join(tmp.path, 'reboot');
    acquireLibraryLock(dir)();
    const beforeBoot = new Date(Date.now() - uptime() * 1000 - 3_600_000).toISOString();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.ppid, command: 'scenery serve', host: hostname(), startedAt: beforeBoot }));
    const release = acquireLibraryLock(dir);
    expect(holder(dir).pid).toBe(process.pid);
    release();
  });

  it('an unreadable (half-written, then abandoned) lock is taken over after a short wait', () => {
    const dir = join(tmp.path, 'debris');
    acquireLibraryLock(dir)();
    writeFileSync(join(dir, LOCK_FILE), '');
    const t0 = Date.now();
    const release = acquireLibraryLock(dir);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(holder(dir).pid).toBe(process.pid);
    release();
  });

  it('is shared within one process and released by the last holder', () => {
    const dir = join(tmp.path, 'shared');
    const a = acquireLibraryLock(dir);
    const b = acquireLibraryLock(dir);
    a();
    a();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    b();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('names the scenery command as typed', () => {
    expect(currentCommand(['/usr/bin/node', '/home/u/scenery/bin/scenery.mjs', 'index', '/photos'])).toBe('scenery index /photos');
  });
});

describe('Library.open', () => {
  it('a writer takes the lock and close() releases it; a reader takes none', async () => {
    const dir = join(tmp.path, 'lib');
    const lib = await Library.open({ dir, watch: false, modelsDir: join(tmp.path, 'models') });
    expect(holder(dir).pid).toBe(process.pid);
    await lib.close();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const reader = await Library.open({ dir, start: false, create: false });
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    await reader.close();
  });

  it('create: false refuses a folder without a library and creates nothing', async () => {
    const dir = join(tmp.path, 'typo');
    await expect(Library.open({ dir, start: false, create: false })).rejects.toThrow(LibraryNotFoundError);
    expect(existsSync(dir)).toBe(false);
  });
});
