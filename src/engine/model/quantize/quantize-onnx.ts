/**
 * The int8 variant of a model, made by Scenery itself (no Python): every Conv
 * and fully-connected layer (Gemm, MatMul) whose weights are constants gets
 * per-channel symmetric int8 weights (int8.ts). Activations:
 *  - fully-connected layers quantize their input dynamically, at run time with
 *    its own range (onnxruntime's DynamicQuantizeMatMul, or the standard
 *    DynamicQuantizeLinear + MatMulInteger, which it fuses);
 *  - convolutions, by default ('calibrated'), run as QLinearConv with uint8
 *    activation ranges measured once on calibration images; a ReLU after a
 *    conv is folded into its output range, and max-pooling runs on the uint8
 *    values, so the conv stack stays in uint8 from the first conv to the last.
 *    Given real photos, each range of a signed tensor is the one with the
 *    least uint8 error over what they produced ('auto', chooseRange) rather
 *    than their extremes, and
 *    each conv's bias absorbs the mean shift its weight rounding causes
 *    (correctedBias); measured on the real SqueezeNet in the README.
 *    A conv followed by a LeakyReLU keeps one uint8 grid on both sides of
 *    the activation (shareLeakyGrids), so re-quantizing after it is exact
 *    for the values ≥ 0. GPTQ rounding of the conv weights (gptq.ts) is an
 *    option, not the default: it removes the weight error, which on
 *    SqueezeNet is not what the remaining error is made of.
 *    The 'dynamic' alternative (DynamicQuantizeLinear + ConvInteger + Cast +
 *    Mul + Add) needs no calibration but is about 3x SLOWER than float32 in
 *    onnxruntime-node 1.30 on this CPU (ConvInteger has no fast path), which
 *    is why it is not the default (measured in the README).
 * Everything else in the graph (ReLU, pooling, softmax, the preprocessing
 * nodes) is untouched, so inputs and outputs stay in the model contract and
 * `features` stays float32.
 *
 * It works on any ONNX file, not only Scenery's VGG16 graph: the same code
 * quantizes the real SqueezeNet-Places365 test model, which is how fidelity
 * is measured on real weights (bench/run.ts, quantize-onnx.test.ts).
 */
import { renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ProtoWriter } from '../protobuf/writer.js';
import { closeTensorFiles, readOnnxModel, tensorBytes, tensorFloats, type OnnxAttribute, type OnnxModelProto, type OnnxNodeProto, type OnnxTensorProto } from '../onnx/onnx-reader.js';
import { WeightFileWriter } from '../weight-file.js';
import { quantizePerChannel, quantizeWithScales, transposeInt8, type QuantizedWeights } from './int8.js';
import { gptqRound, HessianAccumulator, MAX_HESSIAN_DIM, type ConvGeometry } from './gptq.js';
import { calibrationImages } from './calibration-images.js';

const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;
const INT32 = 6;
const INT64 = 7;

/**
 * How a fully-connected layer runs: the standard ONNX ops (which onnxruntime
 * fuses), or onnxruntime's contrib DynamicQuantizeMatMul directly.
 * Conv always becomes DynamicQuantizeLinear + ConvInteger.
 */
export type FcMode = 'matmulinteger' | 'dqmatmul';
/**
 * 'weights': int8 weights only, dequantized back to float32 in the graph
 * (DequantizeLinear + Conv): no speed gain; it separates the weight rounding
 * error from the activation error when measuring a quantization.
 */
export type ConvMode = 'calibrated' | 'dynamic' | 'weights';

/** Per-tensor activation range measured on calibration images. */
export type Ranges = Map<string, { min: number; max: number }>;

export interface QuantizeOptions {
  fc?: FcMode;
  conv?: ConvMode;
  /**
   * Images for the calibrated mode: float32 NCHW batches in the model's input
   * contract (RGB 0..255, 3x224x224 each), taken to be real photos (they turn
   * on 'auto' ranges and bias correction). Default: calibrationImages().
   */
  calibration?: Float32Array[];
  /** Tensors at least this large go to the external data file (mappable); smaller ones stay inline. */
  externalMinBytes?: number;
  name?: string;
  title?: string;
  /** Note recorded in the metadata (which images calibrated it). */
  calibrationNote?: string;
  /** Conv and fully-connected layers (node name, or first output) that stay float32. */
  floatLayers?: string[];
  /** Correct each conv's bias for the mean shift its weight rounding causes (default: with `calibration` images). */
  biasCorrection?: boolean;
  /** How a calibrated activation range is chosen from what calibration saw (default: 'auto' with `calibration` images, else 'minmax'). */
  ranges?: RangeMethod;
  /**
   * Conv weight rounding: to nearest, or GPTQ (gptq.ts; output-aware, needs calibration images) where the layer is
   * small enough for its Hessian. Default 'nearest': on SqueezeNet GPTQ removes most of the weight error (mean KL of
   * weights alone 0.0017 → 0.0002) but not the end-to-end error, which the uint8 activations dominate (README).
   */
  weightRounding?: 'nearest' | 'gptq';
  /** One uint8 grid on both sides of each LeakyReLU (shareLeakyGrids; default: with fitted ranges, i.e. with photos). */
  sharedGrids?: boolean;
  /** 'tensor': one scale for a whole conv weight tensor. Worse by design: the negative control of the fidelity tests. */
  weightScales?: 'channel' | 'tensor';
}

/**
 * 'minmax': the extremes seen on the calibration images; rare extremes then
 * widen the uint8 step for every value. 'mse': the range whose uint8
 * rounding-plus-clipping error over the calibration values is smallest.
 * 'auto': 'mse' for tensors with negative values (the dense, bell-shaped maps
 * before an activation or after a leaky one, where clipping the thin tails
 * pays), 'minmax' for non-negative ones (after a ReLU: sparse, and the few
 * large values are the strong features that decide the class; clipping them
 * to lower the mean error lowered the synthetic VGG16's fc7 cosine from 0.997
 * to 0.993). Measured on both models in the README.
 */
