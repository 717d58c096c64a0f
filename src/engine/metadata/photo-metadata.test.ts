/**
 * Metadata through ExifTool: every file of shared/data/exif gives the date and orientation of its manifest (which
 * exiftool wrote), including the trail camera that keeps its date only in maker notes; a WebP's EXIF chunk is read;
 * keywords from every place apps write them, in the file and in both sidecar names. Fixtures are written by the
 * system's exiftool into copies in a temporary folder.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test-support/harness.js';
import { hasShared, shared } from '../../test-support/shared-data.js';
import { endExiftool } from './exiftool.js';
import { isSidecarName, plainExifFacts, readFileMetadata, readKeywords, readWithExiftool, sidecarCandidates, takenFrom } from './photo-metadata.js';
import { readdirSync } from 'node:fs';

const EXIFTOOL = '/usr/bin/exiftool';
const hasExiftool = existsSync(EXIFTOOL);
if (!hasExiftool) console.warn(`[skip] ${EXIFTOOL} not found: the keyword fixtures are written with the system's exiftool.`);

afterAll(() => endExiftool());

const rows = (): { file: string; orientation: string; date: string }[] =>
  readFileSync(shared('exif', 'manifest.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'))
    .map((c) => ({ file: c[0]!, orientation: c[1]!, date: c[6]! }));

/** Files with no date taken in the manifest whose only date is when they were last modified (the fallback). */
const MODIFIED_ONLY: Record<string, string> = { 'ianare_tests_67-0_length_string.jpg': '2016-09-12T10:05:31' };

describe.skipIf(!hasShared)('dates and orientation as exiftool reads them (shared/data/exif/manifest.tsv)', () => {
  it('every file: date taken (with its zone) and orientation', async () => {
    let checked = 0;
    for (const r of rows()) {
      // With the bytes: as the indexer reads it (the exifr fast path where it applies, else ExifTool).
      const m = await readFileMetadata(shared('exif', r.file), readFileSync(shared('exif', r.file)));
      const want = r.date ? r.date.replace(/^(\d{4}):(\d{2}):(\d{2}) /, '$1-$2-$3T') : (MODIFIED_ONLY[r.file] ?? null);
      expect(m.takenAt, r.file).toBe(want);
      // 0 is not a valid orientation (shown as stored), an empty cell is none
      const o = Number(r.orientation);
      expect(m.orientation, r.file).toBe(r.orientation && o >= 1 && o <= 8 ? o : null);
      checked++;
    }
    expect(checked).toBe(59);
  });

  it('the exifr fast path gives exactly what ExifTool gives, and only for plain camera JPEGs', async () => {
    const files = [
      ...readdirSync(shared('exif')).filter((f) => f.endsWith('.jpg')).map((f) => shared('exif', f)),
      ...readdirSync(shared('photos')).filter((f) => /\.(jpg|png|webp)$/.test(f)).map((f) => shared('photos', f)),
    ];
    let fast = 0;
    for (const f of files) {
      const quick = await plainExifFacts(readFileSync(f));
      if (!quick) continue;
      fast++;
      expect(quick, f).toEqual(await readWithExiftool(f));
    }
    // most camera JPEGs take it; XMP-only, trail-camera, undated and non-JPEG files do not
    expect(fast).toBeGreaterThanOrEqual(15);
    for (const f of ['ianare_Reconyx_HC500_Hyperfire.jpg', 'ianare_xmp_no_exif.jpg', 'recurser_Landscape_1.jpg']) expect(await plainExifFacts(readFileSync(shared('exif', f))), f).toBeNull();
    expect(await plainExifFacts(readFileSync(shared('photos', 'palapeli_bridge.webp')))).toBeNull();
  });

  it("the trail camera's maker-note date and a WebP's EXIF date are read", async () => {
    expect((await readFileMetadata(shared('exif', 'ianare_Reconyx_HC500_Hyperfire.jpg'))).takenAt).toBe('2020-03-16T10:00:00');
    const webp = await readFileMetadata(shared('photos', 'palapeli_bridge.webp'));
    expect(webp.takenAt).toBe('2002-01-01T02:05:06');
    expect(webp.camera).toBe('OLYMPUS OPTICAL CO.,LTD X-2,C-50Z');
    expect(webp.orientation).toBe(1);
  });

  it('keeps the time-zone offset of OffsetTimeOriginal', async () => {
    if (!hasExiftool) return;
    const tmp = tempDir('meta-offset');
    try {
      const f = join(tmp.path, 'zoned.jpg');
      copyFileSync(shared('exif', 'ianare_Canon_40D.jpg'), f);
      execFileSync(EXIFTOOL, ['-q', '-overwrite_original', '-OffsetTimeOriginal=+09:00', f]);
      const m = await readFileMetadata(f);
      expect(m.takenAt).toBe('2008-05-30T15:56:01+09:00');
      expect(m.takenTs).toBe(Date.parse('2008-05-30T06:56:01Z'));
    } finally {
      tmp.cleanup();
    }
  });
});

