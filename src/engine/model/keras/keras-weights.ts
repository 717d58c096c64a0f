/**
 * Keras-VGG16-places365 v1.0 `.h5` weights → the weight file, converted to
 * Caffe/ONNX layout:
 *   conv kernel (kh, kw, in, out) → (out, in, kh, kw)
 *   fc1 (h·w·c, out), rows in h,w,c order → (out, c·h·w)
 *   fc2, predictions (in, out) → (out, in)
 * fc1 (411 MB at full size) is read and written in column slabs, so memory
 * stays bounded.
 */
import h5wasm from 'h5wasm/node';
import { CONV_LAYERS, KERAS_NAMES, ModelStructureError, PARAM_LAYERS, POOL5_SPATIAL, type LayerShapes, type ParamLayer } from '../vgg16.js';
import type { WeightFileWriter } from '../weight-file.js';

type H5File = InstanceType<typeof h5wasm.File>;
type H5Group = ReturnType<H5File['get']>;
interface H5Dataset {
  shape: number[] | null;
  dtype: unknown;
  value: unknown;
  slice(ranges: number[][]): unknown;
}

const SLAB_COLUMNS = 512;

function asFloat32(v: unknown, what: string): Float32Array {
  if (v instanceof Float32Array) return v;
  if (v instanceof Float64Array) return Float32Array.from(v);
  throw new ModelStructureError(`${what}: expected float weights`);
}

function isGroup(x: unknown): x is { keys(): string[]; get(p: string): unknown; attrs: Record<string, { value: unknown }> } {
  return typeof x === 'object' && x !== null && 'keys' in x && typeof (x as { keys: unknown }).keys === 'function';
}

function isDataset(x: unknown): x is H5Dataset {
  return typeof x === 'object' && x !== null && 'shape' in x && 'slice' in x;
}

function findWeights(root: NonNullable<H5Group>, layer: string): { kernel: H5Dataset; bias: H5Dataset } {
  if (!isGroup(root)) throw new ModelStructureError('not a Keras weights file');
  const g = root.get(layer);
  if (!isGroup(g)) throw new ModelStructureError(`layer ${layer} is missing`);
  const names = g.attrs['weight_names']?.value;
  const list = Array.isArray(names) ? names.map(String) : [`${layer}/kernel:0`, `${layer}/bias:0`];
  const kernelName = list.find((n) => /kernel/.test(n));
  const biasName = list.find((n) => /bias/.test(n));
  const kernel = kernelName ? g.get(kernelName) : null;
  const bias = biasName ? g.get(biasName) : null;
  if (!isDataset(kernel) || !isDataset(bias)) throw new ModelStructureError(`layer ${layer} has no kernel/bias datasets`);
  return { kernel, bias };
}

export async function kerasToWeights(src: string, out: WeightFileWriter): Promise<LayerShapes[]> {
  await h5wasm.ready;
  let file: H5File;
  try {
    file = new h5wasm.File(src, 'r');
  } catch (e) {
    throw new ModelStructureError(`cannot read ${src} as HDF5: ${(e as Error).message}`);
  }
  try {
    const top = file.keys();
    const root = top.includes('model_weights') ? file.get('model_weights') : file;
    if (!root || !isGroup(root)) throw new ModelStructureError('not a Keras weights file');
    const layerNames = root.keys();
    if (layerNames.includes('conv1_1') || layerNames.includes('fc8a')) {
      throw new ModelStructureError(
        'this is the older channels-first Keras file (layers conv1_1…fc8a, kernels rotated), which gives identical, low-confidence predictions; use the v1.0 release file vgg16-places365_weights_tf_dim_ordering_tf_kernels.h5 or the original caffemodel',
      );
    }
    const missing = PARAM_LAYERS.filter((l) => !layerNames.includes(KERAS_NAMES[l]));
    if (missing.length) {
      throw new ModelStructureError(`not a VGG16-Places365 Keras file: missing layers ${missing.map((l) => KERAS_NAMES[l]).join(', ')}`);
    }
    const shapes: LayerShapes[] = [];
    let pool5C = 0;
    for (const layer of PARAM_LAYERS) {
      const { kernel, bias } = findWeights(root, KERAS_NAMES[layer]);
      const ks = kernel.shape ?? [];
      const bs = bias.shape ?? [];
      let wDims: number[];
      if ((CONV_LAYERS as readonly string[]).includes(layer)) {
        if (ks.length !== 4) throw new ModelStructureError(`${KERAS_NAMES[layer]}: expected a 4-D kernel, found (${ks.join(', ')})`);
        const [kh, kw, ci, co] = ks as [number, number, number, number];
        wDims = [co, ci, kh, kw];
        const k = asFloat32(kernel.value, layer);
        const w = new Float32Array(k.length);
        for (let y = 0; y < kh; y++)
          for (let x = 0; x < kw; x++)
            for (let i = 0; i < ci; i++)
              for (let o = 0; o < co; o++) w[((o * ci + i) * kh + y) * kw + x] = k[((y * kw + x) * ci + i) * co + o]!;
        out.put(`${layer}.W`, wDims, w);
        pool5C = co;
      } else if (layer === 'fc6') {
        if (ks.length !== 2) throw new ModelStructureError(`fc1: expected a 2-D kernel, found (${ks.join(', ')})`);
        const [rows, fc] = ks as [number, number];
        const hw = POOL5_SPATIAL * POOL5_SPATIAL;
        const C = pool5C;
        if (rows !== C * hw) throw new ModelStructureError(`fc1 takes ${rows} inputs but block5_pool gives ${C * hw}`);
        wDims = [fc, rows];
        out.begin('fc6.W');
        for (let o0 = 0; o0 < fc; o0 += SLAB_COLUMNS) {
          const n = Math.min(SLAB_COLUMNS, fc - o0);
          const slab = asFloat32(kernel.slice([[], [o0, o0 + n]]), 'fc1');
          const w = new Float32Array(n * rows);
          for (let j = 0; j < n; j++) {
            const base = j * rows;
            for (let c = 0; c < C; c++) for (let p = 0; p < hw; p++) w[base + c * hw + p] = slab[(p * C + c) * n + j]!;
          }
          out.write(new Uint8Array(w.buffer));
        }
        out.end(wDims);
      } else {
        if (ks.length !== 2) throw new ModelStructureError(`${KERAS_NAMES[layer]}: expected a 2-D kernel`);
        const [inF, outF] = ks as [number, number];
        wDims = [outF, inF];
        const k = asFloat32(kernel.value, layer);
        const w = new Float32Array(k.length);
        for (let i = 0; i < inF; i++) for (let o = 0; o < outF; o++) w[o * inF + i] = k[i * outF + o]!;
        out.put(`${layer}.W`, wDims, w);
      }
      out.put(`${layer}.b`, bs, asFloat32(bias.value, `${layer} bias`));
      shapes.push({ name: layer as ParamLayer, weight: wDims, bias: bs });
    }
    return shapes;
  } finally {
    file.close();
  }
}
