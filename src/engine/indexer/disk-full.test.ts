/**
 * The disk holding the library fills up while photos are being indexed: the
 * engine must not crash, must say "disk full", must not mark any photo as
 * unreadable, must keep browsing and search working, and must continue by
 * itself once space is freed. The library folder is a real 4 MB tmpfs, filled
 * to the last page (needs root; skipped with the reason otherwise).
 */
import { mkdirSync, truncateSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexingProgress } from '../../shared/domain.js';
import { FakeClassifier, tempDir, waitFor } from '../../test-support/harness.js';
import { fillVolume, isMounted, mountNotPermitted, tryMount, unmount } from '../../test-support/mounts.js';
import { Library } from '../library.js';

const mountError = mountNotPermitted();
if (mountError) console.warn(`[skip] full-disk and read-only library tests: ${mountError}`);

describe.skipIf(mountError !== null)('full disk', () => {
  const tmp = tempDir('diskfull');
  const libDirs = ['lib-a', 'lib-b'].map((d) => join(tmp.path, d));
  afterAll(() => {
    for (const d of libDirs) if (isMounted(d)) unmount(d);
    tmp.cleanup();
  });

  const N = 24;
  const folders = libDirs.map((d) => `${d}-photos`);
  beforeAll(async () => {
    for (const d of libDirs) {
      mkdirSync(d);
      expect(tryMount('-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', d)).toBeNull();
    }
    for (const folder of folders) {
      mkdirSync(folder);
      for (let i = 0; i < N; i++) {
        await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 } } })
          .jpeg()
          .toFile(join(folder, `p${i}.jpg`));
      }
    }
  });

  // a: nothing can be written. b: the catalog still has room in its write-ahead log, so only the thumbnails fail
  // (before the fix the photos were marked "could not be read"; in a, the failure handler itself threw SQLITE_FULL).
  it.each([
    { variant: 'catalog and thumbnails full', libDir: libDirs[0]!, folder: folders[0]!, walSlack: false },
    { variant: 'thumbnails full, catalog has room', libDir: libDirs[1]!, folder: folders[1]!, walSlack: true },
  ])('$variant: stalls with "disk full", keeps serving, fails no photo, resumes by itself when space is freed', async ({ libDir, folder, walSlack }) => {
    const rejections: unknown[] = [];
    const onRejection = (e: unknown): void => void rejections.push(e);
    process.on('unhandledRejection', onRejection);
    const classifier = new FakeClassifier();
    const lib = await Library.open({ dir: libDir, modelsDir: join(tmp.path, 'models'), classifier: { name: 'fake', classifier }, storageProbeMs: 200, writeFinishMs: 200 });
    const progress: IndexingProgress[] = [];
    lib.events.on('indexing.progress', (p) => progress.push(p));
    try {
      // The photos are found while there is space; the disk fills up before they are tagged.
      lib.indexer.pause();
      lib.folders.add(folder);
      await waitFor('scanned', () => lib.folders.list()[0]?.status === 'watching' && lib.progress().total === N);
      if (walSlack) {
        // Grow the write-ahead log, then checkpoint: later catalog writes reuse its pages and need no new space.
        lib.catalog.setSetting('test.slack', 'x'.repeat(600_000));
        lib.catalog.db.prepare("DELETE FROM settings WHERE key = 'test.slack'").run();
        lib.catalog.db.pragma('wal_checkpoint(PASSIVE)');
      }
      const filler = join(libDir, 'filler.bin');
      const filled = fillVolume(filler);
      expect(filled).toBeGreaterThan(1e6);
      lib.indexer.resume();

      await waitFor('disk-full stall', () => lib.progress().stalled?.reason === 'disk-full', 30_000);
      expect(lib.progress().stalled?.message).toMatch(/disk .*is full/i);
      expect(progress.some((p) => p.stalled?.reason === 'disk-full')).toBe(true);
      // A photo arrives while the catalog may not be able to record it: no crash, and it is not lost.
      await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 1, g: 2, b: 3 } } }).jpeg().toFile(join(folder, 'late.jpg'));
      // Probes keep finding the disk full: still stalled, still nothing marked failed.
      await new Promise((r) => setTimeout(r, 2500));
      expect(lib.progress().stalled?.reason).toBe('disk-full');
      expect(lib.catalog.db.prepare("SELECT COUNT(*) FROM photos WHERE status = 'failed'").pluck().get()).toBe(0);
      expect(lib.progress().failed).toBe(0);
      // Browsing and search keep working.
      expect(lib.browse.listPhotos({ order: 'date', scene: null, folderId: null, status: null, offset: 0, limit: 100 }).total).toBeGreaterThanOrEqual(N);
      expect(() => lib.search.run('indoor OR outdoor', 0, 10)).not.toThrow();
      expect(lib.browse.sceneGroups().groups.length).toBeGreaterThan(0);

      unlinkSync(filler);
      await waitFor('all indexed after space was freed', () => lib.status().indexedCount === N + 1, 60_000);
      expect(lib.progress()).toMatchObject({ stalled: null, failed: 0, done: N + 1, total: N + 1 });
      expect(progress.at(-1)?.stalled ?? null).toBeNull();
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
      await lib.close();
    }
  }, 120_000);
});

