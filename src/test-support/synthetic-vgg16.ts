/**
 * Regenerates the conformance fixtures' synthetic VGG16 weights from a
 * spec.json (shared/data/reference/README.md gives the generator) and writes
 * them as a V2 caffemodel, streamed, so the full-size 135.8 M-parameter model
 * can be rebuilt in CI without being stored anywhere.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { ProtoWriter } from '../engine/model/protobuf/writer.js';

export interface SpecLayer {
  l: number;
  name: string;
  caffe_shape: number[];
  w_scale: number;
  b_scale: number;
}
export interface Spec {
  config: string;
  seed: number;
  layers: SpecLayer[];
}

export function readSpec(path: string): Spec {
  return JSON.parse(readFileSync(path, 'utf8')) as Spec;
}

function lowbias32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Fills `out` with values [start, start+out.length) of tensor `tensorId`. */
export function fillSynthetic(out: Float32Array, seed: number, tensorId: number, scale: number, start = 0): void {
  const key = lowbias32((seed + Math.imul(0x9e3779b9, tensorId + 1)) >>> 0);
  const s = Math.fround(scale);
  for (let k = 0; k < out.length; k++) {
    const h = lowbias32((start + k + key) >>> 0);
    out[k] = ((h >>> 8) - 8388608) * (1 / 8388608) * s;
  }
}

function varintLength(n: number): number {
  let len = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

const CHUNK = 1 << 20;

export function writeSyntheticCaffemodel(spec: Spec, path: string): void {
  const fd = openSync(path, 'w');
  const put = (b: Uint8Array): void => {
    let o = 0;
    while (o < b.length) o += writeSync(fd, b, o, b.length - o);
  };
  try {
    put(new ProtoWriter().string(1, `VGG-Places365-synthetic-${spec.config}`).finish());
    for (const layer of spec.layers) {
      const blobs = [
        { dims: layer.caffe_shape, scale: layer.w_scale, id: 2 * layer.l },
        { dims: [layer.caffe_shape[0]!], scale: layer.b_scale, id: 2 * layer.l + 1 },
      ];
      const blobParts = blobs.map((b) => {
        const count = b.dims.reduce((x, y) => x * y, 1);
        const shape = new ProtoWriter().message(7, new ProtoWriter().packedInts(1, b.dims)).finish();
        const dataHeader = new ProtoWriter().lengthHeader(5, count * 4).finish();
        const len = dataHeader.length + count * 4 + shape.length;
        return { ...b, count, shape, dataHeader, len };
      });
      const head = new ProtoWriter()
        .string(1, layer.name)
        .string(2, layer.name.startsWith('conv') ? 'Convolution' : 'InnerProduct')
        .finish();
      const layerLen = head.length + blobParts.reduce((a, b) => a + 1 + varintLength(b.len) + b.len, 0);
      put(new ProtoWriter().lengthHeader(100, layerLen).finish());
      put(head);
      for (const b of blobParts) {
        put(new ProtoWriter().lengthHeader(7, b.len).finish());
        put(b.dataHeader);
        const buf = new Float32Array(Math.min(CHUNK, b.count));
        for (let start = 0; start < b.count; start += buf.length) {
          const n = Math.min(buf.length, b.count - start);
          const view = buf.subarray(0, n);
          fillSynthetic(view, spec.seed, b.id, b.scale, start);
          put(new Uint8Array(view.buffer, 0, n * 4));
        }
        put(b.shape);
      }
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The same synthetic weights as a Keras-VGG16-places365 v1.0 weights file
 * (channels_last; kernels (kh, kw, in, out); fc1 rows in h,w,c order), for
 * the Keras path of the converter at full size.
 */
export async function writeSyntheticKerasH5(spec: Spec, path: string): Promise<void> {
  const { default: h5wasm } = await import('h5wasm/node');
  await h5wasm.ready;
  const f = new h5wasm.File(path, 'w');
  try {
    const names = spec.layers.map((l) => (l as SpecLayer & { keras_name: string }).keras_name);
    f.create_attribute('layer_names', names);
    f.create_attribute('backend', 'tensorflow');
    f.create_attribute('keras_version', '2.3.1');
    let pool5C = 0;
    for (const layer of spec.layers) {
      const kname = (layer as SpecLayer & { keras_name: string }).keras_name;
      const shape = layer.caffe_shape;
      const count = shape.reduce((a, b) => a * b, 1);
      const w = new Float32Array(count);
      fillSynthetic(w, spec.seed, 2 * layer.l, layer.w_scale);
      const b = new Float32Array(shape[0]!);
      fillSynthetic(b, spec.seed, 2 * layer.l + 1, layer.b_scale);
      let kernel: Float32Array;
      let kshape: number[];
      if (shape.length === 4) {
        const [o, i, kh, kw] = shape as [number, number, number, number];
        kernel = new Float32Array(count);
        for (let oo = 0; oo < o; oo++) for (let ii = 0; ii < i; ii++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) kernel[((y * kw + x) * i + ii) * o + oo] = w[((oo * i + ii) * kh + y) * kw + x]!;
        kshape = [kh, kw, i, o];
        pool5C = o;
      } else {
        const [o, i] = shape as [number, number];
        kernel = new Float32Array(count);
        if (layer.name === 'fc6') {
          const C = pool5C;
          for (let oo = 0; oo < o; oo++) {
            const row = oo * i;
            for (let c = 0; c < C; c++) for (let p = 0; p < 49; p++) kernel[(p * C + c) * o + oo] = w[row + c * 49 + p]!;
          }
        } else for (let oo = 0; oo < o; oo++) for (let ii = 0; ii < i; ii++) kernel[ii * o + oo] = w[oo * i + ii]!;
        kshape = [i, o];
      }
      const g = f.create_group(kname);
      g.create_attribute('weight_names', [`${kname}/kernel:0`, `${kname}/bias:0`]);
      const inner = g.create_group(kname);
      inner.create_dataset({ name: 'kernel:0', data: kernel, shape: kshape, dtype: '<f4' });
      inner.create_dataset({ name: 'bias:0', data: b, shape: [b.length], dtype: '<f4' });
    }
  } finally {
    f.close();
  }
}
