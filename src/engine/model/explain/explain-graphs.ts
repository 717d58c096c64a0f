/**
 * The two small ONNX graphs behind Grad-CAM (Selvaraju et al. 2017) at relu5_3,
 * built from an installed model's own weight table (model-tensors.ts):
 *
 *   forward   image → relu5_3 [1,K,14,14], fc6 and fc7 before their ReLUs, logits, prob
 *   backward  (relu5_3, fc6, fc7, classes [C]) → cam [C,14,14]
 *
 * The backward graph is the chain rule written out for y_c = fc8a_c:
 *   g7  = W8[c,:] ⊙ [fc7 > 0]          (ReLU mask)
 *   g6  = (g7 · W7) ⊙ [fc6 > 0]
 *   gp5 = g6 · W6                      (gradient at pool5, C·49 per channel)
 * Max-pool backward sends each pool5 gradient to exactly one position of its
 * 2x2 window (its max), so the mean over relu5_3's 14x14 positions, Grad-CAM's
 * channel weight, is alpha_k = sum(gp5[k, 7x7]) / 196 whichever position won a
 * tie: routing changes the gradient map, never its mean. cam = ReLU(alpha · A).
 *
 * Backpropagating through y = W x is a product with W in its stored (out, in)
 * layout, so both graphs reference the same external-data bytes as the
 * classifier, with the same row slices (no allocation near fc6's 411 MB);
 * loaded with pre-packing off, onnxruntime reads them straight from the
 * memory-mapped file: no second resident copy of the fc weights.
 */
import { OnnxGraph } from '../onnx/onnx-builder.js';
import { CONV_LAYERS, PLACES365_MEAN_BGR, POOL_AFTER } from '../vgg16.js';
import { ONNX_FLOAT, type ModelTensor } from './model-tensors.js';

const ONNX_INT64 = 7;

export const CAM_SIZE = 14;

export class ExplainUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExplainUnavailableError';
  }
}

interface Ext {
  name: string;
  dims: number[];
  location: string;
  offset: number;
  length: number;
}
/** One fully-connected layer as stored: row slices of (W, b), in order. */
interface FcSlices {
  rows: number[];
  inputs: number;
  slices: { W: Ext; b: Ext; r0: number }[];
}

export interface Vgg16Weights {
  conv: { W: Ext; b: Ext }[];
  fc6: FcSlices;
  fc7: FcSlices;
  fc8a: FcSlices;
  channels: number;
  fc: number;
  classes: number;
}

const NOT_VGG = 'explanations (Grad-CAM at relu5_3) need a VGG16 scene model converted by Scenery';

/** Finds VGG16's weights in a model's tensor table, or says plainly why they are not there. */
export function findVgg16Weights(tensors: ModelTensor[]): Vgg16Weights {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const ext = (name: string): Ext => {
    const t = byName.get(name);
    if (!t) throw new ExplainUnavailableError(`${NOT_VGG}; this model has no tensor "${name}"`);
    if (t.dataType !== ONNX_FLOAT || !t.external) {
      throw new ExplainUnavailableError(`${NOT_VGG} with float32 weights in an external-data file; "${name}" is not stored that way`);
    }
    return { name, dims: t.dims, ...t.external };
  };
  const conv = CONV_LAYERS.map((l) => ({ W: ext(`${l}.W`), b: ext(`${l}.b`) }));
  const fcLayer = (l: string): FcSlices => {
    const parts = byName.has(`${l}.W`)
      ? [{ W: ext(`${l}.W`), b: ext(`${l}.b`) }]
      : Array.from({ length: [...byName.keys()].filter((n) => n.startsWith(`${l}.W.`)).length }, (_, k) => ({ W: ext(`${l}.W.${k}`), b: ext(`${l}.b.${k}`) }));
    if (!parts.length) throw new ExplainUnavailableError(`${NOT_VGG}; this model has no tensor "${l}.W"`);
    let r0 = 0;
    const slices = parts.map((p) => {
      const s = { ...p, r0 };
      r0 += p.W.dims[0]!;
      return s;
    });
    return { rows: parts.map((p) => p.W.dims[0]!), inputs: parts[0]!.W.dims[1]!, slices };
  };
  const fc6 = fcLayer('fc6');
  const fc7 = fcLayer('fc7');
  const fc8a = fcLayer('fc8a');
  const channels = conv[conv.length - 1]!.W.dims[0]!;
  const sum = (f: FcSlices): number => f.rows.reduce((a, b) => a + b, 0);
  if (fc6.inputs !== channels * 49 || fc7.inputs !== sum(fc6) || fc8a.inputs !== sum(fc7)) {
    throw new ExplainUnavailableError(`${NOT_VGG}; the fully-connected shapes of this model do not chain`);
  }
  return { conv, fc6, fc7, fc8a, channels, fc: sum(fc7), classes: sum(fc8a) };
}

function addExt(g: OnnxGraph, t: Ext): string {
  return g.external(t.name, t.dims, t.location, t.offset, t.length);
}

const META = (doc: string): Parameters<OnnxGraph['encode']>[0] => ({ producer: 'scenery', version: '1', opset: 17, doc, props: {} });