describe.skipIf(mountError !== null)('opening a library on a full disk', () => {
  const tmp = tempDir('diskfull-open');
  const libDir = join(tmp.path, 'lib');
  afterAll(() => {
    if (isMounted(libDir)) unmount(libDir);
    tmp.cleanup();
  });

  it('opens (its queue bookkeeping deferred), serves, says disk full, and indexes once space is freed', async () => {
    const folder = join(tmp.path, 'photos');
    mkdirSync(folder);
    mkdirSync(libDir);
    expect(tryMount('-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', libDir)).toBeNull();
    for (let i = 0; i < 8; i++) await sharp({ create: { width: 200, height: 150, channels: 3, background: { r: i * 30, g: 200 - i * 20, b: 90 } } }).jpeg().toFile(join(folder, `p${i}.jpg`));
    const open = () => Library.open({ dir: libDir, modelsDir: join(tmp.path, 'models'), classifier: { name: 'fake', classifier: new FakeClassifier() }, storageProbeMs: 200, writeFinishMs: 200 });
    let lib = await open();
    lib.indexer.pause();
    lib.folders.add(folder);
    await waitFor('scanned', () => lib.progress().total === 8);
    await lib.close();
    const filler = join(libDir, 'filler.bin');
    const size = fillVolume(filler);
    // 36 KB (9 tmpfs pages): room for SQLite to open the catalog (its 32 KB shared-memory file) but not for the
    // write-ahead log's first frame, so the queue bookkeeping done on opening fails with SQLITE_FULL.
    truncateSync(filler, size - 36 * 1024);
    const rejections: unknown[] = [];
    const onRejection = (e: unknown): void => void rejections.push(e);
    process.on('unhandledRejection', onRejection);
    try {
      lib = await open();
      await waitFor('disk-full stall', () => lib.progress().stalled?.reason === 'disk-full');
      expect(lib.browse.listPhotos({ order: 'date', scene: null, folderId: null, status: null, offset: 0, limit: 100 }).total).toBe(8);
      expect(lib.progress().failed).toBe(0);
      unlinkSync(filler);
      await waitFor('all indexed after space was freed', () => lib.status().indexedCount === 8, 60_000);
      expect(lib.progress().stalled).toBeNull();
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
      await lib.close();
    }
  });
});

describe.skipIf(mountError !== null)('read-only thumbnail folder', () => {
  const dir = tempDir('readonly-thumbs');
  const thumbs = join(dir.path, 'lib', 'thumbs');
  afterAll(() => {
    while (isMounted(thumbs)) unmount(thumbs);
    dir.cleanup();
  });

  it('stalls with "read-only", fails no photo, and resumes by itself when it is writable again', async () => {
    const folder = join(dir.path, 'photos');
    mkdirSync(folder);
    mkdirSync(thumbs, { recursive: true });
    for (let i = 0; i < 6; i++) await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: i * 40, g: 90, b: 30 } } }).jpeg().toFile(join(folder, `p${i}.jpg`));
    const ro = tryMount('--bind', thumbs, thumbs) ?? tryMount('-o', 'remount,bind,ro', thumbs);
    expect(ro, 'a read-only bind mount of the thumbnail folder').toBeNull();
    const lib = await Library.open({ dir: join(dir.path, 'lib'), modelsDir: join(dir.path, 'models'), classifier: { name: 'fake', classifier: new FakeClassifier() }, storageProbeMs: 200 });
    try {
      lib.folders.add(folder);
      await waitFor('read-only stall', () => lib.progress().stalled?.reason === 'read-only');
      expect(lib.progress().failed).toBe(0);
      expect(tryMount('-o', 'remount,bind,rw', thumbs)).toBeNull();
      await waitFor('all indexed', () => lib.status().indexedCount === 6);
      expect(lib.progress()).toMatchObject({ stalled: null, failed: 0 });
    } finally {
      await lib.close();
    }
  });
});

describe('photos failed by an older version because the library could not be written', () => {
  const dir = tempDir('diskfull-legacy');
  afterAll(() => dir.cleanup());

  it('are queued again on open and indexed; real decode failures stay failed', async () => {
    const folder = join(dir.path, 'photos');
    mkdirSync(folder);
    for (let i = 0; i < 3; i++) await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: i * 80, g: 20, b: 200 - i * 60 } } }).jpeg().toFile(join(folder, `p${i}.jpg`));
    const libDir = join(dir.path, 'lib');
    const open = () => Library.open({ dir: libDir, modelsDir: join(dir.path, 'models'), classifier: { name: 'fake', classifier: new FakeClassifier() } });
    let lib = await open();
    lib.folders.add(folder);
    await waitFor('indexed', () => lib.status().indexedCount === 3);
    // What versions before the stall marked them: the storage error as the photo's failure.
    const fail = lib.catalog.db.prepare("UPDATE photos SET status = 'failed', error = ?, error_kind = ? WHERE name = ?");
    fail.run('indexing failed: ENOSPC: no space left on device, write', 'internal', 'p0.jpg');
    fail.run("indexing failed: EROFS: read-only file system, open '/lib/thumbs/ab/x.webp.partial'", null, 'p1.jpg');
    fail.run('p2.jpg is damaged or incomplete: VipsJpeg: premature end of input file', 'corrupt', 'p2.jpg');
    lib.catalog.db.prepare("UPDATE jobs SET state = 'failed'").run();
    await lib.close();
    lib = await open();
    try {
      await waitFor('re-indexed', () => lib.status().indexedCount === 2);
      const rows = lib.catalog.db.prepare('SELECT name, status FROM photos ORDER BY name').all();
      expect(rows).toEqual([
        { name: 'p0.jpg', status: 'indexed' },
        { name: 'p1.jpg', status: 'indexed' },
        { name: 'p2.jpg', status: 'failed' },
      ]);
    } finally {
      await lib.close();
    }
  });
});
