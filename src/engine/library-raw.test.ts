/**
 * RAW photos through the whole engine: the six real RAW files of
 * shared/data/raw are catalogued, get a thumbnail, a viewer image and a scene
 * from the real SqueezeNet test model, with the manifest's date and
 * orientation; broken RAWs are listed with a clear reason; a RAW and a JPEG of
 * the same shot are one photo with both files.
 */
import { copyFileSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../test-support/harness.js';
import { isoOf, rawManifest } from '../test-support/raw-manifest.js';
import { hasShared, shared, SQUEEZENET } from '../test-support/shared-data.js';
import { FAILURE_SENTENCES } from './imaging/failure-reasons.js';
import { Library } from './library.js';
import { resolveMedia } from './media/media-files.js';
import { endExiftool } from './metadata/exiftool.js';

afterAll(() => endExiftool());

interface Row {
  id: number;
  name: string;
  status: string;
  error: string | null;
  error_kind: string | null;
  taken_at: string | null;
  width: number | null;
  height: number | null;
  hash: string | null;
  pair_id: number | null;
}

describe.skipIf(!hasShared)('RAW photos in a library', () => {
  let tmp: ReturnType<typeof tempDir>;
  let folder: string;
  let lib: Library;
  const row = (name: string) => lib.catalog.db.prepare('SELECT * FROM photos WHERE name = ?').get(name) as Row | undefined;

  beforeEach(() => {
    tmp = tempDir('raw-lib');
    folder = join(tmp.path, 'photos');
    mkdirSync(folder);
  });
  afterEach(async () => {
    await lib?.close();
    tmp.cleanup();
  });

  it('indexes all six real RAWs with the manifest date and orientation, classified by the real model; broken ones get a reason', async () => {
    const rows = rawManifest();
    for (const r of rows) copyFileSync(shared('raw', r.file), join(folder, r.file));
    // A CR2 whose every preview is garbage, and random bytes named .CR2.
    const cr2 = readFileSync(shared('raw', 'canon_eos-1ds-mk3_trunc.cr2'));
    const soi = Buffer.from([0xff, 0xd8, 0xff]);
    for (let at = cr2.indexOf(soi, 16); at >= 0; at = cr2.indexOf(soi, at + 3)) cr2.fill(0x5a, at, at + 3);
    writeFileSync(join(folder, 'no-preview.cr2'), cr2);
    writeFileSync(join(folder, 'random.CR2'), Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 251)));

    const t0 = performance.now();
    lib = await Library.open({ dir: join(tmp.path, 'lib'), model: SQUEEZENET, writeFinishMs: 300, threads: 2 });
    lib.folders.add(folder);
    await waitFor('all read', () => lib.status().indexedCount + lib.status().failedCount === 8 && lib.folders.list()[0]?.status === 'watching', 120_000);
    console.log(`6 RAWs + 2 broken indexed with SqueezeNet in ${Math.round(performance.now() - t0)} ms`);

    for (const r of rows) {
      const p = row(r.file)!;
      expect(p.status, `${r.file}: ${p.error}`).toBe('indexed');
      expect(p.taken_at?.startsWith(isoOf(r.date)), `${r.file}: ${p.taken_at}`).toBe(true);
      const upright = r.orientation >= 5 ? [r.previewHeight, r.previewWidth] : [r.previewWidth, r.previewHeight];
      expect([p.width, p.height], r.file).toEqual(upright);
      expect(lib.thumbs.hasThumb(p.hash!), r.file).toBe(true);
      const d = lib.browse.photo(p.id);
      expect(d.top.length, r.file).toBeGreaterThan(0);
      expect(d.model).toBeTruthy();
      console.log(`${r.file.padEnd(36)} ${p.width}x${p.height} ${p.taken_at} ${d.top[0]!.label} ${d.top[0]!.prob.toFixed(2)}`);
      // The thumbnail is upright too.
      const tm = await sharp(lib.thumbs.thumbPath(p.hash!)).metadata();
      expect(tm.width! > tm.height!, r.file).toBe(upright[0]! > upright[1]!);
    }
    // The viewer's image: a browser cannot show a RAW, so it gets the rendered preview, upright.
    const sony = row('sony_zv-e10_rot90_trunc.arw')!;
    const media = await resolveMedia(lib, 'image', sony.id);
    expect(media.contentType).toBe('image/jpeg');
    const vm = await sharp(media.path).metadata();
    expect([vm.width, vm.height]).toEqual([120, 160]);

    const failed = lib.browse.listPhotos({ order: 'date', scene: null, folderId: null, status: 'failed', offset: 0, limit: 50 }).items;
    expect(failed.map((f) => [f.name, f.error]).sort()).toEqual([
      ['no-preview.cr2', FAILURE_SENTENCES.raw_preview],
      ['random.CR2', FAILURE_SENTENCES.unsupported],
    ]);
    expect(lib.browse.photo(row('no-preview.cr2')!.id).errorDetail).toMatch(/none of the RAW file's embedded previews could be read \(IFD0:PreviewImage: .*IFD1:ThumbnailImage: /);
    expect(lib.browse.photo(row('random.CR2')!.id).errorDetail).toMatch(/random\.CR2 is not a RAW photo ExifTool recognises/);
  });

  it('a RAW and a JPEG of the same shot are one photo with both files; either may come and go', async () => {
    const classifier = new FakeClassifier();
    const shown = () => lib.browse.listPhotos({ order: 'date', scene: null, folderId: null, status: null, offset: 0, limit: 50 });
    const calls = () => classifier.calls;
    // First the RAW alone: a photo of its own.
    copyFileSync(shared('raw', 'pentax_k-3ii_trunc.pef'), join(folder, 'IMG_0001.PEF'));
    lib = await Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier }, writeFinishMs: 200 });
    lib.folders.add(folder);
    await waitFor('the RAW indexed', () => row('IMG_0001.PEF')?.status === 'indexed');
    expect(shown().items.map((p) => p.name)).toEqual(['IMG_0001.PEF']);
    const raw = row('IMG_0001.PEF')!.id;
    // A UI is told the RAW left the grid when it joins its JPEG, and told of it again when it comes back.
    const removed: number[] = [];
    const back: number[] = [];
    lib.events.on('photo.removed', (e) => removed.push(e.id));
    lib.events.on('photo.updated', (e) => back.push(e.photo.id));

    // The JPEG arrives: one photo, the JPEG shown and classified, both files listed.
    copyFileSync(shared('photos', 'kpa_bar.jpg'), join(folder, 'IMG_0001.JPG'));
    await waitFor('the JPEG indexed', () => row('IMG_0001.JPG')?.status === 'indexed');
    const jpeg = row('IMG_0001.JPG')!.id;
    expect(row('IMG_0001.PEF')!.pair_id).toBe(jpeg);
    expect(removed).toContain(raw);
    expect(shown()).toMatchObject({ total: 1, items: [{ name: 'IMG_0001.JPG' }] });
    expect(lib.browse.photo(jpeg).files.map((f) => f.name)).toEqual(['IMG_0001.JPG', 'IMG_0001.PEF']);
    expect(lib.browse.sceneGroups().groups.reduce((n, g) => n + g.count, 0)).toBe(1);
    expect(lib.status()).toMatchObject({ photoCount: 1, indexedCount: 1 });
    expect(lib.folders.list()[0]).toMatchObject({ photoCount: 1 });
    expect(lib.search.run('IMG_0001', 0, 10).items.map((p) => p.id)).not.toContain(raw);
    expect(calls()).toBe(2);
    // The person's scene for the photo.
    lib.corrections.setScene(jpeg, 'forest_path');

    // The JPEG deleted: the RAW is the photo again, with the person's scene, and was not classified again.
    unlinkSync(join(folder, 'IMG_0001.JPG'));
    await waitFor('the RAW shown again', () => shown().items[0]?.name === 'IMG_0001.PEF' && shown().total === 1);
    expect(row('IMG_0001.PEF')!.pair_id).toBeNull();
    expect(back).toContain(raw);
    expect(lib.browse.photo(raw)).toMatchObject({ status: 'indexed', corrected: true, scene: { label: 'forest_path' } });
    expect(lib.browse.photo(raw).files.map((f) => f.name)).toEqual(['IMG_0001.PEF']);

    // The JPEG back: one photo again.
    copyFileSync(shared('photos', 'kpa_bar.jpg'), join(folder, 'IMG_0001.JPG'));
    await waitFor('merged again', () => row('IMG_0001.PEF')?.pair_id === jpeg && row('IMG_0001.JPG')?.status === 'indexed');
    expect(shown()).toMatchObject({ total: 1, items: [{ name: 'IMG_0001.JPG' }] });
    await lib.indexer.whenIdle();
    expect(lib.progress()).toMatchObject({ done: 1, total: 1 });
  });

  it('a JPEG and a RAW that arrive together are classified once, through the JPEG', async () => {
    const classifier = new FakeClassifier();
    copyFileSync(shared('photos', 'hugin_forest.jpg'), join(folder, 'DSC_0042.jpg'));
    copyFileSync(shared('raw', 'canon_eos-1ds-mk3_trunc.cr2'), join(folder, 'DSC_0042.CR2'));
    // A RAW alone, with a JPEG of another name, stays a photo of its own.
    copyFileSync(shared('raw', 'canon_powershot-s40.crw'), join(folder, 'DSC_0043.crw'));
    lib = await Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier }, writeFinishMs: 200 });
    lib.folders.add(folder);
    await waitFor('scanned and indexed', () => lib.folders.list()[0]?.status === 'watching' && lib.status().indexedCount === 2);
    await lib.indexer.whenIdle();
    const items = lib.browse.listPhotos({ order: 'date', scene: null, folderId: null, status: null, offset: 0, limit: 50 }).items;
    expect(items.map((p) => p.name).sort()).toEqual(['DSC_0042.jpg', 'DSC_0043.crw']);
    expect(classifier.calls).toBe(2);
    expect(lib.browse.photo(row('DSC_0042.jpg')!.id).files.map((f) => f.name)).toEqual(['DSC_0042.jpg', 'DSC_0042.CR2']);
    expect(lib.progress()).toMatchObject({ done: 2, total: 2 });
  });

  it('a damaged JPEG does not hide its RAW: the RAW is the photo until the JPEG is fixed, then they are one again', async () => {
    const classifier = new FakeClassifier();
    const shown = () => lib.browse.listPhotos({ order: 'date', scene: null, folderId: null, status: null, offset: 0, limit: 50 }).items.map((p) => p.name);
    // The camera's JPEG cut short (a card pulled out while writing), its RAW intact.
    writeFileSync(join(folder, 'IMG_0002.JPG'), readFileSync(shared('photos', 'hugin_forest.jpg')).subarray(0, 500));
    copyFileSync(shared('raw', 'pentax_k-3ii_trunc.pef'), join(folder, 'IMG_0002.PEF'));
    lib = await Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier }, writeFinishMs: 200 });
    lib.folders.add(folder);
    await waitFor('the RAW read in place of its damaged JPEG', () => row('IMG_0002.PEF')?.status === 'indexed', 60_000);
    expect(row('IMG_0002.JPG')).toMatchObject({ status: 'failed', pair_id: null });
    expect(row('IMG_0002.PEF')!.pair_id).toBeNull();
    expect(shown()).toEqual(['IMG_0002.PEF']);
    expect(lib.status()).toMatchObject({ indexedCount: 1, failedCount: 1 });
    // A library from before this rule (the RAW hidden behind the damaged JPEG) shows the RAW when it opens.
    const jpegId = row('IMG_0002.JPG')!.id;
    lib.catalog.db.prepare('UPDATE photos SET pair_id = ? WHERE name = ?').run(jpegId, 'IMG_0002.PEF');
    expect(shown()).toEqual([]);
    await lib.close();
    lib = await Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier }, writeFinishMs: 200 });
    expect(row('IMG_0002.PEF')!.pair_id).toBeNull();
    expect(shown()).toEqual(['IMG_0002.PEF']);

    // The JPEG replaced by a good copy: one photo again, shown through the JPEG.
    copyFileSync(shared('photos', 'hugin_forest.jpg'), join(folder, 'IMG_0002.JPG'));
    await waitFor('merged again', () => row('IMG_0002.JPG')?.status === 'indexed' && row('IMG_0002.PEF')?.pair_id === row('IMG_0002.JPG')!.id, 60_000);
    expect(shown()).toEqual(['IMG_0002.JPG']);
  });
});
