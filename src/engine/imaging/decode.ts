/**
 * Decoding photos. Every photo is read from disk once and decoded once: the
 * oriented full-size pixels feed both the thumbnail and the model input.
 * HEIC/HEIF (HEVC) is not in sharp's prebuilt libvips, so it is decoded with
 * libheif compiled to WebAssembly (heic-decode) instead.
 */
import { extname } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import heicDecode from 'heic-decode';
import { DecodeError } from './decode-error.js';
import { readPhotoFile } from './photo-file.js';

export { DecodeError } from './decode-error.js';
export { MAX_PHOTO_BYTES, readPhotoFile } from './photo-file.js';

/** Refuse decompression bombs: 16k x 16k is far beyond any camera. */
export const MAX_INPUT_PIXELS = 268_402_689;

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

export interface OrientedPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  /** The photo's displayed size (after orientation), which `width`/`height` are when not decoded smaller. */
  fullWidth: number;
  fullHeight: number;
}

/**
 * Large JPEGs are decoded at 1/2, 1/4 or 1/8 scale by libjpeg's DCT scaling,
 * keeping the short side at least this many pixels: three times the 256 px the
 * model input is resized to, and more than any thumbnail needs. It makes a
 * 12 MP decode several times cheaper (see `npm run bench`); the model input
 * then comes from a bilinear reduce of at least 3x, where the difference from
 * a full-resolution reduce is small (measured in decode.test.ts).
 * Set 0 to always decode at full resolution.
 */
export const MIN_DECODED_SIDE = 768;

export function dctShrinkFactor(width: number, height: number, minSide = MIN_DECODED_SIDE): number {
  if (minSide <= 0) return 1;
  let k = 1;
  while (k < 8 && Math.min(width, height) / (k * 2) >= minSide) k *= 2;
  return k;
}

/** Decodes to raw, EXIF-oriented pixels (once). */
export async function decodeOriented(buf: Buffer, name: string, options: { minSide?: number } = {}): Promise<OrientedPixels> {
  if (isHeif(buf)) {
    try {
      const img = await heicDecode({ buffer: buf });
      if (img.width * img.height > MAX_INPUT_PIXELS) throw new DecodeError(`${name} is too large`, 'too_large');
      return { data: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), width: img.width, height: img.height, channels: 4, fullWidth: img.width, fullHeight: img.height };
    } catch (e) {
      if (e instanceof DecodeError) throw e;
      throw new DecodeError(`${name}: this HEIC/HEIF file could not be decoded (${(e as Error).message ?? e})`, 'corrupt');
    }
  }
  let shrink = 1;
  let full: { w: number; h: number } | null = null;
  try {
    const meta = await sharp(buf).metadata();
    if (meta.width && meta.height) {
      const swap = (meta.orientation ?? 1) >= 5;
      full = swap ? { w: meta.height, h: meta.width } : { w: meta.width, h: meta.height };
      if (meta.format === 'jpeg' && meta.width * meta.height <= MAX_INPUT_PIXELS) shrink = dctShrinkFactor(full.w, full.h, options.minSide);
    }
  } catch {
    // unreadable header: the decode below reports it
  }
  const decode = async (lenient: boolean): Promise<OrientedPixels> => {
    let img = sharp(buf, {
      limitInputPixels: MAX_INPUT_PIXELS,
      // A truncated file (still being written, or a broken copy) must fail, not come out half grey.
      failOn: lenient ? 'none' : 'truncated',
      // libjpeg turns a storm of "corrupt data" warnings into an error; cameras write such files and PIL reads them.
      unlimited: lenient,
      animated: false,
    }).rotate();
    if (shrink > 1 && full) {
      // Exactly the DCT scale: libjpeg does the work, the residual resize is a no-op.
      img = img.resize(Math.ceil(full.w / shrink), Math.ceil(full.h / shrink), { fit: 'fill', kernel: 'nearest', fastShrinkOnLoad: true });
    }
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    return {
      data,
      width: info.width,
      height: info.height,
      channels: info.channels as OrientedPixels['channels'],
      fullWidth: full?.w ?? info.width,
      fullHeight: full?.h ?? info.height,
    };
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

/** One image, oriented, ready for further sharp operations (CLI use; `fullResolution` for conformance). */
export async function openImage(path: string, options: { fullResolution?: boolean } = {}): Promise<Sharp> {
  const buf = await readPhotoFile(path);
  return fromPixels(await decodeOriented(buf, extname(path) ? path.split(/[\\/]/).pop()! : path, { minSide: options.fullResolution ? 0 : undefined }));
}
