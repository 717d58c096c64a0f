/** Helpers for engine tests on real files in temporary folders. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Classifier } from '../engine/indexer/indexer.js';

export function tempDir(prefix: string): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), `scenery-${prefix}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 30_000, everyMs = 50): Promise<NonNullable<T>> {
  const t0 = Date.now();
  let last: T | undefined;
  while (Date.now() - t0 < timeoutMs) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/**
 * A fast stand-in for the network, for tests of volume and of the pipeline
 * itself: a deterministic softmax over 365 classes derived from the image's
 * mean colour, so different photos get different scenes.
 */
export class FakeClassifier implements Classifier {
  readonly maxBatch = 8;
  calls = 0;
  async classify(pixels: Float32Array): Promise<{ prob: Float32Array; features: Float32Array; classes: number }> {
    this.calls++;
    const P = pixels.length / 3;
    const mean = [0, 1, 2].map((c) => {
      let s = 0;
      for (let i = 0; i < P; i += 97) s += pixels[c * P + i]!;
      return s / Math.ceil(P / 97);
    });
    const prob = new Float32Array(365).fill(0.1 / 364);
    const k = Math.floor(((mean[0]! * 7 + mean[1]! * 13 + mean[2]! * 17) / 255) * 11) % 365;
    prob[k] = 0.9;
    const features = new Float32Array(64);
    for (let i = 0; i < 64; i++) features[i] = mean[i % 3]! * (1 + (i % 5));
    return { prob, features, classes: 365 };
  }
}
