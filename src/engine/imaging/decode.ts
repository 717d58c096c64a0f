/**
 * Decoding photos. Every photo is read from disk once and decoded once: the
 * oriented pixels feed both the thumbnail and the model input. A large image
 * is decoded at reduced size, within a memory budget shared by all decodes
 * (see "What one decode is allowed to cost" below).
 * HEIC/HEIF (HEVC) is not in sharp's prebuilt libvips, so it is decoded with
 * libheif compiled to WebAssembly (heic-decode) instead.
 */
import { extname } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import heicDecode from 'heic-decode';
import { DecodeError } from './decode-error.js';
import { readPhotoFile } from './photo-file.js';
import { isRawName } from '../scanner/file-types.js';

export { DecodeError } from './decode-error.js';
export { MAX_PHOTO_BYTES, readPhotoFile } from './photo-file.js';

/**
 * libvips' operation cache keeps a finished decoder alive, and with it memory
 * libvips does not count against the cache's limit (a progressive JPEG's
 * coefficient buffer, a GIF frame: ~800 MB each for 16000x16000; measured,
 * RSS grew 870 -> 1610 -> 2330 MB over three sequential decodes). The engine
 * decodes each file once, so the cache saves nothing: off.
 */
sharp.cache(false);

/** Refuse decompression bombs: 16k x 16k is far beyond any camera. */
export const MAX_INPUT_PIXELS = 268_402_689;

const HEIF_BRANDS = ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'];

export function isHeif(buf: Uint8Array): boolean {
  if (buf.length < 12) return false;
  const box = Buffer.from(buf.buffer, buf.byteOffset, 12).toString('latin1');
  return box.slice(4, 8) === 'ftyp' && HEIF_BRANDS.includes(box.slice(8, 12));
}

/**
 * The camera RAW formats recognisable from their first bytes (the TIFF-based ones that carry no mark of their own,
 * NEF, ARW, PEF, DNG, are not). A RAW renamed to a picture's extension is then refused as what it is, not called
 * "damaged" (a person might delete a good RAW for that).
 */
