/**
 * What Scenery reads from a photo's metadata, through ExifTool (the shared
 * pool, exiftool.ts): date taken with its time-zone offset, camera, GPS,
 * orientation and the keywords other apps wrote, from every place a camera or
 * an app puts them: EXIF, XMP, IPTC, QuickTime/HEIF, WebP's EXIF chunk, maker
 * notes (a trail camera keeps its date only there), and XMP sidecars
 * (`IMG_1.xmp` as Lightroom and Capture One name them, `IMG_1.JPG.xmp` as
 * darktable and digiKam do).
 *
 * Cost: an ExifTool read is a few ms of Perl in another process per file (README, Measured), against a fraction
 * of a ms for exifr on the bytes already in memory. So a JPEG whose EXIF alone says all there is (a date taken in
 * the EXIF block, no XMP, no IPTC, no Windows keywords; the usual camera or phone JPEG) is read by exifr, which
 * then gives exactly what ExifTool would (tested on every file of shared/data/exif); anything else goes to
 * ExifTool, and so do sidecars. exifr is also the fallback when ExifTool cannot run at all (no Perl).
 */
import exifr from 'exifr';
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { exiftool } from './exiftool.js';
export { isSidecarName } from '../scanner/file-types.js';
import { cameraName, exifDateToIso, isoToTs, readPhotoFacts, type PhotoFacts } from '../imaging/metadata.js';

export interface FileMetadata extends PhotoFacts {
  /** EXIF orientation 1–8 (null when absent or invalid, e.g. 0: shown as stored). */
  orientation: number | null;
  /** Every keyword found in the file and its sidecars, first spelling kept, in the order found. */
  keywords: string[];
}

type Raw = Record<string, unknown>;

/**
 * The tags asked for: `-time:all` covers every date group (EXIF, XMP, IPTC, QuickTime, maker notes). `-n`: numbers
 * as numbers (orientation 6, signed GPS degrees); StructFormat=JSONQ quotes every value, so a keyword `1.50` or
 * `007` stays as written instead of becoming the JSON number 1.5 or 7.
 */
const READ_ARGS = [
  '-fast',
  '-G1',
  '-n',
  '-api',
  'StructFormat=JSONQ',
  '-time:all',
  '-Make',
  '-Model',
  '-GPSLatitude',
  '-GPSLongitude',
  '-Orientation',
  '-XMP-dc:Subject',
  '-XMP-lr:HierarchicalSubject',
  '-IPTC:Keywords',
  '-XPKeywords',
  '-XMP-digiKam:TagsList',
];

/** The two sidecar names a photo may have, as found on disk (`IMG_1.xmp`/`.XMP`, `IMG_1.JPG.xmp`/`.XMP`). */
export function sidecarCandidates(photoPath: string): string[] {
  const dir = dirname(photoPath);
  const name = basename(photoPath);
  const base = name.slice(0, name.length - extname(name).length);
  const out: string[] = [];
  for (const stem of [base, name]) for (const ext of ['.xmp', '.XMP']) out.push(join(dir, stem + ext));
  return out;
}

function str(v: unknown): string | null {
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') return null;
  const t = v.replace(/\0/g, '').trim();
  return t.length ? t : null;
}

function list(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(list);
  const s = str(v);
  return s ? [s] : [];
}

/** The first of `keys` present, by group:name. */
function first(raw: Raw, keys: readonly string[]): unknown {
  for (const k of keys) if (raw[k] !== undefined && raw[k] !== '') return raw[k];
  return undefined;
}

/** Values of tag `name` in any group not in `skip`. */
function anyGroup(raw: Raw, name: string, skip: readonly string[] = []): unknown[] {
  const out: unknown[] = [];
  for (const [k, v] of Object.entries(raw)) {
    const colon = k.indexOf(':');
    if (colon < 0 || k.slice(colon + 1) !== name) continue;
    if (skip.includes(k.slice(0, colon))) continue;
    out.push(v);
  }
  return out;
}

const NOT_TAKEN = ['System', 'File', 'Composite', 'MWG', 'ICC-header', 'XMP-xmpMM'];

