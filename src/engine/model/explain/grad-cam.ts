/**
 * Grad-CAM for an installed VGG16 model, on demand: two onnxruntime sessions
 * over the model's own external-data file (explain-graphs.ts). The forward
 * activations of the last image are kept, so a map for another class costs
 * only the backward pass (the fc matrices once, about a tenth of a forward).
 */
import { dirname } from 'node:path';
import * as ort from 'onnxruntime-node';
import { PIXELS } from '../../imaging/model-input.js';
import { readModelTensors } from './model-tensors.js';
import { buildExplainBackward, buildExplainForward, CAM_SIZE, findVgg16Weights, type Vgg16Weights } from './explain-graphs.js';

export const CAM_CELLS = CAM_SIZE * CAM_SIZE;

export interface ForwardActivations {
  relu53: Float32Array;
  fc6: Float32Array;
  fc7: Float32Array;
  logits: Float32Array;
  prob: Float32Array;
}

export class GradCam {
  private constructor(
    private readonly forwardSession: ort.InferenceSession,
    private readonly backwardSession: ort.InferenceSession,
    readonly weights: Vgg16Weights,
    readonly loadSeconds: number,
  ) {}

  /** Throws ExplainUnavailableError (with the reason) for models that are not a Scenery-converted VGG16. */
  static async load(onnxPath: string, options: { threads?: number; /** tests' negative controls only */ backwardGraph?: (w: Vgg16Weights) => Uint8Array } = {}): Promise<GradCam> {
    const t0 = performance.now();
    const weights = findVgg16Weights(readModelTensors(onnxPath));
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      intraOpNumThreads: options.threads ?? 0,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      // Weights are read from the installed model's data file (memory-mapped, shared with the classifier's
      // session); pre-packing would copy every fc matrix into a private buffer.
      extra: { session: { model_external_initializers_file_folder_path: dirname(onnxPath), disable_prepacking: '1' } },
    };
    const forward = await ort.InferenceSession.create(buildExplainForward(weights), sessionOptions);
    try {
      const backward = await ort.InferenceSession.create((options.backwardGraph ?? buildExplainBackward)(weights), sessionOptions);
      return new GradCam(forward, backward, weights, (performance.now() - t0) / 1000);
    } catch (e) {
      await forward.release();
      throw e;
    }
  }

  /** One image, NCHW float32 RGB 0..255 224x224. */
  async forward(pixels: Float32Array): Promise<ForwardActivations> {
    if (pixels.length !== 3 * PIXELS) throw new Error(`expected one 3x224x224 image, got ${pixels.length} values`);
    const r = await this.forwardSession.run({ image: new ort.Tensor('float32', pixels, [1, 3, 224, 224]) });
    const take = (k: string): Float32Array => {
      const t = r[k]!;
      const data = new Float32Array(t.data as Float32Array);
      t.dispose();
      return data;
    };
    return { relu53: take('relu5_3'), fc6: take('fc6'), fc7: take('fc7'), logits: take('logits'), prob: take('prob') };
  }

  /** Raw (not normalised) 14x14 maps, row-major, one per class: [classes.length * 196]. */
  async cams(act: ForwardActivations, classes: number[]): Promise<Float32Array> {
    if (!classes.length) return new Float32Array(0);
    for (const c of classes) {
      if (!Number.isInteger(c) || c < 0 || c >= this.weights.classes) throw new RangeError(`class index ${c} is outside 0..${this.weights.classes - 1}`);
    }
    const w = this.weights;
    const r = await this.backwardSession.run({
      relu5_3: new ort.Tensor('float32', act.relu53, [1, w.channels, CAM_SIZE, CAM_SIZE]),
      fc6: new ort.Tensor('float32', act.fc6, [1, w.fc]),
      fc7: new ort.Tensor('float32', act.fc7, [1, w.fc]),
      classes: new ort.Tensor('float32', Float32Array.from(classes), [classes.length]),
    });
    const cam = r['cam']!;
    const out = new Float32Array(cam.data as Float32Array);
    cam.dispose();
    return out;
  }

  async release(): Promise<void> {
    await this.forwardSession.release();
    await this.backwardSession.release();
  }
}