export function buildExplainForward(w: Vgg16Weights): Uint8Array {
  const g = new OnnxGraph();
  let x = g.input('image', ['N', 3, 224, 224]);
  x = g.node('Gather', [x, g.int64s('bgr_order', [3], [2, 1, 0])], { axis: 1 }, 'image_bgr');
  x = g.node('Sub', [x, g.floats('places365_mean_bgr', [1, 3, 1, 1], Float32Array.from(PLACES365_MEAN_BGR))], {}, 'image_centered');
  CONV_LAYERS.forEach((layer, i) => {
    x = g.node('Conv', [x, addExt(g, w.conv[i]!.W), addExt(g, w.conv[i]!.b)], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] }, layer);
    x = g.node('Relu', [x], {}, layer === 'conv5_3' ? 'relu5_3' : `${layer}_relu`);
    if (POOL_AFTER.has(layer)) x = g.node('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] }, `pool${layer[4]}`);
  });
  x = g.node('Flatten', [x], { axis: 1 }, 'pool5_flat');
  const fc = (f: FcSlices, input: string, out: string): string => {
    const parts = f.slices.map((s, k) => g.node('Gemm', [input, addExt(g, s.W), addExt(g, s.b)], { transB: 1 }, `${out}_${k}`));
    return parts.length === 1 ? g.node('Identity', parts, {}, out) : g.node('Concat', parts, { axis: 1 }, out);
  };
  const fc6 = fc(w.fc6, x, 'fc6');
  const fc7 = fc(w.fc7, g.node('Relu', [fc6], {}, 'fc6_relu'), 'fc7');
  const logits = fc(w.fc8a, g.node('Relu', [fc7], {}, 'fc7_relu'), 'logits');
  g.node('Softmax', [logits], { axis: 1 }, 'prob');
  g.output('relu5_3', ['N', w.channels, CAM_SIZE, CAM_SIZE]);
  g.output('fc6', ['N', w.fc]);
  g.output('fc7', ['N', w.fc]);
  g.output('logits', ['N', w.classes]);
  g.output('prob', ['N', w.classes]);
  return g.encode(META('Scenery Grad-CAM forward: the VGG16 forward pass exposing relu5_3 and the pre-ReLU fc activations.'));
}

/** `reluMasks: false` exists only as the tests' negative control (a classic Grad-CAM mistake). */
export function buildExplainBackward(w: Vgg16Weights, options: { reluMasks?: boolean } = {}): Uint8Array {
  const reluMasks = options.reluMasks ?? true;
  const g = new OnnxGraph();
  const A = g.input('relu5_3', [1, w.channels, CAM_SIZE, CAM_SIZE]);
  const fc6 = g.input('fc6', [1, w.fc]);
  const fc7 = g.input('fc7', [1, w.fc]);
  // Class indices come in as float32 (the graph builder declares float inputs) and are cast here.
  const classes = g.node('Cast', [g.input('classes', ['C'])], { to: ONNX_INT64 }, 'class_index');
  const zero = reluMasks ? g.floats('zero', [], Float32Array.of(0)) : '';
  const mask = (z: string, name: string): string => g.node('Cast', [g.node('Greater', [z, zero])], { to: ONNX_FLOAT }, name);
  const masked = (x: string, z: string, name: string): string => (reluMasks ? g.node('Mul', [x, mask(z, `${name}_mask`)], {}, name) : x);
  let axis1 = '';
  /** g_in = g_out · W, slice by slice (W stays in its stored (out, in) row slices). */
  const back = (f: FcSlices, gOut: string, name: string): string => {
    if (f.slices.length === 1) return g.node('MatMul', [gOut, addExt(g, f.slices[0]!.W)], {}, name);
    axis1 ||= g.int64s('axis1', [1], [1]);
    const parts = f.slices.map((s, k) => {
      const starts = g.int64s(`${name}_s${k}`, [1], [s.r0]);
      const ends = g.int64s(`${name}_e${k}`, [1], [s.r0 + s.W.dims[0]!]);
      return g.node('MatMul', [g.node('Slice', [gOut, starts, ends, axis1]), addExt(g, s.W)], {}, `${name}_${k}`);
    });
    return g.node('Sum', parts, {}, name);
  };
  // d y_c / d fc7_relu is row c of W8: gathered from the row slices that hold it.
  const w8 = w.fc8a.slices.length === 1 ? addExt(g, w.fc8a.slices[0]!.W) : g.node('Concat', w.fc8a.slices.map((s) => addExt(g, s.W)), { axis: 0 }, 'fc8a_W');
  const rows = g.node('Gather', [w8, classes], { axis: 0 }, 'd_fc7_relu');
  const g7 = masked(rows, fc7, 'd_fc7');
  const g6 = masked(back(w.fc7, g7, 'd_fc6_relu'), fc6, 'd_fc6');
  const gp5 = back(w.fc6, g6, 'd_pool5');
  const perChannel = g.node('Reshape', [gp5, g.int64s('shape_c_k_49', [3], [-1, w.channels, 49])], {}, 'd_pool5_ck');
  const sums = g.node('ReduceSum', [perChannel, g.int64s('axis2', [1], [2])], { keepdims: 0 }, 'd_pool5_sum');
  const alpha = g.node('Mul', [sums, g.floats('inv_positions', [], Float32Array.of(1 / (CAM_SIZE * CAM_SIZE)))], {}, 'alpha');
  const flatA = g.node('Reshape', [A, g.int64s('shape_k_196', [2], [w.channels, CAM_SIZE * CAM_SIZE])], {}, 'relu5_3_flat');
  const cam = g.node('Relu', [g.node('MatMul', [alpha, flatA])], {}, 'cam_flat');
  g.node('Reshape', [cam, g.int64s('shape_cam', [3], [-1, CAM_SIZE, CAM_SIZE])], {}, 'cam');
  g.output('cam', ['C', CAM_SIZE, CAM_SIZE]);
  return g.encode(META('Scenery Grad-CAM backward: d logit_c / d relu5_3 through fc8a, fc7, fc6 (ReLU masks) and pool5, averaged per channel.'));
}
