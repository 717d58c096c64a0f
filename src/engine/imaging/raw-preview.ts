/**
 * RAW photos (CR2, CR3, NEF, ARW, DNG...) are shown and classified through the
 * JPEG preview the camera embeds in them, not by developing the sensor data:
 * a preview is what the camera itself shows, it decodes in milliseconds, and it
 * is all a 256 px model input or a 2048 px viewer needs. ExifTool (the engine's
 * one pool, metadata/exiftool.ts) knows where every maker hides its previews
 * (JpgFromRaw, PreviewImage, OtherImage, ThumbnailImage, in IFDs, maker notes or
 * QuickTime boxes), so it lists them and extracts them; sharp decodes them.
 *  - The largest preview that really decodes wins: a pointer past the end of a
 *    truncated file, or bytes that are not a JPEG, fall back to the next one.
 *  - A preview larger than MAX_RAW_PREVIEW_BYTES is not extracted (memory).
 *  - The preview is turned as the RAW's own EXIF orientation says (previews
 *    usually carry none), and the date taken, camera and GPS come from the RAW.
 * A RAW without a readable preview fails with a reason that says so ('raw_preview').
 */
import { exiftool } from '../metadata/exiftool.js';
import { isRawName } from '../scanner/file-types.js';
import { DecodeError } from './decode-error.js';
import { decodeOriented, readPhotoFile, type DecodeOptions, type OrientedPixels } from './decode.js';
import { cameraName, exifDateToIso, isoToTs, type PhotoFacts } from './metadata.js';

/** The largest embedded preview extracted (a full-size JpgFromRaw of a 100 MP camera is ~30 MB). */
export const MAX_RAW_PREVIEW_BYTES = 64 * 1024 * 1024;

/** The embedded images a RAW may hold, by ExifTool tag name. */
const PREVIEW_TAGS = ['JpgFromRaw', 'PreviewImage', 'OtherImage', 'ThumbnailImage'] as const;

export interface PreviewCandidate {
  /** ExifTool tag with its family-1 group (`IFD0:PreviewImage`): a RAW may have several of one name. */
  tag: string;
  bytes: number;
}

export interface RawInfo {
  /** EXIF orientation 1-8 of the RAW (1 when it records none). */
  orientation: number;
  facts: PhotoFacts;
  /** Embedded images, largest first. */
  previews: PreviewCandidate[];
}

/** What ExifTool calls formats that are pictures but not camera RAWs (a JPEG renamed .CR2 shows its EXIF thumbnail otherwise). */
const NOT_RAW = new Set(['JPEG', 'PNG', 'GIF', 'WEBP', 'HEIC', 'HEIF', 'AVIF', 'TIFF', 'BMP', 'JXL', 'JP2', 'PSD', 'PDF', 'MP4', 'MOV']);

