/**
 * Streams the photo entries below a folder, depth first, without following
 * symbolic links to folders (no loops, nothing outside the chosen folder).
 * Every entry with a photo's name goes through admit.ts, the same rule the
 * live watcher applies: photos, and refused entries (pipes, devices, links
 * outside the watched folders) with the reason. Unreadable subfolders are
 * reported and skipped, never fatal.
 *
 * Names are read as bytes: a name that is not valid UTF-8 (Linux allows any
 * byte but / and NUL) cannot be stored in the catalog or opened again from
 * its decoded text, and a path beyond the system's limit (PATH_MAX, 4096
 * bytes on Linux) cannot be opened at all; both used to vanish without a
 * word. They are reported (`onSkip`) so the folder can say so.
 */
import { opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { admitFile, type Admission } from './admit.js';
import { isIgnoredDir, isPhotoName } from './file-types.js';

export type Admitted = Exclude<Admission, { kind: 'ignored' }>;

export type SkipKind = 'invalid-name' | 'path-too-long' | 'unreadable';

export interface Skipped {
  /** `/`-separated below the root; invalid bytes shown as \xNN. */
  relPath: string;
  kind: SkipKind;
  /** A folder (whose photos could not be listed) rather than a photo. */
  folder: boolean;
  message?: string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The name as text, or null when its bytes are not valid UTF-8. */
function utf8Name(bytes: Buffer): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/** A readable rendering of a name that is not valid UTF-8: valid runs as text, other bytes as \xNN. */
export function showBytes(bytes: Buffer): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    let done = false;
    for (let n = Math.min(4, bytes.length - i); n >= 1 && !done; n--) {
      const s = utf8Name(bytes.subarray(i, i + n));
      if (s !== null) {
        out += s;
        i += n;
        done = true;
      }
    }
    if (!done) out += `\\x${bytes[i++]!.toString(16).padStart(2, '0')}`;
  }
  return out;
}

function skipKind(e: unknown): SkipKind {
  return (e as NodeJS.ErrnoException).code === 'ENAMETOOLONG' ? 'path-too-long' : 'unreadable';
}

export async function* walkPhotos(root: string, roots: () => Promise<readonly string[]>, onSkip: (s: Skipped) => void = () => {}): AsyncGenerator<Admitted> {
  const stack: string[] = [''];
  while (stack.length) {
    const rel = stack.pop()!;
    let dir;
    try {
      // Names as bytes (Node supports it; its types list only text encodings here).
      dir = await opendir(join(root, rel), { encoding: 'buffer' } as unknown as Parameters<typeof opendir>[1]);
    } catch (e) {
      if (rel === '') throw e;
      onSkip({ relPath: rel, kind: skipKind(e), folder: true, message: (e as Error).message });
      continue;
    }
    for await (const entry of dir) {
      const bytes = entry.name as unknown as Buffer;
      const name = utf8Name(bytes);
      const isDir = entry.isDirectory();
      if (name === null) {
        const shown = showBytes(bytes);
        // Only photos (and folders, which may hold some) are worth a word; other files are not Scenery's.
        if ((isDir && !isIgnoredDir(shown)) || (entry.isFile() && isPhotoName(shown))) {
          onSkip({ relPath: rel ? `${rel}/${shown}` : shown, kind: 'invalid-name', folder: isDir });
        }
        continue;
      }
      const childRel = rel ? `${rel}/${name}` : name;
      if (isDir) {
        if (!isIgnoredDir(name)) stack.push(childRel);
      } else if (isPhotoName(name)) {
        let a: Admission;
        try {
          a = await admitFile(root, childRel, roots);
        } catch (e) {
          // (vanished between listing and admission is 'ignored': the watcher will see it go)
          if ((e as NodeJS.ErrnoException).code === 'ENAMETOOLONG') onSkip({ relPath: childRel, kind: 'path-too-long', folder: false });
          continue;
        }
        if (a.kind !== 'ignored') yield a;
      }
    }
  }
}

/**
 * The folder's notice about what the walk could not read, e.g. "3 photos could not be read: 2 names are not
 * valid UTF-8 (a\xff.jpg, …); 1 path is longer than the system allows (…)". Null when nothing was skipped.
 */
export function skippedNotice(skipped: Skipped[]): string | null {
  if (!skipped.length) return null;
  const parts: string[] = [];
  const list = (xs: Skipped[]): string => {
    const shown = xs.slice(0, 3).map((x) => shorten(x.folder ? `${x.relPath}/` : x.relPath));
    return `${shown.join(', ')}${xs.length > 3 ? `, and ${xs.length - 3} more` : ''}`;
  };
  const count = (xs: Skipped[], what: string): string => {
    const files = xs.filter((x) => !x.folder).length;
    const folders = xs.length - files;
    return [files ? `${files} photo${files === 1 ? '' : 's'}` : '', folders ? `${folders} folder${folders === 1 ? '' : 's'}` : ''].filter(Boolean).join(' and ') + ` ${what}`;
  };
  const bad = skipped.filter((s) => s.kind === 'invalid-name');
  const long = skipped.filter((s) => s.kind === 'path-too-long');
  const other = skipped.filter((s) => s.kind === 'unreadable');
  if (bad.length) parts.push(`${count(bad, 'with a name that is not valid UTF-8')} (${list(bad)}): rename them to include them`);
  if (long.length) parts.push(`${count(long, 'with a path longer than the system allows')} (${list(long)}): move them higher up to include them`);
  if (other.length) parts.push(`${count(other, 'that could not be opened')} (${list(other)}${other[0]!.message ? `: ${other[0]!.message}` : ''})`);
  return `Some files could not be read: ${parts.join('; ')}.`;
}

/** A path short enough to read in a notice: its start and its end. */
function shorten(path: string, max = 100): string {
  return path.length <= max ? path : `${path.slice(0, 40)}…${path.slice(-(max - 41))}`;
}
