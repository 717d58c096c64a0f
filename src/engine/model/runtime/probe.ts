/**
 * Proves that a model file works before it is installed: loads it in a
 * scratch onnxruntime session, runs a batch of two probe images and checks
 * Scenery's model contract on what comes out. Reading metadata is not enough:
 * a file can claim anything, and a model that loads but yields NaN or
 * 2-million-wide features would fail (or bloat) every photo later.
 */
import { PIXELS } from '../../imaging/model-input.js';
import { ModelWorkerClient } from './model-worker-client.js';
import { ModelContractError, OnnxModel } from './onnx-model.js';

/** Classes the label sets know: Places365 and Hybrid1365 (1000 ImageNet objects + 365 places). */
export const CONTRACT_CLASSES = [365, 1365] as const;
/** The catalog keeps an int8 descriptor per photo: VGG16's fc7 (4096) is the widest it stores. */
export const MAX_FEATURE_DIM = 4096;
export const MIN_FEATURE_DIM = 8;

export interface ProbeResult {
  classes: number;
  featureDim: number;
  /** The probe's own top-1 per image (a sanity value for logs). */
  top1: number[];
}

/** Two deterministic, differing images (a diagonal gradient and a coarse checkerboard), RGB 0..255 NCHW. */
export function probePixels(): Float32Array {
  const px = new Float32Array(2 * 3 * PIXELS);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < 224; y++) {
      for (let x = 0; x < 224; x++) {
        const i = c * PIXELS + y * 224 + x;
        px[i] = ((x + y) * 255) / 446 * (c === 1 ? 0.5 : 1);
        px[3 * PIXELS + i] = ((x >> 5) + (y >> 5)) % 2 ? 230 - c * 40 : 20 + c * 30;
      }
    }
  }
  return px;
}

/** Checks the outputs of a probe batch against the contract; pure, so its rules are testable on their own. */
export function checkProbeOutputs(out: { n: number; classes: number; featureDim: number; prob: Float32Array; features: Float32Array }): ProbeResult {
  const { n, classes, featureDim, prob, features } = out;
  if (!CONTRACT_CLASSES.includes(classes as 365)) {
    throw new ModelContractError(`output "prob" has ${classes} classes; a scene model must have 365 (Places365) or 1365 (Hybrid1365)`);
  }
  if (prob.length !== n * classes) throw new ModelContractError(`output "prob" has ${prob.length} values for ${n} images; expected [${n}, ${classes}]`);
  if (featureDim < MIN_FEATURE_DIM || featureDim > MAX_FEATURE_DIM) {
    throw new ModelContractError(`output "features" has ${featureDim.toLocaleString('en')} dimensions; Scenery accepts ${MIN_FEATURE_DIM} to ${MAX_FEATURE_DIM}`);
  }
  if (features.length !== n * featureDim) throw new ModelContractError(`output "features" has ${features.length} values for ${n} images; expected [${n}, ${featureDim}]`);
  const top1: number[] = [];
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let best = 0;
    for (let k = 0; k < classes; k++) {
      const p = prob[i * classes + k]!;
      if (!Number.isFinite(p) || p < 0 || p > 1.0001) throw new ModelContractError(`output "prob" is not a probability (${p} for class ${k}); it must be a softmax`);
      sum += p;
      if (p > prob[i * classes + best]!) best = k;
    }
    if (Math.abs(sum - 1) > 1e-3) throw new ModelContractError(`output "prob" sums to ${sum.toFixed(4)}, not 1; it must be a softmax over the classes`);
    top1.push(best);
  }
  for (let j = 0; j < features.length; j++) {
    if (!Number.isFinite(features[j]!)) throw new ModelContractError(`output "features" holds a non-finite value (${features[j]})`);
  }
  return { classes, featureDim, top1 };
}

/** Loads `onnxPath` in a scratch session, runs the probe batch and checks the contract; always releases the session. */
export async function probeModel(onnxPath: string, options: { threads?: number } = {}): Promise<ProbeResult> {
  let model: OnnxModel;
  try {
    model = await OnnxModel.load(onnxPath, { threads: options.threads ?? 1 });
  } catch (e) {
    if (e instanceof ModelContractError) throw e;
    throw new ModelContractError(`onnxruntime cannot load it: ${(e as Error).message}`);
  }
  try {
    let all;
    try {
      all = await model.runAll(probePixels(), 2);
    } catch (e) {
      throw new ModelContractError(`it does not run on a batch of images [N,3,224,224] (input "image", float32 RGB 0..255): ${(e as Error).message}`);
    }
    const prob = all['prob']!;
    const features = all['features']!;
    for (const [name, t] of [['prob', prob], ['features', features]] as const) {
      if (t.dims.length !== 2 || t.dims[0] !== 2) throw new ModelContractError(`output "${name}" has shape [${t.dims.join(', ')}] for 2 images; expected [N, size]`);
      if (!(t.data instanceof Float32Array)) throw new ModelContractError(`output "${name}" is not float32`);
    }
    return checkProbeOutputs({ n: 2, classes: prob.dims[1]!, featureDim: features.dims[1]!, prob: prob.data, features: features.data });
  } finally {
    await model.release();
  }
}

/**
 * The same probe in a model worker thread, for the app: loading and running
 * VGG16 takes a second or two, which must not freeze the main thread. The two
 * images are queued together, so the worker runs them as one batch of 2.
 */
export async function probeModelInWorker(onnxPath: string, options: { workerPath?: string } = {}): Promise<ProbeResult> {
  const client = new ModelWorkerClient(onnxPath, { threads: 1, maxBatch: 2, idleMs: 1000, workerPath: options.workerPath });
  try {
    const px = probePixels();
    let results;
    try {
      results = await Promise.all([client.classify(px.subarray(0, 3 * PIXELS)), client.classify(px.subarray(3 * PIXELS))]);
    } catch (e) {
      const message = (e as Error).message.replace(/^cannot load model \S+: /, '');
      throw new ModelContractError(/does not follow Scenery's model contract/.test(message) ? message : `it does not load or run on a batch of images [N,3,224,224]: ${message}`);
    }
    const [a, b] = results as [{ prob: Float32Array; features: Float32Array; classes: number }, { prob: Float32Array; features: Float32Array }];
    const featureDim = a.features.length;
    const prob = new Float32Array(a.prob.length * 2);
    prob.set(a.prob);
    prob.set(b.prob, a.prob.length);
    const features = new Float32Array(featureDim * 2);
    features.set(a.features);
    features.set(b.features, featureDim);
    return checkProbeOutputs({ n: 2, classes: a.classes, featureDim, prob, features });
  } finally {
    await client.close();
  }
}
