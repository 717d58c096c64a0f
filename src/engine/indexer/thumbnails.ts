/**
 * Thumbnail and preview cache, keyed by content hash: a moved photo keeps
 * its thumbnail, and identical copies share one.
 *   <library>/thumbs/ab/<hash>.webp     grid thumbnails, 400 px on the long edge
 *   <library>/previews/ab/<hash>.jpg    the photo view, 2048 px, made on demand
 */
import { existsSync, mkdirSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fromPixels, type OrientedPixels } from '../imaging/decode.js';
import { decodePhotoFile } from '../imaging/raw-preview.js';

export const THUMB_SIZE = 400;
/**
 * libwebp's effort 2 instead of the default 4: a 400 px thumbnail costs 17 instead of 25 ms of CPU (the largest
 * share of a photo's indexing after the decode) and comes out 3 % larger (17.9 against 17.4 KB; README, Measured).
 */
export const THUMB_WEBP_EFFORT = 2;
export const PREVIEW_SIZE = 2048;

export class ThumbnailStore {
  constructor(readonly libraryDir: string) {}

  thumbPath(key: string): string {
    return join(this.libraryDir, 'thumbs', key.slice(0, 2), `${key}.webp`);
  }

  previewPath(key: string): string {
    return join(this.libraryDir, 'previews', key.slice(0, 2), `${key}.jpg`);
  }

  hasThumb(key: string): boolean {
    return existsSync(this.thumbPath(key));
  }

  async writeThumb(key: string, pixels: OrientedPixels): Promise<void> {
    const buf = await fromPixels(pixels).resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true }).removeAlpha().webp({ quality: 78, effort: THUMB_WEBP_EFFORT }).toBuffer();
    await atomicWrite(this.thumbPath(key), buf);
  }

  /** Deletes a thumbnail and its preview (their photos left the library). */
  async remove(key: string): Promise<void> {
    await Promise.all([rm(this.thumbPath(key), { force: true }), rm(this.previewPath(key), { force: true })]);
  }

  /** The large image for the photo view, rendered once from the original. */
  async ensurePreview(key: string, originalPath: string): Promise<string> {
    const path = this.previewPath(key);
    if (existsSync(path)) return path;
    // A RAW's view is rendered from its embedded preview.
    const pixels = await decodePhotoFile(originalPath, originalPath, { minLongSide: PREVIEW_SIZE });
    const buf = await fromPixels(pixels).resize(PREVIEW_SIZE, PREVIEW_SIZE, { fit: 'inside', withoutEnlargement: true }).removeAlpha().jpeg({ quality: 86, mozjpeg: true }).toBuffer();
    await atomicWrite(path, buf);
    return path;
  }
}

let tmpCounter = 0;

/**
 * Node's recursive mkdir reports ENOENT when the parent exists but cannot be
 * written (a read-only thumbnail folder); asked again without recursion it
 * gives the real reason (EROFS, EACCES), which the indexer needs to stall
 * rather than fail the photo (storage-faults.ts).
 */
function makeDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !existsSync(dirname(dir))) throw e;
    mkdirSync(dir);
  }
}

/** Write-then-rename; identical photos indexed at once write the same key, so each writer has its own temp file. */
async function atomicWrite(path: string, data: Buffer): Promise<void> {
  makeDir(dirname(path));
  const tmp = `${path}.${process.pid}-${++tmpCounter}.partial`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}
