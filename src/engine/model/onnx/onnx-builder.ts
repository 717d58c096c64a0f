/**
 * Builds ONNX ModelProto bytes (onnx.proto field numbers) for the small set
 * of constructs Scenery's graphs need: float tensors stored inline or as
 * external data, int64 constants, nodes with int/ints/float attributes.
 */
import { ProtoWriter } from '../protobuf/writer.js';

export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

export type Attr = number | number[] | { float: number };
export type Dim = number | string;

interface Initializer {
  name: string;
  dims: number[];
  type: number;
  external?: { location: string; offset: number; length: number };
  floats?: Float32Array;
  ints?: number[];
}

interface NodeDef {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attrs: Record<string, Attr>;
}

export class OnnxGraph {
  private readonly inits: Initializer[] = [];
  private readonly nodes: NodeDef[] = [];
  private readonly inputs: { name: string; dims: Dim[] }[] = [];
  private readonly outputs: { name: string; dims: Dim[] }[] = [];
  private counter = 0;

  input(name: string, dims: Dim[]): string {
    this.inputs.push({ name, dims });
    return name;
  }

  output(name: string, dims: Dim[]): void {
    this.outputs.push({ name, dims });
  }

  external(name: string, dims: number[], location: string, offset: number, length: number): string {
    this.inits.push({ name, dims, type: ONNX_FLOAT, external: { location, offset, length } });
    return name;
  }

  floats(name: string, dims: number[], data: Float32Array): string {
    this.inits.push({ name, dims, type: ONNX_FLOAT, floats: data });
    return name;
  }

  int64s(name: string, dims: number[], data: number[]): string {
    this.inits.push({ name, dims, type: ONNX_INT64, ints: data });
    return name;
  }

  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, output?: string): string {
    const out = output ?? `${op.toLowerCase()}_${++this.counter}`;
    this.nodes.push({ op, inputs, outputs: [out], name: `${op}_${this.counter}_${out}`, attrs });
    return out;
  }

  encode(meta: { producer: string; version: string; doc: string; opset: number; props: Record<string, string> }): Uint8Array {
    const g = new ProtoWriter();
    for (const n of this.nodes) {
      const nw = new ProtoWriter();
      for (const i of n.inputs) nw.string(1, i);
      for (const o of n.outputs) nw.string(2, o);
      nw.string(3, n.name).string(4, n.op);
      for (const [key, value] of Object.entries(n.attrs)) {
        const a = new ProtoWriter().string(1, key);
        if (Array.isArray(value)) {
          for (const v of value) a.int(8, v);
          a.uint(20, ATTR_INTS);
        } else if (typeof value === 'number') a.int(3, value).uint(20, ATTR_INT);
        else a.float(2, value.float).uint(20, ATTR_FLOAT);
        nw.message(5, a);
      }
      g.message(1, nw);
    }
    g.string(2, 'scenery');
    for (const t of this.inits) {
      const tw = new ProtoWriter();
      for (const d of t.dims) tw.int(1, d);
      tw.uint(2, t.type);
      if (t.ints) {
        for (const v of t.ints) tw.int(7, v);
      }
      tw.string(8, t.name);
      if (t.floats) tw.bytes(9, new Uint8Array(t.floats.buffer, t.floats.byteOffset, t.floats.byteLength));
      if (t.external) {
        const entry = (k: string, v: string): ProtoWriter => new ProtoWriter().string(1, k).string(2, v);
        tw.message(13, entry('location', t.external.location));
        tw.message(13, entry('offset', String(t.external.offset)));
        tw.message(13, entry('length', String(t.external.length)));
        tw.uint(14, 1);
      }
      g.message(5, tw);
    }
    const valueInfo = (v: { name: string; dims: Dim[] }): ProtoWriter => {
      const shape = new ProtoWriter();
      for (const d of v.dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
      const tensorType = new ProtoWriter().uint(1, ONNX_FLOAT).message(2, shape);
      return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensorType));
    };
    for (const i of this.inputs) g.message(11, valueInfo(i));
    for (const o of this.outputs) g.message(12, valueInfo(o));

    const m = new ProtoWriter()
      .uint(1, 8)
      .string(2, meta.producer)
      .string(3, meta.version)
      .uint(5, 1)
      .string(6, meta.doc)
      .message(7, g)
      .message(8, new ProtoWriter().string(1, '').uint(2, meta.opset));
    for (const [k, v] of Object.entries(meta.props)) m.message(14, new ProtoWriter().string(1, k).string(2, v));
    return m.finish();
  }
}
