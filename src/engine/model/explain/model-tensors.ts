/**
 * The weight table of an installed model, read from its ONNX graph file:
 * which initializer lives where in the external-data file. Grad-CAM builds
 * its graphs from this table, so a model converted before explanations
 * existed needs no re-conversion, and the new graphs point at the very same
 * bytes (memory-mapped once, shared) instead of a second copy of the weights.
 */
import { ProtoFileReader } from '../protobuf/file-reader.js';
import { WIRE_LEN, WIRE_VARINT } from '../protobuf/writer.js';

export const ONNX_FLOAT = 1;

export interface ModelTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** Absent for weights stored inside the graph file. */
  external?: { location: string; offset: number; length: number };
}

/** ModelProto.graph (7) → GraphProto.initializer (5) → TensorProto dims (1), data_type (2), name (8), external_data (13). */
export function readModelTensors(onnxPath: string): ModelTensor[] {
  const r = new ProtoFileReader(onnxPath);
  try {
    const out: ModelTensor[] = [];
    while (r.pos < r.size) {
      const h = r.header();
      if (h.field !== 7 || h.wire !== WIRE_LEN) {
        r.skip(h.wire);
        continue;
      }
      const graphEnd = r.pos + r.uint();
      while (r.pos < graphEnd) {
        const g = r.header();
        if (g.field === 5 && g.wire === WIRE_LEN) out.push(readTensor(r, r.pos + r.uint()));
        else r.skip(g.wire);
      }
    }
    return out;
  } finally {
    r.close();
  }
}

function readTensor(r: ProtoFileReader, end: number): ModelTensor {
  const t: ModelTensor = { name: '', dims: [], dataType: 0 };
  const ext: Record<string, string> = {};
  while (r.pos < end) {
    const h = r.header();
    if (h.field === 1 && h.wire === WIRE_VARINT) t.dims.push(r.uint());
    else if (h.field === 1 && h.wire === WIRE_LEN) {
      const e = r.pos + r.uint();
      while (r.pos < e) t.dims.push(r.uint());
    } else if (h.field === 2 && h.wire === WIRE_VARINT) t.dataType = r.uint();
    else if (h.field === 8 && h.wire === WIRE_LEN) t.name = r.string(r.uint());
    else if (h.field === 13 && h.wire === WIRE_LEN) {
      const e = r.pos + r.uint();
      let k = '';
      let v = '';
      while (r.pos < e) {
        const f = r.header();
        if (f.field === 1 && f.wire === WIRE_LEN) k = r.string(r.uint());
        else if (f.field === 2 && f.wire === WIRE_LEN) v = r.string(r.uint());
        else r.skip(f.wire);
      }
      ext[k] = v;
    } else r.skip(h.wire);
  }
  if (ext['location'] !== undefined) {
    const count = t.dims.reduce((a, b) => a * b, 1);
    t.external = { location: ext['location'], offset: Number(ext['offset'] ?? 0), length: Number(ext['length'] ?? count * 4) };
  }
  return t;
}
