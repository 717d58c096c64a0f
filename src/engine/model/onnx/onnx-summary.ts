/**
 * What an import must know about an ONNX file before trusting it, read with
 * the streaming protobuf reader (never loading weights): the graph's inputs
 * and outputs, its nodes' operators and weight inputs, the shapes of its
 * initializers and every external-data location (so that an import can copy
 * exactly those files, and refuse paths that point outside the model's folder).
 */
import { decodePackedVarints, ProtoFileReader, ProtoFormatError } from '../protobuf/file-reader.js';
import { WIRE_LEN, WIRE_VARINT } from '../protobuf/writer.js';

export const ONNX_FLOAT_TYPE = 1;

export interface OnnxValue {
  name: string;
  /** A number for a fixed dim, a string for a symbolic one, null when absent. */
  dims: (number | string | null)[];
}

export interface OnnxTensorInfo {
  name: string;
  dims: number[];
  dataType: number;
  /** external_data "location", when the tensor's bytes live in another file. */
  location: string | null;
}

export interface OnnxSummary {
  producer: string;
  props: Record<string, string>;
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  nodes: { op: string; inputs: string[] }[];
  initializers: OnnxTensorInfo[];
  /** Every distinct external-data location, wherever the tensor sits (initializers, Constant nodes, subgraphs). */
  externalLocations: string[];
}

function dimsField(r: ProtoFileReader, wire: number, into: number[]): void {
  if (wire === WIRE_LEN) for (const v of decodePackedVarints(r.bytes(r.uint()))) into.push(Number(v));
  else into.push(Number(r.varint()));
}

function readTensor(r: ProtoFileReader, end: number, externals: Set<string>): OnnxTensorInfo {
  const t: OnnxTensorInfo = { name: '', dims: [], dataType: 0, location: null };
  while (r.pos < end) {
    const h = r.header();
    if (h.field === 1 && (h.wire === WIRE_VARINT || h.wire === WIRE_LEN)) dimsField(r, h.wire, t.dims);
    else if (h.field === 2 && h.wire === WIRE_VARINT) t.dataType = Number(r.varint());
    else if (h.field === 8 && h.wire === WIRE_LEN) t.name = r.string(r.uint());
    else if (h.field === 13 && h.wire === WIRE_LEN) {
      const entryEnd = r.uint() + r.pos;
      let key = '';
      let value = '';
      while (r.pos < entryEnd) {
        const e = r.header();
        if (e.field === 1 && e.wire === WIRE_LEN) key = r.string(r.uint());
        else if (e.field === 2 && e.wire === WIRE_LEN) value = r.string(r.uint());
        else r.skip(e.wire);
      }
      if (key === 'location') {
        t.location = value;
        externals.add(value);
      }
    } else r.skip(h.wire);
  }
  return t;
}

function readValueInfo(r: ProtoFileReader, end: number): OnnxValue {
  const v: OnnxValue = { name: '', dims: [] };
  // ValueInfoProto{1 name, 2 type} → TypeProto{1 tensor_type} → Tensor{2 shape} → TensorShapeProto{1 dim} → Dimension{1 value, 2 param}
  const walk = (until: number, depth: number): void => {
    while (r.pos < until) {
      const h = r.header();
      if (depth === 0 && h.field === 1 && h.wire === WIRE_LEN) v.name = r.string(r.uint());
      else if (h.wire === WIRE_LEN && ((depth === 0 && h.field === 2) || (depth === 1 && h.field === 1) || (depth === 2 && h.field === 2))) {
        walk(r.uint() + r.pos, depth + 1);
      } else if (depth === 3 && h.field === 1 && h.wire === WIRE_LEN) {
        const dimEnd = r.uint() + r.pos;
        let dim: number | string | null = null;
        while (r.pos < dimEnd) {
          const d = r.header();
          if (d.field === 1 && d.wire === WIRE_VARINT) dim = Number(r.varint());
          else if (d.field === 2 && d.wire === WIRE_LEN) dim = r.string(r.uint());
          else r.skip(d.wire);
        }
        v.dims.push(dim);
      } else r.skip(h.wire);
    }
  };
  walk(end, 0);
  return v;
}

