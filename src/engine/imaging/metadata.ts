/**
 * EXIF/XMP facts a photo app shows: when, with what, where. Read with exifr
 * from the bytes already in memory; a damaged EXIF block never fails the
 * photo, it only leaves these fields empty.
 */
import exifr from 'exifr';

export interface PhotoFacts {
  takenAt: string | null;
  takenTs: number | null;
  camera: string | null;
  gpsLat: number | null;
  gpsLon: number | null;
}

const EMPTY: PhotoFacts = { takenAt: null, takenTs: null, camera: null, gpsLat: null, gpsLon: null };

/** EXIF `2008:05:30 15:56:01` (+ optional offset) or XMP `2013-09-23T10:09:46+02:00` → ISO 8601. */
export function exifDateToIso(value: unknown, offset?: unknown): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value !== 'string') return null;
  const m = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?/.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, zone] = m;
  if (y === '0000' || mo === '00' || d === '00') return null;
  const z = zone ?? (typeof offset === 'string' && /^[+-]\d{2}:\d{2}$/.test(offset.trim()) ? offset.trim() : '');
  const tz = z && z !== 'Z' && !z.includes(':') ? `${z.slice(0, 3)}:${z.slice(3)}` : z;
  return `${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${tz}`;
}

/** Sort key in ms: the wall-clock time as if UTC when no zone is recorded (EXIF usually has none). */
export function isoToTs(iso: string | null): number | null {
  if (!iso) return null;
  const t = Date.parse(/[zZ]|[+-]\d{2}:\d{2}$/.test(iso) ? iso : `${iso}Z`);
  return Number.isNaN(t) ? null : t;
}

function clean(s: unknown): string | null {
  if (typeof s !== 'string') return null;
  const t = s.replace(/\0/g, '').trim();
  return t.length ? t : null;
}

export function cameraName(make: unknown, model: unknown): string | null {
  const mk = clean(make);
  const md = clean(model);
  if (mk && md) return md.toLowerCase().startsWith(mk.split(' ')[0]!.toLowerCase()) ? md : `${mk} ${md}`;
  return md ?? mk;
}

export async function readPhotoFacts(buf: Buffer): Promise<PhotoFacts> {
  let tags: Record<string, unknown> | undefined;
  try {
    tags = (await exifr.parse(buf, {
      tiff: true,
      exif: true,
      gps: true,
      xmp: true,
      icc: false,
      iptc: false,
      jfif: false,
      ihdr: false,
      reviveValues: false,
      translateValues: false,
      mergeOutput: true,
    })) as Record<string, unknown> | undefined;
  } catch {
    return EMPTY;
  }
  if (!tags) return EMPTY;
  const takenAt =
    exifDateToIso(tags['DateTimeOriginal'], tags['OffsetTimeOriginal']) ??
    exifDateToIso(tags['CreateDate'], tags['OffsetTimeDigitized']) ??
    exifDateToIso(tags['DateCreated']) ??
    exifDateToIso(tags['ModifyDate'], tags['OffsetTime']);
  return { takenAt, takenTs: isoToTs(takenAt), camera: cameraName(tags['Make'], tags['Model']), ...(await exifrGps(buf)) };
}

/** The GPS position exifr reads from the bytes; null for none, an unreadable one, or the 0,0 some cameras write. */
export async function exifrGps(buf: Buffer): Promise<{ gpsLat: number | null; gpsLon: number | null }> {
  try {
    const gps = await exifr.gps(buf);
    if (gps && Number.isFinite(gps.latitude) && Number.isFinite(gps.longitude) && !(gps.latitude === 0 && gps.longitude === 0)) {
      return { gpsLat: gps.latitude, gpsLon: gps.longitude };
    }
  } catch {
    // no usable GPS
  }
  return { gpsLat: null, gpsLon: null };
}
