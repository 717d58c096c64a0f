/**
 * The converter and forward pass against real Caffe/Keras outputs
 * (shared/data/reference, tolerances from its README).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasShared, REPO_ROOT, shared } from '../../test-support/shared-data.js';
import { readSpec, writeSyntheticCaffemodel, writeSyntheticKerasH5 } from '../../test-support/synthetic-vgg16.js';
import { spawnSync } from 'node:child_process';
import { sha256File } from './store/download.js';
import { nhwcToTensor } from '../imaging/model-input.js';
import { convertModel } from './convert.js';
import { readNpy } from './npy.js';
import { OnnxModel } from './runtime/onnx-model.js';

const tmp = mkdtempSync(join(tmpdir(), 'scenery-conformance-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function top5(prob: Float32Array, classes: number, n: number): number[][] {
  return Array.from({ length: n }, (_, i) => {
    const row = [...prob.subarray(i * classes, (i + 1) * classes)];
    return row.map((p, k) => [p, k] as const).sort((x, y) => y[0] - x[0]).slice(0, 5).map(([, k]) => k);
  });
}

function images(): { pixels: Float32Array; n: number } {
  const arr = readNpy(shared('reference', 'images_rgb_u8.npy'));
  return { pixels: nhwcToTensor(arr.data as Uint8Array, arr.shape[0]!), n: arr.shape[0]! };
}

async function checkAgainstCaffe(onnx: string, config: string): Promise<{ prob: number; logits: number; fc7rel: number }> {
  const model = await OnnxModel.load(onnx, { threads: 2 });
  try {
    const { pixels, n } = images();
    const out = await model.runAll(pixels, n);
    const prob = out['prob']!.data;
    const logits = out['logits']!.data;
    const fc7 = out['features']!.data;
    const refProb = readNpy(shared('reference', config, 'caffe_prob.npy')).data as Float32Array;
    const refLogits = readNpy(shared('reference', config, 'caffe_fc8a.npy')).data as Float32Array;
    const refFc7 = readNpy(shared('reference', config, 'caffe_fc7.npy')).data as Float32Array;
    const ref5 = JSON.parse(readFileSync(shared('reference', config, 'caffe_top5.json'), 'utf8')) as { top5_idx: number[][] };
    const classes = refProb.length / n;
    expect(top5(prob, classes, n)).toEqual(ref5.top5_idx);
    let fcMax = 0;
    for (const v of refFc7) fcMax = Math.max(fcMax, Math.abs(v));
    return { prob: maxAbs(prob, refProb), logits: maxAbs(logits, refLogits), fc7rel: maxAbs(fc7, refFc7) / fcMax };
  } finally {
    await model.release();
  }
}

describe.skipIf(!hasShared)('VGG16-Places365 conversion conformance', () => {
  const encodings = [
    ['micro', 'model.caffemodel'],
    ['micro', 'model_v1legacy.caffemodel'],
    ['micro', 'model_v2legacydims.caffemodel'],
    ['micro', 'keras_weights_tf.h5'],
    ['micro', 'keras_model_weights_wrapped.h5'],
    ['tiny', 'model.caffemodel'],
    ['tiny', 'keras_weights_tf.h5'],
  ] as const;

  it('converts every encoding of a configuration to bit-identical weights', async () => {
    const data = new Map<string, Buffer>();
    for (const [config, file] of encodings) {
      const out = join(tmp, `${config}-${file}.onnx`);
      const r = await convertModel(shared('reference', config, file), out);
      expect(r.variant).toBe('places365');
      const bytes = readFileSync(r.dataPath);
      const first = data.get(config);
      if (first) expect(bytes.equals(first), `${config}/${file} differs`).toBe(true);
      else data.set(config, bytes);
    }
    // The seeded generator of the README reproduces the fixture's weights exactly.
    const synth = join(tmp, 'micro-synth.caffemodel');
    writeSyntheticCaffemodel(readSpec(shared('reference', 'micro', 'spec.json')), synth);
    const r = await convertModel(synth, join(tmp, 'micro-synth.onnx'));
    expect(readFileSync(r.dataPath).equals(data.get('micro')!)).toBe(true);
  });

  for (const [config, file] of encodings) {
    it(`${config}/${file}: prob, logits, fc7 and top-5 match Caffe`, async () => {
      const out = join(tmp, `${config}-${file}.onnx`);
      await convertModel(shared('reference', config, file), out);
      const d = await checkAgainstCaffe(out, config);
      console.log(`${config}/${file}: max|Δprob| ${d.prob.toExponential(2)}, max|Δlogit| ${d.logits.toExponential(2)}, fc7 rel ${d.fc7rel.toExponential(2)}`);
      expect(d.prob).toBeLessThanOrEqual(5e-5);
      expect(d.logits).toBeLessThanOrEqual(1e-3);
      expect(d.fc7rel).toBeLessThanOrEqual(1e-4);
    });
  }

  it('a negative control fails the tolerances: BGR fed as RGB', async () => {
    const out = join(tmp, 'neg.onnx');
    await convertModel(shared('reference', 'micro', 'model.caffemodel'), out);
    const model = await OnnxModel.load(out);
    const { pixels, n } = images();
    const swapped = new Float32Array(pixels.length);
    const P = 224 * 224;
    for (let i = 0; i < n; i++) {
      swapped.set(pixels.subarray((i * 3 + 2) * P, (i * 3 + 3) * P), i * 3 * P);
      swapped.set(pixels.subarray((i * 3 + 1) * P, (i * 3 + 2) * P), (i * 3 + 1) * P);
      swapped.set(pixels.subarray(i * 3 * P, (i * 3 + 1) * P), (i * 3 + 2) * P);
    }
    const res = await model.run(swapped, n);
    await model.release();
    const refProb = readNpy(shared('reference', 'micro', 'caffe_prob.npy')).data as Float32Array;
    expect(maxAbs(res.prob, refProb)).toBeGreaterThan(5e-5);
  });

  it('full size (135,755,949 parameters), regenerated from its spec, streamed through the converter, matches Caffe', async () => {
    const caffemodel = join(tmp, 'full.caffemodel');
    writeSyntheticCaffemodel(readSpec(shared('reference', 'full', 'spec.json')), caffemodel);
    const out = join(tmp, 'full.onnx');
    const r = await convertModel(caffemodel, out);
    rmSync(caffemodel);
    expect(r.parameters).toBe(135_755_949);
    const d = await checkAgainstCaffe(out, 'full');
    console.log(`full: max|Δprob| ${d.prob.toExponential(2)}, max|Δlogit| ${d.logits.toExponential(2)}, fc7 rel ${d.fc7rel.toExponential(2)}`);
    expect(d.prob).toBeLessThanOrEqual(5e-5);
    expect(d.logits).toBeLessThanOrEqual(1e-3);
    expect(d.fc7rel).toBeLessThanOrEqual(1e-4);

    // The Keras v1.0 layout of the same weights, converted by `scenery model convert` in its own process:
    // bit-identical weights, in bounded memory (less than the 543 MB input).
    const h5 = join(tmp, 'full.h5');
    await writeSyntheticKerasH5(readSpec(shared('reference', 'full', 'spec.json')), h5);
    const kerasOut = join(tmp, 'full-keras.onnx');
    const cli = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'scenery.mjs'), 'model', 'convert', h5, '--out', kerasOut], { encoding: 'utf8' });
    rmSync(h5);
    expect(cli.status, cli.stderr).toBe(0);
    const rss = Number(/peak RSS (\d+) MB/.exec(cli.stdout)?.[1]);
    console.log(`full Keras .h5 conversion: peak RSS ${rss} MB`);
    expect(rss).toBeLessThan(543);
    expect(await sha256File(`${kerasOut}.data`)).toBe(await sha256File(r.dataPath));
  }, 300_000);
});
