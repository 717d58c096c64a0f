/**
 * Resolving a media request (thumbnail, photo as shown, or the original
 * file as a download; by id only) to a file on disk. Used by the browser server and by the desktop app's custom protocol.
 * The id is the only input; the resulting path is re-checked: its real path
 * (symlinks resolved) must lie inside the real path of a watched folder, or
 * inside the library's own cache.
 */
import { realpathSync } from 'node:fs';
import { sep } from 'node:path';
import type { Library } from '../library.js';

/**
 * `image`: what the viewer shows (the file itself when the browser can show it, else a JPEG preview);
 * `original`: always the file itself, byte for byte, as a download (HEIC, TIFF, files over 40 MB included).
 */
export type MediaKind = 'thumb' | 'image' | 'original';

export class MediaError extends Error {
  constructor(
    readonly status: 403 | 404 | 415 | 500,
    message: string,
  ) {
    super(message);
    this.name = 'MediaError';
  }
}

/** True if `child` is `parent` or below it (both already real, absolute paths). */
export function isInside(parent: string, child: string): boolean {
  const p = parent.endsWith(sep) ? parent : parent + sep;
  return child === parent || child.startsWith(p);
}

/** Parses `thumb/123`, `image/123` or `original/123` (a URL path after the scheme or /media/); anything else is refused. */
export function parseMediaPath(path: string): { kind: MediaKind; id: number } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw new MediaError(403, 'malformed media path');
  }
  const m = /^\/*(thumb|image|original)\/([1-9][0-9]{0,15})\/?$/.exec(decoded);
  if (!m) throw new MediaError(403, 'media is requested by id only');
  return { kind: m[1] as MediaKind, id: Number(m[2]) };
}

const TYPES: Record<string, string> = { webp: 'image/webp', jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif' };
const ORIGINAL_TYPES: Record<string, string> = { ...TYPES, jpe: 'image/jpeg', tif: 'image/tiff', tiff: 'image/tiff', avif: 'image/avif', heic: 'image/heic', heif: 'image/heif' };

/**
 * A Content-Disposition that saves under the photo's own name: an ASCII
 * fallback (quotes, backslashes and control characters replaced) and the
 * exact name in RFC 5987 form, so `Été à Paris.HEIC` downloads as itself.
 */
export function attachmentHeader(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

export async function resolveMedia(lib: Library, kind: MediaKind, id: number): Promise<{ path: string; contentType: string; download?: string }> {
  const f = lib.folders.photoFile(id);
  if (!f) throw new MediaError(404, `no photo with id ${id}`);
  let folderReal: string;
  let fileReal: string;
  try {
    folderReal = realpathSync(f.folder);
    fileReal = realpathSync(f.path);
  } catch {
    throw new MediaError(404, 'the photo file is not available (moved, deleted or on a disconnected drive)');
  }
  // The scanner's rule for links (scanner/admit.ts): a photo may be a link into any watched folder, never out of them.
  if (!isInside(folderReal, fileReal) && !insideSomeWatchedFolder(lib, fileReal)) throw new MediaError(403, 'the photo resolves outside the watched folders');
  if (kind === 'original') {
    const ext = f.row.name.split('.').pop()?.toLowerCase() ?? '';
    return { path: fileReal, contentType: ORIGINAL_TYPES[ext] ?? 'application/octet-stream', download: f.row.name };
  }
  const key = f.row.hash;
  if (kind === 'thumb') {
    if (!key || !lib.thumbs.hasThumb(key)) throw new MediaError(404, 'no thumbnail yet');
    return { path: checkedCache(lib, lib.thumbs.thumbPath(key)), contentType: 'image/webp' };
  }
  if (!key) throw new MediaError(404, 'the photo has not been read yet');
  const ext = f.row.name.split('.').pop()?.toLowerCase() ?? '';
  // Browsers show JPEG/PNG/WebP/GIF themselves (and apply EXIF orientation); others get a rendered preview.
  if (TYPES[ext] && f.row.size < 40 * 1024 * 1024) return { path: fileReal, contentType: TYPES[ext]! };
  try {
    return { path: checkedCache(lib, await lib.thumbs.ensurePreview(key, fileReal)), contentType: 'image/jpeg' };
  } catch (e) {
    throw new MediaError(415, `cannot render this photo: ${(e as Error).message}`);
  }
}

function insideSomeWatchedFolder(lib: Library, real: string): boolean {
  return lib.catalog.folders().some((f) => {
    try {
      return isInside(realpathSync(f.path), real);
    } catch {
      return false; // offline
    }
  });
}

function checkedCache(lib: Library, path: string): string {
  const real = realpathSync(path);
  if (!isInside(realpathSync(lib.dir), real)) throw new MediaError(403, 'cache file outside the library');
  return real;
}
