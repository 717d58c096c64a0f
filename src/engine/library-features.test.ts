/** Pause and resume, the confidence threshold, similar photos and retrying failures, through the engine. */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../test-support/harness.js';
import { hasShared, shared } from '../test-support/shared-data.js';
import { Library } from './library.js';

describe.skipIf(!hasShared)('library features', () => {
  const tmp = tempDir('features');
  const folder = join(tmp.path, 'photos');
  let lib: Library;
  beforeAll(async () => {
    mkdirSync(folder);
    lib = await Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier: new FakeClassifier() }, writeFinishMs: 200 });
    lib.addFolder(folder);
    await waitFor('watching', () => lib.folders()[0]?.status === 'watching');
  });
  afterAll(async () => {
    await lib.close();
    tmp.cleanup();
  });

  it('pauses and resumes indexing', async () => {
    lib.indexer.pause();
    for (const f of ['kpa_bar.jpg', 'hugin_forest.jpg', 'sklearn_pagoda.jpg']) copyFileSync(shared('photos', f), join(folder, f));
    copyFileSync(shared('photos', 'kpa_bar.jpg'), join(folder, 'bar-copy.jpg'));
    await waitFor('queued', () => lib.status().photoCount === 4);
    await new Promise((r) => setTimeout(r, 500));
    expect(lib.status().indexedCount).toBe(0);
    expect(lib.progress()).toMatchObject({ paused: true, done: 0, total: 4 });
    lib.indexer.resume();
    await waitFor('indexed', () => lib.status().indexedCount === 4);
  });

  it('finds similar photos by their scene descriptor', () => {
    const id = (name: string) => lib.catalog.db.prepare('SELECT id FROM photos WHERE name = ?').pluck().get(name) as number;
    const r = lib.similar(id('kpa_bar.jpg'), 10);
    expect(r.items.map((p) => p.name)).not.toContain('kpa_bar.jpg');
    expect(r.items[0]).toMatchObject({ name: 'bar-copy.jpg', similarity: 1 });
    expect(r.items.length).toBe(3);
    expect(r.items[1]!.similarity).toBeLessThanOrEqual(r.items[0]!.similarity);
  });

  it('groups uncertain photos under the confidence threshold', () => {
    const before = lib.sceneGroups();
    expect(before.groups.some((g) => g.key === 'uncertain')).toBe(false);
    lib.setThreshold(0.95); // the fake model is 90 % sure of everything
    const after = lib.sceneGroups();
    expect(after.threshold).toBe(0.95);
    expect(after.groups).toEqual([{ key: 'uncertain', name: 'Uncertain', family: 'status', count: 4 }]);
    expect(lib.search('indoor OR outdoor', 0, 10).total).toBe(4);
    lib.setThreshold(0.1);
  });

  it('retries failed photos once they are fixed', async () => {
    writeFileSync(join(folder, 'broken.jpg'), 'not a jpeg');
    await waitFor('failed', () => lib.status().failedCount === 1, 20_000);
    copyFileSync(shared('photos', 'digikam_lake.jpg'), join(folder, 'broken.jpg'));
    await waitFor('re-indexed by the watcher', () => lib.status().failedCount === 0 && lib.status().indexedCount === 5, 20_000);
    writeFileSync(join(folder, 'broken2.jpg'), 'still not a jpeg');
    await waitFor('failed again', () => lib.status().failedCount === 1, 20_000);
    expect(lib.catalog.retryFailed()).toBe(1);
    lib.indexer.kick();
    await waitFor('failed after retry', () => lib.status().failedCount === 1, 20_000);
  });
});
