/**
 * The library's disk fills up while `scenery serve` tags photos (a real 4 MB
 * tmpfs; needs root, skipped with the reason otherwise): the progress bar
 * says so in plain words, and the tagging finishes by itself once space is
 * freed.
 */
import { test, expect } from '@playwright/test';
import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { fillVolume, isMounted, mountNotPermitted, tryMount, unmount } from '../src/test-support/mounts';
import { ROOT, serve, SQUEEZENET } from './serve-fixture';

const why = existsSync(SQUEEZENET) ? mountNotPermitted() : `the test model is not at ${SQUEEZENET}`;
if (why) console.warn(`[skip] full-disk progress bar: ${why}`);

test.skip(why !== null, why ?? '');

test('the progress bar says the disk is full, in plain words; tagging finishes once space is freed', async ({ page }) => {
  const N = 12;
  let lib = '';
  const s = await serve(['--model', SQUEEZENET], {}, (dir) => {
    lib = join(dir, 'lib');
    mkdirSync(lib);
    expect(tryMount('-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', lib)).toBeNull();
  });
  try {
    const call = async (method: string, body: object = {}): Promise<Record<string, unknown>> => {
      const r = await fetch(`${s.url}/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const env = (await r.json()) as { ok: boolean; value: Record<string, unknown>; error?: unknown };
      expect(env.ok, JSON.stringify(env.error)).toBe(true);
      return env.value;
    };
    const folder = join(s.dir, 'Photos');
    mkdirSync(folder);
    for (let i = 0; i < N; i++) {
      await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 } } }).jpeg().toFile(join(folder, `p${i}.jpg`));
    }
    // Found while there is space; the disk fills up before they are tagged.
    await call('indexing.pause');
    await call('folders.add', { path: folder });
    await expect.poll(async () => (await call('indexing.status')).total, { timeout: 30_000 }).toBe(N);
    const filler = join(lib, 'filler.bin');
    fillVolume(filler);
    await call('indexing.resume');

    await page.goto(s.url);
    const bar = page.getByRole('region', { name: 'Indexing progress' });
    await expect(bar).toContainText('The disk holding the Scenery library is full. Free some space; tagging continues by itself.', { timeout: 60_000 });
    await expect(bar).toContainText(`of ${N}`);
    await expect(bar.getByRole('button', { name: /could not be read/ })).toHaveCount(0);
    await page.screenshot({ path: join(ROOT, 'test-results', 'screenshots', 'disk-full-progress.png') });

    unlinkSync(filler);
    await expect(bar).toBeHidden({ timeout: 90_000 });
    expect(await call('indexing.status')).toMatchObject({ done: N, failed: 0, stalled: null });
  } finally {
    if (s.proc.exitCode === null) {
      const exited = new Promise((r) => s.proc.once('exit', r));
      s.proc.kill('SIGTERM');
      await exited;
    }
    if (lib && isMounted(lib)) unmount(lib);
    await s.stop();
  }
});
