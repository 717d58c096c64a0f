/**
 * Removing a folder removes its photos' thumbnails and previews, except those a photo of another folder with
 * the same content still shows.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../test-support/harness.js';
import { Library } from './library.js';

describe('removing a folder', () => {
  const tmp = tempDir('remove-folder');
  afterAll(() => tmp.cleanup());

  it('deletes its thumbnails and previews, keeping those shared with another folder', async () => {
    const a = join(tmp.path, 'A');
    const b = join(tmp.path, 'B');
    mkdirSync(a);
    mkdirSync(b);
    const jpeg = (r: number) => sharp({ create: { width: 64, height: 48, channels: 3, background: { r, g: 40, b: 90 } } }).jpeg().toBuffer();
    writeFileSync(join(a, 'only-a-1.jpg'), await jpeg(10));
    writeFileSync(join(a, 'only-a-2.jpg'), await jpeg(70));
    const shared = await jpeg(200);
    writeFileSync(join(a, 'shared.jpg'), shared);
    writeFileSync(join(b, 'same-content.jpg'), shared);
    const lib = await Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier: new FakeClassifier() }, watch: false });
    try {
      const folderA = lib.folders.add(a).id;
      lib.folders.add(b);
      await waitFor('4 indexed', () => lib.status().indexedCount === 4);
      const keyOf = (name: string) => lib.catalog.db.prepare('SELECT thumb_key FROM photos WHERE name = ?').pluck().get(name) as string;
      const onlyA = [keyOf('only-a-1.jpg'), keyOf('only-a-2.jpg')];
      const sharedKey = keyOf('same-content.jpg');
      // A preview, as the photo view makes it.
      const aPhoto = lib.catalog.db.prepare("SELECT id FROM photos WHERE name = 'only-a-1.jpg'").pluck().get() as number;
      await lib.thumbs.ensurePreview(onlyA[0]!, lib.folders.photoFile(aPhoto)!.path);
      await lib.thumbs.ensurePreview(sharedKey, join(b, 'same-content.jpg'));
      for (const k of [...onlyA, sharedKey]) expect(existsSync(lib.thumbs.thumbPath(k))).toBe(true);
      expect(existsSync(lib.thumbs.previewPath(onlyA[0]!))).toBe(true);

      expect(await lib.folders.remove(folderA)).toBe(true);
      for (const k of onlyA) expect(existsSync(lib.thumbs.thumbPath(k)), k).toBe(false);
      expect(existsSync(lib.thumbs.previewPath(onlyA[0]!))).toBe(false);
      expect(existsSync(lib.thumbs.thumbPath(sharedKey))).toBe(true);
      expect(existsSync(lib.thumbs.previewPath(sharedKey))).toBe(true);
      expect(lib.status().indexedCount).toBe(1);
    } finally {
      await lib.close();
    }
  });
});
