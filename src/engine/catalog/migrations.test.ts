/** Migration 3: a catalog written before it gains the size+mtime index that finds moved files, keeping its rows. */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test-support/harness.js';
import { Catalog } from './catalog.js';
import { MIGRATIONS } from './migrations.js';

describe('migration 3 (photos by size and mtime)', () => {
  const tmp = tempDir('migrations');
  afterAll(() => tmp.cleanup());

  it('upgrades a schema-2 catalog and finds move candidates through the new index', () => {
    const dir = join(tmp.path, 'lib');
    mkdirSync(dir);
    const old = new Database(join(dir, 'catalog.sqlite'));
    for (const m of MIGRATIONS.slice(0, 2)) old.exec(m);
    old.pragma('user_version = 2');
    old.prepare("INSERT INTO folders(path, added_at) VALUES('/photos', 'x')").run();
    old.prepare("INSERT INTO photos(folder_id, rel_path, name, size, mtime_ms, hash, added_ts, status) VALUES(1, 'a.jpg', 'a.jpg', 1234, 5678, 'h', 0, 'indexed')").run();
    old.close();

    const c = new Catalog(dir);
    try {
      expect(c.schemaVersion).toBe(MIGRATIONS.length);
      expect(c.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'photos_size_mtime'").pluck().get()).toBe('photos_size_mtime');
      expect(c.moveCandidates(1234, 5678)).toEqual([{ id: 1, folder_id: 1, rel_path: 'a.jpg', hash: 'h', status: 'indexed' }]);
      const plan = c.db.prepare('EXPLAIN QUERY PLAN SELECT id FROM photos WHERE size = ? AND mtime_ms = ? AND hash IS NOT NULL').all(1, 2) as { detail: string }[];
      expect(plan.map((p) => p.detail).join(' ')).toMatch(/photos_size_mtime/);
    } finally {
      c.close();
    }
  });

  it('migration 4 adds the record of keywords Scenery wrote to a schema-3 catalog, keeping its rows', () => {
    const dir = join(tmp.path, 'lib4');
    mkdirSync(dir);
    const old = new Database(join(dir, 'catalog.sqlite'));
    for (const m of MIGRATIONS.slice(0, 3)) old.exec(m);
    old.pragma('user_version = 3');
    old.prepare("INSERT INTO folders(path, added_at) VALUES('/photos', 'x')").run();
    old.prepare("INSERT INTO photos(folder_id, rel_path, name, size, mtime_ms, hash, added_ts, status) VALUES(1, 'a.jpg', 'a.jpg', 1234, 5678, 'h', 0, 'indexed')").run();
    old.close();

    const c = new Catalog(dir);
    try {
      expect(c.schemaVersion).toBe(4);
      expect(c.keywordRecords.get(1)).toBeNull();
      c.keywordRecords.set({ photoId: 1, target: '/photos/a.xmp', embedded: false, owned: { subject: ['forest path'], iptc: [] }, hierarchy: ['Scenery|Outdoor|Forest|forest path'] });
      expect(c.keywordRecords.get(1)).toEqual({ photoId: 1, target: '/photos/a.xmp', embedded: false, owned: { subject: ['forest path'], iptc: [] }, hierarchy: ['Scenery|Outdoor|Forest|forest path'] });
      expect(c.keywordRecords.photo(1)).toMatchObject({ path: join('/photos', 'a.jpg'), size: 1234, mtime_ms: 5678, status: 'indexed' });
    } finally {
      c.close();
    }
  });
});
