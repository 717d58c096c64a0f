/**
 * The folder tree and `folder:` search agree: a uniquely named subfolder's
 * count in folders.tree equals what `folder:NAME` finds and what photos.list
 * lists with that subfolder. Real photos, through the contract's dispatch
 * (so the request schemas are covered too); an unreadable file is counted by
 * neither.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../test-support/harness.js';
import { hasShared, shared } from '../test-support/shared-data.js';
import { createHandlers, dispatch } from './api/handlers.js';
import { Library } from './library.js';
import type { Responses } from '../shared/contract.js';

describe.skipIf(!hasShared)('folders.tree and folder: search', () => {
  const tmp = tempDir('tree-search');
  const folder = join(tmp.path, 'photos');
  let lib: Library;
  beforeAll(async () => {
    const put = (dir: string, files: string[]) => {
      mkdirSync(join(folder, dir), { recursive: true });
      for (const f of files) copyFileSync(shared('photos', f), join(folder, dir, f));
    };
    put('', ['kpa_bar.jpg']);
    put('Trips/Sommerärger', ['kpa_grand_canyon.jpg', 'hugin_forest.jpg']);
    put('Trips/Sommerärger/Tag 2', ['sklearn_pagoda.jpg']);
    put('Trips/other', ['hugin_church.jpg']);
    writeFileSync(join(folder, 'Trips/Sommerärger/broken.jpg'), 'not a photo');
    lib = await Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier: new FakeClassifier() }, writeFinishMs: 200 });
    lib.folders.add(folder);
    await waitFor('indexed', () => lib.status().indexedCount === 5 && lib.status().failedCount === 1);
  });
  afterAll(async () => {
    await lib.close();
    tmp.cleanup();
  });

  it('counts a subfolder as folder: finds it and as its page lists it', async () => {
    const handlers = createHandlers(lib, { mode: 'browser' });
    const call = async <T>(cmd: string, req: object): Promise<T> => {
      const r = (await dispatch(handlers, cmd as never, req)) as { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
      if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
      return r.value;
    };
    const folderId = lib.folders.list()[0]!.id;
    const tree = await call<Responses['folders.tree']>('folders.tree', { folderId });
    expect(tree.count).toBe(5);
    const trips = tree.children.find((n) => n.name === 'Trips')!;
    expect(trips.count).toBe(4);
    const sommer = trips.children.find((n) => n.name === 'Sommerärger')!;
    expect(sommer).toMatchObject({ path: 'Trips/Sommerärger', count: 3 });
    expect(sommer.children.map((n) => [n.name, n.count])).toEqual([['Tag 2', 1]]);

    const found = await call<{ total: number }>('search.run', { q: 'folder:Sommerärger' });
    expect(found.total).toBe(sommer.count);
    const listed = await call<{ total: number; items: { name: string }[] }>('photos.list', { folderId, subfolder: sommer.path });
    expect(listed.total).toBe(sommer.count);
    expect(listed.items.map((p) => p.name).sort()).toEqual(['hugin_forest.jpg', 'kpa_grand_canyon.jpg', 'sklearn_pagoda.jpg']);
  });

  it('refuses a subfolder without its watched folder, a malformed one, and an unknown folder', async () => {
    const handlers = createHandlers(lib, { mode: 'browser' });
    const err = async (cmd: string, req: object) => ((await dispatch(handlers, cmd as never, req)) as { ok: false; error: { code: string; message: string } }).error;
    expect(await err('photos.list', { subfolder: 'Trips' })).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/folderId/) });
    expect(await err('photos.list', { folderId: 1, subfolder: 'Trips/' })).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/below the watched folder/) });
    expect(await err('folders.tree', { folderId: 999 })).toMatchObject({ code: 'not_found' });
  });
});
