/**
 * The model worker's batch size: VGG16-sized models (a weights file over
 * 100 MB, float32 or int8) run at batch 2, which keeps `scenery index` within
 * its memory goals (README, Measured); small models keep 8.
 */
import { closeSync, openSync, ftruncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/harness.js';
import { modelBatchSize } from './services/models-service.js';

describe('modelBatchSize', () => {
  const tmp = tempDir('batch');
  afterAll(() => tmp.cleanup());
  const model = (name: string, dataBytes: number | null): string => {
    const onnx = join(tmp.path, `${name}.onnx`);
    writeFileSync(onnx, '');
    if (dataBytes !== null) {
      // sparse: the size is what counts
      const fd = openSync(`${onnx}.data`, 'w');
      ftruncateSync(fd, dataBytes);
      closeSync(fd);
    }
    return onnx;
  };

  it('runs VGG16-sized models (float32 543 MB, int8 136 MB of weights) at batch 2', () => {
    expect(modelBatchSize(model('vgg16', 543_000_000))).toBe(2);
    expect(modelBatchSize(model('vgg16-int8', 136_000_000))).toBe(2);
  });

  it('keeps batch 8 for small models, with or without a weights file', () => {
    expect(modelBatchSize(model('small', 4_000_000))).toBe(8);
    expect(modelBatchSize(model('inline', null))).toBe(8);
  });
});
