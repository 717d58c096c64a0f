/**
 * The search index follows the one "photos changed" path (events/photo-changes.ts)
 * also while it is still being built in the background after opening: a
 * folder removed during the warm-up leaves no ghost entries, and the changes
 * the warm-up collects are dropped once applied (or once it is superseded).
 * Retrying failed files, which changes many rows at once, reports them too.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDEX_PAGE } from './catalog/search-rows.js';
import { tempDir } from '../test-support/harness.js';
import { writeSyntheticCatalog } from '../test-support/synthetic-catalog.js';
import { seedLibrary } from '../test-support/seeded-library.js';
import { createHandlers, dispatch } from './api/handlers.js';
import { Library } from './library.js';

/** More photos than one warm-up slice, so that the warm-up yields at least once. */
const PHOTOS = INDEX_PAGE + 5000;

describe('photo changes while the search index warms up', () => {
  const tmp = tempDir('photo-changes');
  beforeAll(() => {
    // Two folders: odd ids in /trips (folder 2), even ids in /photos (folder 1).
    writeSyntheticCatalog(join(tmp.path, 'template'), PHOTOS);
  });
  afterAll(() => tmp.cleanup());

  async function openCopy(name: string): Promise<Library> {
    const { cpSync } = await import('node:fs');
    cpSync(join(tmp.path, 'template'), join(tmp.path, name), { recursive: true });
    return Library.open({ dir: join(tmp.path, name), start: false });
  }

  /** The label shown for a photo (its top prediction), as a search term. */
  function labelOf(lib: Library, id: number): string {
    return `"${lib.browse.photo(id).top[0]!.name}"`;
  }

  it('a folder removed during the warm-up leaves no ghost entries in search', async () => {
    const lib = await openCopy('remove');
    try {
      const removedPhoto = 2; // in /photos, read by the first warm-up slice
      const q = labelOf(lib, removedPhoto);
      const warm = lib.search.warm();
      expect(await lib.folders.remove(1)).toBe(true);
      await warm;
      const r = lib.search.run(q, 0, PHOTOS);
      // Every hit the index counts is a photo that still exists, in the folder that is left.
      expect(r.items.length).toBe(r.total);
      expect(r.items.every((p) => lib.browse.photo(p.id).folderId === 2)).toBe(true);
      expect(lib.search.pending).toBe(0);
    } finally {
      await lib.close();
    }
  });

  it('the changes collected during the warm-up are dropped once applied', async () => {
    const lib = await openCopy('applied');
    try {
      const warm = lib.search.warm();
      lib.corrections.setScene(3, 'beach');
      expect(lib.search.pending).toBe(1);
      await warm;
      expect(lib.search.pending).toBe(0);
      expect(lib.search.run('beach', 0, PHOTOS).items.some((p) => p.id === 3)).toBe(true);
    } finally {
      await lib.close();
    }
  });

  it('the changes collected during the warm-up are dropped when a search builds the index first', async () => {
    const lib = await openCopy('superseded');
    try {
      const warm = lib.search.warm();
      // A search before the warm-up has finished builds the whole index at once.
      lib.search.run('beach', 0, 10);
      lib.corrections.setScene(5, 'beach');
      await warm;
      lib.corrections.setScene(7, 'beach');
      expect(lib.search.pending).toBe(0);
      const ids = lib.search.run('beach', 0, PHOTOS).items.map((p) => p.id);
      expect(ids).toContain(5);
      expect(ids).toContain(7);
    } finally {
      await lib.close();
    }
  });
});

describe('retrying the files that could not be read', () => {
  const tmp = tempDir('retry-changes');
  afterAll(() => tmp.cleanup());

  it('reports them as changed: the scene groups and the UI see them queued again', async () => {
    // start: false: the indexer stays paused, so the retried photo stays queued while the test looks.
    const lib = await Library.open({ dir: join(tmp.path, 'lib'), start: false });
    try {
      const seeded = seedLibrary(lib, join(tmp.path, 'photos'), [
        { rel: 'ok.jpg', top: [['beach', 0.9]] },
        { rel: 'broken.jpg', top: [['beach', 0.9]], failed: { message: 'not a JPEG', kind: 'corrupt' } },
      ]);
      const counted = () => lib.browse.sceneGroups().groups.reduce((n, g) => n + g.count, 0);
      expect(counted()).toBe(1);
      const updated: number[] = [];
      lib.events.on('photo.updated', (e) => updated.push(e.photo.id));
      const r = await dispatch(createHandlers(lib, { mode: 'browser' }), 'indexing.retryFailed', {});
      expect(r).toMatchObject({ ok: true });
      expect(lib.browse.photo(seeded.id('broken.jpg')).status).toBe('pending');
      expect(counted()).toBe(2);
      expect(updated).toEqual([seeded.id('broken.jpg')]);
    } finally {
      await lib.close();
    }
  });
});
