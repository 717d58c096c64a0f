/**
 * Photos deleted while their job is in flight (decoded, waiting for the model) are not written back as indexed:
 * afterwards the catalog lists exactly the files on disk. The model is a FakeClassifier held at a gate.
 */
import { existsSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../../test-support/harness.js';
import { Library } from '../library.js';

/** Answers only once `open()` is called: every job stays in flight until then. */
class GatedClassifier extends FakeClassifier {
  waiting = 0;
  private release!: () => void;
  private readonly gate = new Promise<void>((r) => (this.release = r));
  override async classify(pixels: Float32Array): Promise<{ prob: Float32Array; features: Float32Array; classes: number }> {
    this.waiting++;
    await this.gate;
    return super.classify(pixels);
  }
  open(): void {
    this.release();
  }
}

const N = 24;

describe('photos deleted while being indexed', () => {
  const tmp = tempDir('deleted-in-flight');
  afterAll(() => tmp.cleanup());

  for (const watch of [true, false]) {
    it(`leaves no ghost rows (${watch ? 'watching' : 'not watching'})`, async () => {
      const folder = join(tmp.path, `photos-${watch}`);
      mkdirSync(folder);
      for (let i = 0; i < N; i++) {
        const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: (i * 53) % 256, g: (i * 23) % 256, b: (i * 89) % 256 } } }).jpeg().toBuffer();
        writeFileSync(join(folder, `img${i}.jpg`), jpeg);
      }
      const classifier = new GatedClassifier();
      const lib = await Library.open({ dir: join(tmp.path, `lib-${watch}`), classifier: { name: 'fake', classifier }, watch, writeFinishMs: 200 });
      try {
        const folderId = lib.folders.add(folder).id;
        // 16 jobs in flight at most: wait until several are decoded and waiting for the model.
        const row = (rel: string) => lib.catalog.photoByPath(folderId, rel)!;
        const decoded = (): number => lib.catalog.db.prepare('SELECT COUNT(*) FROM photos WHERE folder_id = ? AND hash IS NOT NULL').pluck().get(folderId) as number;
        await waitFor('jobs decoded and waiting for the model', () => classifier.waiting >= 8 && decoded() >= 8);
        const inFlight = Array.from({ length: N }, (_, i) => `img${i}.jpg`).filter((rel) => row(rel).hash !== null);
        expect(inFlight.length).toBeGreaterThanOrEqual(8);
        // Delete the decoded ones waiting for the model, and two not started yet.
        const notStarted = Array.from({ length: N }, (_, i) => `img${i}.jpg`).filter((rel) => row(rel).hash === null).slice(0, 2);
        const deleted = [...inFlight.slice(0, 8), ...notStarted];
        for (const rel of deleted) unlinkSync(join(folder, rel));
        if (watch) await waitFor('the watcher saw the deletes', () => deleted.every((rel) => row(rel).status === 'missing'));
        classifier.open();
        await lib.initialScan;
        await lib.indexer.whenIdle();

        const rows = lib.catalog.db.prepare('SELECT rel_path, status FROM photos WHERE folder_id = ? ORDER BY rel_path').all(folderId) as { rel_path: string; status: string }[];
        const onDisk = Array.from({ length: N }, (_, i) => `img${i}.jpg`).filter((rel) => existsSync(join(folder, rel))).sort();
        expect(rows.filter((r) => r.status !== 'missing').map((r) => r.rel_path)).toEqual(onDisk);
        expect(rows.filter((r) => r.status === 'indexed').map((r) => r.rel_path)).toEqual(onDisk);
        expect(lib.status().indexedCount).toBe(N - deleted.length);
        expect(lib.catalog.jobCounts()).toMatchObject({ pending: 0, running: 0 });
      } finally {
        classifier.open();
        await lib.close();
      }
    }, 60_000);
  }

  it('a photo changed while being classified is indexed with its new content, not the stale result', async () => {
    const folder = join(tmp.path, 'changed');
    mkdirSync(folder);
    const red = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 250, g: 0, b: 0 } } }).jpeg().toBuffer();
    const blue = await sharp({ create: { width: 80, height: 48, channels: 3, background: { r: 0, g: 0, b: 250 } } }).jpeg().toBuffer();
    writeFileSync(join(folder, 'a.jpg'), red);
    const classifier = new LastFirstClassifier();
    const lib = await Library.open({ dir: join(tmp.path, 'lib-changed'), classifier: { name: 'fake', classifier }, writeFinishMs: 200 });
    try {
      const folderId = lib.folders.add(folder).id;
      await waitFor('decoded, waiting for the model', () => classifier.waiting.length >= 1 && lib.catalog.photoByPath(folderId, 'a.jpg')?.hash);
      const id = lib.catalog.photoByPath(folderId, 'a.jpg')!.id;
      await waitFor('watching', () => lib.folders.list()[0]!.status === 'watching');
      await waitFor("the watcher's first pass ('ready')", () => lib.scanner.watcherReady(folderId)?.then(() => true));
      writeFileSync(join(folder, 'a.jpg'), blue);
      // Queued again, and the new version read by a second job (the first still waits for the model).
      await waitFor('the new version read', () => classifier.waiting.length >= 2);
      // The new version's answer comes first, the stale one after it.
      await classifier.answerLastFirst();
      await lib.indexer.whenIdle();
      expect(lib.catalog.photo(id)).toMatchObject({ status: 'indexed', width: 80, scene_index: 2 });
    } finally {
      await classifier.answerLastFirst();
      await lib.close();
    }
  }, 60_000);
});

/** Answers the n-th call (from 1) with scene n, newest call first, when told to. */
class LastFirstClassifier extends FakeClassifier {
  readonly waiting: (() => void)[] = [];
  override async classify(_pixels: Float32Array): Promise<{ prob: Float32Array; features: Float32Array; classes: number }> {
    const n = ++this.calls;
    await new Promise<void>((r) => this.waiting.push(r));
    const prob = new Float32Array(365).fill(0.1 / 364);
    prob[n] = 0.9;
    return { prob, features: new Float32Array(64).fill(n), classes: 365 };
  }
  async answerLastFirst(): Promise<void> {
    while (this.waiting.length) {
      this.waiting.pop()!();
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}