export function rawSignature(buf: Uint8Array): { format: string; ext: string } | null {
  const ascii = (at: number, s: string): boolean => buf.length >= at + s.length && Buffer.from(buf.subarray(at, at + s.length)).toString('latin1') === s;
  if (ascii(0, 'II*\0') && ascii(8, 'CR\x02')) return { format: 'Canon CR2', ext: 'cr2' };
  if (ascii(4, 'ftypcrx')) return { format: 'Canon CR3', ext: 'cr3' };
  if (ascii(0, 'II') && ascii(6, 'HEAPCCDR')) return { format: 'Canon CRW', ext: 'crw' };
  if (ascii(0, 'FUJIFILMCCD-RAW')) return { format: 'Fujifilm RAF', ext: 'raf' };
  if (ascii(0, 'IIRO') || ascii(0, 'IIRS') || ascii(0, 'MMOR')) return { format: 'Olympus ORF', ext: 'orf' };
  if (ascii(0, 'IIU\0')) return { format: 'Panasonic RW2', ext: 'rw2' };
  return null;
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
 * keeping the short side at least this many pixels: 2.5 times the 256 px the
 * model input is resized to, and more than any thumbnail needs. A 12 MP photo
 * (4000x3000) is decoded at 1/4, 1000x750: 28 instead of 57 ms of CPU at 1/2
 * (768 px, the earlier value) and 100 ms in full. The model input then comes from a bilinear reduce of at least
 * 2.5x. Against a full-resolution decode, on the real SqueezeNet-Places365, 12 MP versions of the 16 test
 * photos and the 4 camera photos with a short side of 1280 px or more: the same top-1 on all 20; at 12 MP mean KL
 * 0.0014 and max |Δp| 0.033 (768 px: 0.0005 and 0.020), a fifth of int8's KL (decode.test.ts, README "Measured").
 * Set 0 to always decode at full resolution.
 */
export const MIN_DECODED_SIDE = 640;

export function dctShrinkFactor(width: number, height: number, minSide = MIN_DECODED_SIDE, minLongSide = 0): number {
  if (minSide <= 0) return 1;
  let k = 1;
  while (k < 8 && Math.min(width, height) / (k * 2) >= minSide && Math.max(width, height) / (k * 2) >= minLongSide) k *= 2;
  return k;
}

export interface DecodeOptions {
  /** Keep the short side at least this long (default MIN_DECODED_SIDE); 0 decodes at full resolution. */
  minSide?: number;
  /** Keep the long side at least this long too (the photo view's preview wants 2048 px). */
  minLongSide?: number;
  /**
   * The EXIF orientation (1-8) to apply instead of the image's own: a RAW's embedded preview is turned as
   * the RAW's own EXIF says (imaging/raw-preview.ts), whatever the preview carries (often nothing).
   */
  orientation?: number;
}

/**
 * What one decode is allowed to cost. Big non-JPEG images used to be decoded
 * at full size: a 746 KB 16000x16000 PNG became a 768 MB raw buffer (~790 MB
 * RSS), two at once 1.6-1.8 GB. The model only sees a 256x256 resize and a
 * thumbnail is 400 px, so a large image is reduced WHILE it is decoded:
 *  - JPEG: libjpeg's DCT scaling (dctShrinkFactor above);
 *  - any other format: an integer box shrink in the same libvips pipeline, keeping the short
 *    side at least `minSide` (640) px, as for JPEG. libvips streams a sequential decode
 *    through the shrink, so the full-size image never exists in memory (measured: 16000x16000
 *    PNG ~90 MB per decode instead of ~790 MB);
 *  - whatever the format, at most MAX_DECODED_PIXELS come out (a 200000x1300 strip has a
 *    short side under 1536 px, yet 260 MP).
 * Some decoders cannot stream and hold the whole image whatever the output size: GIF
 * (an RGBA frame), interlaced PNG (all rows), progressive JPEG (2 bytes per DCT coefficient),
 * HEIF/AVIF, unknown formats. Every decode takes what it will hold (DecodePlan.cost; for a
 * streamed one its output plus a small allowance) from DECODE_MEMORY_BUDGET, shared by all
 * decodes in the process, and waits until it fits: two such images decode one after the
 * other, never together. A decode that would need more than the whole budget is refused
 * (too_large) before the decoder runs. 512 MiB admits any camera's file (a 100 MP
 * progressive JPEG holds 300 MB, a 48 MP HEIC ~290 MB) and refuses the 16000x16000 bombs
 * that must be held whole (GIF 1 GB, progressive JPEG or interlaced PNG 768 MB).
 * On top of the engine's own memory (the model, ~0.6-1 GB) decoding thus adds at most about
 * 0.5 GB. Measured peaks of a process decoding two files at once (decode-memory.test.ts):
 * 16000x16000 PNG 1,620 -> 290 MB; 12000x12000 interlaced PNG 1,345 -> 595 MB, progressive
 * JPEG 970 -> 550 MB; 16000x16000 GIF 3,500 -> refused, lossless WebP 3,870 -> 350 MB.
 * `minSide: 0` (full resolution, for model conformance checks) holds its full-size output
 * and is charged for it.
 */
export const MAX_DECODED_PIXELS = 40_000_000;
export const DECODE_MEMORY_BUDGET = 512 * 1024 * 1024;
/** What a streamed decode is charged besides its output (libvips' line buffers; not what the budget is for). */
const STREAMED_WORKING_BYTES = 16 * 1024 * 1024;

/** Callers of decodeOriented are granted memory first come, first served (a big decode is not starved by small ones). */
export class MemoryBudget {
  private used = 0;
  private readonly waiting: { bytes: number; grant: () => void }[] = [];
  constructor(readonly capacity: number) {}

  get inUse(): number {
    return this.used;
  }

  /** Waits until `bytes` (at most the whole budget) fit, and returns the release function. */
  async acquire(bytes: number): Promise<() => void> {
    const b = Math.min(Math.max(0, bytes), this.capacity);
    if (this.waiting.length || this.used + b > this.capacity) await new Promise<void>((grant) => this.waiting.push({ bytes: b, grant }));
    else this.used += b;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= b;
      this.drain();
    };
  }

  private drain(): void {
    while (this.waiting.length && this.used + this.waiting[0]!.bytes <= this.capacity) {
      const next = this.waiting.shift()!;
      this.used += next.bytes;
      next.grant();
    }
  }
}

const budget = new MemoryBudget(DECODE_MEMORY_BUDGET);

/** The process-wide decode budget (tests). */
export function decodeBudget(): MemoryBudget {
  return budget;
}

export interface HeaderFacts {
  format: string | undefined;
  width: number;
  height: number;
  channels?: number | undefined;
  orientation?: number | undefined;
  isProgressive?: boolean | undefined;
  depth?: string | undefined;
  chromaSubsampling?: string | undefined;
}

export interface DecodePlan {
  /** Displayed (oriented) size of the photo. */
  full: { w: number; h: number };
  /** Size to decode to (oriented), or null for full size. */
  target: { w: number; h: number } | null;
  /** The target is exactly libjpeg's DCT scale (nothing left to resample). */
  exactDct: boolean;
  /** The decoder holds the whole image, whatever the target. */
  buffered: boolean;
  /** Bytes the decode holds at its peak: taken from the decode budget. */
  cost: number;
  /** The format, in words ("interlaced PNG"), for messages. */
  kind: string;
}

