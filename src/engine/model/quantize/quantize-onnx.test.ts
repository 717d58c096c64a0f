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
import { compareInt8, quantizeOnnx } from './quantize-onnx.js';

const tmp = mkdtempSync(join(tmpdir(), 'scenery-int8-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function photoTensors(): Promise<{ x: Float32Array; n: number }> {
  const files = [
    ...readdirSync(shared('photos')).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).map((f) => shared('photos', f)),
    ...readdirSync(shared('exif')).filter((f) => /\.jpe?g$/i.test(f)).map((f) => shared('exif', f)),
  ];
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

describe.skipIf(!hasShared)('int8 quantizer', () => {
  it('SqueezeNet-Places365 (real weights): every conv int8, same contract, top-1 agreement with float32 on every test photo', async () => {
    const out = join(tmp, 'sqz-int8.onnx');
    const r = await quantizeOnnx(SQUEEZENET, out);
    expect(r.quantizedLayers).toHaveLength(26);
    expect(r.keptFloat).toEqual([]);
    const graph = readOnnxModel(out);
    expect(graph.inputNames).toEqual(['image']);
    expect(graph.outputNames).toEqual(readOnnxModel(SQUEEZENET).outputNames);
    expect(graph.nodes.filter((n) => n.op === 'Conv')).toHaveLength(0);
    expect(graph.nodes.filter((n) => n.op === 'QLinearConv')).toHaveLength(26);

    const { x, n } = await photoTensors();
    const c = await compareInt8(SQUEEZENET, out, x, n);
    console.log(`SqueezeNet int8 vs float32 on ${n} photos: top-1 agreement ${(c.top1Agreement * 100).toFixed(1)} %, top-5 overlap ${(c.top5Overlap * 100).toFixed(1)} %, max |Δprob| ${c.probMaxDiff.toFixed(3)}, features cosine ${c.featuresCosine.toFixed(4)}`);
    expect(n).toBeGreaterThanOrEqual(70);
    expect(c.featuresDtype).toBe('float32');
    // Measured 87 % (68/78): this weak model's flips are near-ties (its top two within 0.002–0.07); the goal
    // of 95 % is not reached on it (README). The bound catches a broken quantizer, which lands near chance.
    expect(c.top1Agreement).toBeGreaterThanOrEqual(0.8);
    expect(c.top5Overlap).toBeGreaterThanOrEqual(0.85);
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