/** Date taken, in order of trust: when the shutter fired, then when it was digitised, then last modified. */
export function takenFrom(raw: Raw): string | null {
  const iptc = (date: unknown, time: unknown): string | null => {
    const d = str(date);
    const t = str(time);
    return d ? exifDateToIso(`${d} ${t ?? '00:00:00'}`) : null;
  };
  const quickTimeUtc = (v: unknown): string | null => {
    // QuickTime's CreateDate is UTC by its spec (ExifTool shows it as stored).
    const iso = exifDateToIso(v);
    return iso && !/[zZ]|[+-]\d{2}:\d{2}$/.test(iso) ? `${iso}Z` : iso;
  };
  const candidates: (() => string | null)[] = [
    () => exifDateToIso(raw['ExifIFD:DateTimeOriginal'], raw['ExifIFD:OffsetTimeOriginal']),
    () => exifDateToIso(first(raw, ['XMP-exif:DateTimeOriginal', 'XMP-photoshop:DateCreated'])),
    () => iptc(raw['IPTC:DateCreated'], raw['IPTC:TimeCreated']),
    () => exifDateToIso(first(raw, ['Keys:CreationDate', 'UserData:DateTimeOriginal', 'QuickTime:CreationDate'])),
    // Maker notes (a trail camera's Reconyx:DateTimeOriginal), or any other group's original date.
    () => anyGroup(raw, 'DateTimeOriginal', [...NOT_TAKEN, 'ExifIFD']).map((v) => exifDateToIso(v)).find((d) => d !== null) ?? null,
    () => exifDateToIso(raw['ExifIFD:CreateDate'], raw['ExifIFD:OffsetTimeDigitized']),
    () => exifDateToIso(raw['XMP-xmp:CreateDate']),
    () => iptc(raw['IPTC:DigitalCreationDate'], raw['IPTC:DigitalCreationTime']),
    () => quickTimeUtc(raw['QuickTime:CreateDate']),
    () => exifDateToIso(raw['IFD0:ModifyDate'], raw['ExifIFD:OffsetTime']),
    () => exifDateToIso(raw['XMP-xmp:ModifyDate']),
  ];
  for (const c of candidates) {
    const d = c();
    if (d) return d;
  }
  return null;
}

function orientationFrom(raw: Raw): number | null {
  const v = first(raw, ['IFD0:Orientation', 'XMP-tiff:Orientation']) ?? anyGroup(raw, 'Orientation', ['MWG', 'Composite'])[0];
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isInteger(n) && n >= 1 && n <= 8 ? n : null;
}

function gpsFrom(raw: Raw): { gpsLat: number | null; gpsLon: number | null } {
  // Composite: signed from the GPS IFD's value and its N/S, E/W reference; XMP's are signed already.
  const lat = Number(first(raw, ['Composite:GPSLatitude', 'XMP-exif:GPSLatitude']));
  const lon = Number(first(raw, ['Composite:GPSLongitude', 'XMP-exif:GPSLongitude']));
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || (lat === 0 && lon === 0) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return { gpsLat: null, gpsLon: null };
  return { gpsLat: lat, gpsLon: lon };
}

/** Keywords from every place apps write them; Windows' XPKeywords is one `;`-separated string. */
export function keywordsFrom(raw: Raw): string[] {
  const found = [
    ...list(raw['XMP-dc:Subject']),
    ...list(raw['XMP-lr:HierarchicalSubject']),
    ...list(raw['IPTC:Keywords']),
    ...list(raw['IFD0:XPKeywords']).flatMap((s) => s.split(';')),
    ...list(raw['XMP-digiKam:TagsList']),
  ];
  return mergeKeywords(found);
}

/** Keywords without blanks and duplicates (case-insensitive), first spelling kept. */
export function mergeKeywords(...lists: string[][]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const k of lists.flat()) {
    const t = k.trim();
    const key = t.toLowerCase();
    if (!t || seen.has(key)) continue;
    seen.add(key);
    out.push(t);
  }
  return out;
}

function factsFrom(raw: Raw): FileMetadata {
  const takenAt = takenFrom(raw);
  return {
    takenAt,
    takenTs: isoToTs(takenAt),
    camera: cameraName(first(raw, ['IFD0:Make']) ?? anyGroup(raw, 'Make')[0], first(raw, ['IFD0:Model']) ?? anyGroup(raw, 'Model')[0]),
    ...gpsFrom(raw),
    orientation: orientationFrom(raw),
    keywords: keywordsFrom(raw),
  };
}

/** ExifTool's tags of one file (group:name, numeric values). Rejects when ExifTool cannot run or read it. */
export async function readRawTags(path: string): Promise<Raw> {
  return (await exiftool().readRaw(path, { readArgs: READ_ARGS, useMWG: false })) as unknown as Raw;
}

