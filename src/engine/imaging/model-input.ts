/**
 * Preprocessing as the original Places365 pipeline does it: EXIF orientation
 * applied, resize to 256x256 (aspect not kept), centre crop 224, RGB 0..255.
 *
 * Resampling: bilinear ("linear") with libjpeg shrink-on-load turned off.
 * On the real SqueezeNet-Places365 test model this agrees with PIL's bilinear
 * (the reference implementation) on 36/36 top-1 predictions; sharp's default
 * lanczos3 with shrink-on-load agrees on 31/36 (shared/data/models README).
 */
import type { Sharp } from 'sharp';

export const MODEL_SIZE = 224;
export const RESIZE_TO = 256;
export const CROP_OFFSET = (RESIZE_TO - MODEL_SIZE) / 2;
export const PIXELS = MODEL_SIZE * MODEL_SIZE;

/** 256x256 RGB, resized from an already decoded and oriented image. */
export async function resizeForModel(img: Sharp): Promise<Buffer> {
  return img
    .resize(RESIZE_TO, RESIZE_TO, { fit: 'fill', kernel: 'linear', fastShrinkOnLoad: false })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer();
}

/** Copies a 224 crop at (x0, y0) of a 256x256 HWC RGB buffer into NCHW float32 slot `n`. */
export function cropToTensor(rgb256: Uint8Array, out: Float32Array, n: number, x0 = CROP_OFFSET, y0 = CROP_OFFSET, mirror = false): void {
  const base = n * 3 * PIXELS;
  for (let y = 0; y < MODEL_SIZE; y++) {
    for (let x = 0; x < MODEL_SIZE; x++) {
      const sx = mirror ? x0 + MODEL_SIZE - 1 - x : x0 + x;
      const s = ((y0 + y) * RESIZE_TO + sx) * 3;
      const d = y * MODEL_SIZE + x;
      out[base + d] = rgb256[s]!;
      out[base + PIXELS + d] = rgb256[s + 1]!;
      out[base + 2 * PIXELS + d] = rgb256[s + 2]!;
    }
  }
}

/** The paper's 10-crop evaluation: 4 corners and the centre, each also mirrored. */
export function tenCrop(rgb256: Uint8Array): Float32Array {
  const out = new Float32Array(10 * 3 * PIXELS);
  const e = RESIZE_TO - MODEL_SIZE;
  const origins: [number, number][] = [[0, 0], [e, 0], [0, e], [e, e], [CROP_OFFSET, CROP_OFFSET]];
  origins.forEach(([x, y], i) => {
    cropToTensor(rgb256, out, i, x, y, false);
    cropToTensor(rgb256, out, i + 5, x, y, true);
  });
  return out;
}

/** NHWC uint8 RGB (e.g. a NumPy [N,224,224,3] array) → NCHW float32, no resizing. */
export function nhwcToTensor(data: Uint8Array, n: number): Float32Array {
  const out = new Float32Array(n * 3 * PIXELS);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < PIXELS; p++) {
      const s = (i * PIXELS + p) * 3;
      out[i * 3 * PIXELS + p] = data[s]!;
      out[i * 3 * PIXELS + PIXELS + p] = data[s + 1]!;
      out[i * 3 * PIXELS + 2 * PIXELS + p] = data[s + 2]!;
    }
  }
  return out;
}