/** Bytes per pixel a decoder that cannot stream holds for the whole image. */
function heldBytesPerPixel(h: HeaderFacts, sampleBytes: number): number {
  const channels = h.channels ?? 4;
  if (h.format === 'jpeg') {
    // libjpeg's whole-image coefficient arrays: 2 bytes per sample of every component.
    const chroma = /^4:2:0/.test(h.chromaSubsampling ?? '') ? 0.25 : /^4:2:2/.test(h.chromaSubsampling ?? '') ? 0.5 : 1;
    return 2 * (channels >= 3 ? 1 + (channels - 1) * chroma : channels);
  }
  if (h.format === 'png') return channels * sampleBytes;
  // libheif's planes plus the RGBA copy handed back (heic-decode).
  if (h.format === 'heif') return 6 * sampleBytes;
  return 4 * sampleBytes; // GIF's RGBA frame, and anything unknown
}

const STREAMING_FORMATS = new Set(['jpeg', 'png', 'webp', 'tiff']);

export function planDecode(h: HeaderFacts, options: DecodeOptions = {}): DecodePlan {
  const minSide = options.minSide ?? MIN_DECODED_SIDE;
  const minLongSide = options.minLongSide ?? 0;
  const swap = (h.orientation ?? 1) >= 5;
  const full = swap ? { w: h.height, h: h.width } : { w: h.width, h: h.height };
  const pixels = full.w * full.h;
  const sampleBytes = h.depth === 'ushort' ? 2 : h.depth === 'float' ? 4 : 1;
  const bytesPerPixel = (h.channels ?? 4) * sampleBytes;
  const buffered = !STREAMING_FORMATS.has(h.format ?? '') || h.isProgressive === true;
  let k = 1;
  let exactDct = false;
  if (minSide > 0) {
    if (h.format === 'jpeg') {
      k = dctShrinkFactor(full.w, full.h, minSide, minLongSide);
      exactDct = k > 1;
    } else k = Math.max(1, Math.floor(Math.min(Math.min(full.w, full.h) / minSide, minLongSide > 0 ? Math.max(full.w, full.h) / minLongSide : Infinity)));
    if (pixels / (k * k) > MAX_DECODED_PIXELS) {
      k = Math.ceil(Math.sqrt(pixels / MAX_DECODED_PIXELS));
      exactDct = false;
    }
  }
  const target = k > 1 ? { w: Math.ceil(full.w / k), h: Math.ceil(full.h / k) } : null;
  const out = (target ? target.w * target.h : pixels) * bytesPerPixel;
  const cost = (buffered ? Math.max(out, pixels * heldBytesPerPixel(h, sampleBytes)) : out) + (buffered ? 0 : STREAMED_WORKING_BYTES);
  const format = h.format === 'heif' ? 'HEIF' : (h.format ?? 'image').toUpperCase();
  const kind = h.isProgressive ? (h.format === 'png' ? `interlaced ${format}` : `progressive ${format}`) : format;
  return { full, target, exactDct, buffered, cost, kind };
}

/** Decodes to raw, EXIF-oriented pixels (once), no larger than the plan above allows. */
export async function decodeOriented(buf: Buffer, name: string, options: DecodeOptions = {}): Promise<OrientedPixels> {
  let plan: DecodePlan | null = null;
  try {
    const meta = await sharp(buf).metadata();
    if (meta.width && meta.height) plan = planDecode({ ...meta, width: meta.width, height: meta.height, orientation: options.orientation ?? meta.orientation }, options);
  } catch {
    // unreadable header: the decode below reports it
  }
  if (plan && plan.full.w * plan.full.h > MAX_INPUT_PIXELS) {
    throw new DecodeError(`${name} is larger than ${MAX_INPUT_PIXELS.toLocaleString('en')} pixels (refused as a possible decompression bomb)`, 'too_large');
  }
  if (plan && plan.cost > DECODE_MEMORY_BUDGET) {
    const mb = (n: number) => Math.round(n / (1024 * 1024)).toLocaleString('en');
    throw new DecodeError(
      `${name} would need ${mb(plan.cost)} MB of memory to decode (a ${plan.full.w}x${plan.full.h} ${plan.kind} is decoded whole); Scenery decodes at most ${mb(DECODE_MEMORY_BUDGET)} MB at a time`,
      'too_large',
    );
  }
  // No header: the decoder fails at once (or it is a HEIF that only heic-decode reads, and may be big).
  const release = await budget.acquire(plan?.cost ?? DECODE_MEMORY_BUDGET);
  try {
    return isHeif(buf) ? await decodeHeif(buf, name, plan) : await decodeWithSharp(buf, name, plan, options.orientation);
  } finally {
    release();
  }
}

