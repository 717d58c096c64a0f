/**
 * `scenery index` when the library cannot be written (its thumbnails folder on a read-only mount: a real bind
 * mount, needs root, skipped with the reason otherwise). The app and serve wait for the library to become
 * writable again; a batch run must stop with the reason and exit 1. Before, the stall's probe timer did not keep
 * the process alive, so once the idle model worker stopped, `index` ended with exit 0 and no summary.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/harness.js';
import { isMounted, mountNotPermitted, tryMount, unmount } from '../test-support/mounts.js';
import { hasShared, REPO_ROOT, SQUEEZENET } from '../test-support/shared-data.js';

const mountError = mountNotPermitted();
if (mountError) console.warn(`[skip] scenery index on a read-only library: ${mountError}`);

describe.skipIf(mountError !== null || !hasShared)('scenery index on a library it cannot write', () => {
  const tmp = tempDir('index-stall');
  const libDir = join(tmp.path, 'lib');
  const thumbs = join(libDir, 'thumbs');
  afterAll(() => {
    if (isMounted(thumbs)) unmount(thumbs);
    tmp.cleanup();
  });

  it('stops with the reason and exit 1 instead of waiting unseen or exiting 0', async () => {
    const folder = join(tmp.path, 'photos');
    mkdirSync(folder);
    for (let i = 0; i < 3; i++) {
      await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: i * 80, g: 90, b: 40 } } }).jpeg().toFile(join(folder, `p${i}.jpg`));
    }
    const scenery = (args: string[]) =>
      spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'scenery.mjs'), ...args, '--library', libDir, '--models', join(tmp.path, 'models'), '--model', SQUEEZENET], {
        encoding: 'utf8',
        timeout: 90_000,
      });
    // A library with no photos yet: the catalog exists and can be written; only the thumbnails folder cannot.
    const empty = join(tmp.path, 'empty');
    mkdirSync(empty);
    expect(scenery(['index', empty]).status).toBe(0);
    mkdirSync(thumbs, { recursive: true });
    expect(tryMount('--bind', thumbs, thumbs) ?? tryMount('-o', 'remount,bind,ro', thumbs)).toBeNull();

    const t0 = Date.now();
    const r = scenery(['index', folder]);
    expect(r.signal, `scenery index did not end by itself; stderr:\n${r.stderr}`).toBeNull();
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/indexing stopped: .*read-only.*Run scenery index again once that is fixed/s);
    expect(Date.now() - t0).toBeLessThan(60_000);
  }, 120_000);
});
