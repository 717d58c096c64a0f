/**
 * Path checks for the custom schemes, free of Electron so they can be tested:
 *   app://renderer/<file>        the built renderer (nothing outside its folder)
 *   scenery-media://media/<kind>/<id>   thumbnails and photos, by id only
 */
import { realpathSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { isInside } from '../engine/media/media-files.js';

export const MEDIA_SCHEME = 'scenery-media';

export const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

/** Maps an app:// URL to a file inside `root`, or null when it would leave it. */
export function resolveAppAsset(root: string, requestUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.host !== 'renderer') return null;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0') || /[\\]/.test(path)) return null;
  const rel = normalize(path).replace(/^([/\\])+/, '') || 'index.html';
  const file = join(root, rel);
  const realRoot = realpathSync(root);
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return null;
  }
  if (!isInside(realRoot, real) || real === realRoot) return null;
  return real;
}

export function mimeOf(file: string): string {
  return MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** `scenery-media://media/thumb/12?v=3` → `thumb/12` (the id check happens in parseMediaPath). */
export function mediaPathOf(requestUrl: string): string {
  const url = new URL(requestUrl);
  if (url.host !== 'media') return '';
  return url.pathname;
}
