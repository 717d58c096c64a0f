/**
 * The classifier's session keeps its activation memory between runs. With onnxruntime's CPU arena off, every run
 * allocated its activations afresh and the kernel zero-filled each page again: on VGG16 float32 (2 cores, batch 2)
 * 5.7 instead of 9.9 images/s and 16 times the system time. Minor page faults per run show it directly, without
 * timing: a run that reuses its memory touches no new pages.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasShared, SQUEEZENET } from '../../../test-support/shared-data.js';
import { PIXELS } from '../../imaging/model-input.js';
import { OnnxModel } from './onnx-model.js';

if (!hasShared) console.log('onnx-model.test: skipped, no ../shared/data (the SqueezeNet-Places365 test model)');

/** This process's minor page faults so far (Linux; null elsewhere). */
function minorFaults(): number | null {
  try {
    // Field 10 of /proc/self/stat, counted after the command name (which may contain spaces).
    return Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')[7]);
  } catch {
    return null;
  }
}

describe.skipIf(!hasShared || minorFaults() === null)('the classifier session', () => {
  it('reuses its activation memory from one run to the next (page faults per run)', async () => {
    const model = await OnnxModel.load(SQUEEZENET, { threads: 2, accelerator: 'cpu' });
    try {
      const n = 8;
      const x = new Float32Array(n * 3 * PIXELS).map((_, i) => (i * 37) % 256);
      await model.run(x, n);
      await model.run(x, n);
      const before = minorFaults()!;
      const runs = 5;
      for (let i = 0; i < runs; i++) await model.run(x, n);
      const perRun = (minorFaults()! - before) / runs;
      // Batch 8 of SqueezeNet holds ~38 MB in its first conv's output alone: ~9,000 pages if they were new each run
      // (measured: 8,961 faults per run with the arena off, 0 with it).
      console.log(`SqueezeNet batch ${n}: ${perRun.toFixed(0)} minor page faults per run`);
      expect(perRun).toBeLessThan(2000);
    } finally {
      await model.release();
    }
  }, 60_000);
});
