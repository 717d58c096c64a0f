/**
 * The catalog's side of Scenery's own embedded writes: the new file facts are taken at once (so the watcher sees no
 * change), only while the row still describes the version Scenery read, and an indexer job that had already read the
 * old version runs again instead of staying claimed forever.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test-support/harness.js';
import { Catalog } from './catalog.js';

describe('recordOwnWrite', () => {
  const tmp = tempDir('keyword-records');
  afterAll(() => tmp.cleanup());

  it('takes the new size, time and hash; re-queues a running job; refuses a row that changed meanwhile', () => {
    const c = new Catalog(tmp.path);
    try {
      const folder = c.addFolder('/photos');
      const { id } = c.upsertFile(folder.id, { relPath: 'a.jpg', name: 'a.jpg', size: 100, mtimeMs: 5000 }, 0);
      expect(c.claimJobs(1).map((j) => j.photo_id)).toEqual([id]);
      expect(c.keywordRecords.recordOwnWrite(id, { size: 100, mtimeMs: 5000 }, { size: 180, mtimeMs: 5000, hash: 'h2' })).toBe(true);
      expect(c.photo(id)).toMatchObject({ size: 180, mtime_ms: 5000, hash: 'h2' });
      expect(c.jobCounts()).toMatchObject({ running: 0, pending: 1 });
      // The scanner sees the file as it is now: unchanged.
      expect(c.upsertFile(folder.id, { relPath: 'a.jpg', name: 'a.jpg', size: 180, mtimeMs: 5000 }, 0).change).toBe('unchanged');
      // The person changed the file before Scenery's write was recorded: the catalog keeps the facts the scanner gave it.
      expect(c.keywordRecords.recordOwnWrite(id, { size: 100, mtimeMs: 5000 }, { size: 200, mtimeMs: 6000, hash: 'h3' })).toBe(false);
      expect(c.photo(id)).toMatchObject({ size: 180, hash: 'h2' });
    } finally {
      c.close();
    }
  });
});
