/** Reads NumPy `.npy` files (format 1.x/2.x, little-endian, C order). */
import { readFileSync } from 'node:fs';

export interface NpyArray {
  dtype: string;
  shape: number[];
  data: Float32Array | Float64Array | Uint8Array | Int32Array | BigInt64Array;
}

export function parseNpy(buf: Buffer, what = 'array'): NpyArray {
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${what} is not a NumPy .npy file`);
  const major = buf[6]!;
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new Error(`${what}: unreadable .npy header`);
  if (fortran === 'True') throw new Error(`${what}: Fortran-order arrays are not supported`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const body = buf.subarray(start + headerLen);
  const copy = (bytesPer: number): ArrayBuffer => {
    if (body.length < count * bytesPer) throw new Error(`${what}: file is truncated (${body.length} bytes for ${count} values)`);
    return body.buffer.slice(body.byteOffset, body.byteOffset + count * bytesPer) as ArrayBuffer;
  };
  let data: NpyArray['data'];
  switch (descr) {
    case '<f4': data = new Float32Array(copy(4)); break;
    case '<f8': data = new Float64Array(copy(8)); break;
    case '|u1': case '<u1': data = new Uint8Array(copy(1)); break;
    case '<i4': data = new Int32Array(copy(4)); break;
    case '<i8': data = new BigInt64Array(copy(8)); break;
    default: throw new Error(`${what}: unsupported dtype ${descr}`);
  }
  return { dtype: descr, shape, data };
}

export function readNpy(path: string): NpyArray {
  return parseNpy(readFileSync(path), path);
}
