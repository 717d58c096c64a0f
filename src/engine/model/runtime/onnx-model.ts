/**
 * One loaded model in onnxruntime-node: on the platform's accelerator when it
 * passes the probe check (providers.ts), else on the CPU. This class blocks
 * its thread during run(); the app uses it only inside the model worker
 * (worker-entry.ts), the CLI may use it directly.
 *
 * Memory: the CPU arena is off. With it, onnxruntime keeps the largest batch's
 * activations (conv1 of a batch of 8 VGG16 images is 100 MB a map) reserved
 * for the life of the session; without it they return to the allocator after
 * each run, at no measurable cost in speed here (README, Measured). The
 * weights come from the 64 KiB-aligned external data file, which onnxruntime
 * memory-maps; pre-packing then makes one packed copy for the fast kernels
 * and the mapping is dropped, so the weights are held once, not twice.
 */
import * as ort from 'onnxruntime-node';
import { readOnnxMetadata, type OnnxMetadata } from '../onnx/onnx-metadata.js';
import { PIXELS } from '../../imaging/model-input.js';
import { platformAccelerator, selectProvider, type ProviderChoice } from './providers.js';

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
    readonly provider: ProviderChoice,
  ) {}

  /**
   * `accelerator`: 'auto' (default) tries the platform's accelerator, 'cpu'
   * never does, any other name tries that onnxruntime provider.
   */
  static async load(path: string, options: { threads?: number; accelerator?: string } = {}): Promise<OnnxModel> {
    const t0 = performance.now();
    const metadata = readOnnxMetadata(path);
    const accel = options.accelerator === 'cpu' ? null : options.accelerator && options.accelerator !== 'auto' ? options.accelerator : platformAccelerator();
    const open = async (provider: string): Promise<ort.InferenceSession & { probe(x: Float32Array): Promise<Float32Array> }> => {
      const s = await ort.InferenceSession.create(path, {
        executionProviders: [provider],
        intraOpNumThreads: options.threads ?? 0,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
        // The arena keeps the activation buffers between runs. Without it every run maps them afresh and the
        // kernel zero-fills each page again: VGG16 float32 on 2 cores, batch 2, 5.7 -> 9.9 img/s and 1.6 -> 0.1 s
        // of system time per 32 images with it, for 42 MB more peak RSS (721 -> 763 MB; bench/run.ts, README).
        enableCpuMemArena: true,
        enableMemPattern: true,
      });
      return Object.assign(s, {
        probe: async (x: Float32Array): Promise<Float32Array> => {
          const r = await s.run({ image: new ort.Tensor('float32', x, [1, 3, 224, 224]) }, ['prob']);
          return r['prob']!.data as Float32Array;
        },
      });
    };
    const { session, choice } = await selectProvider(accel, open);
    const missing = ['prob', 'features'].filter((o) => !session.outputNames.includes(o));
    if (!session.inputNames.includes('image') || missing.length) {
      await session.release();
      throw new ModelContractError(
        `${path} does not follow Scenery's model contract (input "image", outputs "prob" and "features"); it has inputs ${session.inputNames.join(', ')} and outputs ${session.outputNames.join(', ')}`,
      );
    }
    return new OnnxModel(session, path, metadata, (performance.now() - t0) / 1000, choice);
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
