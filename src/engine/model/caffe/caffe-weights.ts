/**
 * Caffe weights → the weight file. Caffe's layouts are already ONNX's
 * (conv (out, in, kh, kw), InnerProduct (out, in) for Gemm with transB), so
 * each blob streams through unchanged.
 */
import { readCaffemodel } from './caffemodel-reader.js';
import { CONV_LAYERS, FC_LAYERS, ModelStructureError, normaliseCaffeDims, type LayerShapes } from '../vgg16.js';
import type { WeightFileWriter } from '../weight-file.js';

const PARAM = new Set<string>([...CONV_LAYERS, ...FC_LAYERS]);
const ALIASES: Record<string, string> = { fc8: 'fc8a' };
const canonical = (name: string): string => ALIASES[name] ?? name;

export function caffeToWeights(src: string, out: WeightFileWriter): LayerShapes[] {
  const shapes: LayerShapes[] = [];
  readCaffemodel(src, {
    blobSink(layerName, layerType, index) {
      const name = canonical(layerName);
      if (!PARAM.has(name)) {
        throw new ModelStructureError(
          `unexpected weights in layer "${layerName}" (${layerType}); a VGG16-Places365 model has weights only in ${[...PARAM].join(', ')}`,
        );
      }
      if (index > 1) throw new ModelStructureError(`layer ${layerName} has more than two weight blobs`);
      out.begin(`${name}.${index === 0 ? 'W' : 'b'}`);
      return { data: (c) => out.write(c) };
    },
    blobDone(layerName, index, blob) {
      const name = canonical(layerName);
      const kind = index === 1 ? 'bias' : name.startsWith('conv') ? 'conv' : 'fc';
      const dims = normaliseCaffeDims(blob.shape, kind);
      if (dims.reduce((a, b) => a * b, 1) !== blob.count) {
        throw new ModelStructureError(`${layerName}: blob shape (${blob.shape.join(', ')}) does not match its ${blob.count} values (truncated file?)`);
      }
      out.end(dims);
    },
    layer(layer) {
      if (layer.blobs.length === 0) return;
      if (layer.blobs.length !== 2) {
        throw new ModelStructureError(`layer ${layer.name} has ${layer.blobs.length} weight blob(s); expected weights and bias`);
      }
      const name = canonical(layer.name);
      shapes.push({
        name,
        weight: normaliseCaffeDims(layer.blobs[0]!.shape, name.startsWith('conv') ? 'conv' : 'fc'),
        bias: normaliseCaffeDims(layer.blobs[1]!.shape, 'bias'),
      });
    },
  });
  return shapes;
}
