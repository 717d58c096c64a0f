/**
 * Streams the photos below a folder, depth first, without following
 * symbolic links (no loops, nothing outside the chosen folder).
 * Unreadable subfolders are reported and skipped, never fatal.
 */
import { opendir, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { isIgnoredDir, isPhotoName } from './file-types.js';
import type { FileFacts } from '../catalog/catalog.js';

export async function* walkPhotos(root: string, onError: (dir: string, e: Error) => void = () => {}): AsyncGenerator<FileFacts> {
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
      } else if (entry.isFile() && isPhotoName(entry.name)) {
        try {
          const st = await lstat(join(root, childRel));
          yield { relPath: childRel, name: entry.name, size: st.size, mtimeMs: st.mtimeMs };
        } catch {
          // vanished between listing and stat: the watcher will see it go
        }
      }
    }
  }
}
