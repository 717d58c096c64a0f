/**
 * Default calibration images for the int8 converter when no photos are given:
 * generated, deterministic, with some of the statistics of photographs (a
 * vertical light gradient like a sky over ground, smooth colour fields with a
 * 1/f-like spectrum, hard-edged shapes, fine texture), so that each conv layer
 * sees activations of about the magnitude real photos give it. Photos of the
 * user's own library calibrate better (`--calibrate DIR`).
 */
import { PIXELS } from '../../imaging/model-input.js';

const SIZE = 224;

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** One image, NCHW float32 RGB 0..255. */
export function generatedImage(seed: number): Float32Array {
  const r = rng(0x9e3779b9 ^ (seed * 2654435761));
  const out = new Float32Array(3 * PIXELS);
  const top = [r() * 255, r() * 255, r() * 255];
  const bottom = [r() * 200, r() * 200, r() * 160];
  const horizon = 0.3 + r() * 0.4;
  // Smooth fields: a few sinusoids per channel with amplitude falling as 1/frequency.
  const waves = Array.from({ length: 3 }, () =>
    Array.from({ length: 8 }, (_, k) => {
      const f = (k + 1) * (0.5 + r());
      const a = r() * 2 * Math.PI;
      return { fx: Math.cos(a) * f, fy: Math.sin(a) * f, ph: r() * 2 * Math.PI, amp: 60 / f };
    }),
  );
  const rects = Array.from({ length: 3 + Math.floor(r() * 6) }, () => ({
    x0: r() * SIZE, y0: r() * SIZE, w: 10 + r() * 90, h: 10 + r() * 90,
    c: [r() * 255, r() * 255, r() * 255],
  }));
  const texture = 4 + r() * 20;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const u = x / SIZE;
      const v = y / SIZE;
      const t = Math.min(1, Math.max(0, (v - horizon) * 6 + 0.5));
      for (let c = 0; c < 3; c++) {
        let val = top[c]! * (1 - t) + bottom[c]! * t;
        for (const w of waves[c]!) val += w.amp * Math.sin(2 * Math.PI * (w.fx * u + w.fy * v) + w.ph);
        for (const q of rects) if (x >= q.x0 && x < q.x0 + q.w && y >= q.y0 && y < q.y0 + q.h) val = val * 0.3 + q.c[c]! * 0.7;
        val += (r() - 0.5) * texture;
        out[c * PIXELS + y * SIZE + x] = Math.max(0, Math.min(255, Math.round(val)));
      }
    }
  }
  return out;
}

/** `n` generated images as one batch. */
export function calibrationImages(n = 16): Float32Array[] {
  const batch = new Float32Array(n * 3 * PIXELS);
  for (let i = 0; i < n; i++) batch.set(generatedImage(i), i * 3 * PIXELS);
  return [batch];
}

/** Up to `max` photos, preprocessed exactly as the indexer does, as one calibration batch (unreadable files skipped). */
export async function calibrationFromPhotos(files: string[], max = 16): Promise<{ batch: Float32Array[]; used: number }> {
  const { openImage } = await import('../../imaging/decode.js');
  const { cropToTensor, resizeForModel } = await import('../../imaging/model-input.js');
  const x = new Float32Array(max * 3 * PIXELS);
  let n = 0;
  for (const f of files) {
    if (n >= max) break;
    try {
      cropToTensor(await resizeForModel(await openImage(f)), x, n);
      n++;
    } catch {
      // not a photo Scenery can read: skip it
    }
  }
  return { batch: n ? [x.subarray(0, n * 3 * PIXELS)] : [], used: n };
}
