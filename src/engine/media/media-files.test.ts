/** Media requests take ids only, and what an id resolves to must stay inside its watched folder. */
import { copyFileSync, mkdirSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../../test-support/harness.js';
import { hasShared, shared } from '../../test-support/shared-data.js';
import { Library } from '../library.js';
import { attachmentHeader, isInside, MediaError, parseMediaPath, resolveMedia } from './media-files.js';

describe('media paths', () => {
  it('accepts only kind/id', () => {
    expect(parseMediaPath('thumb/12')).toEqual({ kind: 'thumb', id: 12 });
    expect(parseMediaPath('/image/7/')).toEqual({ kind: 'image', id: 7 });
    expect(parseMediaPath('original/7')).toEqual({ kind: 'original', id: 7 });
    for (const bad of ['../etc/passwd', '/etc/passwd', 'thumb/../../etc/passwd', 'thumb/%2e%2e%2fetc', 'thumb/1%2f..%2f..', 'image/1/../2', 'thumb/0', 'thumb/01', 'thumb/-1', 'thumb/1.5', 'file/1', 'thumb/C:%5Cwindows', 'thumb/%', 'thumb/1?x', 'thumb/99999999999999999999']) {
      expect(() => parseMediaPath(bad), bad).toThrow(MediaError);
    }
  });

  it('names a download after the photo, exactly (RFC 5987) and with a plain ASCII fallback', () => {
    expect(attachmentHeader('IMG_0001.HEIC')).toBe(`attachment; filename="IMG_0001.HEIC"; filename*=UTF-8''IMG_0001.HEIC`);
    expect(attachmentHeader('Été "à" Paris (1).heic')).toBe(`attachment; filename="_t_ ___ Paris (1).heic"; filename*=UTF-8''%C3%89t%C3%A9%20%22%C3%A0%22%20Paris%20%281%29.heic`);
  });

  it('compares whole path segments', () => {
    expect(isInside('/photos', '/photos/a.jpg')).toBe(true);
    expect(isInside('/photos', '/photos')).toBe(true);
    expect(isInside('/photos', '/photos-private/a.jpg')).toBe(false);
    expect(isInside('/photos', '/etc/passwd')).toBe(false);
  });
});

describe.skipIf(!hasShared)('media resolution', () => {
  const tmp = tempDir('media');
  const folder = join(tmp.path, 'watched');
  const outside = join(tmp.path, 'outside');
  let lib: Library;
  beforeAll(async () => {
    mkdirSync(folder);
    mkdirSync(outside);
    copyFileSync(shared('photos', 'kpa_bar.jpg'), join(folder, 'bar.jpg'));
    copyFileSync(shared('photos', 'hugin_forest.jpg'), join(outside, 'secret.jpg'));
    lib = await Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier: new FakeClassifier() }, writeFinishMs: 200 });
    lib.folders.add(folder);
    await waitFor('indexed', () => lib.status().indexedCount === 1);
  });
  afterAll(async () => {
    await lib.close();
    tmp.cleanup();
  });

  it('serves the thumbnail and the photo of a real id', async () => {
    const id = lib.browse.listPhotos({ order: 'date', scene: null, folderId: null, status: null, offset: 0, limit: 1 }).items[0]!.id;
    expect((await resolveMedia(lib, 'thumb', id)).contentType).toBe('image/webp');
    expect((await resolveMedia(lib, 'image', id)).path).toBe(join(folder, 'bar.jpg'));
    await expect(resolveMedia(lib, 'image', 999_999)).rejects.toMatchObject({ status: 404 });
  });

  it('serves the original file itself as a download, also for formats the viewer shows as a preview', async () => {
    // A TIFF: the viewer gets a JPEG preview, the download gets the TIFF, byte for byte.
    const sharp = (await import('sharp')).default;
    await sharp(shared('photos', 'kpa_bar.jpg')).resize(300).tiff().toFile(join(folder, 'scan.tif'));
    const id = await waitFor('the TIFF indexed', () => lib.catalog.browse.photoListing().find((p) => p.rel_path === 'scan.tif' && p.status === 'indexed')?.id);
    const shownAs = await resolveMedia(lib, 'image', id);
    expect(shownAs.contentType).toBe('image/jpeg');
    expect(shownAs.path).not.toBe(join(folder, 'scan.tif'));
    expect(shownAs.download).toBeUndefined();
    expect(await resolveMedia(lib, 'original', id)).toEqual({ path: join(folder, 'scan.tif'), contentType: 'image/tiff', download: 'scan.tif' });
    await expect(resolveMedia(lib, 'original', 999_999)).rejects.toMatchObject({ status: 404 });
  });

  it('serves a link into another watched folder, as the scanner admits it (it used to answer 403: a broken tile)', async () => {
    const other = join(tmp.path, 'other watched');
    mkdirSync(other);
    copyFileSync(shared('photos', 'sklearn_pagoda.jpg'), join(other, 'pagoda.jpg'));
    const linking = join(tmp.path, 'linking');
    mkdirSync(linking);
    symlinkSync(join(other, 'pagoda.jpg'), join(linking, 'link-to-pagoda.jpg'));
    lib.folders.add(other);
    lib.folders.add(linking);
    const id = await waitFor('the link indexed', () => lib.catalog.browse.photoListing().find((p) => p.rel_path === 'link-to-pagoda.jpg' && p.status === 'indexed')?.id);
    expect((await resolveMedia(lib, 'thumb', id)).contentType).toBe('image/webp');
    expect((await resolveMedia(lib, 'image', id)).path).toBe(join(other, 'pagoda.jpg'));
  });

  it('refuses a photo that became a symlink pointing out of its folder', async () => {
    const id = lib.catalog.browse.photoListing().find((p) => p.rel_path === 'bar.jpg')!.id;
    await lib.scanner.unwatch(lib.folders.list()[0]!.id);
    unlinkSync(join(folder, 'bar.jpg'));
    symlinkSync(join(outside, 'secret.jpg'), join(folder, 'bar.jpg'));
    await expect(resolveMedia(lib, 'image', id)).rejects.toMatchObject({ status: 403 });
  });
});