/** The sidecars of a photo that exist now. */
export function existingSidecars(photoPath: string): string[] {
  const seen = new Set<string>();
  return sidecarCandidates(photoPath).filter((p) => {
    if (!existsSync(p)) return false;
    // On a case-insensitive disk `.xmp` and `.XMP` are the same file.
    const key = p.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Keywords of the photo's sidecars (a damaged sidecar counts as none). */
export async function sidecarKeywords(photoPath: string): Promise<{ keywords: string[]; facts: FileMetadata[] }> {
  const facts: FileMetadata[] = [];
  for (const s of existingSidecars(photoPath)) {
    try {
      facts.push(factsFrom(await readRawTags(s)));
    } catch {
      // unreadable sidecar: its keywords are not known
    }
  }
  return { keywords: mergeKeywords(...facts.map((f) => f.keywords)), facts };
}

/** Segments of a JPEG's EXIF that ExifTool would read the same way; any other (XMP namespaces, IPTC…) sends it to ExifTool. */
const PLAIN_EXIF = new Set(['ifd0', 'ifd1', 'exif', 'gps', 'interop', 'thumbnail']);

/**
 * The fast path: a JPEG's facts from exifr when its EXIF holds all there is to know (see the header), else null.
 * Never throws.
 */
export async function plainExifFacts(buf: Buffer): Promise<FileMetadata | null> {
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) return null;
  let t: Record<string, Record<string, unknown> | undefined> | undefined;
  try {
    t = (await exifr.parse(buf, {
      tiff: true,
      ifd0: true,
      exif: true,
      gps: true,
      xmp: true,
      iptc: true,
      icc: false,
      jfif: false,
      ihdr: false,
      makerNote: false,
      userComment: false,
      reviveValues: false,
      translateValues: false,
      mergeOutput: false,
    } as never)) as typeof t;
  } catch {
    return null;
  }
  if (!t || Object.keys(t).some((k) => !PLAIN_EXIF.has(k))) return null;
  const ifd0 = t['ifd0'] ?? {};
  const exif = t['exif'] ?? {};
  if (ifd0['XPKeywords'] !== undefined) return null;
  const takenAt = exifDateToIso(exif['DateTimeOriginal'], exif['OffsetTimeOriginal']);
  if (!takenAt) return null;
  let gpsLat: number | null = null;
  let gpsLon: number | null = null;
  if (t['gps']) {
    try {
      const gps = await exifr.gps(buf);
      if (gps && Number.isFinite(gps.latitude) && Number.isFinite(gps.longitude) && !(gps.latitude === 0 && gps.longitude === 0)) {
        gpsLat = gps.latitude;
        gpsLon = gps.longitude;
      }
    } catch {
      // no usable GPS
    }
  }
  const o = Number(ifd0['Orientation']);
  return {
    takenAt,
    takenTs: isoToTs(takenAt),
    camera: cameraName(ifd0['Make'], ifd0['Model']),
    gpsLat,
    gpsLon,
    orientation: Number.isInteger(o) && o >= 1 && o <= 8 ? o : null,
    keywords: [],
  };
}

/** The file's own metadata read by ExifTool (no fast path, no sidecars). Rejects when ExifTool cannot run or read it. */
export async function readWithExiftool(path: string): Promise<FileMetadata> {
  return factsFrom(await readRawTags(path));
}

let warnedFallback = false;

/**
 * The photo's metadata from the file at `path` and its sidecars; `buf` (the bytes already read) is parsed with
 * exifr instead when ExifTool cannot run. Never throws: damaged metadata leaves fields empty.
 */
export async function readFileMetadata(path: string, buf?: Buffer): Promise<FileMetadata> {
  let own: FileMetadata;
  try {
    own = (buf && (await plainExifFacts(buf))) || (await readWithExiftool(path));
  } catch (e) {
    // A file ExifTool cannot parse is read by exifr quietly; ExifTool that cannot start at all (no Perl) is said once.
    const message = (e as Error).message ?? String(e);
    if (!warnedFallback && /ENOENT|EACCES|spawn|perl|exiftool/i.test(message)) {
      warnedFallback = true;
      console.warn(`scenery: ExifTool could not run (${message.split('\n')[0]}); reading EXIF/XMP with exifr instead (no maker notes, WebP or keywords)`);
    }
    own = { ...(buf ? await readPhotoFacts(buf) : { takenAt: null, takenTs: null, camera: null, gpsLat: null, gpsLon: null }), orientation: null, keywords: [] };
  }
  const side = await sidecarKeywords(path);
  if (!side.facts.length) return own;
  // A sidecar's date (Lightroom keeps one for a RAW) fills in only what the file lacks.
  const dated = side.facts.find((f) => f.takenAt !== null);
  return {
    ...own,
    takenAt: own.takenAt ?? dated?.takenAt ?? null,
    takenTs: own.takenAt ? own.takenTs : (dated?.takenTs ?? null),
    keywords: mergeKeywords(own.keywords, side.keywords),
  };
}

/** Only the keywords of a photo and its sidecars (after a sidecar changed); null when the photo cannot be read. */
export async function readKeywords(path: string): Promise<string[] | null> {
  try {
    const own = keywordsFrom(await readRawTags(path));
    return mergeKeywords(own, (await sidecarKeywords(path)).keywords);
  } catch {
    return null;
  }
}
