/**
 * The external-data file of a converted model: every tensor stored raw
 * (little-endian float32, ONNX layout) at a 64 KiB-aligned offset, so that
 * onnxruntime can memory-map it instead of copying it into one big buffer.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export const TENSOR_ALIGNMENT = 64 * 1024;

export interface StoredTensor {
  name: string;
  dims: number[];
  offset: number;
  length: number;
}

export class WeightFileWriter {
  private readonly fd: number;
  private pos = 0;
  private current: { name: string; offset: number } | null = null;
  readonly tensors: StoredTensor[] = [];
  private readonly zeros = Buffer.alloc(TENSOR_ALIGNMENT);

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  begin(name: string): void {
    if (this.current) throw new Error(`tensor ${this.current.name} was not finished`);
    const pad = (TENSOR_ALIGNMENT - (this.pos % TENSOR_ALIGNMENT)) % TENSOR_ALIGNMENT;
    if (pad) this.writeRaw(this.zeros.subarray(0, pad));
    this.current = { name, offset: this.pos };
  }

  write(chunk: Uint8Array): void {
    if (!this.current) throw new Error('write outside a tensor');
    this.writeRaw(chunk);
  }

  end(dims: number[]): StoredTensor {
    if (!this.current) throw new Error('end outside a tensor');
    const t = { name: this.current.name, dims, offset: this.current.offset, length: this.pos - this.current.offset };
    const expected = dims.reduce((a, b) => a * b, 1) * 4;
    if (expected !== t.length) throw new Error(`${t.name}: ${t.length} bytes written for shape (${dims.join(', ')}), expected ${expected}`);
    this.tensors.push(t);
    this.current = null;
    return t;
  }

  /** Writes a whole tensor at once. */
  put(name: string, dims: number[], data: Float32Array): StoredTensor {
    this.begin(name);
    this.write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return this.end(dims);
  }

  /** Writes a whole tensor of any element type (int8 weights, scales). */
  putBytes(name: string, dims: number[], data: Uint8Array, bytesPerElement: number): StoredTensor {
    this.begin(name);
    this.write(data);
    const t = { name, dims, offset: this.current!.offset, length: this.pos - this.current!.offset };
    const expected = dims.reduce((a, b) => a * b, 1) * bytesPerElement;
    if (expected !== t.length) throw new Error(`${name}: ${t.length} bytes written for shape (${dims.join(', ')}), expected ${expected}`);
    this.tensors.push(t);
    this.current = null;
    return t;
  }

  private writeRaw(chunk: Uint8Array): void {
    let off = 0;
    while (off < chunk.length) off += writeSync(this.fd, chunk, off, chunk.length - off);
    this.pos += chunk.length;
  }

  close(): void {
    closeSync(this.fd);
  }
}