async function decodeHeif(buf: Buffer, name: string, plan: DecodePlan | null): Promise<OrientedPixels> {
  let img: { width: number; height: number; data: Uint8ClampedArray | Uint8Array };
  try {
    img = await heicDecode({ buffer: buf });
  } catch (e) {
    throw new DecodeError(`${name}: this HEIC/HEIF file could not be decoded (${(e as Error).message ?? e})`, 'corrupt');
  }
  if (img.width * img.height > MAX_INPUT_PIXELS) throw new DecodeError(`${name} is too large`, 'too_large');
  const data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  const full = { data, width: img.width, height: img.height, channels: 4 as const, fullWidth: img.width, fullHeight: img.height };
  const t = plan?.target;
  if (!t || plan.full.w !== img.width || plan.full.h !== img.height) return full;
  // libheif applies the orientation itself; keep only the reduced copy.
  const small = await fromPixels(full).resize(t.w, t.h, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  return { data: small.data, width: small.info.width, height: small.info.height, channels: 4, fullWidth: img.width, fullHeight: img.height };
}

/** Turns `img` as EXIF orientation `o` says (sharp mirrors before it rotates, whatever the call order). */
export function orient(img: Sharp, o: number): Sharp {
  switch (o) {
    case 2:
      return img.flop();
    case 3:
      return img.rotate(180);
    case 4:
      return img.flip();
    case 5:
      return img.rotate(90).flip();
    case 6:
      return img.rotate(90);
    case 7:
      return img.rotate(90).flop();
    case 8:
      return img.rotate(270);
    default:
      return img;
  }
}

async function decodeWithSharp(buf: Buffer, name: string, plan: DecodePlan | null, orientation?: number): Promise<OrientedPixels> {
  const decode = async (lenient: boolean): Promise<OrientedPixels> => {
    const input = sharp(buf, {
      limitInputPixels: MAX_INPUT_PIXELS,
      // Streams the decode through the shrink below: the full-size image is never held.
      sequentialRead: true,
      // A truncated file (still being written, or a broken copy) must fail, not come out half grey.
      failOn: lenient ? 'none' : 'truncated',
      // libjpeg turns a storm of "corrupt data" warnings into an error; cameras write such files and PIL reads them.
      unlimited: lenient,
      animated: false,
    });
    let img = orientation === undefined ? input.rotate() : orient(input, orientation);
    const t = plan?.target;
    if (t) {
      img = plan.exactDct
        ? // Exactly the DCT scale: libjpeg does the work, the residual resize is a no-op.
          img.resize(t.w, t.h, { fit: 'fill', kernel: 'nearest', fastShrinkOnLoad: true })
        : // An integer box shrink (plus, for JPEG, what DCT scaling leaves), streamed with the decode.
          img.resize(t.w, t.h, { fit: 'fill', fastShrinkOnLoad: true });
    }
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    return {
      data,
      width: info.width,
      height: info.height,
      channels: info.channels as OrientedPixels['channels'],
      fullWidth: plan?.full.w ?? info.width,
      fullHeight: plan?.full.h ?? info.height,
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
    const raw = rawSignature(buf);
    if (raw) throw new DecodeError(`${name} is not a photo of its kind but a camera RAW file (${raw.format}): give it its own extension (.${raw.ext}) and Scenery reads its embedded preview`, 'unsupported');
    throw explainSharpError(e, name);
  }
}

export function fromPixels(p: OrientedPixels): Sharp {
  return sharp(p.data, { raw: { width: p.width, height: p.height, channels: p.channels }, limitInputPixels: MAX_INPUT_PIXELS });
}

/** One image, oriented, ready for further sharp operations (CLI use; `fullResolution` for conformance). */
export async function openImage(path: string, options: { fullResolution?: boolean } = {}): Promise<Sharp> {
  const name = extname(path) ? path.split(/[\\/]/).pop()! : path;
  const decode = { minSide: options.fullResolution ? 0 : undefined };
  if (isRawName(name)) {
    // Its embedded preview (raw-preview.ts imports this module, hence imported when needed).
    const { decodeRawPreview } = await import('./raw-preview.js');
    return fromPixels((await decodeRawPreview(path, name, decode)).pixels);
  }
  return fromPixels(await decodeOriented(await readPhotoFile(path), name, decode));
}
