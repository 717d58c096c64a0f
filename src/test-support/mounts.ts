/**
 * Real mounts for tests of full disks and unplugged drives (tmpfs, bind
 * mounts). Mounting needs root (or CAP_SYS_ADMIN); where it is not permitted
 * the tests that need it are skipped with the reason printed.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs `mount ARGS`; null when it worked, else why not. */
export function tryMount(...args: string[]): string | null {
  const r = spawnSync('mount', args, { encoding: 'utf8' });
  if (r.error) return `mount could not run: ${r.error.message}`;
  if (r.status !== 0) return `mount ${args.join(' ')} is not permitted here: ${r.stderr.trim() || `exit ${r.status}`}`;
  return null;
}

/**
 * Null when this process may mount (a tmpfs is mounted and unmounted at once),
 * else why not: decided when a test file is collected, so that it can skip
 * with the reason before making any mount it might then not clean up.
 */
export function mountNotPermitted(): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'scenery-mount-probe-'));
  try {
    const why = tryMount('-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir);
    if (why === null) unmount(dir);
    return why;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Unmounts, lazily if busy; throws when it fails (a test that cannot undo its mount must say so). */
export function unmount(dir: string): void {
  const r = spawnSync('umount', [dir], { encoding: 'utf8' });
  if (r.status === 0) return;
  const lazy = spawnSync('umount', ['-l', dir], { encoding: 'utf8' });
  if (lazy.status !== 0) throw new Error(`umount ${dir}: ${r.stderr.trim()} / ${lazy.stderr.trim()}`);
}

/** Whether `dir` is a mount point right now. */
export function isMounted(dir: string): boolean {
  return spawnSync('mountpoint', ['-q', dir]).status === 0;
}

/** Writes into `path` until the volume refuses with ENOSPC (to the last 512 bytes); returns the bytes written. */
export function fillVolume(path: string): number {
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    for (const chunk of [1 << 20, 64 << 10, 4 << 10, 512]) {
      const buf = Buffer.alloc(chunk, 7);
      for (;;) {
        try {
          written += writeSync(fd, buf);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw e;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}
