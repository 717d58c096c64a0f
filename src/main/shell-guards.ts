/**
 * What the desktop shell lets leave the app: navigations, links opened in
 * the system browser, and photo paths handed to the OS (open with the
 * default app, show in the file manager). Every check compares parsed URLs
 * and real paths, never string prefixes: `http://localhost:5173.evil.example`
 * starts with the dev server's URL, `github.com/CSAILVision/../evil` with an
 * allowed path, and a `photo.jpg` symlink can point anywhere. Electron-free,
 * so it is tested directly (main-guards.test.ts).
 */
import { realpathSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { isInside } from '../engine/media/media-files.js';
import { isPhotoName } from '../engine/scanner/file-types.js';
import { ContractError } from '../shared/contract.js';
import { APP_ORIGIN } from './ipc-guard.js';

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** app://renderer/… (app: is not a special scheme, so URL.origin is "null" and is not compared). */
export function isAppUrl(url: string): boolean {
  const u = parse(url);
  const app = new URL(APP_ORIGIN);
  return !!u && u.protocol === app.protocol && u.host === app.host && !u.username && !u.password;
}

/** Our own pages, or (in development) the dev server's origin exactly. */
export function isAllowedNavigation(url: string, devServerUrl: string | null): boolean {
  if (isAppUrl(url)) return true;
  if (!devServerUrl) return false;
  const u = parse(url);
  const dev = parse(devServerUrl);
  return !!u && !!dev && dev.origin !== 'null' && u.origin === dev.origin && !u.username && !u.password;
}

/** The Places project's pages, which the UI links to. */
const EXTERNAL: readonly { host: string; path: string }[] = [
  { host: 'places2.csail.mit.edu', path: '/' },
  { host: 'github.com', path: '/CSAILVision/' },
];

/**
 * The normalised URL to open in the system browser, or null when the link
 * is not on the allowlist. The URL parser resolves `..` and `%2e%2e`
 * segments first, so the path compared is the one the browser will fetch.
 */
export function allowedExternalLink(url: string): string | null {
  const u = parse(url);
  if (!u || u.protocol !== 'https:' || u.username || u.password || u.port) return null;
  const ok = EXTERNAL.some((e) => u.hostname === e.host && u.pathname.startsWith(e.path));
  return ok ? u.href : null;
}

/**
 * A catalogued photo's path as it may be handed to the OS: resolved through
 * symlinks, a regular file with a photo's extension, inside the real path
 * of a watched folder (the same rule media requests follow). The real path
 * is returned, so the shell never follows a link itself: a `photo.jpg`
 * pointing at a script or a `.desktop` file is never opened.
 */
export function shellPhotoPath(path: string, watchedFolders: readonly string[]): string {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw new ContractError('not_found', 'the photo file is not available (moved, deleted or on a disconnected drive)');
  }
  const roots = watchedFolders.flatMap((f) => {
    try {
      return [realpathSync(f)];
    } catch {
      return [];
    }
  });
  if (!roots.some((r) => isInside(r, real) && r !== real)) throw new ContractError('invalid_request', 'the photo resolves outside the watched folders; it is not opened');
  if (!statSync(real).isFile() || !isPhotoName(basename(real))) throw new ContractError('invalid_request', 'the photo resolves to something that is not a photo file; it is not opened');
  return real;
}
