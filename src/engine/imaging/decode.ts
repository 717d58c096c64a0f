/**
 * Decoding photos. Every photo is read from disk once and decoded once: the
 * oriented full-size pixels feed both the thumbnail and the model input.
 * HEIC/HEIF (HEVC) is not in sharp's prebuilt libvips, so it is decoded with
 * libheif compiled to WebAssembly (heic-decode) instead.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import heicDecode from 'heic-decode';

/** Refuse decompression bombs: 16k x 16k is far beyond any camera. */
export const MAX_INPUT_PIXELS = 268_402_689;

export class DecodeError extends Error {
  constructor(
    message: string,
    readonly kind: 'empty' | 'corrupt' | 'unsupported' | 'too_large' | 'unreadable' | 'vanished',
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}

const HEIF_BRANDS = ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'];

export function isHeif(buf: Uint8Array): boolean {
  if (buf.length < 12) return false;
  const box = Buffer.from(buf.buffer, buf.byteOffset, 12).toString('latin1');
  return box.slice(4, 8) === 'ftyp' && HEIF_BRANDS.includes(box.slice(8, 12));
}

export function explainSharpError(e: unknown, name: string): DecodeError {
  const msg = (e as Error).message ?? String(e);
  if (/pixel limit/i.test(msg)) return new DecodeError(`${name} is larger than ${MAX_INPUT_PIXELS.toLocaleString('en')} pixels (refused as a possible decompression bomb)`, 'too_large');
  if (/unsupported image format/i.test(msg)) return new DecodeError(`${name} is not an image Scenery can read (unknown format)`, 'unsupported');
  if (/premature end|truncated|unexpected end|corrupt|invalid|bad|not a|missing/i.test(msg)) return new DecodeError(`${name} is damaged or incomplete: ${msg.split('\n')[0]}`, 'corrupt');
  return new DecodeError(`${name} could not be decoded: ${msg.split('\n')[0]}`, 'corrupt');
}

/** Reads a file, mapping filesystem failures to clear DecodeErrors. */
export async function readPhotoFile(path: string): Promise<Buffer> {
  try {
    const buf = await readFile(path);
    if (buf.length === 0) throw new DecodeError('the file is empty (0 bytes)', 'empty');
    return buf;
  } catch (e) {
    if (e instanceof DecodeError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DecodeError('the file disappeared before it could be read', 'vanished');
    if (code === 'EACCES' || code === 'EPERM') throw new DecodeError('permission denied: Scenery cannot read this file', 'unreadable');
    if (code === 'EISDIR') throw new DecodeError('this is a folder, not a photo', 'unsupported');
    throw new DecodeError(`cannot read the file: ${code ?? (e as Error).message}`, 'unreadable');
  }
}

export interface OrientedPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

/** Decodes to raw, EXIF-oriented pixels (once). */
export async function decodeOriented(buf: Buffer, name: string): Promise<OrientedPixels> {
  if (isHeif(buf)) {
    try {
      const img = await heicDecode({ buffer: buf });
      if (img.width * img.height > MAX_INPUT_PIXELS) throw new DecodeError(`${name} is too large`, 'too_large');
      return { data: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), width: img.width, height: img.height, channels: 4 };
    } catch (e) {
      if (e instanceof DecodeError) throw e;
      throw new DecodeError(`${name}: this HEIC/HEIF file could not be decoded (${(e as Error).message ?? e})`, 'corrupt');
    }
  }
  const decode = async (lenient: boolean): Promise<OrientedPixels> => {
    const { data, info } = await sharp(buf, {
      limitInputPixels: MAX_INPUT_PIXELS,
      // A truncated file (still being written, or a broken copy) must fail, not come out half grey.
      failOn: lenient ? 'none' : 'truncated',
      // libjpeg turns a storm of "corrupt data" warnings into an error; cameras write such files and PIL reads them.
      unlimited: lenient,
      animated: false,
    })
      .rotate()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: info.channels as OrientedPixels['channels'] };
  };
  try {
    return await decode(false);
  } catch (e) {
    const msg = (e as Error).message ?? '';
    if (/Corrupt JPEG data/.test(msg) && !/premature end of JPEG image|corrupt header/i.test(msg)) {
      try {
        return await decode(true);
      } catch {
        // fall through to the first error
      }
    }
    throw explainSharpError(e, name);
  }
}

export function fromPixels(p: OrientedPixels): Sharp {
  return sharp(p.data, { raw: { width: p.width, height: p.height, channels: p.channels }, limitInputPixels: MAX_INPUT_PIXELS });
}

/** One image, oriented, ready for further sharp operations (CLI use). */
export async function openImage(path: string): Promise<Sharp> {
  const buf = await readPhotoFile(path);
  return fromPixels(await decodeOriented(buf, extname(path) ? path.split(/[\\/]/).pop()! : path));
}
