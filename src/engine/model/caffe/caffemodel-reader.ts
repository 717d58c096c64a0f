/**
 * Streams a Caffe `.caffemodel` (NetParameter) layer by layer. Supports the
 * V2 `layer` entries (field 100) with BlobShape or legacy num/channels/height/
 * width dims, and the V1 `layers` entries (field 2). Weight payloads are
 * passed to the caller's sink without being held in memory.
 *
 * Field numbers from caffe.proto:
 *   NetParameter: name 1, layers 2 (V1LayerParameter), layer 100 (LayerParameter)
 *   LayerParameter: name 1, type 2 (string), blobs 7
 *   V1LayerParameter: name 4, type 5 (enum), blobs 6
 *   BlobProto: num 1, channels 2, height 3, width 4, data 5 (packed float),
 *              diff 6, shape 7 (BlobShape: dim 1, packed int64), double_data 8
 */
import { ProtoFileReader, ProtoFormatError, decodePackedVarints } from '../protobuf/file-reader.js';
import { WIRE_FIXED32, WIRE_LEN } from '../protobuf/writer.js';

/** V1LayerParameter.LayerType values that can carry weights or matter for topology. */
const V1_TYPES: Record<number, string> = {
  4: 'Convolution',
  14: 'InnerProduct',
  17: 'Pooling',
  18: 'ReLU',
  20: 'Softmax',
  6: 'Dropout',
  5: 'Data',
  21: 'SoftmaxWithLoss',
  1: 'Accuracy',
  15: 'LRN',
  3: 'Concat',
};

export interface BlobSink {
  /** Called with each chunk of little-endian float32 data, in order. */
  data(chunk: Buffer): void;
}

export interface CaffeBlob {
  shape: number[];
  /** Number of float32 values delivered to the sink. */
  count: number;
}

export interface CaffeLayer {
  name: string;
  type: string;
  blobs: CaffeBlob[];
  format: 'V2' | 'V1';
}

export interface CaffeVisitor {
  /** Returns a sink for blob `index` of `layerName`, or null to skip its data. */
  blobSink(layerName: string, layerType: string, index: number): BlobSink | null;
  /** Called when blob `index` of `layerName` has been read completely. */
  blobDone(layerName: string, index: number, blob: CaffeBlob): void;
  layer(layer: CaffeLayer): void;
}

export function readCaffemodel(path: string, visitor: CaffeVisitor): { netName: string | null; layers: CaffeLayer[] } {
  const r = new ProtoFileReader(path);
  try {
    if (r.size === 0) throw new ProtoFormatError('the file is empty');
    let netName: string | null = null;
    const layers: CaffeLayer[] = [];
    while (r.pos < r.size) {
      const h = r.header();
      if (h.field === 1 && h.wire === WIRE_LEN) netName = r.string(r.uint());
      else if ((h.field === 100 || h.field === 2) && h.wire === WIRE_LEN) {
        const endLen = r.uint();
      const end = r.pos + endLen;
        if (end > r.size) throw new ProtoFormatError('a layer runs past the end of the file (truncated download?)');
        const layer = readLayer(r, end, h.field === 100 ? 'V2' : 'V1', visitor);
        layers.push(layer);
        visitor.layer(layer);
      } else r.skip(h.wire);
    }
    if (r.pos !== r.size) throw new ProtoFormatError('trailing bytes after the last field');
    return { netName, layers };
  } finally {
    r.close();
  }
}

function readLayer(r: ProtoFileReader, end: number, format: 'V2' | 'V1', visitor: CaffeVisitor): CaffeLayer {
  const nameField = format === 'V2' ? 1 : 4;
  const typeField = format === 'V2' ? 2 : 5;
  const blobField = format === 'V2' ? 7 : 6;
  const layer: CaffeLayer = { name: '', type: '', blobs: [], format };
  while (r.pos < end) {
    const h = r.header();
    if (h.field === nameField && h.wire === WIRE_LEN) layer.name = r.string(r.uint());
    else if (h.field === typeField && format === 'V2' && h.wire === WIRE_LEN) layer.type = r.string(r.uint());
    else if (h.field === typeField && format === 'V1' && h.wire === 0) {
      const t = r.uint();
      layer.type = V1_TYPES[t] ?? `V1Type${t}`;
    } else if (h.field === blobField && h.wire === WIRE_LEN) {
      const blobEndLen = r.uint();
      const blobEnd = r.pos + blobEndLen;
      if (!layer.name) throw new ProtoFormatError('a layer has weights before its name; not a Caffe model written by Caffe');
      const sink = visitor.blobSink(layer.name, layer.type, layer.blobs.length);
      const blob = readBlob(r, blobEnd, sink, layer.name);
      if (sink) visitor.blobDone(layer.name, layer.blobs.length, blob);
      layer.blobs.push(blob);
    } else r.skip(h.wire);
  }
  if (r.pos !== end) throw new ProtoFormatError(`layer ${layer.name || '?'} is malformed`);
  return layer;
}

function readBlob(r: ProtoFileReader, end: number, sink: BlobSink | null, layerName: string): CaffeBlob {
  const legacy = [0, 0, 0, 0];
  let hasLegacy = false;
  let shape: number[] | null = null;
  let count = 0;
  let sawFloat = false;
  let sawDouble = false;
  while (r.pos < end) {
    const h = r.header();
    if (h.field >= 1 && h.field <= 4 && h.wire === 0) {
      legacy[h.field - 1] = r.uint();
      hasLegacy = true;
    } else if (h.field === 5 && h.wire === WIRE_LEN) {
      // packed float32: stream straight to the sink
      const n = r.uint();
      if (n % 4 !== 0) throw new ProtoFormatError(`${layerName}: weight data is not a whole number of float32 values`);
      if (sink) r.stream(n, (c) => sink.data(c));
      else r.pos += n;
      count += n / 4;
      sawFloat = true;
    } else if (h.field === 5 && h.wire === WIRE_FIXED32) {
      // unpacked repeated float (old writers)
      const b = r.fixed32();
      sink?.data(b);
      count += 1;
      sawFloat = true;
    } else if (h.field === 8 && h.wire === WIRE_LEN) {
      const n = r.uint();
      if (n % 8 !== 0) throw new ProtoFormatError(`${layerName}: double weight data is malformed`);
      r.stream(n, (c) => {
        if (!sink) return;
        const out = Buffer.alloc(c.length / 2);
        for (let i = 0; i < c.length / 8; i++) out.writeFloatLE(c.readDoubleLE(i * 8), i * 4);
        sink.data(out);
      });
      count += n / 8;
      sawDouble = true;
    } else if (h.field === 7 && h.wire === WIRE_LEN) {
      const shapeEndLen = r.uint();
      const shapeEnd = r.pos + shapeEndLen;
      const dims: number[] = [];
      while (r.pos < shapeEnd) {
        const sh = r.header();
        if (sh.field === 1 && sh.wire === WIRE_LEN) {
          for (const d of decodePackedVarints(r.bytes(r.uint()))) dims.push(Number(d));
        } else if (sh.field === 1 && sh.wire === 0) dims.push(r.uint());
        else r.skip(sh.wire);
      }
      shape = dims;
    } else r.skip(h.wire);
  }
  if (sawFloat && sawDouble) throw new ProtoFormatError(`${layerName}: blob has both float and double data`);
  return { shape: shape ?? (hasLegacy ? legacy : [count]), count };
}
