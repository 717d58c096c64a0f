/**
 * RAW photos through their embedded previews (raw-preview.ts): the six real
 * RAW files of shared/data/raw (most truncated upstream: previews and EXIF
 * intact), the orientation taken from the RAW, and damaged RAWs that must
 * fall back to another preview or fail with a clear reason.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test-support/harness.js';
import { isoOf, rawManifest } from '../../test-support/raw-manifest.js';
import { hasShared, shared } from '../../test-support/shared-data.js';
import { endExiftool } from '../metadata/exiftool.js';
import { DecodeError } from './decode-error.js';
import { decodeOriented } from './decode.js';
import { FAILURE_SENTENCES, failureReason } from './failure-reasons.js';
import { decodeRawPreview, extractEmbedded, readRawInfo } from './raw-preview.js';

describe('orientation applied from outside the image', () => {
  it('turns pixels exactly as the same EXIF orientation inside the JPEG does, for all eight', async () => {
    // An asymmetric image: every orientation gives different pixels.
    const raw = Buffer.alloc(40 * 24 * 3);
    for (let y = 0; y < 24; y++) for (let x = 0; x < 40; x++) raw.set([x * 6, y * 10, (x * y) % 256], (y * 40 + x) * 3);
    const img = () => sharp(raw, { raw: { width: 40, height: 24, channels: 3 } });
    const plain = await img().jpeg({ quality: 100 }).toBuffer();
    for (let o = 1; o <= 8; o++) {
      const tagged = await img().jpeg({ quality: 100 }).withMetadata({ orientation: o }).toBuffer();
      const a = await decodeOriented(tagged, 'tagged.jpg');
      const b = await decodeOriented(plain, 'plain.jpg', { orientation: o });
      expect([b.width, b.height, b.fullWidth, b.fullHeight], `orientation ${o}`).toEqual([a.width, a.height, a.fullWidth, a.fullHeight]);
      expect(b.data.equals(a.data), `orientation ${o}`).toBe(true);
    }
  });
});

describe.skipIf(!hasShared)('real RAW files (shared/data/raw)', () => {
  const tmp = tempDir('raw');
  afterAll(async () => {
    tmp.cleanup();
    await endExiftool();
  });

  it('each decodes through its largest readable preview, turned as the RAW says, with its date', async () => {
    const rows = rawManifest();
    expect(rows.length).toBe(6);
    for (const r of rows) {
      const t0 = performance.now();
      const d = await decodeRawPreview(shared('raw', r.file), r.file);
      const ms = performance.now() - t0;
      const swap = r.orientation >= 5;
      const size = swap ? [r.previewHeight, r.previewWidth] : [r.previewWidth, r.previewHeight];
      console.log(`${r.file.padEnd(36)} ${d.tag.padEnd(26)} ${d.pixels.fullWidth}x${d.pixels.fullHeight} o=${r.orientation} ${d.facts.takenAt} ${Math.round(ms)} ms`);
      expect([d.pixels.fullWidth, d.pixels.fullHeight], r.file).toEqual(size);
      expect(d.facts.takenAt?.startsWith(isoOf(r.date)), `${r.file}: ${d.facts.takenAt}`).toBe(true);
      expect(d.facts.camera, r.file).toBeTruthy();
    }
  });

  it('reads each RAW again in the same ExifTool process (its CanonRaw module answers with the bytes, not the size, after an extraction)', async () => {
    for (let pass = 0; pass < 3; pass++) {
      for (const r of rawManifest()) {
        const d = await decodeRawPreview(shared('raw', r.file), r.file);
        expect(d.pixels.fullWidth * d.pixels.fullHeight, `${r.file}, pass ${pass}`).toBe(r.previewWidth * r.previewHeight);
      }
    }
  });

  it('the Sony whose PreviewImage points past the end of the file uses its thumbnail', async () => {
    const info = await readRawInfo(shared('raw', 'sony_zv-e10_rot90_trunc.arw'), 'x.arw');
    expect(info.orientation).toBe(6);
    const d = await decodeRawPreview(shared('raw', 'sony_zv-e10_rot90_trunc.arw'), 'x.arw');
    expect(d.tag).toMatch(/ThumbnailImage$/);
    // Stored sideways (160x120), shown upright.
    expect([d.pixels.fullWidth, d.pixels.fullHeight]).toEqual([120, 160]);
  });

  /** A copy of `file` with the bytes of its embedded image `tag` overwritten (the pointer then leads to garbage). */
  async function withBrokenPreview(file: string, tags: string[], out: string): Promise<string> {
    const bytes = readFileSync(shared('raw', file));
    for (const tag of tags) {
      const jpeg = await extractEmbedded(shared('raw', file), tag);
      // The whole image: a Canon's preview and thumbnail begin with the same Huffman tables.
      const at = bytes.indexOf(jpeg);
      expect(at, tag).toBeGreaterThan(0);
      bytes.fill(0x5a, at, at + jpeg.length);
    }
    const path = join(tmp.path, out);
    writeFileSync(path, bytes);
    return path;
  }

  it('a CR2 whose largest preview is garbage falls back to the next readable one', async () => {
    const path = await withBrokenPreview('canon_eos-1ds-mk3_trunc.cr2', ['IFD0:PreviewImage'], 'broken-preview.cr2');
    const d = await decodeRawPreview(path, 'broken-preview.cr2');
    expect(d.tag).toBe('IFD1:ThumbnailImage');
    expect(d.pixels.fullWidth).toBeGreaterThan(d.pixels.fullHeight);
  });

  it('a preview over the memory cap is not extracted: the next one under it is used, or the RAW fails saying so', async () => {
    const path = shared('raw', 'canon_eos-1ds-mk3_trunc.cr2');
    const d = await decodeRawPreview(path, 'big.cr2', {}, 100_000);
    expect(d.tag).toBe('IFD1:ThumbnailImage');
    const e = await decodeRawPreview(path, 'big.cr2', {}, 1000).catch((x: unknown) => x);
    expect((e as DecodeError).kind).toBe('raw_preview');
    expect((e as DecodeError).message).toMatch(/IFD0:PreviewImage: 290 KB, over the 1 KB limit; IFD1:ThumbnailImage: 5 KB, over the 1 KB limit/);
  });

  it('a RAW with no readable preview fails with a reason naming every preview tried, never a crash', async () => {
    const path = await withBrokenPreview('canon_eos-1ds-mk3_trunc.cr2', ['IFD0:PreviewImage', 'IFD1:ThumbnailImage'], 'all-broken.cr2');
    const e = await decodeRawPreview(path, 'all-broken.cr2').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DecodeError);
    expect((e as DecodeError).kind).toBe('raw_preview');
    expect((e as DecodeError).message).toMatch(/none of the RAW file's embedded previews could be read \(IFD0:PreviewImage: .+; IFD1:ThumbnailImage: .+\)/);
    expect(failureReason((e as DecodeError).kind, (e as DecodeError).message)).toBe(FAILURE_SENTENCES.raw_preview);
  });

  it('a RAW cut before its previews fails clearly', async () => {
    const path = join(tmp.path, 'cut.cr2');
    writeFileSync(path, readFileSync(shared('raw', 'canon_eos-1ds-mk3_trunc.cr2')).subarray(0, 4096));
    const e = await decodeRawPreview(path, 'cut.cr2').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DecodeError);
    expect((e as DecodeError).kind).toBe('raw_preview');
  });

  it('a file that is not a RAW at all, named .CR2, is refused as not a RAW photo', async () => {
    const path = join(tmp.path, 'random.CR2');
    writeFileSync(path, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251)));
    const e = await decodeRawPreview(path, 'random.CR2').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DecodeError);
    expect((e as DecodeError).kind).toBe('unsupported');
    expect((e as DecodeError).message).toMatch(/random\.CR2 is not a RAW photo ExifTool recognises/);
    // a JPEG renamed .CR2 is not a RAW either
    const jpeg = join(tmp.path, 'renamed.CR2');
    copyFileSync(shared('photos', 'kpa_bar.jpg'), jpeg);
    const j = await decodeRawPreview(jpeg, 'renamed.CR2').catch((x: unknown) => x);
    expect(j).toBeInstanceOf(DecodeError);
    expect((j as DecodeError).message).toMatch(/renamed\.CR2 is a JPEG file, not a camera RAW/);
  });
});
