/**
 * A streaming protocol-buffers reader over a file. It never holds more than
 * its window (plus whatever small field the caller asks for), so a 550 MB
 * caffemodel parses in bounded memory: large payloads are handed to a sink
 * chunk by chunk.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from './writer.js';

export class ProtoFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtoFormatError';
  }
}

export interface FieldHeader {
  field: number;
  wire: number;
}

export class ProtoFileReader {
  private readonly fd: number;
  readonly size: number;
  private window: Buffer;
  private windowStart = 0;
  private windowEnd = 0;
  pos = 0;

  constructor(
    path: string,
    private readonly windowSize = 1 << 20,
  ) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
    this.window = Buffer.alloc(windowSize);
  }

  close(): void {
    closeSync(this.fd);
  }

  private fill(at: number): void {
    const n = readSync(this.fd, this.window, 0, this.window.length, at);
    this.windowStart = at;
    this.windowEnd = at + n;
  }

  private byteAt(p: number): number {
    if (p < this.windowStart || p >= this.windowEnd) {
      if (p >= this.size) throw new ProtoFormatError(`unexpected end of file at byte ${p}`);
      this.fill(p);
    }
    return this.window[p - this.windowStart]!;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.byteAt(this.pos++);
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new ProtoFormatError(`malformed varint at byte ${this.pos}`);
  }

  /** A varint that must fit a JS number (lengths, field numbers, dims). */
  uint(): number {
    const v = this.varint();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtoFormatError(`value too large at byte ${this.pos}`);
    return Number(v);
  }

  header(): FieldHeader {
    const key = this.uint();
    return { field: key >>> 3, wire: key & 7 };
  }

  /** Reads `n` bytes into a new buffer (for small fields only). */
  bytes(n: number): Buffer {
    if (this.pos + n > this.size) throw new ProtoFormatError(`field of ${n} bytes runs past the end of the file`);
    const out = Buffer.alloc(n);
    let done = 0;
    while (done < n) {
      const p = this.pos + done;
      if (p < this.windowStart || p >= this.windowEnd) this.fill(p);
      const take = Math.min(n - done, this.windowEnd - p);
      this.window.copy(out, done, p - this.windowStart, p - this.windowStart + take);
      done += take;
    }
    this.pos += n;
    return out;
  }

  string(n: number): string {
    return this.bytes(n).toString('utf8');
  }

  fixed32(): Buffer {
    return this.bytes(4);
  }

  /** Hands `n` bytes to `sink` in window-sized chunks (the chunk is reused: copy it if you keep it). */
  stream(n: number, sink: (chunk: Buffer) => void): void {
    if (this.pos + n > this.size) throw new ProtoFormatError(`field of ${n} bytes runs past the end of the file (truncated download?)`);
    let left = n;
    while (left > 0) {
      if (this.pos < this.windowStart || this.pos >= this.windowEnd) this.fill(this.pos);
      const take = Math.min(left, this.windowEnd - this.pos);
      sink(this.window.subarray(this.pos - this.windowStart, this.pos - this.windowStart + take));
      this.pos += take;
      left -= take;
    }
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.pos += 8;
        return;
      case WIRE_LEN: {
        const n = this.uint();
        if (this.pos + n > this.size) throw new ProtoFormatError(`field of ${n} bytes runs past the end of the file (truncated?)`);
        this.pos += n;
        return;
      }
      case WIRE_FIXED32:
        this.pos += 4;
        return;
      default:
        throw new ProtoFormatError(`unsupported wire type ${wire} at byte ${this.pos} (not a protobuf file?)`);
    }
  }
}

/** Decodes a packed or single varint field payload held in memory. */
export function decodePackedVarints(buf: Uint8Array): bigint[] {
  const out: bigint[] = [];
  let p = 0;
  while (p < buf.length) {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[p++];
      if (b === undefined) throw new ProtoFormatError('truncated packed varint');
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
    }
    out.push(result);
  }
  return out;
}
