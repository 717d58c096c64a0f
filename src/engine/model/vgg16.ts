/**
 * The VGG16 architecture as CSAIL trained it for Places365, and the checks
 * that a set of weights really has that shape. Widths may be scaled down by a
 * common divisor (the conformance fixtures are); named models must match the
 * published shapes exactly.
 */

export const CONV_LAYERS = [
  'conv1_1', 'conv1_2',
  'conv2_1', 'conv2_2',
  'conv3_1', 'conv3_2', 'conv3_3',
  'conv4_1', 'conv4_2', 'conv4_3',
  'conv5_1', 'conv5_2', 'conv5_3',
] as const;
export const FC_LAYERS = ['fc6', 'fc7', 'fc8a'] as const;
export const PARAM_LAYERS = [...CONV_LAYERS, ...FC_LAYERS] as const;
export type ParamLayer = (typeof PARAM_LAYERS)[number];

/** Keras-VGG16-places365 v1.0 layer names. */
export const KERAS_NAMES: Record<ParamLayer, string> = {
  conv1_1: 'block1_conv1', conv1_2: 'block1_conv2',
  conv2_1: 'block2_conv1', conv2_2: 'block2_conv2',
  conv3_1: 'block3_conv1', conv3_2: 'block3_conv2', conv3_3: 'block3_conv3',
  conv4_1: 'block4_conv1', conv4_2: 'block4_conv2', conv4_3: 'block4_conv3',
  conv5_1: 'block5_conv1', conv5_2: 'block5_conv2', conv5_3: 'block5_conv3',
  fc6: 'fc1', fc7: 'fc2', fc8a: 'predictions',
};

export const VGG16_WIDTHS = [64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512];
/** Layers followed by a 2x2/2 max-pool. */
export const POOL_AFTER = new Set<string>(['conv1_2', 'conv2_2', 'conv3_3', 'conv4_3', 'conv5_3']);
export const INPUT_SIZE = 224;
export const POOL5_SPATIAL = 7;

/** Per-channel Places365 mean in BGR order (the mean of places365CNN_mean.binaryproto). */
export const PLACES365_MEAN_BGR = [104.05100722, 112.51448911, 116.67603893] as const;

export interface Vgg16Shape {
  convWidths: number[];
  fc: number;
  classes: number;
}

export const FULL_VGG16: Omit<Vgg16Shape, 'classes'> = { convWidths: VGG16_WIDTHS, fc: 4096 };

export class ModelStructureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelStructureError';
  }
}

export interface LayerShapes {
  name: string;
  weight: number[];
  bias: number[];
}

/** Checks names, topology and that shapes chain; returns the network's widths. */
export function validateVgg16(layers: LayerShapes[]): Vgg16Shape {
  const names = layers.map((l) => l.name);
  if (names.length !== PARAM_LAYERS.length || names.some((n, i) => n !== PARAM_LAYERS[i])) {
    throw new ModelStructureError(
      `not a VGG16 network: expected the weight layers ${PARAM_LAYERS.join(', ')}; found ${names.join(', ') || 'none'}`,
    );
  }
  const convWidths: number[] = [];
  let inC = 3;
  for (const l of layers.slice(0, CONV_LAYERS.length)) {
    const [o, i, kh, kw] = l.weight;
    if (l.weight.length !== 4 || kh !== 3 || kw !== 3) {
      throw new ModelStructureError(`${l.name}: expected a 3x3 convolution kernel (out, in, 3, 3), found (${l.weight.join(', ')})`);
    }
    if (i !== inC) throw new ModelStructureError(`${l.name}: takes ${i} input channels but the previous layer gives ${inC}`);
    if (l.bias.length !== 1 || l.bias[0] !== o) throw new ModelStructureError(`${l.name}: bias has shape (${l.bias.join(', ')}), expected (${o})`);
    convWidths.push(o!);
    inC = o!;
  }
  const div = VGG16_WIDTHS[0]! / convWidths[0]!;
  if (!Number.isInteger(div) || convWidths.some((w, k) => w * div !== VGG16_WIDTHS[k])) {
    throw new ModelStructureError(`conv widths ${convWidths.join('/')} do not follow VGG16's ${VGG16_WIDTHS.join('/')}`);
  }
  const pool5 = inC * POOL5_SPATIAL * POOL5_SPATIAL;
  const fcs = layers.slice(CONV_LAYERS.length);
  let inF = pool5;
  const outs: number[] = [];
  for (const l of fcs) {
    const [o, i] = l.weight;
    if (l.weight.length !== 2) throw new ModelStructureError(`${l.name}: expected a 2-D weight (out, in), found (${l.weight.join(', ')})`);
    if (i !== inF) throw new ModelStructureError(`${l.name}: takes ${i} inputs but the previous layer gives ${inF}`);
    if (l.bias.length !== 1 || l.bias[0] !== o) throw new ModelStructureError(`${l.name}: bias has shape (${l.bias.join(', ')}), expected (${o})`);
    outs.push(o!);
    inF = o!;
  }
  if (outs[0] !== outs[1]) throw new ModelStructureError(`fc6 and fc7 must have the same width (found ${outs[0]} and ${outs[1]})`);
  const classes = outs[2]!;
  if (classes !== 365 && classes !== 1365) {
    throw new ModelStructureError(`fc8a has ${classes} outputs; Places365 has 365 and Hybrid1365 has 1365`);
  }
  return { convWidths, fc: outs[0]!, classes };
}

export function parameterCount(shape: Vgg16Shape): number {
  let n = 0;
  let inC = 3;
  for (const w of shape.convWidths) {
    n += w * inC * 9 + w;
    inC = w;
  }
  const pool5 = inC * 49;
  n += shape.fc * pool5 + shape.fc;
  n += shape.fc * shape.fc + shape.fc;
  n += shape.classes * shape.fc + shape.classes;
  return n;
}

export function isFullSize(shape: Vgg16Shape): boolean {
  return shape.fc === 4096 && shape.convWidths.every((w, i) => w === VGG16_WIDTHS[i]);
}

/** Normalises Caffe's legacy 4-D dims ((1,1,out,in) for fc, (1,1,1,n) for biases). */
export function normaliseCaffeDims(dims: number[], kind: 'conv' | 'fc' | 'bias'): number[] {
  const want = kind === 'conv' ? 4 : kind === 'fc' ? 2 : 1;
  const d = [...dims];
  while (d.length > want && d[0] === 1) d.shift();
  return d;
}