export type RangeMethod = 'minmax' | 'mse' | 'auto';

export interface QuantizeResult {
  onnxPath: string;
  dataPath: string | null;
  quantizedLayers: string[];
  keptFloat: string[];
  /** Graph file plus data file. */
  bytes: number;
  seconds: number;
}

interface NewTensor {
  name: string;
  dims: number[];
  type: number;
  data: Uint8Array;
}

interface NewNode {
  op: string;
  domain?: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attrs?: Uint8Array[];
}

function attr(a: OnnxAttribute[], name: string): OnnxAttribute | undefined {
  return a.find((x) => x.name === name);
}

function intAttr(name: string, v: number): Uint8Array {
  return new ProtoWriter().string(1, name).int(3, v).uint(20, 2).finish();
}

const bytesOf = (a: Float32Array | Int8Array | Uint8Array | Int32Array | BigInt64Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** uint8 affine parameters covering [min, max] (and 0, so that padding and ReLU stay exact). */
export function uint8Params(min: number, max: number): { scale: number; zeroPoint: number } {
  const lo = Math.min(0, min);
  const hi = Math.max(0, max);
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  return { scale: Math.fround(scale), zeroPoint: Math.max(0, Math.min(255, Math.round(-lo / scale))) };
}

function isQuantizableConv(node: OnnxNodeProto, inits: Map<string, OnnxTensorProto>): boolean {
  const w = inits.get(node.inputs[1] ?? '');
  const b = node.inputs[2] ? inits.get(node.inputs[2]) : undefined;
  return (
    node.op === 'Conv' && node.domain === '' && !!w && w.dataType === FLOAT && w.dims.length === 4 &&
    (!node.inputs[2] || (!!b && b.dataType === FLOAT)) && (attr(node.attrs, 'group')?.i ?? 1) === 1
  );
}

/** A conv's sliding-window geometry, or null when it pads automatically (auto_pad), which the Hessian sampling does not model. */
function convGeometry(node: OnnxNodeProto, wdims: number[]): ConvGeometry | null {
  const autoPad = attr(node.attrs, 'auto_pad');
  if (autoPad && autoPad.raw.length && !new TextDecoder().decode(autoPad.raw).includes('NOTSET')) return null;
  const pads = attr(node.attrs, 'pads')?.ints ?? [0, 0, 0, 0];
  const strides = attr(node.attrs, 'strides')?.ints ?? [1, 1];
  const dil = attr(node.attrs, 'dilations')?.ints ?? [1, 1];
  if (wdims.length !== 4 || pads.length !== 4 || strides.length !== 2 || dil.length !== 2) return null;
  return { kernel: [wdims[2]!, wdims[3]!], pads: [pads[0]!, pads[1]!, pads[2]!, pads[3]!], strides: [strides[0]!, strides[1]!], dilations: [dil[0]!, dil[1]!] };
}

/**
 * Shared uint8 grids across a LeakyReLU. A QLinearConv must output uint8, so
 * a conv followed by a LeakyReLU (which onnxruntime cannot fuse into it) is
 * quantized twice: its output before the activation, then the activation's
 * output again for the next conv, each on its own grid, and the second
 * rounding adds as much error as the first (measured on SqueezeNet with
 * simulated quantization: mean KL 0.0017 with int8 weights alone, 0.0030
 * adding the conv inputs' rounding, 0.0083 adding the outputs' too). A
 * LeakyReLU with 0 ≤ α ≤ 1 maps [lo, hi] into itself and is the identity on
 * the positive side, so if the tensor after it (and after a Concat of such
 * tensors, or a MaxPool of them) uses the SAME grid as the conv output
 * before it, re-quantizing is exact for every value ≥ 0 and rounds only the
 * scaled negative ones. This joins those tensors into groups and gives each
 * group one range, the union of its conv outputs' ranges (the two expand
 * convs of a SqueezeNet fire module share theirs through the Concat). It
 * pays with ranges fitted by least error ('auto'/'mse': the union stays
 * tight), not with min/max ones, where it is off by default.
 * ReLU graphs (VGG16) are untouched: there the ReLU is folded into the
 * conv's output range and max-pooling runs on uint8 already.
 */
export function shareLeakyGrids(model: OnnxModelProto, ranges: Ranges, quantizedConv: (n: OnnxNodeProto) => boolean): number {
  const consumers = new Map<string, OnnxNodeProto[]>();
  for (const n of model.nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const outputs = new Set(model.outputNames);
  const parent = new Map<string, string>();
  const find = (t: string): string => {
    let r = t;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(t, r);
    return r;
  };
  const union = (a: string, b: string): void => {
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    parent.set(find(a), find(b));
  };
  const convOutputs = new Set<string>();
  for (const n of model.nodes) {
    if (quantizedConv(n)) {
      const out = n.outputs[0]!;
      const c = consumers.get(out) ?? [];
      const alpha = c.length === 1 && c[0]!.op === 'LeakyRelu' && c[0]!.domain === '' ? (attr(c[0]!.attrs, 'alpha')?.f ?? 0.01) : NaN;
      if (alpha >= 0 && alpha <= 1 && !outputs.has(out) && ranges.has(out)) {
        convOutputs.add(out);
        union(out, c[0]!.outputs[0]!);
      }
    } else if (n.domain === '' && n.outputs.length === 1 && ((n.op === 'Concat' && n.inputs.length > 0) || (n.op === 'MaxPool' && n.inputs.length === 1))) {
      if (n.inputs.every((i) => parent.has(i))) for (const i of n.inputs) union(i, n.outputs[0]!);
    }
  }
  const groupRange = new Map<string, { min: number; max: number }>();
  for (const t of convOutputs) {
    const r = ranges.get(t)!;
    const g = groupRange.get(find(t));
    groupRange.set(find(t), g ? { min: Math.min(g.min, r.min), max: Math.max(g.max, r.max) } : { ...r });
  }
  let shared = 0;
  for (const t of parent.keys()) {
    const r = groupRange.get(find(t));
    if (r && ranges.has(t)) {
      ranges.set(t, { ...r });
      shared++;
    }
  }
  return shared;
}

/** The tensors whose ranges the calibrated mode needs: each conv's input and its (ReLU-fused) output. */
function calibrationPlan(model: OnnxModelProto, keep: (n: OnnxNodeProto) => boolean): { tensors: string[]; fusedRelu: Map<OnnxNodeProto, OnnxNodeProto> } {
  const inits = new Map(model.initializers.map((t) => [t.name, t]));
  const consumers = new Map<string, OnnxNodeProto[]>();
  for (const n of model.nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const outputs = new Set(model.outputNames);
  const tensors = new Set<string>();
  const fusedRelu = new Map<OnnxNodeProto, OnnxNodeProto>();
  for (const n of model.nodes) {
    if (!isQuantizableConv(n, inits) || keep(n)) continue;
    tensors.add(n.inputs[0]!);
    const out = n.outputs[0]!;
    const c = consumers.get(out) ?? [];
    if (c.length === 1 && c[0]!.op === 'Relu' && c[0]!.domain === '' && !outputs.has(out)) {
      fusedRelu.set(n, c[0]!);
      tensors.add(c[0]!.outputs[0]!);
    } else tensors.add(out);
  }
  return { tensors: [...tensors], fusedRelu };
}

/** Values kept per image and tensor for choosing ranges: enough for the 1e-4 tails, small for VGG16's large maps. */
const SAMPLES_PER_IMAGE = 16384;

/** What calibration saw of one tensor: its exact extremes and a uniform sample of its values. */
interface Observed {
  min: number;
  max: number;
  samples: Float32Array;
  /** How many of `samples` are filled. */
  sampled: number;
  /** Per-channel sums over batch and space (NCHW tensors), and how many values each channel summed. */
  channelSums: Float64Array | null;
  perChannel: number;
}

/**
 * The uint8 range for what calibration saw. 'mse' searches the clipping
 * points [lo, hi] (lo ≤ 0 ≤ hi, as uint8Params keeps 0 exact) that minimise
 * the expected squared error over the observed values: clipped values cost
 * their distance to the bound, kept ones a uniform rounding error of step²/12.
 * Computed on a 2048-bin histogram with prefix sums, so every candidate of a
 * 128 × 128 grid costs O(1).
 */
export function chooseRange(o: Observed, method: RangeMethod): { min: number; max: number } {
  const lo0 = Math.min(0, o.min);
  const hi0 = Math.max(0, o.max);
  const samples = o.samples.subarray(0, o.sampled);
  if (method === 'minmax' || (method === 'auto' && o.min >= 0) || !samples.length || hi0 === lo0) return { min: o.min, max: o.max };
  const B = 2048;
  const width = (hi0 - lo0) / B;
  const cnt = new Float64Array(B);
  for (const v of samples) cnt[Math.min(B - 1, Math.floor((v - lo0) / width))]! += 1;
  // Prefix sums of count, count·c and count·c² (c = bin centre), for the tails above and below a cut.
  const P0 = new Float64Array(B + 1);
  const P1 = new Float64Array(B + 1);
  const P2 = new Float64Array(B + 1);
  for (let i = 0; i < B; i++) {
    const c = lo0 + (i + 0.5) * width;
    P0[i + 1] = P0[i]! + cnt[i]!;
    P1[i + 1] = P1[i]! + cnt[i]! * c;
    P2[i + 1] = P2[i]! + cnt[i]! * c * c;
  }
  // Squared distance of the values in bins [a, b) to t.
  const tail = (a: number, b: number, t: number): number => P2[b]! - P2[a]! - 2 * t * (P1[b]! - P1[a]!) + t * t * (P0[b]! - P0[a]!);
  const G = 128;
  let best = { err: Infinity, lo: lo0, hi: hi0 };
  for (let i = 0; i <= (lo0 < 0 ? G : 0); i++) {
    const lo = lo0 * (1 - i / (G + 1));
    const a = Math.max(0, Math.min(B, Math.floor((lo - lo0) / width)));
    for (let j = 0; j <= (hi0 > 0 ? G : 0); j++) {
      const hi = hi0 * (1 - j / (G + 1));
      const b = Math.max(a, Math.min(B, Math.ceil((hi - lo0) / width)));
      const step = (hi - lo) / 255;
      const err = tail(0, a, lo) + tail(b, B, hi) + ((P0[b]! - P0[a]!) * step * step) / 12;
      if (err < best.err) best = { err, lo, hi };
    }
  }
  return { min: Math.max(o.min, best.lo), max: Math.min(o.max, best.hi) };
}

/** Runs the float model on the calibration images and records what each planned tensor holds. */
async function calibrate(src: string, model: OnnxModelProto, tensors: string[], images: Float32Array[], hessians: Map<string, HessianAccumulator[]> = new Map()): Promise<Map<string, Observed>> {
  const extra = tensors.filter((t) => !model.outputNames.includes(t));
  const outputs = [...model.outputs, ...extra.map((t) => new ProtoWriter().string(1, t).message(2, new ProtoWriter().message(1, new ProtoWriter().uint(1, FLOAT))).finish())];
  const bytes = encodeModel({ ...model, outputs, valueInfo: [] }, { nodes: model.nodes, passthrough: model.initializers.map((t) => t.raw), newTensors: [], external: new Map(), dataFile: '', usesContrib: false, props: model.props, keepDoc: true });
  // Beside the source when its weights are external (their locations are relative to the graph file), else in the
  // temp dir (the source's folder may be read-only).
  const hasExternal = model.initializers.some((t) => t.external);
  const calibPath = join(hasExternal ? dirname(src) : tmpdir(), `.${basename(src)}.calibration-${process.pid}-${Date.now()}.onnx`);
  writeFileSync(calibPath, bytes);
  const seen = new Map<string, Observed>(tensors.map((t) => [t, { min: Infinity, max: -Infinity, samples: new Float32Array(0), sampled: 0, channelSums: null, perChannel: 0 }]));
  let seed = 0x2545f491;
  const totalImages = images.reduce((a, b) => a + b.length / (3 * 224 * 224), 0);
  const ort = await import('onnxruntime-node');
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>> | null = null;
  try {
    session = await ort.InferenceSession.create(calibPath, { executionProviders: ['cpu'], graphOptimizationLevel: 'basic', enableMemPattern: false });
    const inputName = session.inputNames[0]!;
    for (const batch of images) {
      const n = batch.length / (3 * 224 * 224);
      // One image at a time: every intermediate map of a batch at once would need gigabytes.
      for (let i = 0; i < n; i++) {
        const x = batch.subarray(i * 3 * 224 * 224, (i + 1) * 3 * 224 * 224);
        const result = await session.run({ [inputName]: new ort.Tensor('float32', x, [1, 3, 224, 224]) }, tensors);
        for (const t of tensors) {
          const d = result[t]!.data as Float32Array;
          const r = seen.get(t)!;
          let lo = r.min;
          let hi = r.max;
          for (let k = 0; k < d.length; k++) {
            const v = d[k]!;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
          r.min = lo;
          r.max = hi;
          const dims = result[t]!.dims;
          if (dims.length === 4) {
            const C = dims[1]!;
            const hw = dims[2]! * dims[3]!;
            r.channelSums ??= new Float64Array(C);
            for (let c = 0; c < C; c++) {
              let sum = 0;
              for (let k = c * hw, e = k + hw; k < e; k++) sum += d[k]!;
              r.channelSums[c]! += sum;
            }
            r.perChannel += hw;
            for (const h of hessians.get(t) ?? []) if (h.channels === C) h.add(d, dims[2]!, dims[3]!);
          }
          const take = Math.min(d.length, SAMPLES_PER_IMAGE);
          if (!r.samples.length) r.samples = new Float32Array(take * totalImages);
          if (d.length <= SAMPLES_PER_IMAGE) r.samples.set(d, r.sampled);
          else {
            for (let k = 0; k < take; k++) {
              seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
              r.samples[r.sampled + k] = d[Math.floor((seed / 4294967296) * d.length)]!;
            }
          }
          r.sampled += take;
          result[t]!.dispose();
        }
      }
    }
  } finally {
    await session?.release();
    rmSync(calibPath, { force: true });
  }
  return seen;
}

/**
 * Bias correction (Nagel et al. 2019, "Data-free quantization", empirical
 * form): rounding the weights of channel c shifts its output on average by
 * Σ_k (ŵ_ck − w_ck)·E[x_k]; after a ReLU-like activation the inputs have a
 * large mean, so that shift is systematic, not noise, and it adds up layer
 * after layer. Subtracting it from the bias, with E[x_k] the per-channel mean
 * of the conv's input on the calibration images, removes it (border padding
 * ignored). Returns the new float32 bias.
 */
export function correctedBias(w: Float32Array, qw: QuantizedWeights, dims: number[], inputMean: Float64Array, bias: Float32Array | null): Float32Array {
  const [C, K] = [dims[0]!, dims[1]!];
  const kernel = w.length / (C * K);
  const out = new Float32Array(C);
  if (inputMean.length !== K) return bias ? bias.slice() : out;
  for (let c = 0; c < C; c++) {
    const s = qw.scales[c]!;
    let shift = 0;
    for (let k = 0; k < K; k++) {
      let dw = 0;
      for (let i = (c * K + k) * kernel, e = i + kernel; i < e; i++) dw += qw.q[i]! * s - w[i]!;
      shift += dw * inputMean[k]!;
    }
    out[c] = (bias ? bias[c]! : 0) - shift;
  }
  return out;
}

export async function quantizeOnnx(src: string, dst: string, options: QuantizeOptions = {}): Promise<QuantizeResult> {
  const started = performance.now();
  const fcMode = options.fc ?? 'dqmatmul';
  const convMode = options.conv ?? 'calibrated';
  const model = readOnnxModel(src);
  const inits = new Map(model.initializers.map((t) => [t.name, t]));
  const floatLayers = new Set(options.floatLayers ?? []);
  const keep = (n: OnnxNodeProto): boolean => floatLayers.has(n.name) || floatLayers.has(n.outputs[0] ?? '');
  const plan = calibrationPlan(model, keep);
  // Generated images only roughly resemble photos: their means would "correct" the bias wrongly, and a range fitted
  // tightly to them clips what real photos give. So both refinements default to on only with real calibration images.
  const realImages = !!options.calibration?.length;
  const biasCorrection = options.biasCorrection ?? realImages;
  const rangeMethod = options.ranges ?? (realImages ? 'auto' : 'minmax');
  const weightScales = options.weightScales ?? 'channel';
  const weightRounding = options.weightRounding ?? 'nearest';
  // One Hessian accumulator per conv small enough (gptq.ts), keyed by the tensor it reads.
  const hessianOf = new Map<OnnxNodeProto, HessianAccumulator>();
  const hessians = new Map<string, HessianAccumulator[]>();
  if (weightRounding === 'gptq') {
    for (const n of model.nodes) {
      const w = inits.get(n.inputs[1] ?? '');
      if (!isQuantizableConv(n, inits) || keep(n) || !w) continue;
      const g = convGeometry(n, w.dims);
      if (!g || w.dims[1]! * w.dims[2]! * w.dims[3]! > MAX_HESSIAN_DIM) continue;
      const h = new HessianAccumulator(w.dims[1]!, g);
      hessianOf.set(n, h);
      hessians.set(n.inputs[0]!, [...(hessians.get(n.inputs[0]!) ?? []), h]);
    }
  }
  const wantsStats = convMode === 'calibrated' || biasCorrection || weightRounding === 'gptq';
  const tensorsToSee = [...new Set([...plan.tensors, ...hessians.keys()])];
  const seen = wantsStats ? await calibrate(src, model, tensorsToSee, realImages ? options.calibration! : calibrationImages(), hessians) : new Map<string, Observed>();
  const ranges: Ranges = new Map([...seen].map(([t, o]) => [t, chooseRange(o, rangeMethod)]));
  // Only over fitted ranges: with min/max ones an outlier sets the grid, and sharing spreads the widest one to the
  // tensors after the activation (SqueezeNet calibrated on generated images: mean KL 0.0165 → 0.0220; README).
  const sharedGrids = convMode === 'calibrated' && (options.sharedGrids ?? rangeMethod !== 'minmax') ? shareLeakyGrids(model, ranges, (n) => isQuantizableConv(n, inits) && !keep(n)) : 0;
  const channelMeans = new Map<string, Float64Array>();
  if (biasCorrection) for (const [t, o] of seen) if (o.channelSums && o.perChannel) channelMeans.set(t, o.channelSums.map((v) => v / o.perChannel));
  seen.clear();
  const dataPath = `${dst}.data`;
  const tmpData = `${dataPath}.partial`;
  const tmpOnnx = `${dst}.partial`;
  const writer = new WeightFileWriter(tmpData);
  const newTensors: NewTensor[] = [];
  const external = new Map<string, { dims: number[]; type: number; offset: number; length: number }>();
  const minExternal = options.externalMinBytes ?? 64 * 1024;
  const addTensor = (t: NewTensor): string => {
    if (t.data.byteLength >= minExternal) {
      const s = writer.putBytes(t.name, t.dims, t.data, t.type === FLOAT || t.type === INT32 ? 4 : t.type === INT64 ? 8 : 1);
      external.set(t.name, { dims: t.dims, type: t.type, offset: s.offset, length: s.length });
    } else newTensors.push(t);
    return t.name;
  };
  const nodes: (OnnxNodeProto | NewNode)[] = [];
  const dynamicInput = new Map<string, [string, string, string]>();
  const quantized: string[] = [];
  const keptFloat: string[] = [];
  let usesContrib = false;

  // Calibrated mode: tensors available as uint8 (name → its uint8 twin), and those available as float.
  const u8 = new Map<string, { name: string; scale: string; zp: string; s: number }>();
  const floatAvail = new Set<string>([...model.inputNames, ...model.initializers.map((t) => t.name), '']);
  const skip = new Set<OnnxNodeProto>();
  const qparams = (tensor: string, min: number, max: number): { scale: string; zp: string; s: number } => {
    const p = uint8Params(min, max);
    return {
      scale: addTensor({ name: `${tensor}_u8_scale`, dims: [], type: FLOAT, data: bytesOf(Float32Array.of(p.scale)) }),
      zp: addTensor({ name: `${tensor}_u8_zp`, dims: [], type: UINT8, data: Uint8Array.of(p.zeroPoint) }),
      s: p.scale,
    };
  };
  const needFloat = (t: string): void => {
    if (floatAvail.has(t)) return;
    const q = u8.get(t);
    if (!q) return;
    nodes.push({ op: 'DequantizeLinear', inputs: [q.name, q.scale, q.zp], outputs: [t], name: `${t}_Dequantize` });
    floatAvail.add(t);
  };
  const needU8 = (t: string): { name: string; scale: string; zp: string; s: number } => {
    let q = u8.get(t);
    if (!q) {
      const r = ranges.get(t);
      if (!r || !Number.isFinite(r.min)) throw new Error(`no calibration range for ${t}`);
      q = { name: `${t}_u8`, ...qparams(t, r.min, r.max) };
      nodes.push({ op: 'QuantizeLinear', inputs: [t, q.scale, q.zp], outputs: [q.name], name: `${t}_Quantize` });
      u8.set(t, q);
    }
    return q;
  };

  const constFloat = (name: string | undefined): OnnxTensorProto | undefined => {
    if (!name) return undefined;
    const t = inits.get(name);
    return t && t.dataType === FLOAT ? t : undefined;
  };
  const dql = (x: string): [string, string, string] => {
    let q = dynamicInput.get(x);
    if (!q) {
      q = [`${x}_q8`, `${x}_q8_scale`, `${x}_q8_zp`];
      nodes.push({ op: 'DynamicQuantizeLinear', inputs: [x], outputs: [...q], name: `${x}_DynamicQuantizeLinear` });
      dynamicInput.set(x, q);
    }
    return q;
  };

  /** Conv weights: per-channel scales (one shared one for the negative control), rounded to nearest or by GPTQ. */
  const quantizeConvWeights = (node: OnnxNodeProto, wf: Float32Array, dims: number[]): QuantizedWeights => {
    const C = dims[0]!;
    const acc = hessianOf.get(node);
    const h = acc && acc.count > 0 ? acc.finish() : null;
    if (!h && weightScales === 'channel') return quantizePerChannel(wf, C, 'rows');
    const scales = weightScales === 'tensor' ? new Float32Array(C).fill(quantizePerChannel(wf, 1).scales[0]!) : quantizePerChannel(wf, C, 'rows').scales;
    return h ? gptqRound(wf, scales, h) : quantizeWithScales(wf, scales);
  };

  try {
    for (const node of model.nodes) {
      if (skip.has(node)) continue;
      const w = constFloat(node.inputs[1]);
      const bias = node.inputs[2] ? constFloat(node.inputs[2]) : undefined;
      const layer = node.name || node.outputs[0]!;
      if (isQuantizableConv(node, inits) && w && !keep(node)) {
        const C = w.dims[0]!;
        const wf = tensorFloats(w, src);
        const qw = quantizeConvWeights(node, wf, w.dims);
        const wq = addTensor({ name: `${w.name}_int8`, dims: w.dims, type: INT8, data: bytesOf(qw.q) });
        const mean = channelMeans.get(node.inputs[0]!);
        const bf = mean ? correctedBias(wf, qw, w.dims, mean, bias ? tensorFloats(bias, src) : null) : bias ? tensorFloats(bias, src) : null;
        const biasName = bias?.name ?? `${w.name}_bias`;
        // Symmetric: the zero point is 0 for every channel, so one scalar says it (ConvInteger takes no per-channel zero point).
        const wzp = addTensor({ name: `${w.name}_int8_zp`, dims: [], type: INT8, data: new Uint8Array(1) });
        const base = node.outputs[0]!;
        if (convMode === 'calibrated') {
          const relu = plan.fusedRelu.get(node);
          const out = relu ? relu.outputs[0]! : base;
          if (relu) skip.add(relu);
          const x = needU8(node.inputs[0]!);
          const r = ranges.get(out)!;
          const y = { name: `${out}_u8`, ...qparams(out, relu ? 0 : r.min, r.max) };
          const ws = addTensor({ name: `${w.name}_int8_scale`, dims: [C], type: FLOAT, data: bytesOf(qw.scales) });
          const inputs = [x.name, x.scale, x.zp, wq, ws, wzp, y.scale, y.zp];
          if (bf) {
            // QLinearConv's bias is int32 in units of x_scale · w_scale[c].
            const b32 = Int32Array.from(bf, (v, c) => Math.round(v / (x.s * qw.scales[c]!)));
            inputs.push(addTensor({ name: `${biasName}_int32`, dims: [C], type: INT32, data: bytesOf(b32) }));
          }
          nodes.push({ op: 'QLinearConv', inputs, outputs: [y.name], name: `${layer}_QLinearConv`, attrs: node.attrs.map((a) => a.raw) });
          u8.set(out, y);
        } else if (convMode === 'weights') {
          needFloat(node.inputs[0]!);
          const ws = addTensor({ name: `${w.name}_int8_scale`, dims: [C], type: FLOAT, data: bytesOf(qw.scales) });
          const wzpc = addTensor({ name: `${w.name}_int8_zpc`, dims: [C], type: INT8, data: new Uint8Array(C) });
          nodes.push({ op: 'DequantizeLinear', inputs: [wq, ws, wzpc], outputs: [`${w.name}_dq`], name: `${layer}_DequantizeWeights`, attrs: [intAttr('axis', 0)] });
          const b = bf ? [addTensor({ name: `${biasName}_corrected`, dims: [C], type: FLOAT, data: bytesOf(bf) })] : [];
          nodes.push({ op: 'Conv', inputs: [node.inputs[0]!, `${w.name}_dq`, ...b], outputs: node.outputs, name: layer, attrs: node.attrs.map((a) => a.raw) });
          floatAvail.add(base);
        } else {
          needFloat(node.inputs[0]!);
          const [xq, xs, xzp] = dql(node.inputs[0]!);
          const ws = addTensor({ name: `${w.name}_int8_scale`, dims: [1, C, 1, 1], type: FLOAT, data: bytesOf(qw.scales) });
          nodes.push({ op: 'ConvInteger', inputs: [xq, wq, xzp, wzp], outputs: [`${base}_i32`], name: `${layer}_ConvInteger`, attrs: node.attrs.map((a) => a.raw) });
          nodes.push({ op: 'Cast', inputs: [`${base}_i32`], outputs: [`${base}_f32`], name: `${layer}_Cast`, attrs: [intAttr('to', FLOAT)] });
          nodes.push({ op: 'Mul', inputs: [xs, ws], outputs: [`${base}_scale`], name: `${layer}_Scale` });
          if (bf) {
            nodes.push({ op: 'Mul', inputs: [`${base}_f32`, `${base}_scale`], outputs: [`${base}_nobias`], name: `${layer}_Mul` });
            const b = addTensor({ name: `${biasName}_nchw`, dims: [1, C, 1, 1], type: FLOAT, data: bytesOf(bf) });
            nodes.push({ op: 'Add', inputs: [`${base}_nobias`, b], outputs: [base], name: `${layer}_Bias` });
          } else nodes.push({ op: 'Mul', inputs: [`${base}_f32`, `${base}_scale`], outputs: [base], name: `${layer}_Mul` });
          floatAvail.add(base);
        }
        quantized.push(layer);
        continue;
      }
      // Max-pooling commutes with a monotonic affine map: pool the uint8 values, keep the scale.
      if (node.op === 'MaxPool' && node.domain === '' && node.outputs.length === 1 && u8.has(node.inputs[0]!) && !floatAvail.has(node.inputs[0]!)) {
        const q = u8.get(node.inputs[0]!)!;
        const out = node.outputs[0]!;
        nodes.push({ op: 'MaxPool', inputs: [q.name], outputs: [`${out}_u8`], name: `${layer}_u8`, attrs: node.attrs.map((a) => a.raw) });
        u8.set(out, { ...q, name: `${out}_u8` });
        continue;
      }
      const isGemm = node.op === 'Gemm' && node.domain === '';
      const gemmPlain =
        isGemm && (attr(node.attrs, 'transA')?.i ?? 0) === 0 && (attr(node.attrs, 'alpha')?.f ?? 1) === 1 && (attr(node.attrs, 'beta')?.f ?? 1) === 1 && (!bias || bias.dims.length === 1);
      const isMatMul = node.op === 'MatMul' && node.domain === '' && node.inputs.length === 2;
      if ((gemmPlain || isMatMul) && w && w.dims.length === 2 && (!node.inputs[2] || bias) && !keep(node)) {
        needFloat(node.inputs[0]!);
        const transB = isGemm && (attr(node.attrs, 'transB')?.i ?? 0) === 1;
        const [N, K] = transB ? [w.dims[0]!, w.dims[1]!] : [w.dims[1]!, w.dims[0]!];
        const qw = quantizePerChannel(tensorFloats(w, src), N, transB ? 'rows' : 'columns');
        // MatMul wants [K, N].
        const qkn = transB ? transposeInt8(qw.q, N, K) : qw.q;
        const wq = addTensor({ name: `${w.name}_int8`, dims: [K, N], type: INT8, data: bytesOf(qkn) });
        const wzp = addTensor({ name: `${w.name}_int8_zp`, dims: [], type: INT8, data: new Uint8Array(1) });
        const ws = addTensor({ name: `${w.name}_int8_scale`, dims: [N], type: FLOAT, data: bytesOf(qw.scales) });
        const b = bias ? addTensor({ name: `${bias.name}_f32`, dims: [N], type: FLOAT, data: tensorBytes(bias, src).slice() }) : null;
        const out = node.outputs[0]!;
        if (fcMode === 'dqmatmul') {
          usesContrib = true;
          nodes.push({ op: 'DynamicQuantizeMatMul', domain: 'com.microsoft', inputs: [node.inputs[0]!, wq, ws, wzp, ...(b ? [b] : [])], outputs: [out], name: `${layer}_DynamicQuantizeMatMul` });
        } else {
          const [xq, xs, xzp] = dql(node.inputs[0]!);
          nodes.push({ op: 'MatMulInteger', inputs: [xq, wq, xzp, wzp], outputs: [`${out}_i32`], name: `${layer}_MatMulInteger` });
          nodes.push({ op: 'Cast', inputs: [`${out}_i32`], outputs: [`${out}_f32`], name: `${layer}_Cast`, attrs: [intAttr('to', FLOAT)] });
          nodes.push({ op: 'Mul', inputs: [xs, ws], outputs: [`${out}_scale`], name: `${layer}_Scale` });
          nodes.push({ op: 'Mul', inputs: [`${out}_f32`, `${out}_scale`], outputs: b ? [`${out}_nobias`] : [out], name: `${layer}_Mul` });
          if (b) nodes.push({ op: 'Add', inputs: [`${out}_nobias`, b], outputs: [out], name: `${layer}_Bias` });
        }
        floatAvail.add(out);
        quantized.push(layer);
        continue;
      }
      if (['Conv', 'Gemm', 'MatMul'].includes(node.op)) keptFloat.push(layer);
      for (const i of node.inputs) needFloat(i);
      nodes.push(node);
      for (const o of node.outputs) floatAvail.add(o);
    }
    for (const o of model.outputNames) needFloat(o);

    // Untouched initializers still in use: inline ones pass through, external ones are copied into the new data file.
    const used = new Set(nodes.flatMap((n) => n.inputs));
    const passthrough: Uint8Array[] = [];
    for (const t of model.initializers) {
      if (!used.has(t.name)) continue;
      if (t.external) addTensor({ name: t.name, dims: t.dims, type: t.dataType, data: tensorBytes(t, src).slice() });
      else passthrough.push(t.raw);
    }
    writer.close();
    const hasData = external.size > 0;
    const bytes = encodeModel(model, {
      nodes,
      passthrough,
      newTensors,
      external,
      dataFile: basename(dataPath),
      usesContrib,
      props: {
        ...model.props,
        name: options.name ?? `${model.props['name'] ?? basename(src, '.onnx')}-int8`,
        title: options.title ?? `${model.props['title'] ?? model.props['name'] ?? basename(src, '.onnx')} (int8)`,
        quantization:
          `int8: per-channel symmetric weights (${quantized.length} layers); ` +
          (convMode === 'calibrated'
            ? `conv activations uint8 (${rangeMethod} ranges), calibrated on ${options.calibrationNote ?? (realImages ? 'given images' : 'generated images')}; `
            : convMode === 'weights' ? 'conv activations float32; ' : 'conv activations dynamic uint8; ') +
          (biasCorrection ? 'bias-corrected; ' : '') +
          (sharedGrids ? 'one grid across each LeakyReLU; ' : '') +
          (hessianOf.size ? `GPTQ rounding (${hessianOf.size} convs); ` : '') +
          (keptFloat.length ? `float32: ${keptFloat.join(', ')}; ` : '') +
          `fc activations dynamic uint8 (${fcMode})`,
        quantized_from: basename(src),
      },
    });
    writeFileSync(tmpOnnx, bytes);
    if (hasData) renameSync(tmpData, dataPath);
    else rmSync(tmpData, { force: true });
    renameSync(tmpOnnx, dst);
    const size = statSync(dst).size + (hasData ? statSync(dataPath).size : 0);
    return { onnxPath: dst, dataPath: hasData ? dataPath : null, quantizedLayers: quantized, keptFloat, bytes: size, seconds: (performance.now() - started) / 1000 };
  } catch (e) {
    try {
      writer.close();
    } catch {
      // already closed
    }
    rmSync(tmpData, { force: true });
    rmSync(tmpOnnx, { force: true });
    throw e;
  } finally {
    closeTensorFiles();
  }
}

function encodeModel(
  model: OnnxModelProto,
  g: {
    nodes: (OnnxNodeProto | NewNode)[];
    passthrough: Uint8Array[];
    newTensors: NewTensor[];
    external: Map<string, { dims: number[]; type: number; offset: number; length: number }>;
    dataFile: string;
    usesContrib: boolean;
    props: Record<string, string>;
    keepDoc?: boolean;
  },
): Uint8Array {
  const graph = new ProtoWriter();
  for (const n of g.nodes) {
    if ('raw' in n) {
      graph.bytes(1, n.raw);
      continue;
    }
    const w = new ProtoWriter();
    for (const i of n.inputs) w.string(1, i);
    for (const o of n.outputs) w.string(2, o);
    w.string(3, n.name).string(4, n.op);
    for (const a of n.attrs ?? []) w.bytes(5, a);
    if (n.domain) w.string(7, n.domain);
    graph.message(1, w);
  }
  graph.string(2, model.graphName || 'scenery-int8');
  for (const raw of g.passthrough) graph.bytes(5, raw);
  for (const t of g.newTensors) {
    const w = new ProtoWriter();
    for (const d of t.dims) w.int(1, d);
    w.uint(2, t.type).string(8, t.name).bytes(9, t.data);
    graph.message(5, w);
  }
  for (const [name, t] of g.external) {
    const w = new ProtoWriter();
    for (const d of t.dims) w.int(1, d);
    w.uint(2, t.type).string(8, name);
    const entry = (k: string, v: string): ProtoWriter => new ProtoWriter().string(1, k).string(2, v);
    w.message(13, entry('location', g.dataFile)).message(13, entry('offset', String(t.offset))).message(13, entry('length', String(t.length))).uint(14, 1);
    graph.message(5, w);
  }
  for (const raw of model.inputs) graph.bytes(11, raw);
  for (const raw of model.outputs) graph.bytes(12, raw);
  for (const raw of model.valueInfo) graph.bytes(13, raw);

  const onnxOpset = Math.max(13, model.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 13);
  const m = new ProtoWriter()
    .uint(1, Math.max(model.irVersion, 8))
    .string(2, 'scenery')
    .string(3, '1')
    .uint(5, 1)
    .string(6, g.keepDoc ? model.doc : `${model.doc}${model.doc ? ' ' : ''}int8 variant made by Scenery's quantizer.`)
    .message(7, graph)
    .message(8, new ProtoWriter().string(1, '').uint(2, onnxOpset));
  for (const o of model.opsets) if (o.domain && o.domain !== 'ai.onnx' && o.domain !== 'com.microsoft') m.message(8, new ProtoWriter().string(1, o.domain).uint(2, o.version));
  if (g.usesContrib) m.message(8, new ProtoWriter().string(1, 'com.microsoft').uint(2, 1));
  for (const [k, v] of Object.entries(g.props)) m.message(14, new ProtoWriter().string(1, k).string(2, v));
  return m.finish();
}


export interface Int8Comparison {
  n: number;
  top1Agreement: number;
  /** Mean fraction of the float32 top-5 that the int8 top-5 contains. */
  top5Overlap: number;
  probMaxDiff: number;
  /** Mean KL divergence of the int8 `prob` from the float32 one (nats): a continuous measure where top-1 only counts flips. */
  meanKl: number;
  /** Mean cosine similarity of the `features` outputs. */
  featuresCosine: number;
  featuresDtype: string;
  /**
   * The images whose top-1 changed, with the float32 margin between its two best classes: a flip of a near-tie
   * (margin of a few thousandths) is within what an invisible change of the input also does (bench/run.ts).
   */
  flips: { index: number; fp32Margin: number; fp32Top1: number; int8Top1: number }[];
}

/** Runs a float32 model and its int8 variant on the same images (NCHW batch) and compares their outputs. */
export async function compareInt8(fp32Path: string, int8Path: string, x: Float32Array, n: number, batch = 8): Promise<Int8Comparison> {
  const { OnnxModel } = await import('../runtime/onnx-model.js');
  const run = async (p: string): Promise<{ prob: Float32Array; features: Float32Array; classes: number; dim: number; dtype: string }> => {
    const m = await OnnxModel.load(p, { threads: 2, accelerator: 'cpu' });
    try {
      const probs: Float32Array[] = [];
      const feats: Float32Array[] = [];
      let classes = 0;
      let dim = 0;
      let dtype = '';
      for (let i = 0; i < n; i += batch) {
        const k = Math.min(batch, n - i);
        const o = await m.run(x.subarray(i * 3 * 224 * 224, (i + k) * 3 * 224 * 224), k);
        probs.push(o.prob);
        feats.push(o.features);
        classes = o.classes;
        dim = o.featureDim;
        dtype = o.features.constructor === Float32Array ? 'float32' : typeof o.features;
      }
      const cat = (a: Float32Array[]): Float32Array => {
        const out = new Float32Array(a.reduce((s, v) => s + v.length, 0));
        let o = 0;
        for (const v of a) out.set(v, (o += v.length) - v.length);
        return out;
      };
      return { prob: cat(probs), features: cat(feats), classes, dim, dtype };
    } finally {
      await m.release();
    }
  };
  const a = await run(fp32Path);
  const b = await run(int8Path);
  if (a.classes !== b.classes || a.dim !== b.dim) throw new Error(`the models differ in shape: ${a.classes}/${a.dim} vs ${b.classes}/${b.dim}`);
  const K = a.classes;
  const rank = (p: Float32Array, i: number): number[] =>
    Array.from(p.subarray(i * K, (i + 1) * K), (v, k) => [v, k] as const)
      .sort((u, v) => v[0] - u[0])
      .slice(0, 5)
      .map(([, k]) => k);
  let agree = 0;
  let overlap = 0;
  let cos = 0;
  let maxDiff = 0;
  let kl = 0;
  const flips: Int8Comparison['flips'] = [];
  for (let i = 0; i < n; i++) {
    const ra = rank(a.prob, i);
    const rb = rank(b.prob, i);
    if (ra[0] === rb[0]) agree++;
    else flips.push({ index: i, fp32Margin: a.prob[i * K + ra[0]!]! - a.prob[i * K + ra[1]!]!, fp32Top1: ra[0]!, int8Top1: rb[0]! });
    for (let j = i * K; j < (i + 1) * K; j++) if (a.prob[j]! > 0) kl += a.prob[j]! * Math.log(a.prob[j]! / Math.max(1e-12, b.prob[j]!));
    overlap += rb.filter((k) => ra.includes(k)).length / 5;
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let j = i * a.dim; j < (i + 1) * a.dim; j++) {
      dot += a.features[j]! * b.features[j]!;
      na += a.features[j]! ** 2;
      nb += b.features[j]! ** 2;
    }
    cos += na && nb ? dot / Math.sqrt(na * nb) : na === nb ? 1 : 0;
  }
  for (let j = 0; j < a.prob.length; j++) maxDiff = Math.max(maxDiff, Math.abs(a.prob[j]! - b.prob[j]!));
  return { n, top1Agreement: agree / n, top5Overlap: overlap / n, probMaxDiff: maxDiff, meanKl: kl / n, featuresCosine: cos / n, featuresDtype: b.dtype, flips };
}