describe.skipIf(!hasShared || !hasExiftool)('keywords other apps wrote', () => {
  const tmp = tempDir('meta-keywords');
  afterAll(() => tmp.cleanup());
  const photo = (name: string): string => {
    const f = join(tmp.path, name);
    copyFileSync(shared('exif', 'ianare_Canon_40D.jpg'), f);
    return f;
  };

  it('reads dc:subject, lr:hierarchicalSubject, IPTC Keywords, XPKeywords and digiKam TagsList in the file', async () => {
    const f = photo('embedded.jpg');
    execFileSync(EXIFTOOL, [
      '-q',
      '-overwrite_original',
      '-XMP-dc:Subject=Holiday',
      '-XMP-dc:Subject=Grandma',
      '-XMP-lr:HierarchicalSubject=Places|France|Paris',
      '-IPTC:Keywords=Eiffel Tower',
      '-IPTC:Keywords=holiday',
      '-XPKeywords=Windows tag;Second',
      '-XMP-digiKam:TagsList=People/Anna',
      '-XMP-dc:Subject=2019',
      '-XMP-dc:Subject=1.50',
      '-XMP-dc:Subject=007',
      f,
    ]);
    const m = await readFileMetadata(f);
    // keywords that look like numbers stay as written
    expect(m.keywords).toEqual(['Holiday', 'Grandma', '2019', '1.50', '007', 'Places|France|Paris', 'Eiffel Tower', 'Windows tag', 'Second', 'People/Anna']);
    expect(m.takenAt).toBe('2008-05-30T15:56:01');
  });

  it('reads both sidecar names, IMG_1.xmp and IMG_1.JPG.xmp, and adds them to the file\'s own', async () => {
    const f = photo('IMG_1.JPG');
    execFileSync(EXIFTOOL, ['-q', '-overwrite_original', '-IPTC:Keywords=inside', f]);
    execFileSync(EXIFTOOL, ['-q', '-XMP-dc:Subject=lightroom', '-XMP-xmp:Rating=4', '-o', join(tmp.path, 'IMG_1.xmp')]);
    execFileSync(EXIFTOOL, ['-q', '-XMP-digiKam:TagsList=darktable/tag', '-XMP-dc:Subject=Lightroom', '-o', join(tmp.path, 'IMG_1.JPG.xmp')]);
    expect((await readFileMetadata(f)).keywords).toEqual(['inside', 'lightroom', 'darktable/tag']);
    expect(await readKeywords(f)).toEqual(['inside', 'lightroom', 'darktable/tag']);
  });

  it('a broken sidecar loses nothing else', async () => {
    const f = photo('IMG_2.jpg');
    writeFileSync(join(tmp.path, 'IMG_2.xmp'), 'not xml at all');
    const m = await readFileMetadata(f);
    expect(m.keywords).toEqual([]);
    expect(m.takenAt).toBe('2008-05-30T15:56:01');
  });
});

describe('sidecar names', () => {
  it('names both conventions and recognises .xmp in any case', () => {
    expect(sidecarCandidates('/p/IMG_1.CR2')).toEqual(['/p/IMG_1.xmp', '/p/IMG_1.XMP', '/p/IMG_1.CR2.xmp', '/p/IMG_1.CR2.XMP']);
    expect(isSidecarName('IMG_1.XMP')).toBe(true);
    expect(isSidecarName('IMG_1.jpg')).toBe(false);
  });
});

describe('date taken from each place, in order of trust (ExifTool tags as read with -G1 -n)', () => {
  it('EXIF with OffsetTimeOriginal first, then XMP, IPTC with its zone, QuickTime (UTC), maker notes, then digitised and modified', () => {
    expect(takenFrom({ 'ExifIFD:DateTimeOriginal': '2020:01:02 03:04:05', 'ExifIFD:OffsetTimeOriginal': '-05:00', 'XMP-exif:DateTimeOriginal': '2019:01:01 00:00:00' })).toBe('2020-01-02T03:04:05-05:00');
    expect(takenFrom({ 'XMP-photoshop:DateCreated': '2013:09:23 10:09:46+02:00', 'IFD0:ModifyDate': '2014:01:01 00:00:00' })).toBe('2013-09-23T10:09:46+02:00');
    expect(takenFrom({ 'IPTC:DateCreated': '2011:05:06', 'IPTC:TimeCreated': '07:08:09+01:00', 'XMP-xmp:CreateDate': '2012:01:01 00:00:00' })).toBe('2011-05-06T07:08:09+01:00');
    expect(takenFrom({ 'Keys:CreationDate': '2021:03:04 05:06:07+09:00', 'QuickTime:CreateDate': '2021:03:03 20:06:07' })).toBe('2021-03-04T05:06:07+09:00');
    expect(takenFrom({ 'QuickTime:CreateDate': '2021:03:03 20:06:07' })).toBe('2021-03-03T20:06:07Z');
    expect(takenFrom({ 'QuickTime:CreateDate': '0000:00:00 00:00:00', 'Reconyx:DateTimeOriginal': '2020:03:16 10:00:00' })).toBe('2020-03-16T10:00:00');
    expect(takenFrom({ 'ExifIFD:CreateDate': '2001:02:03 04:05:06', 'ExifIFD:OffsetTimeDigitized': '+03:00', 'IFD0:ModifyDate': '2002:01:01 00:00:00' })).toBe('2001-02-03T04:05:06+03:00');
    expect(takenFrom({ 'IFD0:ModifyDate': '2016:09:12 10:05:31', 'System:FileModifyDate': '2026:12:02 02:09:45+00:00' })).toBe('2016-09-12T10:05:31');
    // file-system dates are never a date taken
    expect(takenFrom({ 'System:FileModifyDate': '2026:12:02 02:09:45+00:00', 'ICC-header:ProfileDateTime': '1998:02:09 06:49:00' })).toBeNull();
  });
});
