/** Decoding: DCT-scaled decode of large JPEGs, and what it does to the model's answers. */
import { readdirSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { hasShared, shared, SQUEEZENET } from '../../test-support/shared-data.js';
import { ModelWorkerClient } from '../model/runtime/model-worker-client.js';
import { dctShrinkFactor, decodeOriented, fromPixels, rawSignature } from './decode.js';
import { readFileSync } from 'node:fs';
import { DecodeError } from './decode-error.js';
import { cropToTensor, PIXELS, resizeForModel } from './model-input.js';

describe('DCT-scaled decode', () => {
  it('keeps the short side at least 640 px', () => {
    expect(dctShrinkFactor(4000, 3000)).toBe(4);
    expect(dctShrinkFactor(3000, 2000)).toBe(2);
    expect(dctShrinkFactor(6000, 4000)).toBe(4);
    expect(dctShrinkFactor(1800, 1200)).toBe(1);
    expect(dctShrinkFactor(40000, 30000)).toBe(8);
    expect(dctShrinkFactor(4000, 3000, 0)).toBe(1);
  });

  it('decodes a large rotated JPEG smaller, the right way up, and reports its real displayed size', async () => {
    const jpeg = await sharp({ create: { width: 3200, height: 2400, channels: 3, background: { r: 200, g: 30, b: 30 } } })
      .composite([{ input: { create: { width: 400, height: 400, channels: 3, background: { r: 0, g: 0, b: 255 } } }, left: 0, top: 0 }])
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const px = await decodeOriented(jpeg, 'big.jpg');
    expect([px.fullWidth, px.fullHeight]).toEqual([2400, 3200]);
    expect([px.width, px.height]).toEqual([1200, 1600]);
    // orientation 6: the blue top-left corner of the stored image ends up top-right
    const at = (x: number, y: number) => px.data[(y * px.width + x) * px.channels + 2]!;
    expect(at(px.width - 10, 10)).toBeGreaterThan(200);
    expect(at(10, 10)).toBeLessThan(60);
  });
});

describe.skipIf(!hasShared)('DCT-scaled decode and the model', () => {
  const client = hasShared ? new ModelWorkerClient(SQUEEZENET, { threads: 2 }) : null;
  afterAll(() => client?.close());

  it('gives the same top-1 as a full-resolution decode on 12 MP versions of the real photos (reported)', async () => {
    const files = readdirSync(shared('photos')).filter((f) => f.endsWith('.jpg'));
    let same = 0;
    let maxDelta = 0;
    for (const f of files) {
      const big = await sharp(shared('photos', f)).resize(4000, 3000, { fit: 'fill' }).jpeg({ quality: 92 }).toBuffer();
      const probs = [];
      for (const minSide of [0, undefined]) {
        const rgb = await resizeForModel(fromPixels(await decodeOriented(big, f, { minSide })));
        const t = new Float32Array(3 * PIXELS);
        cropToTensor(rgb, t, 0);
        probs.push((await client!.classify(t)).prob);
      }
      const [a, b] = probs as [Float32Array, Float32Array];
      const top = (p: Float32Array) => p.indexOf(Math.max(...p));
      if (top(a) === top(b)) same++;
      for (let i = 0; i < a.length; i++) maxDelta = Math.max(maxDelta, Math.abs(a[i]! - b[i]!));
    }
    console.log(`12 MP decode at 1/4 scale vs full: same top-1 on ${same}/${files.length} photos, max |Δp| ${maxDelta.toFixed(4)}`);
    expect(same).toBeGreaterThanOrEqual(files.length - 1);
  }, 120_000);

  it('the shrink-on-decode of other formats (PNG) keeps the same top-1 too (reported)', async () => {
    const files = readdirSync(shared('photos')).filter((f) => f.endsWith('.jpg'));
    let same = 0;
    let maxDelta = 0;
    for (const f of files) {
      const big = await sharp(shared('photos', f)).resize(4000, 3000, { fit: 'fill' }).png({ compressionLevel: 1 }).toBuffer();
      const probs = [];
      for (const minSide of [0, undefined]) {
        const px = await decodeOriented(big, f, { minSide });
        expect(px.width, 'decoded at 1/4 by default').toBe(minSide === 0 ? 4000 : 1000);
        const rgb = await resizeForModel(fromPixels(px));
        const t = new Float32Array(3 * PIXELS);
        cropToTensor(rgb, t, 0);
        probs.push((await client!.classify(t)).prob);
      }
      const [a, b] = probs as [Float32Array, Float32Array];
      const top = (p: Float32Array) => p.indexOf(Math.max(...p));
      if (top(a) === top(b)) same++;
      for (let i = 0; i < a.length; i++) maxDelta = Math.max(maxDelta, Math.abs(a[i]! - b[i]!));
    }
    console.log(`12 MP PNG decoded at 1/4 vs full: same top-1 on ${same}/${files.length} photos, max |Δp| ${maxDelta.toFixed(4)}`);
    expect(same).toBeGreaterThanOrEqual(files.length - 1);
  }, 180_000);
});

describe('HEIC', () => {
  it('decodes HEVC HEIC, which sharp’s prebuilt libvips cannot, through WebAssembly libheif', async () => {
    const { readFileSync } = await import('node:fs');
    const buf = readFileSync(new URL('./fixtures/generated-gradient.heic', import.meta.url));
    await expect(sharp(buf).raw().toBuffer()).rejects.toThrow();
    const px = await decodeOriented(buf, 'generated-gradient.heic');
    expect([px.width, px.height, px.fullWidth, px.fullHeight]).toEqual([160, 120, 160, 120]);
    const at = (x: number, y: number, c: number) => px.data[(y * px.width + x) * px.channels + c]!;
    expect(at(10, 10, 2)).toBeGreaterThan(200); // the blue square
    expect(at(150, 110, 0)).toBeGreaterThan(180); // red grows to the right
    const rgb = await resizeForModel(fromPixels(px));
    expect(rgb.length).toBe(256 * 256 * 3);
  });

  it('marks a damaged HEIC clearly', async () => {
    const { readFileSync } = await import('node:fs');
    const buf = readFileSync(new URL('./fixtures/generated-gradient.heic', import.meta.url));
    await expect(decodeOriented(buf.subarray(0, 400), 'cut.heic')).rejects.toThrow(/HEIC\/HEIF file could not be decoded/);
  });
});

describe.skipIf(!hasShared)('a camera RAW with a picture\'s name', () => {
  it('is refused as a RAW with its extension to give back, not called damaged', async () => {
    for (const [file, format] of [
      ['canon_eos-1ds-mk3_trunc.cr2', 'Canon CR2'],
      ['canon_eos-r6_crop_trunc.cr3', 'Canon CR3'],
      ['canon_powershot-s40.crw', 'Canon CRW'],
    ] as const) {
      const buf = readFileSync(shared('raw', file));
      expect(rawSignature(buf)?.format).toBe(format);
      const err = await decodeOriented(buf, 'IMG_0001.jpg').then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message, file).toMatch(new RegExp(`IMG_0001\\.jpg is not a photo of its kind but a camera RAW file \\(${format}\\): give it its own extension \\(\\.${file.split('.').pop()}\\)`));
      expect((err as DecodeError).kind, file).toBe('unsupported');
    }
    expect(rawSignature(readFileSync(shared('photos', 'hugin_forest.jpg')))).toBeNull();
  });
});
