/** VGG16-Hybrid1365: 1000 ImageNet objects + 365 places, through the converter and `scenery classify`. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasShared, REPO_ROOT, shared } from '../../test-support/shared-data.js';
import { tempDir } from '../../test-support/harness.js';
import { readSpec, writeSyntheticCaffemodel } from '../../test-support/synthetic-vgg16.js';
import { convertModel } from './convert.js';

describe.skipIf(!hasShared)('Hybrid1365', () => {
  const tmp = tempDir('hybrid');
  afterAll(() => tmp.cleanup());

  it('converts a 1365-way VGG16 as hybrid1365 and classify reports scenes and objects', async () => {
    const spec = readSpec(shared('reference', 'micro', 'spec.json'));
    const fc8 = spec.layers[15]!;
    fc8.caffe_shape = [1365, fc8.caffe_shape[1]!];
    const src = join(tmp.path, 'hybrid.caffemodel');
    writeSyntheticCaffemodel(spec, src);
    const onnx = join(tmp.path, 'hybrid.onnx');
    const r = await convertModel(src, onnx);
    expect(r.variant).toBe('hybrid1365');
    await expect(convertModel(src, join(tmp.path, 'x.onnx'), { variant: 'places365' })).rejects.toThrow(/1365 classes/);
    const out = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'scenery.mjs'), 'classify', '--json', '--model', onnx, shared('photos', 'kpa_bar.jpg')], { encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    const [entry] = JSON.parse(out.stdout) as { top: { label: string; index: number }[]; objects: { label: string }[]; indoor: boolean }[];
    expect(entry!.top).toHaveLength(5);
    expect(entry!.top.every((t) => t.index >= 0 && t.index < 365)).toBe(true);
    expect(entry!.objects).toHaveLength(5);
    expect(typeof entry!.indoor).toBe('boolean');
  });
});
