/** Pause and resume, the confidence threshold, similar photos and retrying failures, through the engine. */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../test-support/harness.js';
import { hasShared, shared } from '../test-support/shared-data.js';
import { createHandlers, dispatch } from './api/handlers.js';
import { Library, type LibraryOptions } from './library.js';

describe.skipIf(!hasShared)('library features', () => {
  // Every test gets its own folder and library, so each one passes alone (`vitest run -t NAME`) and in any order.
  let tmp: ReturnType<typeof tempDir>;
  let folder: string;
  let lib: Library;
  let classifier: FakeClassifier;

  const open = async (options: Partial<LibraryOptions> = {}): Promise<void> => {
    classifier = new FakeClassifier();
    lib = await Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier }, writeFinishMs: 200, ...options });
    lib.folders.add(folder);
    await waitFor('watching', () => lib.folders.list()[0]?.status === 'watching');
  };
  const id = (name: string) => lib.catalog.db.prepare('SELECT id FROM photos WHERE name = ?').pluck().get(name) as number | undefined;
  /** Four photos, two of them the same picture, all indexed. */
  const indexedFour = async (): Promise<void> => {
    for (const f of ['kpa_bar.jpg', 'hugin_forest.jpg', 'sklearn_pagoda.jpg']) copyFileSync(shared('photos', f), join(folder, f));
    copyFileSync(shared('photos', 'kpa_bar.jpg'), join(folder, 'bar-copy.jpg'));
    await open();
    await waitFor('4 indexed', () => lib.status().indexedCount === 4);
  };

  beforeEach(() => {
    tmp = tempDir('features');
    folder = join(tmp.path, 'photos');
    mkdirSync(folder);
  });
  afterEach(async () => {
    await lib?.close();
    tmp.cleanup();
  });

  it('pauses and resumes indexing', async () => {
    await open();
    lib.indexer.pause();
    for (const f of ['kpa_bar.jpg', 'hugin_forest.jpg', 'sklearn_pagoda.jpg']) copyFileSync(shared('photos', f), join(folder, f));
    copyFileSync(shared('photos', 'kpa_bar.jpg'), join(folder, 'bar-copy.jpg'));
    // The watcher queues a job with each photo and wakes the indexer at once (a microtask), so by the
    // time the 4 photos are seen here a running indexer would already have claimed their jobs.
    await waitFor('queued', () => lib.status().photoCount === 4);
    await lib.indexer.whenIdle();
    expect(lib.catalog.jobCounts()).toMatchObject({ pending: 4, running: 0, done: 0, failed: 0 });
    expect(classifier.calls).toBe(0);
    expect(lib.status().indexedCount).toBe(0);
    expect(lib.progress()).toMatchObject({ paused: true, done: 0, total: 4 });
    lib.indexer.resume();
    await waitFor('indexed', () => lib.status().indexedCount === 4);
    expect(classifier.calls).toBe(4);
    expect(lib.progress()).toMatchObject({ paused: false, done: 4, total: 4 });
  });

  it('finds similar photos by their scene descriptor', async () => {
    await indexedFour();
    const r = lib.search.similar(id('kpa_bar.jpg')!, 10);
    expect(r.items.length).toBe(3);
    expect(r.items.map((p) => p.name)).not.toContain('kpa_bar.jpg');
    expect(r.items[0]).toMatchObject({ name: 'bar-copy.jpg', similarity: 1 });
    expect(r.items[1]!.similarity).toBeLessThanOrEqual(r.items[0]!.similarity);
  });

  it('groups uncertain photos under the confidence threshold', async () => {
    await indexedFour();
    const before = lib.browse.sceneGroups();
    expect(before.groups.reduce((n, g) => n + g.count, 0)).toBe(4);
    expect(before.groups.some((g) => g.key === 'uncertain')).toBe(false);
    lib.setThreshold(0.95); // the fake model is 90 % sure of everything
    const after = lib.browse.sceneGroups();
    expect(after.threshold).toBe(0.95);
    expect(after.groups).toEqual([{ key: 'uncertain', name: 'Uncertain', family: 'status', count: 4, cover: expect.objectContaining({ id: expect.any(Number) }) }]);
    expect(lib.search.run('indoor OR outdoor', 0, 10).total).toBe(4);
  });

  it('re-indexes a failed photo once it is fixed on disk', async () => {
    await open();
    writeFileSync(join(folder, 'broken.jpg'), 'not a jpeg');
    await waitFor('failed', () => lib.status().failedCount === 1, 20_000);
    copyFileSync(shared('photos', 'digikam_lake.jpg'), join(folder, 'broken.jpg'));
    await waitFor('re-indexed by the watcher', () => lib.status().failedCount === 0 && lib.status().indexedCount === 1, 20_000);
    const d = lib.browse.photo(id('broken.jpg')!);
    expect(d).toMatchObject({ status: 'indexed', error: null, model: 'fake' });
    expect(d.top[0]!.prob).toBeCloseTo(0.9, 5);
  });

  it('retries failed photos once they are fixed', async () => {
    // No watcher: only the retry command can bring the fixed file back.
    writeFileSync(join(folder, 'broken.jpg'), 'not a jpeg');
    await open({ watch: false });
    await waitFor('failed', () => lib.status().failedCount === 1, 20_000);
    const photo = id('broken.jpg')!;
    expect(lib.browse.photo(photo)).toMatchObject({ status: 'failed', top: [] });
    copyFileSync(shared('photos', 'digikam_lake.jpg'), join(folder, 'broken.jpg'));
    const r = await dispatch(createHandlers(lib, { mode: 'browser' }), 'indexing.retryFailed', {});
    expect(r).toEqual({ ok: true, value: { requeued: 1 } });
    await waitFor('indexed after the retry', () => lib.status().indexedCount === 1, 20_000);
    const d = lib.browse.photo(photo);
    expect(d).toMatchObject({ status: 'indexed', error: null, errorDetail: null, model: 'fake' });
    expect(d.top).toHaveLength(5);
    expect(d.top[0]!.prob).toBeCloseTo(0.9, 5);
    expect(d.scene?.label).toBe(d.top[0]!.label);
    expect(lib.status().failedCount).toBe(0);
    expect(classifier.calls).toBe(1);
  });
});
