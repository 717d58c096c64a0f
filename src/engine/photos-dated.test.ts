/**
 * Photos without a date (no EXIF date) are listed on their own: By date shows
 * them last under "No date" instead of sorting them by when they were added
 * (which looked like "today"). Through the contract's dispatch, so the request
 * schema is covered too.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../test-support/harness.js';
import { hasShared, shared } from '../test-support/shared-data.js';
import { createHandlers, dispatch } from './api/handlers.js';
import { Library } from './library.js';

describe.skipIf(!hasShared)('photos.list dated filter', () => {
  const tmp = tempDir('dated');
  const folder = join(tmp.path, 'photos');
  let lib: Library;
  beforeAll(async () => {
    mkdirSync(folder);
    // kpa_bar and kpa_grand_canyon carry an EXIF date; hugin_forest and sklearn_pagoda do not.
    for (const f of ['kpa_bar.jpg', 'kpa_grand_canyon.jpg', 'hugin_forest.jpg', 'sklearn_pagoda.jpg']) copyFileSync(shared('photos', f), join(folder, f));
    lib = await Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier: new FakeClassifier() }, writeFinishMs: 200 });
    lib.folders.add(folder);
    await waitFor('indexed', () => lib.status().indexedCount === 4);
  });
  afterAll(async () => {
    await lib.close();
    tmp.cleanup();
  });

  it('lists dated photos (newest first) and undated photos separately', async () => {
    const handlers = createHandlers(lib, { mode: 'browser' });
    const list = async (req: object) => {
      const r = (await dispatch(handlers, 'photos.list', req)) as { ok: true; value: { total: number; items: { name: string; takenAt: string | null }[] } };
      expect(r.ok).toBe(true);
      return r.value;
    };
    const dated = await list({ order: 'date', dated: true });
    expect(dated.total).toBe(2);
    expect(dated.items.map((p) => p.name)).toEqual(['kpa_bar.jpg', 'kpa_grand_canyon.jpg']);
    const undated = await list({ order: 'date', dated: false });
    expect(undated.total).toBe(2);
    expect(undated.items.map((p) => p.name).sort()).toEqual(['hugin_forest.jpg', 'sklearn_pagoda.jpg']);
    expect(undated.items.every((p) => p.takenAt === null)).toBe(true);
    expect((await list({ order: 'date' })).total).toBe(4);
  });
});
