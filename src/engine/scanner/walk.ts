/**
 * Streams the photo entries below a folder, depth first, without following
 * symbolic links to folders (no loops, nothing outside the chosen folder).
 * Every entry with a photo's name goes through admit.ts, the same rule the
 * live watcher applies: photos, and refused entries (pipes, devices, links
 * outside the watched folders) with the reason. Unreadable subfolders are
 * reported and skipped, never fatal.
 */
import { opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { admitFile, type Admission } from './admit.js';
import { isIgnoredDir, isPhotoName } from './file-types.js';

export type Admitted = Exclude<Admission, { kind: 'ignored' }>;

export async function* walkPhotos(root: string, roots: readonly string[], onError: (dir: string, e: Error) => void = () => {}): AsyncGenerator<Admitted> {
  const stack: string[] = [''];
  while (stack.length) {
    const rel = stack.pop()!;
    let dir;
    try {
      dir = await opendir(join(root, rel));
    } catch (e) {
      if (rel === '') throw e;
      onError(rel, e as Error);
      continue;
    }
    for await (const entry of dir) {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!isIgnoredDir(entry.name)) stack.push(childRel);
      } else if (isPhotoName(entry.name)) {
        const a = await admitFile(root, childRel, roots);
        if (a.kind !== 'ignored') yield a;
      }
    }
  }
}
