/**
 * Two defects a review found where separately written pieces met:
 * - a read-only command (scenery search/photos: Library.open({start:false}), no writer lock) reset the job queue
 *   of the process indexing the same library, so that process classified the same photos twice;
 * - the indexer cached folder paths by id, and SQLite gives a removed folder's id to the next folder added, so
 *   the new folder's photos were read at the old path and marked missing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../test-support/harness.js';
import type { Classifier } from './indexer/indexer.js';
import { Library } from './library.js';

const tmp = tempDir('readers');
afterAll(() => tmp.cleanup());

const jpeg = (r: number): Promise<Buffer> => sharp({ create: { width: 64, height: 48, channels: 3, background: { r, g: 40, b: 90 } } }).jpeg().toBuffer();

async function folderOf(name: string, n: number, shade: number): Promise<string> {
  const dir = join(tmp.path, name);
  mkdirSync(dir);
  for (let i = 0; i < n; i++) writeFileSync(join(dir, `p${i}.jpg`), await jpeg((shade + i * 37) % 256));
  return dir;
}

/** A model that answers only when released: its photos stay 'running'. */
class HeldClassifier implements Classifier {
  readonly maxBatch = 8;
  private release!: () => void;
  private readonly gate = new Promise<void>((r) => (this.release = r));
  async classify(pixels: Float32Array): Promise<{ prob: Float32Array; features: Float32Array; classes: number }> {
    await this.gate;
    return new FakeClassifier().classify(pixels);
  }
  open(): void {
    this.release();
  }
}

describe('library readers and reused folder ids', () => {
  it('a read-only open leaves the running jobs of the process that indexes alone', async () => {
    const dir = join(tmp.path, 'lib-readers');
    const photos = await folderOf('Busy', 3, 10);
    const held = new HeldClassifier();
    const writer = await Library.open({ dir, classifier: { name: 'fake', classifier: held }, watch: false });
    try {
      writer.folders.add(photos);
      await waitFor('jobs running', () => writer.catalog.jobCounts().running > 0);
      const running = writer.catalog.jobCounts().running;
      const reader = await Library.open({ dir, start: false, create: false });
      await reader.close();
      expect(writer.catalog.jobCounts().running).toBe(running);
      held.open();
      await waitFor('3 indexed', () => writer.status().indexedCount === 3);
    } finally {
      await writer.close();
    }
  });

  it("a folder added after the last one was removed gets its own path, not the removed folder's", async () => {
    const a = await folderOf('A', 2, 50);
    const b = await folderOf('B', 2, 120);
    const c = await folderOf('C', 3, 200);
    const lib = await Library.open({ dir: join(tmp.path, 'lib-ids'), classifier: { name: 'fake', classifier: new FakeClassifier() }, watch: false });
    try {
      lib.folders.add(a);
      const idB = lib.folders.add(b).id;
      await waitFor('4 indexed', () => lib.status().indexedCount === 4);
      expect(await lib.folders.remove(idB)).toBe(true);
      const idC = lib.folders.add(c).id;
      expect(idC).toBe(idB); // what SQLite does; the point of the test
      await waitFor('5 indexed', () => lib.status().indexedCount === 5);
      expect(lib.catalog.photoCounts().missing).toBe(0);
    } finally {
      await lib.close();
    }
  });
});
