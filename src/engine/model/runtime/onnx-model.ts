/**
 * One loaded model in onnxruntime-node (CPU execution provider). This class
 * blocks its thread during run(); the app uses it only inside the model
 * worker (worker-entry.ts), the CLI may use it directly.
 */
import * as ort from 'onnxruntime-node';
import { readOnnxMetadata, type OnnxMetadata } from '../onnx/onnx-metadata.js';
import { PIXELS } from '../../imaging/model-input.js';

export interface ModelOutputs {
  n: number;
  classes: number;
  featureDim: number;
  prob: Float32Array;
  features: Float32Array;
}

export class ModelContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelContractError';
  }
}

export class OnnxModel {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly path: string,
    readonly metadata: OnnxMetadata,
    readonly loadSeconds: number,
  ) {}

  static async load(path: string, options: { threads?: number } = {}): Promise<OnnxModel> {
    const t0 = performance.now();
    const metadata = readOnnxMetadata(path);
    const session = await ort.InferenceSession.create(path, {
      executionProviders: ['cpu'],
      intraOpNumThreads: options.threads ?? 0,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
    });
    const missing = ['prob', 'features'].filter((o) => !session.outputNames.includes(o));
    if (!session.inputNames.includes('image') || missing.length) {
      await session.release();
      throw new ModelContractError(
        `${path} does not follow Scenery's model contract (input "image", outputs "prob" and "features"); it has inputs ${session.inputNames.join(', ')} and outputs ${session.outputNames.join(', ')}`,
      );
    }
    return new OnnxModel(session, path, metadata, (performance.now() - t0) / 1000);
  }

  /** `pixels`: n images, NCHW float32 RGB 0..255, 224x224. */
  async run(pixels: Float32Array, n: number): Promise<ModelOutputs> {
    if (pixels.length !== n * 3 * PIXELS) throw new ModelContractError(`expected ${n}x3x224x224 values, got ${pixels.length}`);
    const result = await this.session.run({ image: new ort.Tensor('float32', pixels, [n, 3, 224, 224]) }, ['prob', 'features']);
    const prob = result['prob']!;
    const features = result['features']!;
    const out = {
      n,
      classes: prob.dims[1] as number,
      featureDim: features.dims[1] as number,
      prob: new Float32Array(prob.data as Float32Array),
      features: new Float32Array(features.data as Float32Array),
    };
    prob.dispose();
    features.dispose();
    return out;
  }

  /** All outputs by name (conformance checks want the logits too). */
  async runAll(pixels: Float32Array, n: number): Promise<Record<string, { dims: readonly number[]; data: Float32Array }>> {
    const result = await this.session.run({ image: new ort.Tensor('float32', pixels, [n, 3, 224, 224]) });
    return Object.fromEntries(Object.entries(result).map(([k, t]) => [k, { dims: t.dims, data: t.data as Float32Array }]));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
