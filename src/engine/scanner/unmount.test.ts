/**
 * A watched folder on a drive that is unmounted and mounted again, for real
 * (bind mounts and a tmpfs; needs root, skipped with the reason otherwise):
 * while it is away the folder is offline and its photos keep their tags (not
 * "all deleted"); when it is back they are there again, with their tags and
 * corrections, without running the model again, and live watching works.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../../test-support/harness.js';
import { isMounted, mountNotPermitted, tryMount, unmount } from '../../test-support/mounts.js';
import { Library } from '../library.js';

const mountError = mountNotPermitted();
if (mountError) console.warn(`[skip] unmounted-drive tests: ${mountError}`);

async function photo(path: string, i: number): Promise<void> {
  await sharp({ create: { width: 96, height: 64, channels: 3, background: { r: (i * 53) % 256, g: (i * 29) % 256, b: (i * 97) % 256 } } })
    .jpeg()
    .toFile(path);
}

describe.skipIf(mountError !== null)('a watched folder whose drive is unmounted and mounted again', () => {
  const tmp = tempDir('unmount');
  const src = join(tmp.path, 'src');
  const drive = join(tmp.path, 'drive');
  const mountPoints = [join(tmp.path, 'Photos'), join(tmp.path, 'Photos2')];
  const classifier = new FakeClassifier();
  let lib: Library;

  beforeAll(async () => {
    mkdirSync(join(src, 'trip'), { recursive: true });
    for (let i = 0; i < 6; i++) await photo(join(src, `p${i}.jpg`), i);
    for (let i = 6; i < 8; i++) await photo(join(src, 'trip', `p${i}.jpg`), i);
    mountPoints.forEach((d) => mkdirSync(d));
    // Under the second mount point, a file of the disk it sits on: unmounted, the root is not empty but on another device.
    writeFileSync(join(mountPoints[1]!, 'README.txt'), 'mount the photo drive here');
    mkdirSync(drive);
    expect(tryMount('-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', drive)).toBeNull();
    for (let i = 20; i < 24; i++) await photo(join(drive, `d${i}.jpg`), i);
    lib = await Library.open({ dir: join(tmp.path, 'lib'), modelsDir: join(tmp.path, 'models'), classifier: { name: 'fake', classifier }, rootCheckMs: 300, writeFinishMs: 200 });
  });
  afterAll(async () => {
    await lib?.close();
    for (const d of [...mountPoints, drive]) while (isMounted(d)) unmount(d);
    tmp.cleanup();
  });

  const folderOf = (path: string) => lib.folders.list().find((f) => f.displayPath === path)!;
  const statuses = (folderId: number) =>
    (lib.catalog.db.prepare('SELECT status FROM photos WHERE folder_id = ?').pluck().all(folderId) as string[]).sort();

  it('emptied mount point (same device): offline with tags kept, then back without the model', async () => {
    const dst = mountPoints[0]!;
    expect(tryMount('--bind', src, dst)).toBeNull();
    lib.folders.add(dst);
    await waitFor('8 indexed', () => lib.status().indexedCount === 8);
    const id = folderOf(dst).id;
    const corrected = lib.catalog.db.prepare("SELECT id FROM photos WHERE name = 'p2.jpg'").pluck().get() as number;
    lib.corrections.setScene(corrected, 'bamboo_forest');
    const scenes = lib.catalog.db.prepare('SELECT id, scene_index, corrected FROM photos ORDER BY id').all();
    const calls = classifier.calls;

    unmount(dst);
    await waitFor('folder offline', () => folderOf(dst).status === 'offline', 15_000);
    expect(folderOf(dst).error).toMatch(/empty .*not mounted/);
    // Every deletion chokidar reported has been handled by now; nothing was taken for deleted.
    await new Promise((r) => setTimeout(r, 1000));
    expect(statuses(id)).toEqual(Array(8).fill('indexed'));
    expect(lib.browse.listPhotos({ order: 'date', scene: null, folderId: id, status: null, offset: 0, limit: 50 }).total).toBe(8);
    expect(lib.search.run('bamboo', 0, 10).items.map((p) => p.id)).toEqual([corrected]);
    expect(folderOf(dst).status).toBe('offline');

    expect(tryMount('--bind', src, dst)).toBeNull();
    await waitFor('folder watching again', () => folderOf(dst).status === 'watching', 15_000);
    expect(statuses(id)).toEqual(Array(8).fill('indexed'));
    expect(lib.catalog.db.prepare('SELECT id, scene_index, corrected FROM photos ORDER BY id').all()).toEqual(scenes);
    expect(classifier.calls - calls).toBe(0);

    // Watching works again after the remount: a new photo is picked up and tagged.
    await photo(join(src, 'trip', 'new.jpg'), 99);
    await waitFor('new photo indexed', () => lib.status().indexedCount === 9, 20_000);
    expect(classifier.calls - calls).toBe(1);
  });

  it('opened while the drive is unmounted: offline, not deleted; back when it is mounted', async () => {
    const dst = mountPoints[0]!;
    await lib.close();
    unmount(dst);
    const calls = classifier.calls;
    lib = await Library.open({ dir: join(tmp.path, 'lib'), modelsDir: join(tmp.path, 'models'), classifier: { name: 'fake', classifier }, rootCheckMs: 300, writeFinishMs: 200 });
    await lib.initialScan;
    const id = folderOf(dst).id;
    expect(folderOf(dst).status).toBe('offline');
    expect(statuses(id)).toEqual(Array(9).fill('indexed'));
    expect(tryMount('--bind', src, dst)).toBeNull();
    await waitFor('folder watching again', () => folderOf(dst).status === 'watching', 15_000);
    expect(statuses(id)).toEqual(Array(9).fill('indexed'));
    expect(classifier.calls - calls).toBe(0);
  });

  it('mount point on another device with a file of its own: offline, then back without the model', async () => {
    const dst = mountPoints[1]!;
    expect(tryMount('--bind', drive, dst)).toBeNull();
    lib.folders.add(dst);
    const id = await waitFor('folder known', () => folderOf(dst)?.id);
    await waitFor('4 more indexed', () => statuses(id).filter((s) => s === 'indexed').length === 4);
    const calls = classifier.calls;

    unmount(dst);
    await waitFor('folder offline', () => folderOf(dst).status === 'offline', 15_000);
    expect(folderOf(dst).error).toMatch(/unmounted or replaced/);
    await new Promise((r) => setTimeout(r, 1000));
    expect(statuses(id)).toEqual(Array(4).fill('indexed'));
    expect(folderOf(dst).status).toBe('offline');

    expect(tryMount('--bind', drive, dst)).toBeNull();
    await waitFor('folder watching again', () => folderOf(dst).status === 'watching', 15_000);
    expect(statuses(id)).toEqual(Array(4).fill('indexed'));
    expect(classifier.calls - calls).toBe(0);
    copyFileSync(join(src, 'p0.jpg'), join(drive, 'copy.jpg'));
    await waitFor('copy seen', () => statuses(id).length === 5, 20_000);
  });

  it('the same drive mounted again under another device number (over the mount point): watched afresh, nothing offline, no model', async () => {
    const dst = mountPoints[1]!;
    const id = folderOf(dst).id;
    await waitFor('5 indexed', () => statuses(id).filter((x) => x === 'indexed').length === 5);
    const calls = classifier.calls;
    // A new tmpfs over the mount point, holding the same files with the same times: what a drive plugged in again looks like.
    const copy = join(tmp.path, 'replug-staging');
    mkdirSync(copy);
    expect(spawnSync('cp', ['-p', ...readdirSync(dst).map((f) => join(dst, f)), copy]).status).toBe(0);
    expect(tryMount('-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dst)).toBeNull();
    expect(spawnSync('cp', ['-p', ...readdirSync(copy).map((f) => join(copy, f)), dst]).status).toBe(0);
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      expect(folderOf(dst).status).not.toBe('offline');
      await new Promise((r) => setTimeout(r, 100));
    }
    await waitFor('watching', () => folderOf(dst).status === 'watching');
    expect(statuses(id)).toEqual(Array(5).fill('indexed'));
    expect(classifier.calls - calls).toBe(0);
    // The new drive is the one watched now.
    await photo(join(dst, 'after-replug.jpg'), 77);
    await waitFor('photo on the new mount indexed', () => statuses(id).filter((x) => x === 'indexed').length === 6, 20_000);
    expect(classifier.calls - calls).toBe(1);
  });
});