function readAttribute(r: ProtoFileReader, end: number, externals: Set<string>): void {
  while (r.pos < end) {
    const h = r.header();
    // 5: t (TensorProto), 11: tensors; 6: g (GraphProto), 10: graphs
    if ((h.field === 5 || h.field === 11) && h.wire === WIRE_LEN) readTensor(r, r.uint() + r.pos, externals);
    else if ((h.field === 6 || h.field === 10) && h.wire === WIRE_LEN) readGraph(r, r.uint() + r.pos, externals, null);
    else r.skip(h.wire);
  }
}

function readGraph(r: ProtoFileReader, end: number, externals: Set<string>, into: OnnxSummary | null): void {
  while (r.pos < end) {
    const h = r.header();
    if (h.wire !== WIRE_LEN) {
      r.skip(h.wire);
      continue;
    }
    const len = r.uint();
    const fieldEnd = r.pos + len;
    if (h.field === 1) {
      const node = { op: '', inputs: [] as string[] };
      while (r.pos < fieldEnd) {
        const n = r.header();
        if (n.field === 1 && n.wire === WIRE_LEN) node.inputs.push(r.string(r.uint()));
        else if (n.field === 4 && n.wire === WIRE_LEN) node.op = r.string(r.uint());
        else if (n.field === 5 && n.wire === WIRE_LEN) readAttribute(r, r.uint() + r.pos, externals);
        else r.skip(n.wire);
      }
      into?.nodes.push(node);
    } else if (h.field === 5) {
      const t = readTensor(r, fieldEnd, externals);
      into?.initializers.push(t);
    } else if (h.field === 11 && into) into.inputs.push(readValueInfo(r, fieldEnd));
    else if (h.field === 12 && into) into.outputs.push(readValueInfo(r, fieldEnd));
    else r.pos = fieldEnd;
    if (r.pos !== fieldEnd) throw new ProtoFormatError(`malformed graph field ${h.field}`);
  }
}

/** Reads the summary; throws ProtoFormatError (or a plain Error) when the file is not a well-formed ONNX model. */
export function readOnnxSummary(path: string): OnnxSummary {
  const r = new ProtoFileReader(path);
  const externals = new Set<string>();
  const s: OnnxSummary = { producer: '', props: {}, inputs: [], outputs: [], nodes: [], initializers: [], externalLocations: [] };
  let sawGraph = false;
  try {
    while (r.pos < r.size) {
      const h = r.header();
      if (h.field === 2 && h.wire === WIRE_LEN) s.producer = r.string(r.uint());
      else if (h.field === 7 && h.wire === WIRE_LEN) {
        sawGraph = true;
        readGraph(r, r.uint() + r.pos, externals, s);
      } else if (h.field === 14 && h.wire === WIRE_LEN) {
        const end = r.uint() + r.pos;
        let k = '';
        let v = '';
        while (r.pos < end) {
          const e = r.header();
          if (e.field === 1 && e.wire === WIRE_LEN) k = r.string(r.uint());
          else if (e.field === 2 && e.wire === WIRE_LEN) v = r.string(r.uint());
          else r.skip(e.wire);
        }
        s.props[k] = v;
      } else r.skip(h.wire);
    }
  } finally {
    r.close();
  }
  if (!sawGraph) throw new ProtoFormatError('the file has no ONNX graph');
  s.externalLocations = [...externals];
  return s;
}

/**
 * Weight parameters: the elements of float initializers that feed a Conv,
 * Gemm or MatMul (weights and biases), not the input-normalisation constants.
 */
export function countParameters(s: OnnxSummary): number {
  const weights = new Set<string>();
  for (const n of s.nodes) if (n.op === 'Conv' || n.op === 'Gemm' || n.op === 'MatMul') for (const i of n.inputs.slice(1)) weights.add(i);
  let total = 0;
  for (const t of s.initializers) if (t.dataType === ONNX_FLOAT_TYPE && weights.has(t.name)) total += t.dims.reduce((a, b) => a * b, 1);
  return total;
}

/** The kernel shapes of the Conv nodes, in graph order (from their initializers). */
export function convKernels(s: OnnxSummary): number[][] {
  const byName = new Map(s.initializers.map((t) => [t.name, t]));
  return s.nodes.filter((n) => n.op === 'Conv').map((n) => byName.get(n.inputs[1] ?? '')?.dims ?? []);
}
