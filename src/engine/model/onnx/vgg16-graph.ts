/**
 * The VGG16-Places365 inference graph in Scenery's model contract:
 *   input  `image`    float32 [N,3,224,224], RGB, 0..255, NCHW
 *   output `prob`     float32 [N,K] softmax
 *   output `features` float32 [N,fc] (fc7 after its ReLU)
 *   output `logits`   float32 [N,K] (fc8a, for conformance checks)
 * The network's own normalisation (RGB→BGR, minus the Places365 mean) is the
 * first two nodes, so no caller can get it wrong.
 *
 * Large fully-connected weights are split by output rows into Gemm slices
 * of at most MAX_SLICE_BYTES and concatenated: each output unit still sees its
 * whole row (so results are identical), but no single allocation in the
 * runtime (weights, pre-packed copies) approaches fc6's 411 MB.
 */
import { OnnxGraph } from './onnx-builder.js';
import { CONV_LAYERS, PLACES365_MEAN_BGR, POOL_AFTER, type Vgg16Shape } from '../vgg16.js';
import type { StoredTensor } from '../weight-file.js';

export const MAX_SLICE_BYTES = 64 * 1024 * 1024;

export function buildVgg16Graph(shape: Vgg16Shape, tensors: StoredTensor[], dataFile: string): OnnxGraph {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const g = new OnnxGraph();
  const ext = (name: string): string => {
    const t = byName.get(name);
    if (!t) throw new Error(`missing tensor ${name}`);
    return g.external(name, t.dims, dataFile, t.offset, t.length);
  };

  let x = g.input('image', ['N', 3, 224, 224]);
  const bgr = g.int64s('bgr_order', [3], [2, 1, 0]);
  x = g.node('Gather', [x, bgr], { axis: 1 }, 'image_bgr');
  const mean = g.floats('places365_mean_bgr', [1, 3, 1, 1], Float32Array.from(PLACES365_MEAN_BGR));
  x = g.node('Sub', [x, mean], {}, 'image_centered');

  for (const layer of CONV_LAYERS) {
    x = g.node('Conv', [x, ext(`${layer}.W`), ext(`${layer}.b`)], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] }, layer);
    x = g.node('Relu', [x], {}, `${layer}_relu`);
    if (POOL_AFTER.has(layer)) x = g.node('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] }, `pool${layer[4]}`);
  }
  // Caffe flattens pool5 in C,H,W order, as ONNX Flatten does.
  x = g.node('Flatten', [x], { axis: 1 }, 'pool5_flat');

  const fc = (layer: string, input: string): string => {
    const t = byName.get(`${layer}.W`)!;
    const [outF, inF] = t.dims as [number, number];
    const rowBytes = inF * 4;
    // A power of two keeps every slice's offset 64 KiB-aligned (mappable) at full size.
    const rowsPerSlice = 2 ** Math.floor(Math.log2(Math.max(1, MAX_SLICE_BYTES / rowBytes)));
    if (outF <= rowsPerSlice) return g.node('Gemm', [input, ext(`${layer}.W`), ext(`${layer}.b`)], { transB: 1 }, layer);
    const bias = byName.get(`${layer}.b`)!;
    const parts: string[] = [];
    for (let r0 = 0, k = 0; r0 < outF; r0 += rowsPerSlice, k++) {
      const n = Math.min(rowsPerSlice, outF - r0);
      const w = g.external(`${layer}.W.${k}`, [n, inF], dataFile, t.offset + r0 * rowBytes, n * rowBytes);
      const b = g.external(`${layer}.b.${k}`, [n], dataFile, bias.offset + r0 * 4, n * 4);
      parts.push(g.node('Gemm', [input, w, b], { transB: 1 }, `${layer}_${k}`));
    }
    return g.node('Concat', parts, { axis: 1 }, layer);
  };

  x = fc('fc6', x);
  x = g.node('Relu', [x], {}, 'fc6_relu');
  x = fc('fc7', x);
  const features = g.node('Relu', [x], {}, 'features');
  const logits = fc('fc8a', features);
  g.node('Identity', [logits], {}, 'logits');
  g.node('Softmax', [logits], { axis: 1 }, 'prob');
  g.output('prob', ['N', shape.classes]);
  g.output('features', ['N', shape.fc]);
  g.output('logits', ['N', shape.classes]);
  return g;
}
