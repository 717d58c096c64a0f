/**
 * The int8 quantizer on real graphs: the real SqueezeNet-Places365 test model
 * (real weights, real photos) and the conformance suite's synthetic VGG16
 * ("tiny" widths, through Scenery's own converter). The full-size VGG16 is
 * measured in `npm run bench` (int8_vgg_fc7_cosine).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasShared, shared, SQUEEZENET } from '../../../test-support/shared-data.js';
import { openImage } from '../../imaging/decode.js';
import { cropToTensor, nhwcToTensor, PIXELS, resizeForModel } from '../../imaging/model-input.js';
import { convertModel } from '../convert.js';
import { readNpy } from '../npy.js';
import { readOnnxModel } from '../onnx/onnx-reader.js';
import { OnnxModel } from '../runtime/onnx-model.js';
import { calibrationFromPhotos } from './calibration-images.js';
import { chooseRange, compareInt8, correctedBias, quantizeOnnx, uint8Params } from './quantize-onnx.js';
import { quantizePerChannel } from './int8.js';

const tmp = mkdtempSync(join(tmpdir(), 'scenery-int8-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const images = (dir: string): string[] => readdirSync(shared(dir)).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort().map((f) => shared(dir, f));

async function photoTensors(files: string[]): Promise<{ x: Float32Array; n: number }> {
  const x = new Float32Array(files.length * 3 * PIXELS);
  let n = 0;
  for (const f of files) {
    try {
      cropToTensor(await resizeForModel(await openImage(f)), x, n);
      n++;
    } catch {
      // a file the app cannot read either (reported by the decode tests)
    }
  }
  return { x: x.subarray(0, n * 3 * PIXELS), n };
}

describe('activation ranges and bias correction', () => {
  const observed = (samples: number[]) => ({ min: samples.reduce((a, b) => Math.min(a, b)), max: samples.reduce((a, b) => Math.max(a, b)), samples: Float32Array.from(samples), sampled: samples.length, channelSums: null, perChannel: 0 });

  it("'mse' clips the thin tails of a bell-shaped distribution, for less error than 'minmax', which keeps the extremes", () => {
    let s = 1;
    const u = (): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return (s + 0.5) / 4294967296;
    };
    const v = Array.from({ length: 100_000 }, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
    const o = observed(v);
    expect(chooseRange(o, 'minmax')).toEqual({ min: o.min, max: o.max });
    const r = chooseRange(o, 'mse');
    expect(r.max).toBeLessThan(o.max * 0.95);
    expect(r.min).toBeGreaterThan(o.min * 0.95);
    expect(r.max).toBeGreaterThan(3);
    const err = (lo: number, hi: number): number => {
      const p = uint8Params(lo, hi);
      return v.reduce((a, x) => a + (x - (Math.max(0, Math.min(255, Math.round(x / p.scale) + p.zeroPoint)) - p.zeroPoint) * p.scale) ** 2, 0);
    };
    expect(err(r.min, r.max)).toBeLessThan(err(o.min, o.max) * 0.9);
    // 'auto' (the default with photos) does the same for this signed tensor, but keeps the extremes of a
    // non-negative (post-ReLU) one.
    expect(chooseRange(o, 'auto')).toEqual(r);
    const relu = observed(v.map((x) => Math.max(0, x)));
    expect(chooseRange(relu, 'mse').max).toBeLessThan(relu.max);
    expect(chooseRange(relu, 'auto')).toEqual({ min: 0, max: relu.max });
  });

  it("'mse' keeps the whole range of values without outliers", () => {
    const v = Array.from({ length: 2001 }, (_, i) => -1 + i / 1000);
    const r = chooseRange(observed(v), 'mse');
    expect(r.min).toBeLessThan(-0.95);
    expect(r.max).toBeGreaterThan(0.95);
  });

  it('bias correction cancels the mean output shift of the rounded weights for inputs at their mean', () => {
    // 2 output channels, 3 input channels, 1x1 kernels; inputs with a large mean (as after a ReLU)
    const w = Float32Array.from([0.301, -0.113, 0.057, 0.0101, 0.0203, -0.0309]);
    const qw = quantizePerChannel(w, 2);
    const mean = Float64Array.from([3, 5, 7]);
    const b = correctedBias(w, qw, [2, 3, 1, 1], mean, Float32Array.from([0.5, -0.25]));
    for (let c = 0; c < 2; c++) {
      let exact = [0.5, -0.25][c]!;
      let rounded = b[c]!;
      for (let k = 0; k < 3; k++) {
        exact += w[c * 3 + k]! * mean[k]!;
        rounded += qw.q[c * 3 + k]! * qw.scales[c]! * mean[k]!;
      }
      expect(Math.abs(rounded - exact)).toBeLessThan(1e-6);
    }
  });
});

describe.skipIf(!hasShared)('int8 quantizer', () => {
  it('SqueezeNet-Places365 (real weights): every conv int8, same contract; calibrated on 16 photos, close to float32 on the photos calibration never saw', async () => {
    const out = join(tmp, 'sqz-int8.onnx');
    // As bench/run.ts measures it: calibrated on the test photos, compared on the EXIF camera JPEGs (disjoint).
    const cal = await calibrationFromPhotos(images('photos'), 16);
    expect(cal.used).toBe(16);
    const r = await quantizeOnnx(SQUEEZENET, out, { calibration: cal.batch });
    expect(r.quantizedLayers).toHaveLength(26);
    expect(r.keptFloat).toEqual([]);
    const graph = readOnnxModel(out);
    expect(graph.inputNames).toEqual(['image']);
    expect(graph.outputNames).toEqual(readOnnxModel(SQUEEZENET).outputNames);
    expect(graph.nodes.filter((n) => n.op === 'Conv')).toHaveLength(0);
    expect(graph.nodes.filter((n) => n.op === 'QLinearConv')).toHaveLength(26);

    const { x, n } = await photoTensors(images('exif'));
    const c = await compareInt8(SQUEEZENET, out, x, n);
    console.log(`SqueezeNet int8 vs float32 on ${n} held-out photos: top-1 agreement ${(c.top1Agreement * 100).toFixed(1)} %, top-5 overlap ${(c.top5Overlap * 100).toFixed(1)} %, mean KL ${c.meanKl.toFixed(4)}, max |Δprob| ${c.probMaxDiff.toFixed(3)}, features cosine ${c.featuresCosine.toFixed(4)}`);
    expect(n).toBe(59);
    expect(c.featuresDtype).toBe('float32');
    // Measured with the defaults for photos ('auto' ranges, bias correction): mean KL 0.0084, top-5 overlap 95.3 %, top-1 86.4 % (51/59; the
    // flips are near-ties, most of them one scene stored in 8 EXIF orientations). With min/max ranges and no bias
    // correction (before): KL 0.0124, top-5 93.2 %, top-1 83 %; calibrated on generated images: KL 0.0165, 92.2 %.
    // KL is the continuous measure; top-1 only counts near-tie flips.
    expect(c.meanKl).toBeLessThanOrEqual(0.0105);
    expect(c.top5Overlap).toBeGreaterThanOrEqual(0.94);
    expect(c.top1Agreement).toBeGreaterThanOrEqual(0.84);
  }, 180_000);

  it('int8 weights alone (activations float32) on SqueezeNet: bias correction removes most of their error', async () => {
    const cal = await calibrationFromPhotos(images('photos'), 16);
    const { x, n } = await photoTensors(images('exif'));
    const kl: Record<string, number> = {};
    for (const biasCorrection of [false, true]) {
      const out = join(tmp, `sqz-weights-${biasCorrection}.onnx`);
      await quantizeOnnx(SQUEEZENET, out, { conv: 'weights', calibration: cal.batch, biasCorrection });
      kl[String(biasCorrection)] = (await compareInt8(SQUEEZENET, out, x, n)).meanKl;
    }
    console.log(`SqueezeNet int8 weights only: mean KL ${kl['false']!.toFixed(4)} without bias correction, ${kl['true']!.toFixed(4)} with`);
    expect(kl['true']!).toBeLessThan(kl['false']! * 0.8);
  }, 120_000);

  it('synthetic VGG16 (tiny widths, Scenery converter): fc7 cosine ≥ 0.99, prob close; the dynamic-conv variant too', async () => {
    const fp = join(tmp, 'tiny.onnx');
    await convertModel(shared('reference', 'tiny', 'model.caffemodel'), fp);
    const arr = readNpy(shared('reference', 'images_rgb_u8.npy'));
    const n = arr.shape[0]!;
    const x = nhwcToTensor(arr.data as Uint8Array, n);
    for (const conv of ['calibrated', 'dynamic'] as const) {
      const out = join(tmp, `tiny-${conv}.onnx`);
      const r = await quantizeOnnx(fp, out, { conv, externalMinBytes: 1024 });
      expect(r.quantizedLayers).toHaveLength(16);
      expect(r.dataPath).not.toBeNull();
      expect(statSync(r.dataPath!).size).toBeGreaterThan(0);
      const c = await compareInt8(fp, out, x, n);
      console.log(`tiny VGG16 int8 (${conv} conv): fc7 cosine ${c.featuresCosine.toFixed(5)}, max |Δprob| ${c.probMaxDiff.toExponential(2)}, top-1 ${c.top1Agreement}`);
      expect(c.featuresCosine).toBeGreaterThanOrEqual(0.99);
    }
    // Calibrated on photos, as the app does it ('auto' ranges, bias correction): VGG16's ReLU graph stays as close.
    const cal = await calibrationFromPhotos(images('photos'), 16);
    const out = join(tmp, 'tiny-photos.onnx');
    await quantizeOnnx(fp, out, { calibration: cal.batch, externalMinBytes: 1024 });
    const c = await compareInt8(fp, out, x, n);
    console.log(`tiny VGG16 int8 calibrated on photos: fc7 cosine ${c.featuresCosine.toFixed(5)}, max |Δprob| ${c.probMaxDiff.toExponential(2)}`);
    expect(c.featuresCosine).toBeGreaterThanOrEqual(0.99);
  }, 120_000);

  it('negative control: the same comparison flags a badly quantized model (calibrated on images 100x too dark)', async () => {
    const fp = join(tmp, 'tiny-neg.onnx');
    await convertModel(shared('reference', 'tiny', 'model.caffemodel'), fp);
    const arr = readNpy(shared('reference', 'images_rgb_u8.npy'));
    const n = arr.shape[0]!;
    const x = nhwcToTensor(arr.data as Uint8Array, n);
    const out = join(tmp, 'tiny-bad.onnx');
    await quantizeOnnx(fp, out, { calibration: [x.map((v) => v * 0.01)] });
    const c = await compareInt8(fp, out, x, n);
    console.log(`badly calibrated tiny VGG16: fc7 cosine ${c.featuresCosine.toFixed(4)}`);
    expect(c.featuresCosine).toBeLessThan(0.99);
  }, 60_000);

  it('loads in onnxruntime with the same outputs as float32 (prob sums to 1, features float32)', async () => {
    const out = join(tmp, 'sqz-int8-load.onnx');
    await quantizeOnnx(SQUEEZENET, out, { conv: 'dynamic' });
    const m = await OnnxModel.load(out, { threads: 1, accelerator: 'cpu' });
    const o = await m.run(new Float32Array(3 * PIXELS).fill(128), 1);
    await m.release();
    expect(o.features).toBeInstanceOf(Float32Array);
    expect(o.prob.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
  });
});
