/**
 * The rules of Scenery's keywords without a library: what a photo gets, which
 * entries are Scenery's, where they go (sidecar naming, RAW never embedded),
 * and the background queue's batching and cancelling.
 */
import { chmodSync, copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test-support/harness.js';
import { hasShared, shared } from '../../test-support/shared-data.js';
import { exiftoolList, exiv2List, hasMetadataTools } from '../../test-support/metadata-tools.js';
import { placesLabelIndex } from '../labels/label-sets.js';
import type { KeywordPhotoRow, KeywordRecord, KeywordRecords } from '../catalog/keyword-records.js';
import { endExiftool } from '../metadata/exiftool.js';
import { KeywordJobs } from './keyword-jobs.js';
import { flatEdit, hierarchyEdit, syncPhotoKeywords, targetFor } from './keyword-sync.js';
import { isSceneryHierarchy, keywordsFor, keywordsForScene } from './scenery-keywords.js';
import { sidecarPath } from './sidecar-path.js';

const forestPath = placesLabelIndex('forest_path')!;

describe('which keywords', () => {
  it('the scene, indoor/outdoor and one Scenery|… hierarchy entry', () => {
    expect(keywordsForScene(forestPath, false)).toEqual({ flat: ['forest path', 'outdoor'], hierarchy: ['Scenery|Outdoor|Forest|forest path'] });
    expect(keywordsForScene(placesLabelIndex('kitchen')!, true)).toEqual({ flat: ['kitchen', 'indoor'], hierarchy: ['Scenery|Indoor|Home|kitchen'] });
    expect(keywordsForScene(forestPath, null)).toEqual({ flat: ['forest path'], hierarchy: ['Scenery|Forest|forest path'] });
  });

  it('only scenes at or above the threshold; a correction always; nothing for a failed file; unknown while pending', () => {
    const row = { status: 'indexed', scene_index: forestPath, scene_prob: 0.3, corrected: 0, indoor: 0, queued: 0 };
    expect(keywordsFor(row, 0.2)?.flat).toEqual(['forest path', 'outdoor']);
    expect(keywordsFor(row, 0.5)).toEqual({ flat: [], hierarchy: [] });
    expect(keywordsFor({ ...row, corrected: 1, scene_prob: 1 }, 0.99)?.flat).toEqual(['forest path', 'outdoor']);
    expect(keywordsFor({ ...row, status: 'failed' }, 0)).toEqual({ flat: [], hierarchy: [] });
    expect(keywordsFor({ ...row, status: 'pending' }, 0)).toBeNull();
    expect(keywordsFor({ ...row, status: 'missing' }, 0)).toBeNull();
  });

  it("Scenery's hierarchy entries are those it can write; a person's own Scenery|… entries are not", () => {
    expect(isSceneryHierarchy('Scenery|Outdoor|Forest|forest path')).toBe(true);
    expect(isSceneryHierarchy('Scenery|Forest|forest path')).toBe(true);
    expect(isSceneryHierarchy('Scenery|Mountains')).toBe(false);
    expect(isSceneryHierarchy('Scenery')).toBe(false);
    expect(isSceneryHierarchy('Places|Outdoor|Forest|forest path')).toBe(false);
  });
});

describe('what is added and removed', () => {
  it("flat keywords: Scenery removes only those it added; a person's identical keyword is never its own", () => {
    // First write: "outdoor" was already there (the person's), "forest path" is added and becomes Scenery's.
    const first = flatEdit(['holiday', 'outdoor'], ['forest path', 'outdoor'], []);
    expect(first).toEqual({ edit: { add: ['forest path'], remove: [] }, owned: ['forest path'] });
    // A correction to a kitchen: Scenery's "forest path" goes, the person's "outdoor" stays.
    const second = flatEdit(['holiday', 'outdoor', 'forest path'], ['kitchen', 'indoor'], first.owned);
    expect(second).toEqual({ edit: { add: ['kitchen', 'indoor'], remove: ['forest path'] }, owned: ['kitchen', 'indoor'] });
    // Remove: Scenery's own out, nothing else.
    expect(flatEdit(['holiday', 'outdoor', 'kitchen', 'indoor'], [], second.owned).edit).toEqual({ add: [], remove: ['kitchen', 'indoor'] });
    // A keyword Scenery owned that the person deleted meanwhile is not removed again (nor owned any more).
    expect(flatEdit(['holiday'], ['kitchen'], ['kitchen', 'indoor'])).toEqual({ edit: { add: ['kitchen'], remove: [] }, owned: ['kitchen'] });
  });

  it("hierarchy: Scenery's entries out unless still wanted; the person's stay", () => {
    const current = ['Places|Norway', 'Scenery|Mountains', 'Scenery|Outdoor|Forest|forest path'];
    expect(hierarchyEdit(current, ['Scenery|Indoor|Home|kitchen'], [])).toEqual({ add: ['Scenery|Indoor|Home|kitchen'], remove: ['Scenery|Outdoor|Forest|forest path'] });
    expect(hierarchyEdit(current, ['Scenery|Outdoor|Forest|forest path'], [])).toEqual({ add: [], remove: [] });
    expect(hierarchyEdit(current, [], [])).toEqual({ add: [], remove: ['Scenery|Outdoor|Forest|forest path'] });
  });
});

describe('where keywords go', () => {
  const none = (): boolean => false;
  it('sidecar naming: IMG.xmp (Lightroom, Capture One) or IMG.CR2.xmp (darktable, digiKam); an existing sidecar under either name wins', () => {
    expect(sidecarPath('/p/IMG_0001.CR2', 'basename', none)).toBe(join('/p', 'IMG_0001.xmp'));
    expect(sidecarPath('/p/IMG_0001.CR2', 'filename', none)).toBe(join('/p', 'IMG_0001.CR2.xmp'));
    expect(sidecarPath('/p/IMG_0001.CR2', 'basename', (p) => p === join('/p', 'IMG_0001.CR2.xmp'))).toBe(join('/p', 'IMG_0001.CR2.xmp'));
    expect(sidecarPath('/p/IMG_0001.CR2', 'filename', (p) => p === join('/p', 'IMG_0001.XMP'))).toBe(join('/p', 'IMG_0001.XMP'));
  });

  it('embedded mode never embeds in a RAW other than DNG: those get a sidecar', () => {
    const s = { mode: 'embedded', sidecarName: 'filename', keepModifiedTime: true } as const;
    for (const raw of ['a.CR2', 'a.cr3', 'a.NEF', 'a.arw', 'a.raf', 'a.orf', 'a.rw2', 'a.pef', 'a.srw', 'a.crw']) {
      expect(targetFor(`/p/${raw}`, s)).toMatchObject({ path: join('/p', `${raw}.xmp`), embedded: false });
    }
    expect(targetFor('/p/a.dng', s)).toEqual({ path: '/p/a.dng', embedded: true, iptc: false });
    expect(targetFor('/p/a.jpg', s)).toEqual({ path: '/p/a.jpg', embedded: true, iptc: true });
    expect(targetFor('/p/a.jpg', { ...s, mode: 'off' })).toBeNull();
  });
});

describe.skipIf(!hasShared || !hasMetadataTools)('a real RAW in embedded mode', () => {
  const tmp = tempDir('raw-keywords');
  afterAll(async () => {
    await endExiftool();
    tmp.cleanup();
  });

  it('gets an IMG.CR2.xmp sidecar that exiftool and exiv2 read; the CR2 itself is not changed by a byte', async () => {
    const cr2 = join(tmp.path, 'IMG_0001.CR2');
    copyFileSync(shared('raw', 'canon_eos-1ds-mk3_trunc.cr2'), cr2);
    chmodSync(cr2, 0o644);
    const bytes = readFileSync(cr2);
    const row: KeywordPhotoRow = { id: 1, path: cr2, status: 'indexed', size: bytes.length, mtime_ms: 0, scene_index: forestPath, scene_prob: 0.8, corrected: 0, indoor: 0, queued: 0 };
    let rec: KeywordRecord | null = null;
    const records = { photo: () => row, get: () => rec, set: (r: KeywordRecord) => (rec = r), clear: () => (rec = null), recordOwnWrite: () => true } as unknown as KeywordRecords;
    const ctx = { records, settings: { mode: 'embedded', sidecarName: 'filename', keepModifiedTime: true } as const, threshold: 0.1 };
    expect(await syncPhotoKeywords(ctx, 1, 'write')).toBe('written');
    expect(Buffer.compare(readFileSync(cr2), bytes)).toBe(0);
    const xmp = `${cr2}.xmp`;
    expect(exiftoolList(xmp, 'XMP-dc:Subject')).toEqual(['forest path', 'outdoor']);
    expect(exiv2List(xmp, 'Xmp.lr.hierarchicalSubject')).toEqual(['Scenery|Outdoor|Forest|forest path']);
    expect(rec).toMatchObject({ target: xmp, embedded: false });
    expect(await syncPhotoKeywords(ctx, 1, 'remove')).toBe('written');
    expect(Buffer.compare(readFileSync(cr2), bytes)).toBe(0);
  });

  it('PNG and WebP take the XMP inside (no IPTC); the decoded pixels stay identical', async () => {
    for (const [src, name] of [['skimage_garage.png', 'garage.png'], ['palapeli_bridge.webp', 'bridge.webp']] as const) {
      const file = join(tmp.path, name);
      copyFileSync(shared('photos', src), file);
      chmodSync(file, 0o644);
      const pixels = await sharp(file).raw().toBuffer();
      const row: KeywordPhotoRow = { id: 2, path: file, status: 'indexed', size: 0, mtime_ms: 0, scene_index: forestPath, scene_prob: 0.8, corrected: 0, indoor: 0, queued: 0 };
      let rec: KeywordRecord | null = null;
      const records = { photo: () => row, get: () => rec, set: (r: KeywordRecord) => (rec = r), clear: () => (rec = null), recordOwnWrite: () => true } as unknown as KeywordRecords;
      const ctx = { records, settings: { mode: 'embedded', sidecarName: 'basename', keepModifiedTime: true } as const, threshold: 0.1 };
      expect(await syncPhotoKeywords(ctx, 2, 'write')).toBe('written');
      expect(exiftoolList(file, 'XMP-dc:Subject')).toEqual(['forest path', 'outdoor']);
      expect(exiftoolList(file, 'IPTC:Keywords')).toEqual([]);
      expect(exiv2List(file, 'Xmp.lr.hierarchicalSubject')).toEqual(['Scenery|Outdoor|Forest|forest path']);
      expect(Buffer.compare(await sharp(file).raw().toBuffer(), pixels)).toBe(0);
      expect(await syncPhotoKeywords(ctx, 2, 'remove')).toBe('written');
      expect(exiftoolList(file, 'XMP-dc:Subject')).toEqual([]);
    }
  });
});

describe('the background queue', () => {
  it('writes in batches with progress, writes a photo queued twice once, and cancel drops the rest', async () => {
    const seen: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const reports: number[] = [];
    const jobs = new KeywordJobs(
      async (id) => {
        seen.push(id);
        if (id === 1) await gate;
        if (id === 3) throw new Error('/p/c.jpg: File is write protected');
        return 'written';
      },
      (p) => reports.push(p.done),
      { batch: 4, concurrency: 2 },
    );
    jobs.enqueue([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'write');
    // 5 and 6 are still queued: counted once. (A photo queued again while being written is written again.)
    jobs.enqueue([5, 6], 'write');
    expect(jobs.progress()).toMatchObject({ running: true, total: 10, done: 0 });
    jobs.cancel();
    release();
    await jobs.whenIdle();
    // The batch in flight finished; the other six were dropped.
    expect(seen.sort()).toEqual([1, 2, 3, 4]);
    expect(jobs.progress()).toMatchObject({ running: false, done: 4, written: 3, failed: 1, cancelled: true, lastError: '/p/c.jpg: File is write protected' });
    jobs.enqueue([5, 6, 7, 8, 9], 'write');
    await jobs.whenIdle();
    expect(jobs.progress()).toMatchObject({ running: false, done: 5, total: 5, written: 5, cancelled: false });
    expect(reports.length).toBeGreaterThanOrEqual(4);
  });
});

describe('the background queue at library scale', () => {
  it('works through 200,000 queued photos in batches without copying the queue each time', async () => {
    let n = 0;
    const jobs = new KeywordJobs(async () => (n++, 'unchanged'), () => {}, { batch: 16, concurrency: 2 });
    const t0 = performance.now();
    jobs.enqueue(Array.from({ length: 200_000 }, (_, i) => i + 1), 'write');
    await jobs.whenIdle();
    expect(n).toBe(200_000);
    // Copying the queue for every batch took minutes here; a generous bound for a loaded machine.
    expect(performance.now() - t0).toBeLessThan(20_000);
  });
});
