import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasShared, shared } from '../../test-support/shared-data.js';
import { convertModel } from './convert.js';
import { KNOWN_MODELS } from './known-models.js';
import { parameterCount, FULL_VGG16, validateVgg16 } from './vgg16.js';

const tmp = mkdtempSync(join(tmpdir(), 'scenery-converr-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('VGG16 structure', () => {
  it('counts the published parameters', () => {
    expect(parameterCount({ ...FULL_VGG16, classes: 365 })).toBe(135_755_949);
    expect(parameterCount({ ...FULL_VGG16, classes: 1365 })).toBe(KNOWN_MODELS[1]!.parameters);
  });

  it('refuses shapes that do not chain, with the layer named', () => {
    const layers = [
      { name: 'conv1_1', weight: [64, 3, 3, 3], bias: [64] },
      { name: 'conv1_2', weight: [64, 32, 3, 3], bias: [64] },
    ];
    expect(() => validateVgg16(layers)).toThrow(/expected the weight layers conv1_1/);
  });
});

describe.skipIf(!hasShared)('converter input checks', () => {
  it('refuses a file that is not a model', async () => {
    const f = join(tmp, 'photo.caffemodel');
    copyFileSync(shared('photos', 'kpa_bar.jpg'), f);
    await expect(convertModel(f, join(tmp, 'x.onnx'))).rejects.toThrow();
    expect(existsSync(join(tmp, 'x.onnx'))).toBe(false);
    expect(existsSync(join(tmp, 'x.onnx.data'))).toBe(false);
  });

  it('refuses a truncated caffemodel (interrupted download) and leaves nothing behind', async () => {
    const whole = readFileSync(shared('reference', 'micro', 'model.caffemodel'));
    const f = join(tmp, 'cut.caffemodel');
    writeFileSync(f, whole.subarray(0, Math.floor(whole.length * 0.6)));
    await expect(convertModel(f, join(tmp, 'cut.onnx'))).rejects.toThrow(/past the end|truncated/);
    expect(existsSync(join(tmp, 'cut.onnx.data.partial'))).toBe(false);
  });

  it('a named model requires its exact published shapes', async () => {
    await expect(convertModel(shared('reference', 'micro', 'model.caffemodel'), join(tmp, 'named.onnx'), { expect: KNOWN_MODELS[0] })).rejects.toThrow(
      /135,755,949 parameters.*92,675/,
    );
  });

  it('checks the requested variant', async () => {
    await expect(convertModel(shared('reference', 'micro', 'keras_weights_tf.h5'), join(tmp, 'v.onnx'), { variant: 'hybrid1365' })).rejects.toThrow(/365 classes/);
  });
});
