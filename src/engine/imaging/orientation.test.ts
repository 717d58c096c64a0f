/** EXIF orientations 0–8 and odd EXIF from real cameras (shared/data/exif, read by exiftool). */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { hasShared, shared } from '../../test-support/shared-data.js';
import { decodeOriented, readPhotoFile } from './decode.js';
import { endExiftool } from '../metadata/exiftool.js';
import { readFileMetadata } from '../metadata/photo-metadata.js';

interface Row {
  file: string;
  orientation: string;
  displayWidth: number;
  displayHeight: number;
  date: string;
  lat: string;
  lon: string;
  make: string;
  model: string;
}

const rows = (): Row[] =>
  readFileSync(shared('exif', 'manifest.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'))
    .map((c) => ({ file: c[0]!, orientation: c[1]!, displayWidth: Number(c[4]), displayHeight: Number(c[5]), date: c[6]!, lat: c[7]!, lon: c[8]!, make: c[10]!, model: c[11]! }));

describe.skipIf(!hasShared)('EXIF', () => {
  afterAll(() => endExiftool());

  it('every orientation gives the displayed size exiftool reports', async () => {
    let checked = 0;
    for (const r of rows()) {
      const px = await decodeOriented(await readPhotoFile(shared('exif', r.file)), r.file);
      expect([px.fullWidth, px.fullHeight], r.file).toEqual([r.displayWidth, r.displayHeight]);
      // decoded pixels (possibly DCT-scaled) have the same orientation
      expect(px.width >= px.height, r.file).toBe(r.displayWidth >= r.displayHeight);
      checked++;
    }
    expect(checked).toBe(59);
  });

  it('orientation 6 is really rotated: the top-left of the displayed image matches orientation 1', async () => {
    const one = await decodeOriented(await readPhotoFile(shared('exif', 'recurser_Landscape_1.jpg')), 'a');
    for (const k of [2, 3, 4, 5, 6, 7, 8]) {
      const other = await decodeOriented(await readPhotoFile(shared('exif', `recurser_Landscape_${k}.jpg`)), 'b');
      let diff = 0;
      for (let i = 0; i < 3000; i += 3) diff += Math.abs(one.data[i]! - other.data[i]!);
      expect(diff / 1000, `orientation ${k}`).toBeLessThan(40);
    }
  });

  it('reads date taken, camera and GPS as exiftool does', async () => {
    for (const r of rows()) {
      const f = await readFileMetadata(shared('exif', r.file));
      // The Reconyx trail camera stores its date only in maker notes: ExifTool reads them (exifr did not).
      if (r.date) {
        const want = r.date.replace(/^(\d{4}):(\d{2}):(\d{2}) /, '$1-$2-$3T');
        expect(f.takenAt, r.file).toBe(want);
      }
      if (r.lat) {
        expect(f.gpsLat, r.file).toBeCloseTo(Number(r.lat), 6);
        expect(f.gpsLon, r.file).toBeCloseTo(Number(r.lon), 6);
      } else expect(f.gpsLat, r.file).toBeNull();
      if (r.model) expect(f.camera, r.file).toContain(r.model.replace(/\0/g, '').trim());
    }
  });
});
