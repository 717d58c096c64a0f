/** Each migration: a catalog written before it is upgraded when opened, keeping its rows, and the new schema works. */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test-support/harness.js';
import { Catalog, shotKey } from './catalog.js';
import { MIGRATIONS } from './migrations.js';

/** A catalog as schema `version` left it (the first `version` migrations), with `rows` inserted; returns its folder. */
function catalogAtVersion(dir: string, version: number, rows: string[]): string {
  mkdirSync(dir);
  const old = new Database(join(dir, 'catalog.sqlite'));
  for (const m of MIGRATIONS.slice(0, version)) old.exec(m);
  old.pragma(`user_version = ${version}`);
  for (const sql of rows) old.prepare(sql).run();
  old.close();
  return dir;
}

describe('migration 3 (photos by size and mtime)', () => {
  const tmp = tempDir('migrations');
  afterAll(() => tmp.cleanup());

  it('upgrades a schema-2 catalog and finds move candidates through the new index', () => {
    const dir = catalogAtVersion(join(tmp.path, 'lib'), 2, [
      "INSERT INTO folders(path, added_at) VALUES('/photos', 'x')",
      "INSERT INTO photos(folder_id, rel_path, name, size, mtime_ms, hash, added_ts, status) VALUES(1, 'a.jpg', 'a.jpg', 1234, 5678, 'h', 0, 'indexed')",
    ]);

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

  it('migration 5 adds the record of keywords Scenery wrote; a schema-3 catalog gets it (after migration 4), keeping its rows', () => {
    const dir = catalogAtVersion(join(tmp.path, 'lib4'), 3, [
      "INSERT INTO folders(path, added_at) VALUES('/photos', 'x')",
      "INSERT INTO photos(folder_id, rel_path, name, size, mtime_ms, hash, added_ts, status) VALUES(1, 'a.jpg', 'a.jpg', 1234, 5678, 'h', 0, 'indexed')",
    ]);

    const c = new Catalog(dir);
    try {
      expect(c.schemaVersion).toBe(MIGRATIONS.length);
      expect(c.keywordRecords.get(1)).toBeNull();
      c.keywordRecords.set({ photoId: 1, target: '/photos/a.xmp', embedded: false, owned: { subject: ['forest path'], iptc: [] }, hierarchy: ['Scenery|Outdoor|Forest|forest path'] });
      expect(c.keywordRecords.get(1)).toEqual({ photoId: 1, target: '/photos/a.xmp', embedded: false, owned: { subject: ['forest path'], iptc: [] }, hierarchy: ['Scenery|Outdoor|Forest|forest path'] });
      expect(c.keywordRecords.photo(1)).toMatchObject({ path: join('/photos', 'a.jpg'), size: 1234, mtime_ms: 5678, status: 'indexed' });
    } finally {
      c.close();
    }
  });
});

describe('migration 4 (RAW+JPEG pairs)', () => {
  const tmp = tempDir('migrations4');
  afterAll(() => tmp.cleanup());

  it('upgrades a schema-3 catalog: its JPEG gets its shot, and a RAW of the same shot added later joins it as one photo', () => {
    const dir = catalogAtVersion(join(tmp.path, 'lib'), 3, [
      "INSERT INTO folders(path, added_at) VALUES('/photos', 'x')",
      "INSERT INTO photos(folder_id, rel_path, name, size, mtime_ms, hash, added_ts, status) VALUES(1, 'Trip/IMG_0001.JPG', 'IMG_0001.JPG', 1234, 5678, 'h', 0, 'indexed')",
      "INSERT INTO photos(folder_id, rel_path, name, size, mtime_ms, hash, added_ts, status) VALUES(1, 'Trip.2/Ünïcode', 'Ünïcode', 1, 1, 'h2', 0, 'indexed')",
    ]);

    const c = new Catalog(dir);
    try {
      expect(c.schemaVersion).toBe(MIGRATIONS.length);
      expect(c.photo(1)).toMatchObject({ shot: 'trip/img_0001', pair_id: null });
      // The same rule as new rows (JavaScript's lower-casing; a dot in a folder name is not an extension).
      expect(c.photo(2)).toMatchObject({ shot: shotKey('Trip.2/Ünïcode') });
      expect(shotKey('Trip.2/Ünïcode')).toBe('trip.2/ünïcode');
      const changed: number[] = [];
      c.pairsChanged = (ids) => changed.push(...ids);
      const raw = c.upsertFile(1, { relPath: 'Trip/IMG_0001.CR2', name: 'IMG_0001.CR2', size: 9, mtimeMs: 9 }, 0);
      expect(c.photo(raw.id)).toMatchObject({ pair_id: 1 });
      expect(changed).toEqual([raw.id]);
      expect(c.browse.photoPage({ failed: false, group: null, folderId: null, dated: null, month: null, byScene: false, threshold: 0, offset: 0, limit: 10 }).total).toBe(2);
      expect(c.pairedFiles(1)).toEqual([{ name: 'IMG_0001.CR2', size: 9 }]);
      // The hidden RAW is not queued for indexing.
      expect(c.jobCounts().pending).toBe(0);
      const plan = c.db.prepare('EXPLAIN QUERY PLAN SELECT id FROM photos WHERE folder_id = ? AND shot = ?').all(1, 'x') as { detail: string }[];
      expect(plan.map((p) => p.detail).join(' ')).toMatch(/photos_shot/);
    } finally {
      c.close();
    }
  });
});

describe('migration 4 (keywords found in files and sidecars)', () => {
  const tmp = tempDir('migrations4');
  afterAll(() => tmp.cleanup());

  it('upgrades a schema-3 catalog: its photos keep their rows, have no keywords yet, and can be given some', () => {
    const dir = catalogAtVersion(join(tmp.path, 'lib'), 3, [
      "INSERT INTO folders(path, added_at) VALUES('/photos', 'x')",
      "INSERT INTO photos(folder_id, rel_path, name, size, mtime_ms, hash, added_ts, status, camera) VALUES(1, 'a/IMG_1.JPG', 'IMG_1.JPG', 1, 2, 'h', 0, 'indexed', 'Canon')",
    ]);

    const c = new Catalog(dir);
    try {
      expect(c.schemaVersion).toBeGreaterThanOrEqual(4);
      const p = c.photo(1)!;
      expect(p.keywords).toBeNull();
      expect(p.camera).toBe('Canon');
      c.setKeywords(1, ['Holiday', 'Places|France']);
      expect(JSON.parse(c.photo(1)!.keywords!)).toEqual(['Holiday', 'Places|France']);
      // both sidecar names find the photo
      expect(c.photosForSidecar(1, 'a/IMG_1').map((r) => r.id)).toEqual([1]);
      expect(c.photosForSidecar(1, 'a/IMG_1.JPG').map((r) => r.id)).toEqual([1]);
      expect(c.photosForSidecar(1, 'a/IMG')).toEqual([]);
      expect(c.photosForSidecar(1, 'IMG_1')).toEqual([]);
    } finally {
      c.close();
    }
  });
});

describe('migration 7 (personal scenes)', () => {
  const tmp = tempDir('migrations7');
  afterAll(() => tmp.cleanup());

  it('upgrades a schema-3 catalog (through 4-6), keeping its photos, and stores scenes, examples and members that go with their photo', () => {
    const dir = catalogAtVersion(join(tmp.path, 'lib'), 3, [
      "INSERT INTO folders(path, added_at) VALUES('/photos', 'x')",
      "INSERT INTO photos(folder_id, rel_path, name, size, mtime_ms, added_ts, status) VALUES(1, 'a.jpg', 'a.jpg', 1, 1, 0, 'indexed')",
      "INSERT INTO photos(folder_id, rel_path, name, size, mtime_ms, added_ts, status) VALUES(1, 'b.jpg', 'b.jpg', 1, 1, 0, 'indexed')",
    ]);

    const c = new Catalog(dir);
    try {
      expect(c.schemaVersion).toBe(MIGRATIONS.length);
      expect(c.photo(1)?.name).toBe('a.jpg');
      const id = c.personal.create('Our cabin', 'm', 'svm');
      c.personal.setExamples(id, [1], true, 'example');
      c.personal.saveTraining(id, { model: 'm', method: 'svm', threshold: 0.2 }, [{ id: 1, score: 0.9 }, { id: 2, score: 0.6 }]);
      expect(c.personal.sceneByName('our CABIN')?.id).toBe(id);
      expect(() => c.personal.create('our cabin', 'm', 'svm')).toThrow(/UNIQUE/);
      expect(c.personal.memberPage(id, 0, 10).rows.map((r) => [r.id, r.personal_score])).toEqual([[1, 0.9], [2, 0.6]]);
      expect(c.personal.counts()).toEqual([{ scene_id: id, n: 2, cover: 1, cover_version: 1 }]);
      // A photo removed from the catalog leaves its scenes' examples and members with it.
      c.db.prepare('DELETE FROM photos WHERE id = 1').run();
      expect(c.personal.examples(id)).toEqual([]);
      expect(c.personal.memberPage(id, 0, 10).total).toBe(1);
      expect(c.personal.remove(id)).toBe(true);
      expect(c.db.prepare('SELECT COUNT(*) FROM personal_members').pluck().get()).toBe(0);
    } finally {
      c.close();
    }
  });
});
