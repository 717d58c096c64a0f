/**
 * CSAIL `.caffemodel` or Keras `.h5` → an ONNX model in Scenery's contract
 * (graph file + 64 KiB-aligned external weight file). The source is streamed;
 * peak memory stays near one fc6 slab whatever the model size.
 */
import { closeSync, openSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { caffeToWeights } from './caffe/caffe-weights.js';
import { kerasToWeights } from './keras/keras-weights.js';
import { buildVgg16Graph } from './onnx/vgg16-graph.js';
import { ModelStructureError, isFullSize, parameterCount, validateVgg16, type Vgg16Shape } from './vgg16.js';
import { WeightFileWriter } from './weight-file.js';
import type { KnownModel } from './known-models.js';

export type SourceFormat = 'caffemodel' | 'keras-h5' | 'onnx';
export type Variant = 'places365' | 'hybrid1365';

export interface ConvertOptions {
  variant?: Variant;
  /** Require the exact shapes of this published model. */
  expect?: KnownModel;
  sourceDescription?: string;
  license?: string;
  title?: string;
  name?: string;
}

export interface ConvertResult {
  onnxPath: string;
  dataPath: string;
  format: SourceFormat;
  shape: Vgg16Shape;
  parameters: number;
  variant: Variant;
  seconds: number;
}

const HDF5_MAGIC = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

export function detectFormat(path: string): SourceFormat {
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(8);
  try {
    readSync(fd, head, 0, 8, 0);
  } finally {
    closeSync(fd);
  }
  if (head.equals(HDF5_MAGIC)) return 'keras-h5';
  if (/\.onnx$/i.test(path)) return 'onnx';
  if (/\.(caffemodel|caffemodel\.h5)$/i.test(path) || /\.(pb|bin)$/i.test(path)) return 'caffemodel';
  // Caffe NetParameter starts with field 1 (name) or 2/100 (layers), all length-delimited.
  if (head[0] === 0x0a || head[0] === 0x12 || head[0] === 0xa2) return 'caffemodel';
  throw new ModelStructureError(`${basename(path)} is neither a Caffe .caffemodel, a Keras .h5 nor an ONNX file`);
}

export async function convertModel(src: string, onnxPath: string, options: ConvertOptions = {}): Promise<ConvertResult> {
  const started = performance.now();
  const format = detectFormat(src);
  if (format === 'onnx') throw new ModelStructureError('the source is already ONNX; import it instead of converting it');
  const dataPath = `${onnxPath}.data`;
  const tmpData = `${dataPath}.partial`;
  const tmpOnnx = `${onnxPath}.partial`;
  const writer = new WeightFileWriter(tmpData);
  try {
    let shapes;
    try {
      shapes = format === 'caffemodel' ? caffeToWeights(src, writer) : await kerasToWeights(src, writer);
    } finally {
      writer.close();
    }
    const shape = validateVgg16(shapes);
    const variant: Variant = shape.classes === 1365 ? 'hybrid1365' : 'places365';
    if (options.variant && options.variant !== variant) {
      throw new ModelStructureError(`--variant ${options.variant} was asked for, but the weights have ${shape.classes} classes (${variant})`);
    }
    const parameters = parameterCount(shape);
    if (options.expect) {
      if (!isFullSize(shape) || shape.classes !== options.expect.classes || parameters !== options.expect.parameters) {
        throw new ModelStructureError(
          `${options.expect.title} has ${options.expect.parameters.toLocaleString('en')} parameters in VGG16's full shapes; this file has ${parameters.toLocaleString('en')} (${shape.convWidths.join('/')}, fc ${shape.fc}, ${shape.classes} classes)`,
        );
      }
    }
    const graph = buildVgg16Graph(shape, writer.tensors, basename(dataPath));
    const bytes = graph.encode({
      producer: 'scenery',
      version: '1',
      opset: 17,
      doc: `VGG16 ${variant} converted by Scenery from ${basename(src)} (${format}).`,
      props: {
        name: options.name ?? (variant === 'hybrid1365' ? 'vgg16-hybrid1365' : 'vgg16-places365'),
        title: options.title ?? (variant === 'hybrid1365' ? 'VGG16-Hybrid1365' : 'VGG16-Places365'),
        labels: variant,
        source: options.sourceDescription ?? basename(src),
        license: options.license ?? 'see the source of the weights',
        parameters: String(parameters),
        architecture: `vgg16 conv ${shape.convWidths.join('/')} fc ${shape.fc} classes ${shape.classes}`,
        preprocessing: 'input RGB 0..255 NCHW 224x224 (resize 256x256 linear, centre crop 224); graph: RGB->BGR, minus Places365 mean B 104.051 G 112.514 R 116.676',
        outputs: 'prob=softmax(fc8a), features=relu(fc7), logits=fc8a',
        source_format: format,
      },
    });
    writeFileSync(tmpOnnx, bytes);
    renameSync(tmpData, dataPath);
    renameSync(tmpOnnx, onnxPath);
    return { onnxPath, dataPath, format, shape, parameters, variant, seconds: (performance.now() - started) / 1000 };
  } catch (e) {
    rmSync(tmpData, { force: true });
    rmSync(tmpOnnx, { force: true });
    throw e;
  }
}
