/** `scenery serve`: arguments that must stop it before it serves anything; its engine process. */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { processAlive } from '../../engine/process-alive.js';
import { tempDir, waitFor } from '../../test-support/harness.js';
import { REPO_ROOT } from '../../test-support/shared-data.js';
import { UsageError } from '../args.js';
import { serveCommand } from './serve.js';

describe('scenery serve --token', () => {
  const tmp = tempDir('serve-cli');
  afterAll(() => tmp.cleanup());

  it('refuses an empty or blank token (it would turn authentication off) before opening the library', async () => {
    const dir = join(tmp.path, 'never-created');
    await expect(serveCommand(['--token', '', '--host', '0.0.0.0', '--library', dir])).rejects.toThrow(UsageError);
    await expect(serveCommand(['--token', '  ', '--host', '0.0.0.0', '--library', dir])).rejects.toThrow(/--token: the token is empty/);
    await expect(serveCommand(['--token', 'has space', '--library', dir])).rejects.toThrow(/--token: .*without spaces/);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('scenery serve: its engine process', () => {
  const tmp = tempDir('serve-engine');
  afterAll(() => tmp.cleanup());

  it('runs the engine in a child process, starts it again after kill -9, and stops it on SIGTERM', async () => {
    const proc = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'scenery.mjs'), 'serve', '--library', join(tmp.path, 'lib'), '--models', join(tmp.path, 'models'), '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      const url = await waitFor('the server URL', () => /Open (http:\/\/\S+)/.exec(out)?.[1], 60_000);
      const status = async (): Promise<number> => (await fetch(`${url}/api/library.status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status;
      expect(await status()).toBe(200);
      // bin/scenery.mjs may re-exec itself once: the engine is the process running engine-process.js below it.
      const engine = await waitFor('the engine process', () => enginePid(proc.pid!), 30_000);
      process.kill(engine, 'SIGKILL');
      await waitFor('started again', () => /started it again \(pid (\d+)\)/.exec(err), 60_000);
      const again = enginePid(proc.pid!);
      expect(again).not.toBeNull();
      expect(again).not.toBe(engine);
      expect(await status()).toBe(200);
      proc.kill('SIGTERM');
      await waitFor('serve exited', () => proc.exitCode !== null || proc.signalCode !== null, 30_000);
      await waitFor('its engine exited too', () => !processAlive(again!), 30_000);
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
  }, 150_000);

  // The engine's own exit ends its ExifTool processes (exiftool-vendored's exit hook); only a killed engine cannot, and
  // the shell ends them then (engine-client.test.ts). This guards the first half.
  it.each(['SIGTERM', 'SIGKILL'] as const)('when serve stops (%s), its engine exits and ends its ExifTool processes', async (signal) => {
    const photos = join(tmp.path, `png-${signal}`);
    mkdirSync(photos);
    // A PNG has no EXIF block for exifr's fast path: its metadata is read by ExifTool.
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 90, g: 140, b: 60 } } }).png().toFile(join(photos, 'a.png'));
    const proc = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'scenery.mjs'), 'serve', '--library', join(tmp.path, `lib-${signal}`), '--models', join(tmp.path, 'models'), '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    let exiftools: number[] = [];
    try {
      const url = await waitFor('the server URL', () => /Open (http:\/\/\S+)/.exec(out)?.[1], 60_000);
      const added = await fetch(`${url}/api/folders.add`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: photos }) });
      expect(added.status).toBe(200);
      const engine = await waitFor('the engine process', () => enginePid(proc.pid!), 30_000);
      exiftools = await waitFor('ExifTool running below the engine', () => {
        const found = childPids(engine).filter((pid) => cmdline(pid).includes('exiftool'));
        return found.length ? found : null;
      }, 30_000);
      proc.kill(signal);
      await waitFor('its engine exited', () => !processAlive(engine), 30_000);
      await waitFor('its ExifTool processes ended', () => exiftools.every((pid) => !cmdline(pid).includes('exiftool')), 10_000);
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      for (const pid of exiftools) if (cmdline(pid).includes('exiftool')) process.kill(pid, 'SIGTERM');
    }
  }, 150_000);
});

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A process's command line ('' once it has ended, or is a zombie waiting to be reaped). */
function cmdline(pid: number): string {
  try {
    if (/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return '';
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** The pid of the engine-process.js process below `root` (Linux /proc), or null. */
function enginePid(root: number): number | null {
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('engine-process')) return pid;
    } catch {
      // gone
    }
    queue.push(...childPids(pid));
  }
  return null;
}
