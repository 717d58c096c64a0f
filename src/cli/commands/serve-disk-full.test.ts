/**
 * `scenery serve` on a library whose disk fills up while it indexes (a real
 * 4 MB tmpfs; needs root, skipped with the reason otherwise): the process keeps
 * running and answering, says "disk full", fails no photo, and finishes by
 * itself once space is freed. Before, SQLITE_FULL thrown inside the indexer's
 * failure handler ended the process (unhandled rejection).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { IndexingProgress } from '../../shared/domain.js';
import { tempDir, waitFor } from '../../test-support/harness.js';
import { fillVolume, isMounted, mountNotPermitted, tryMount, unmount } from '../../test-support/mounts.js';
import { hasShared, REPO_ROOT, SQUEEZENET } from '../../test-support/shared-data.js';

const mountError = mountNotPermitted();
if (mountError) console.warn(`[skip] scenery serve on a full disk: ${mountError}`);

describe.skipIf(mountError !== null || !hasShared)('scenery serve on a full disk', () => {
  const tmp = tempDir('serve-diskfull');
  const libDir = join(tmp.path, 'lib');
  let child: ChildProcess | null = null;
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.on('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    if (isMounted(libDir)) unmount(libDir);
    tmp.cleanup();
  });

  it('keeps serving, says disk full, fails no photo, and completes once space is freed', async () => {
    const N = 16;
    const folder = join(tmp.path, 'photos');
    mkdirSync(folder);
    for (let i = 0; i < N; i++) {
      await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 } } }).jpeg().toFile(join(folder, `p${i}.jpg`));
    }
    mkdirSync(libDir);
    expect(tryMount('-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', libDir)).toBeNull();

    const proc = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'scenery.mjs'), 'serve', '--library', libDir, '--models', join(tmp.path, 'models'), '--model', SQUEEZENET, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let out = '';
    let err = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const url = await waitFor('the server URL', () => /Open (http:\/\/\S+)/.exec(out)?.[1], 60_000);
    const call = async <T>(method: string, body: object = {}): Promise<T> => {
      expect(proc.exitCode, `scenery serve exited; stderr:\n${err}`).toBeNull();
      const r = await fetch(`${url}/api/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      const env = (await r.json()) as { ok: boolean; value?: T; error?: unknown };
      expect(env.ok, JSON.stringify(env.error)).toBe(true);
      return env.value as T;
    };
    const status = () => call<IndexingProgress>('indexing.status');

    // The photos are found while there is space; the disk fills up before they are tagged.
    await call('indexing.pause');
    await call('folders.add', { path: folder });
    await waitFor('scanned', async () => (await status()).total === N, 30_000, 200);
    const filler = join(libDir, 'filler.bin');
    fillVolume(filler);
    await call('indexing.resume');

    await waitFor('disk-full stall', async () => (await status()).stalled?.reason === 'disk-full', 60_000, 200);
    await new Promise((r) => setTimeout(r, 2000));
    const stalled = await status();
    expect(stalled).toMatchObject({ failed: 0, stalled: { reason: 'disk-full' } });
    expect((await call<{ total: number }>('photos.list', {})).total).toBe(N);
    await call('search.run', { q: 'indoor OR outdoor' });

    unlinkSync(filler);
    await waitFor('all tagged after space was freed', async () => (await status()).done === N, 90_000, 250);
    expect(await status()).toMatchObject({ done: N, total: N, failed: 0, stalled: null });
    expect(proc.exitCode).toBeNull();
    expect(err).not.toMatch(/unhandled|SQLITE_FULL/i);
  }, 240_000);
});
