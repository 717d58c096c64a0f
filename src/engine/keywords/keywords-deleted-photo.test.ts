/**
 * A photo deleted while keywords are written (before the watcher has told the catalog) gets no sidecar: a new
 * IMG.xmp beside a photo that is no longer there would be litter that other apps show as a lost photo.
 */
import { copyFileSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../../test-support/harness.js';
import { hasShared, shared } from '../../test-support/shared-data.js';
import { Library } from '../library.js';

if (!hasShared) console.warn('[skip] keywords-deleted-photo: ../shared/data/photos is absent');

describe.skipIf(!hasShared)('keywords for a photo deleted meanwhile', () => {
  const tmp = tempDir('keywords-deleted');
  let lib: Library | null = null;
  afterAll(async () => {
    await lib?.close();
    tmp.cleanup();
  });

  it('writes no sidecar for a photo whose file is gone, and the others as usual', async () => {
    const photos = join(tmp.path, 'Photos');
    mkdirSync(photos);
    for (const n of ['a.jpg', 'b.jpg']) copyFileSync(shared('photos', 'hugin_forest.jpg'), join(photos, n));
    // No watcher: the catalog does not learn of the deletion before the keyword run reaches the photo.
    lib = await Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier: new FakeClassifier() }, watch: false, writeFinishMs: 200 });
    lib.folders.add(photos);
    await waitFor('indexed', () => lib!.catalog.photoCounts().indexed === 2, 60_000);
    await lib.indexer.whenIdle();
    unlinkSync(join(photos, 'a.jpg'));
    lib.keywords.setSettings({ mode: 'sidecar' });
    await lib.keywords.jobs.whenIdle();
    expect(existsSync(join(photos, 'b.xmp'))).toBe(true);
    expect(existsSync(join(photos, 'a.xmp'))).toBe(false);
    expect(lib.keywords.jobs.progress()).toMatchObject({ failed: 0 });
  }, 120_000);

  it('remove takes Scenery\'s keywords out of the sidecar of a photo deleted since (and deletes the sidecar it made)', async () => {
    await lib?.close();
    const photos = join(tmp.path, 'Photos2');
    mkdirSync(photos);
    for (const n of ['c.jpg', 'd.jpg']) copyFileSync(shared('photos', 'hugin_forest.jpg'), join(photos, n));
    lib = await Library.open({ dir: join(tmp.path, 'lib2'), classifier: { name: 'fake', classifier: new FakeClassifier() }, writeFinishMs: 200 });
    lib.folders.add(photos);
    await waitFor('indexed', () => lib!.catalog.photoCounts().indexed === 2, 60_000);
    await lib.indexer.whenIdle();
    lib.keywords.setSettings({ mode: 'sidecar' });
    await lib.keywords.jobs.whenIdle();
    expect(existsSync(join(photos, 'c.xmp'))).toBe(true);
    unlinkSync(join(photos, 'c.jpg'));
    await waitFor('c.jpg missing', () => lib!.catalog.db.prepare("SELECT status FROM photos WHERE name = 'c.jpg'").pluck().get() === 'missing', 30_000);
    lib.keywords.remove();
    await lib.keywords.jobs.whenIdle();
    expect(existsSync(join(photos, 'd.xmp'))).toBe(false);
    expect(existsSync(join(photos, 'c.xmp'))).toBe(false);
  }, 120_000);
});
