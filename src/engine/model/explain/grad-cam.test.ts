/**
 * Grad-CAM against PyTorch autograd (shared/data/reference/gradcam, tolerance
 * from its README: max |cam - ref| / max(ref) <= 1e-3 per map), on the tiny and
 * micro conformance networks converted by Scenery's own converter, with
 * negative controls that must fail it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasShared, shared } from '../../../test-support/shared-data.js';
import { nhwcToTensor, PIXELS } from '../../imaging/model-input.js';
import { convertModel } from '../convert.js';
import { readNpy } from '../npy.js';
import { OnnxModel } from '../runtime/onnx-model.js';
import { CAM_CELLS, GradCam } from './grad-cam.js';
import { buildExplainBackward, ExplainUnavailableError } from './explain-graphs.js';

const TOLERANCE = 1e-3;
const tmp = mkdtempSync(join(tmpdir(), 'scenery-gradcam-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface RefJson {
  classes: number[][];
  logits: number[][];
}

/** max |cam - ref| / max(ref), the reference README's measure. */
function relError(cam: ArrayLike<number>, ref: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < ref.length; i++) {
    d = Math.max(d, Math.abs(cam[i]! - ref[i]!));
    m = Math.max(m, ref[i]!);
  }
  return d / m;
}

describe.skipIf(!hasShared)('Grad-CAM at relu5_3 matches PyTorch autograd', () => {
  for (const config of ['tiny', 'micro'] as const) {
    describe(config, () => {
      let cam: GradCam;
      let pixels: Float32Array;
      let n: number;
      const ref = (): { maps: Float32Array; json: RefJson } => ({
        maps: readNpy(shared('reference', 'gradcam', `gradcam_${config}.npy`)).data as Float32Array,
        json: JSON.parse(readFileSync(shared('reference', 'gradcam', `gradcam_${config}.json`), 'utf8')) as RefJson,
      });
      beforeAll(async () => {
        const onnx = join(tmp, `${config}.onnx`);
        await convertModel(shared('reference', config, 'model.caffemodel'), onnx);
        cam = await GradCam.load(onnx, { threads: 1 });
        const arr = readNpy(shared('reference', 'images_rgb_u8.npy'));
        n = arr.shape[0]!;
        pixels = nhwcToTensor(arr.data as Uint8Array, n);
      });
      afterAll(async () => cam?.release());

      it('every map (top-1 and top-2 of 4 images) within 1e-3 of max(ref), logits within 1e-3', async () => {
        const { maps, json } = ref();
        let worst = 0;
        for (let i = 0; i < n; i++) {
          const act = await cam.forward(pixels.slice(i * 3 * PIXELS, (i + 1) * 3 * PIXELS));
          const classes = json.classes[i]!;
          classes.forEach((c, j) => expect(Math.abs(act.logits[c]! - json.logits[i]![j]!)).toBeLessThan(1e-3));
          const out = await cam.cams(act, classes);
          for (let j = 0; j < classes.length; j++) {
            const e = relError(out.subarray(j * CAM_CELLS, (j + 1) * CAM_CELLS), maps.subarray((i * 2 + j) * CAM_CELLS, (i * 2 + j + 1) * CAM_CELLS));
            worst = Math.max(worst, e);
          }
        }
        console.log(`${config}: worst max|cam-ref|/max(ref) = ${worst.toExponential(2)}`);
        expect(worst).toBeLessThanOrEqual(TOLERANCE);
      });

      it('negative control: the other class’s map fails the tolerance', async () => {
        const { maps, json } = ref();
        const act = await cam.forward(pixels.slice(0, 3 * PIXELS));
        const swapped = await cam.cams(act, [json.classes[0]![1]!]);
        expect(relError(swapped, maps.subarray(0, CAM_CELLS))).toBeGreaterThan(TOLERANCE);
      });
    });
  }

  it('negative control: the gradient of the probability instead of the logit fails the tolerance', async () => {
    // d p_c / d A = p_c (d y_c / d A - sum_j p_j d y_j / d A): built from per-class logit maps before the ReLU is
    // impossible, so compare the ReLU'd maps instead: scaling by p_c (< 1) alone already breaks the tolerance.
    const onnx = join(tmp, 'tiny.onnx');
    const cam = await GradCam.load(onnx, { threads: 1 });
    try {
      const { maps, json } = {
        maps: readNpy(shared('reference', 'gradcam', 'gradcam_tiny.npy')).data as Float32Array,
        json: JSON.parse(readFileSync(shared('reference', 'gradcam', 'gradcam_tiny.json'), 'utf8')) as RefJson,
      };
      const arr = readNpy(shared('reference', 'images_rgb_u8.npy'));
      const act = await cam.forward(nhwcToTensor((arr.data as Uint8Array).subarray(0, 3 * PIXELS), 1));
      const c = json.classes[0]![0]!;
      const all = await cam.cams(act, Array.from({ length: 365 }, (_, k) => k));
      expect(all.length).toBe(365 * CAM_CELLS);
      const logitMap = all.subarray(c * CAM_CELLS, (c + 1) * CAM_CELLS);
      expect(relError(logitMap, maps.subarray(0, CAM_CELLS))).toBeLessThanOrEqual(TOLERANCE);
      const probMap = logitMap.map((v) => v * act.prob[c]!);
      expect(relError(probMap, maps.subarray(0, CAM_CELLS))).toBeGreaterThan(TOLERANCE);
    } finally {
      await cam.release();
    }
  });

  it('negative control: no ReLU masks on fc6/fc7 fails the tolerance', async () => {
    const cam = await GradCam.load(join(tmp, 'tiny.onnx'), { threads: 1, backwardGraph: (w) => buildExplainBackward(w, { reluMasks: false }) });
    try {
      const maps = readNpy(shared('reference', 'gradcam', 'gradcam_tiny.npy')).data as Float32Array;
      const json = JSON.parse(readFileSync(shared('reference', 'gradcam', 'gradcam_tiny.json'), 'utf8')) as RefJson;
      const arr = readNpy(shared('reference', 'images_rgb_u8.npy'));
      const act = await cam.forward(nhwcToTensor((arr.data as Uint8Array).subarray(0, 3 * PIXELS), 1));
      const out = await cam.cams(act, [json.classes[0]![0]!]);
      const e = relError(out, maps.subarray(0, CAM_CELLS));
      console.log(`tiny, no ReLU masks: ${e.toExponential(2)}`);
      expect(e).toBeGreaterThan(TOLERANCE);
    } finally {
      await cam.release();
    }
  });

  it('a model that is not VGG16 gets a plain reason', async () => {
    const squeeze = shared('models', 'squeezenet_places365', 'model.onnx');
    await expect(GradCam.load(squeeze)).rejects.toThrow(ExplainUnavailableError);
    await expect(GradCam.load(squeeze)).rejects.toThrow(/need a VGG16 scene model/);
  });

  it('the forward pass agrees with the classifier’s own graph', async () => {
    const onnx = join(tmp, 'micro.onnx');
    const model = await OnnxModel.load(onnx, { threads: 1 });
    const cam = await GradCam.load(onnx, { threads: 1 });
    try {
      const arr = readNpy(shared('reference', 'images_rgb_u8.npy'));
      const px = nhwcToTensor((arr.data as Uint8Array).subarray(0, 3 * PIXELS), 1);
      const a = await model.run(px, 1);
      const b = await cam.forward(px);
      let d = 0;
      for (let i = 0; i < a.prob.length; i++) d = Math.max(d, Math.abs(a.prob[i]! - b.prob[i]!));
      expect(d).toBeLessThan(1e-6);
    } finally {
      await model.release();
      await cam.release();
    }
  });
});