const BINARY = /^\(Binary data (\d+) bytes/;

/**
 * The size of an embedded image as a listing reports it: `(Binary data 53978 bytes, ...)`. ExifTool's CanonRaw
 * module (CRW) answers with the bytes themselves once any -b extraction ran in the same ExifTool process (a
 * pooled process runs them all), so those count too, by their length.
 */
function embeddedSize(v: unknown): number | null {
  if (typeof v !== 'string' || v.length === 0) return null;
  const m = BINARY.exec(v);
  if (m) return Number(m[1]);
  if (v.startsWith('base64:')) return Math.floor(((v.length - 7) * 3) / 4);
  return Buffer.byteLength(v, 'latin1');
}

function first(tags: Record<string, unknown>, name: string, prefer: readonly string[] = []): unknown {
  for (const g of prefer) if (tags[`${g}:${name}`] !== undefined) return tags[`${g}:${name}`];
  for (const [k, v] of Object.entries(tags)) if (k.endsWith(`:${name}`) && v !== undefined && v !== '') return v;
  return undefined;
}

/** What ExifTool says about a RAW: its previews, orientation and the facts a photo shows. */
export async function readRawInfo(path: string, name: string): Promise<RawInfo> {
  let tags: Record<string, unknown>;
  try {
    tags = (await exiftool().readRaw(path, {
      readArgs: [
        '-G1',
        '-a',
        '-n',
        ...PREVIEW_TAGS.map((t) => `-${t}`),
        '-FileType',
        '-Orientation',
        '-DateTimeOriginal',
        '-CreateDate',
        '-OffsetTimeOriginal',
        '-OffsetTimeDigitized',
        '-Make',
        '-Model',
        '-GPSLatitude',
        '-GPSLongitude',
        '-Error',
      ],
    })) as Record<string, unknown>;
  } catch (e) {
    throw new DecodeError(`${name}: ExifTool could not read this RAW file (${(e as Error).message ?? e})`, 'unsupported');
  }
  const error = first(tags, 'Error');
  const fileType = first(tags, 'FileType');
  if (typeof error === 'string' || typeof fileType !== 'string') {
    throw new DecodeError(`${name} is not a RAW photo ExifTool recognises${typeof error === 'string' ? ` (${error})` : ''}`, 'unsupported');
  }
  if (NOT_RAW.has(fileType)) {
    throw new DecodeError(`${name} is a ${fileType} file, not a camera RAW: give it its own extension (.${fileType.toLowerCase()})`, 'unsupported');
  }
  const previews: PreviewCandidate[] = [];
  for (const [k, v] of Object.entries(tags)) {
    const tag = k.slice(k.indexOf(':') + 1);
    const bytes = embeddedSize(v);
    if (bytes !== null && (PREVIEW_TAGS as readonly string[]).includes(tag)) previews.push({ tag: k, bytes });
  }
  previews.sort((a, b) => b.bytes - a.bytes);
  const o = Number(first(tags, 'Orientation', ['IFD0', 'ExifIFD']));
  const takenAt =
    exifDateToIso(first(tags, 'DateTimeOriginal', ['ExifIFD', 'IFD0']), first(tags, 'OffsetTimeOriginal')) ??
    exifDateToIso(first(tags, 'CreateDate', ['ExifIFD', 'IFD0']), first(tags, 'OffsetTimeDigitized'));
  const lat = Number(first(tags, 'GPSLatitude', ['Composite']));
  const lon = Number(first(tags, 'GPSLongitude', ['Composite']));
  const hasGps = Number.isFinite(lat) && Number.isFinite(lon) && first(tags, 'GPSLatitude') !== undefined && !(lat === 0 && lon === 0);
  return {
    orientation: Number.isInteger(o) && o >= 1 && o <= 8 ? o : 1,
    facts: {
      takenAt,
      takenTs: isoToTs(takenAt),
      camera: cameraName(first(tags, 'Make', ['IFD0']), first(tags, 'Model', ['IFD0'])),
      gpsLat: hasGps ? lat : null,
      gpsLon: hasGps ? lon : null,
    },
    previews,
  };
}

/**
 * The bytes of one embedded image. Not exiftool-vendored's extractBinaryTagToBuffer: it looks the answer up by
 * the bare tag name, so it cannot extract `IFD1:ThumbnailImage` when `IFD0:PreviewImage` is the broken one.
 */
export async function extractEmbedded(path: string, tag: string): Promise<Buffer> {
  const out = (await exiftool().readRaw(path, { readArgs: ['-G1', '-a', '-b', `-${tag}`] })) as Record<string, unknown>;
  const v = out[tag];
  if (typeof v !== 'string' || !v.startsWith('base64:')) throw new Error('not extracted (the pointer leads nowhere)');
  return Buffer.from(v.slice('base64:'.length), 'base64');
}

export interface RawDecode {
  pixels: OrientedPixels;
  facts: PhotoFacts;
  /** The preview that was used (`IFD0:PreviewImage`). */
  tag: string;
}

/**
 * Decodes the largest readable embedded preview of the RAW at `path`, oriented as the RAW says.
 * Throws a DecodeError that names every preview tried and why it was not used.
 */
export async function decodeRawPreview(path: string, name: string, options: DecodeOptions = {}, maxPreviewBytes = MAX_RAW_PREVIEW_BYTES): Promise<RawDecode> {
  const info = await readRawInfo(path, name);
  const why: string[] = [];
  const mb = (n: number) => (n >= 1048576 ? `${Math.round(n / 1048576)} MB` : `${Math.round(n / 1024)} KB`);
  for (const p of info.previews) {
    if (p.bytes > maxPreviewBytes) {
      why.push(`${p.tag}: ${mb(p.bytes)}, over the ${mb(maxPreviewBytes)} limit`);
      continue;
    }
    let jpeg: Buffer;
    try {
      jpeg = await extractEmbedded(path, p.tag);
    } catch (e) {
      why.push(`${p.tag}: ${(e as Error).message ?? e}`);
      continue;
    }
    if (jpeg.length === 0 || jpeg.length > maxPreviewBytes) {
      why.push(`${p.tag}: ${jpeg.length} bytes extracted`);
      continue;
    }
    try {
      const pixels = await decodeOriented(jpeg, `${name} (${p.tag})`, { ...options, orientation: info.orientation });
      return { pixels, facts: info.facts, tag: p.tag };
    } catch (e) {
      // Too large to decode is not a broken pointer: a smaller preview may still do.
      why.push(`${p.tag}: ${e instanceof DecodeError ? e.message.replace(`${name} (${p.tag}) `, '') : (e as Error).message}`);
    }
  }
  throw new DecodeError(
    info.previews.length
      ? `${name}: none of the RAW file's embedded previews could be read (${why.join('; ')})`
      : `${name}: this RAW file has no embedded preview image (Scenery shows RAW photos through the JPEG preview the camera stores in them)`,
    'raw_preview',
  );
}

/** Decodes any photo file: a RAW through its embedded preview, anything else as itself. */
export async function decodePhotoFile(path: string, name: string, options: DecodeOptions = {}): Promise<OrientedPixels> {
  if (isRawName(name)) return (await decodeRawPreview(path, name, options)).pixels;
  return decodeOriented(await readPhotoFile(path), name, options);
}
