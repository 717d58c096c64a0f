/**
 * Reads an ONNX ModelProto held in memory into just enough structure to
 * rewrite a graph (the int8 quantizer): nodes with their attributes kept as
 * raw bytes (passed through untouched) plus the few values a rewrite needs,
 * initializers with their data location, and everything else as raw bytes.
 * A graph file is small (weights live in the external data file, or a few MB
 * inline), so reading it whole is fine.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ProtoFormatError } from '../protobuf/file-reader.js';
import { WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from '../protobuf/writer.js';

export interface OnnxAttribute {
  name: string;
  raw: Uint8Array;
  i?: number;
  f?: number;
  ints?: number[];
}

export interface OnnxNodeProto {
  op: string;
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: OnnxAttribute[];
  raw: Uint8Array;
}

export interface OnnxTensorProto {
  name: string;
  dims: number[];
  dataType: number;
  raw: Uint8Array;
  /** raw_data, or float_data/int64_data as bytes (little-endian). */
  inline?: Uint8Array;
  external?: { location: string; offset: number; length: number };
}

export interface OnnxModelProto {
  irVersion: number;
  producer: string;
  doc: string;
  opsets: { domain: string; version: number }[];
  props: Record<string, string>;
  graphName: string;
  nodes: OnnxNodeProto[];
  initializers: OnnxTensorProto[];
  inputs: Uint8Array[];
  outputs: Uint8Array[];
  valueInfo: Uint8Array[];
  inputNames: string[];
  outputNames: string[];
}

class BufReader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let r = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new ProtoFormatError('truncated varint');
      r |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return r;
      shift += 7n;
    }
    throw new ProtoFormatError('malformed varint');
  }
  int(): number {
    return Number(BigInt.asIntN(64, this.varint()));
  }
  header(): { field: number; wire: number } {
    const k = Number(this.varint());
    return { field: k >>> 3, wire: k & 7 };
  }
  bytes(): Uint8Array {
    const n = Number(this.varint());
    if (this.pos + n > this.buf.length) throw new ProtoFormatError('field runs past the end of its message');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  string(): string {
    return new TextDecoder().decode(this.bytes());
  }
  fixed32(): Uint8Array {
    const out = this.buf.subarray(this.pos, this.pos + 4);
    this.pos += 4;
    return out;
  }
  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_FIXED64) this.pos += 8;
    else if (wire === WIRE_LEN) this.bytes();
    else if (wire === WIRE_FIXED32) this.pos += 4;
    else throw new ProtoFormatError(`unsupported wire type ${wire}`);
  }
}

function parseAttribute(raw: Uint8Array): OnnxAttribute {
  const r = new BufReader(raw);
  const a: OnnxAttribute = { name: '', raw };
  while (!r.done) {
    const h = r.header();
    if (h.field === 1 && h.wire === WIRE_LEN) a.name = r.string();
    else if (h.field === 2 && h.wire === WIRE_FIXED32) {
      a.f = new DataView(r.buf.buffer, r.buf.byteOffset + r.pos).getFloat32(0, true);
      r.pos += 4;
    }
    else if (h.field === 3 && h.wire === WIRE_VARINT) a.i = r.int();
    else if (h.field === 8 && h.wire === WIRE_VARINT) (a.ints ??= []).push(r.int());
    else if (h.field === 8 && h.wire === WIRE_LEN) {
      const p = new BufReader(r.bytes());
      a.ints ??= [];
      while (!p.done) a.ints.push(p.int());
    } else r.skip(h.wire);
  }
  return a;
}

function parseNode(raw: Uint8Array): OnnxNodeProto {
  const r = new BufReader(raw);
  const n: OnnxNodeProto = { op: '', domain: '', name: '', inputs: [], outputs: [], attrs: [], raw };
  while (!r.done) {
    const h = r.header();
    if (h.wire !== WIRE_LEN) {
      r.skip(h.wire);
      continue;
    }
    if (h.field === 1) n.inputs.push(r.string());
    else if (h.field === 2) n.outputs.push(r.string());
    else if (h.field === 3) n.name = r.string();
    else if (h.field === 4) n.op = r.string();
    else if (h.field === 5) n.attrs.push(parseAttribute(r.bytes()));
    else if (h.field === 7) n.domain = r.string();
    else r.skip(h.wire);
  }
  return n;
}

function parseTensor(raw: Uint8Array): OnnxTensorProto {
  const r = new BufReader(raw);
  const t: OnnxTensorProto = { name: '', dims: [], dataType: 0, raw };
  const floats: Uint8Array[] = [];
  const int64s: bigint[] = [];
  const ext: Record<string, string> = {};
  let location = 0;
  while (!r.done) {
    const h = r.header();
    if (h.field === 1 && h.wire === WIRE_VARINT) t.dims.push(r.int());
    else if (h.field === 1 && h.wire === WIRE_LEN) {
      const p = new BufReader(r.bytes());
      while (!p.done) t.dims.push(p.int());
    } else if (h.field === 2 && h.wire === WIRE_VARINT) t.dataType = r.int();
    else if (h.field === 4 && h.wire === WIRE_LEN) floats.push(r.bytes());
    else if (h.field === 4 && h.wire === WIRE_FIXED32) floats.push(r.fixed32());
    else if (h.field === 7 && h.wire === WIRE_LEN) {
      const p = new BufReader(r.bytes());
      while (!p.done) int64s.push(BigInt.asIntN(64, p.varint()));
    } else if (h.field === 7 && h.wire === WIRE_VARINT) int64s.push(BigInt.asIntN(64, r.varint()));
    else if (h.field === 8 && h.wire === WIRE_LEN) t.name = r.string();
    else if (h.field === 9 && h.wire === WIRE_LEN) t.inline = r.bytes();
    else if (h.field === 13 && h.wire === WIRE_LEN) {
      const e = new BufReader(r.bytes());
      let k = '';
      let v = '';
      while (!e.done) {
        const eh = e.header();
        if (eh.field === 1 && eh.wire === WIRE_LEN) k = e.string();
        else if (eh.field === 2 && eh.wire === WIRE_LEN) v = e.string();
        else e.skip(eh.wire);
      }
      ext[k] = v;
    } else if (h.field === 14 && h.wire === WIRE_VARINT) location = r.int();
    else r.skip(h.wire);
  }
  if (location === 1) t.external = { location: ext['location'] ?? '', offset: Number(ext['offset'] ?? 0), length: Number(ext['length'] ?? -1) };
  else if (!t.inline && floats.length) t.inline = Buffer.concat(floats);
  else if (!t.inline && int64s.length) {
    const b = new BigInt64Array(int64s);
    t.inline = new Uint8Array(b.buffer);
  }
  return t;
}

function valueInfoName(raw: Uint8Array): string {
  const r = new BufReader(raw);
  while (!r.done) {
    const h = r.header();
    if (h.field === 1 && h.wire === WIRE_LEN) return r.string();
    r.skip(h.wire);
  }
  return '';
}

export function parseOnnxModel(buf: Uint8Array): OnnxModelProto {
  const r = new BufReader(buf);
  const m: OnnxModelProto = { irVersion: 8, producer: '', doc: '', opsets: [], props: {}, graphName: '', nodes: [], initializers: [], inputs: [], outputs: [], valueInfo: [], inputNames: [], outputNames: [] };
  let graph: Uint8Array | null = null;
  while (!r.done) {
    const h = r.header();
    if (h.field === 1 && h.wire === WIRE_VARINT) m.irVersion = r.int();
    else if (h.field === 2 && h.wire === WIRE_LEN) m.producer = r.string();
    else if (h.field === 6 && h.wire === WIRE_LEN) m.doc = r.string();
    else if (h.field === 7 && h.wire === WIRE_LEN) graph = r.bytes();
    else if (h.field === 8 && h.wire === WIRE_LEN) {
      const o = new BufReader(r.bytes());
      const set = { domain: '', version: 0 };
      while (!o.done) {
        const oh = o.header();
        if (oh.field === 1 && oh.wire === WIRE_LEN) set.domain = o.string();
        else if (oh.field === 2 && oh.wire === WIRE_VARINT) set.version = o.int();
        else o.skip(oh.wire);
      }
      m.opsets.push(set);
    } else if (h.field === 14 && h.wire === WIRE_LEN) {
      const p = new BufReader(r.bytes());
      let k = '';
      let v = '';
      while (!p.done) {
        const ph = p.header();
        if (ph.field === 1 && ph.wire === WIRE_LEN) k = p.string();
        else if (ph.field === 2 && ph.wire === WIRE_LEN) v = p.string();
        else p.skip(ph.wire);
      }
      m.props[k] = v;
    } else r.skip(h.wire);
  }
  if (!graph) throw new ProtoFormatError('the file has no graph (not an ONNX model?)');
  const g = new BufReader(graph);
  while (!g.done) {
    const h = g.header();
    if (h.wire !== WIRE_LEN) {
      g.skip(h.wire);
      continue;
    }
    if (h.field === 1) m.nodes.push(parseNode(g.bytes()));
    else if (h.field === 2) m.graphName = g.string();
    else if (h.field === 5) m.initializers.push(parseTensor(g.bytes()));
    else if (h.field === 11) m.inputs.push(g.bytes());
    else if (h.field === 12) m.outputs.push(g.bytes());
    else if (h.field === 13) m.valueInfo.push(g.bytes());
    else g.skip(h.wire);
  }
  m.inputNames = m.inputs.map(valueInfoName);
  m.outputNames = m.outputs.map(valueInfoName);
  return m;
}

export function readOnnxModel(path: string): OnnxModelProto {
  return parseOnnxModel(readFileSync(path));
}

/** An initializer's bytes, from inline data or the external data file next to the model. */
export function tensorBytes(t: OnnxTensorProto, modelPath: string): Uint8Array {
  if (t.inline) return t.inline;
  if (!t.external) return new Uint8Array(0);
  const file = join(dirname(modelPath), t.external.location);
  const fd = openSyncCached(file);
  const n = t.external.length;
  const out = Buffer.alloc(n);
  let done = 0;
  while (done < n) {
    const k = readSync(fd, out, done, n - done, t.external.offset + done);
    if (k === 0) throw new ProtoFormatError(`${t.name}: external data ends early in ${t.external.location}`);
    done += k;
  }
  return out;
}

const fds = new Map<string, number>();
function openSyncCached(file: string): number {
  let fd = fds.get(file);
  if (fd === undefined) {
    fd = openSync(file, 'r');
    fds.set(file, fd);
  }
  return fd;
}
export function closeTensorFiles(): void {
  for (const fd of fds.values()) closeSync(fd);
  fds.clear();
}

export function tensorFloats(t: OnnxTensorProto, modelPath: string): Float32Array {
  const b = tensorBytes(t, modelPath);
  // copy: the bytes may be unaligned inside the model buffer
  const out = new Float32Array(b.length / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}
