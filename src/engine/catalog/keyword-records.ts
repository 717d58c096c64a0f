/**
 * What Scenery wrote into each photo's keywords (keywords/keyword-sync.ts):
 * the file it wrote (the photo itself, or its sidecar), the flat keywords it
 * added itself (`owned`, per list: XMP dc:subject and IPTC Keywords), and the
 * hierarchy entries it wrote. Scenery removes only keywords recorded here as
 * its own, so a keyword the person already had is never taken away. The
 * catalog owns the SQL (lint rule tools/eslint/catalog-sql.js).
 */
import type Database from 'better-sqlite3';
import { join } from 'node:path';

export interface OwnedKeywords {
  /** Flat XMP-dc:Subject entries Scenery added (absent before it wrote them). */
  subject: string[];
  /** IPTC:Keywords entries Scenery added (embedded JPEG/TIFF only). */
  iptc: string[];
}

export interface KeywordRecord {
  photoId: number;
  /** Absolute path of the file written: the photo (embedded) or its sidecar. */
  target: string;
  embedded: boolean;
  owned: OwnedKeywords;
  hierarchy: string[];
}

/** A photo whose keywords may need writing: its file and shown scene. */
export interface KeywordPhotoRow {
  id: number;
  path: string;
  status: string;
  /** What the catalog knows of the file: an embedded write checks it still describes the file before recording the new facts. */
  size: number;
  mtime_ms: number;
  scene_index: number | null;
  scene_prob: number | null;
  corrected: number;
  indoor: number | null;
  /** 1 while the indexer has a job for the photo (pending or running): its file must not change under it. */
  queued: number;
}

interface Row {
  photo_id: number;
  target: string;
  embedded: number;
  owned: string;
  hierarchy: string;
}

export class KeywordRecords {
  constructor(private readonly db: Database.Database) {}

  get(photoId: number): KeywordRecord | null {
    const r = this.db.prepare('SELECT * FROM keyword_writes WHERE photo_id = ?').get(photoId) as Row | undefined;
    if (!r) return null;
    return { photoId: r.photo_id, target: r.target, embedded: r.embedded === 1, owned: JSON.parse(r.owned) as OwnedKeywords, hierarchy: JSON.parse(r.hierarchy) as string[] };
  }

  set(rec: KeywordRecord): void {
    this.db
      .prepare(
        `INSERT INTO keyword_writes(photo_id, target, embedded, owned, hierarchy, written_at) VALUES(?, ?, ?, ?, ?, ?)
         ON CONFLICT(photo_id) DO UPDATE SET target = excluded.target, embedded = excluded.embedded, owned = excluded.owned,
           hierarchy = excluded.hierarchy, written_at = excluded.written_at`,
      )
      .run(rec.photoId, rec.target, rec.embedded ? 1 : 0, JSON.stringify(rec.owned), JSON.stringify(rec.hierarchy), new Date().toISOString());
  }

  clear(photoId: number): void {
    this.db.prepare('DELETE FROM keyword_writes WHERE photo_id = ?').run(photoId);
  }

  /** Ids of the photos that have a record (what `remove` visits). */
  recordedIds(): number[] {
    return this.db.prepare('SELECT photo_id FROM keyword_writes ORDER BY photo_id').pluck().all() as number[];
  }

  /** Every photo on disk (not missing), for writing all keywords after a setting changed. */
  presentPhotoIds(): number[] {
    return this.db.prepare("SELECT id FROM photos WHERE status != 'missing' ORDER BY id").pluck().all() as number[];
  }

  /** One photo's file (absolute, from its folder) and shown scene. */
  photo(id: number): KeywordPhotoRow | null {
    const r = this.db
      .prepare(
        `SELECT p.id, f.path AS root, p.rel_path, p.status, p.size, p.mtime_ms, p.scene_index, p.scene_prob, p.corrected, p.indoor,
           EXISTS(SELECT 1 FROM jobs j WHERE j.photo_id = p.id AND j.state IN ('pending', 'running')) AS queued
         FROM photos p JOIN folders f ON f.id = p.folder_id WHERE p.id = ?`,
      )
      .get(id) as (Omit<KeywordPhotoRow, 'path'> & { root: string; rel_path: string }) | undefined;
    if (!r) return null;
    const { root, rel_path, ...rest } = r;
    return { ...rest, path: join(root, ...rel_path.split('/')) };
  }

  /**
   * Scenery rewrote the photo file itself (embedded keywords): the catalog takes the file's new size, time and
   * content hash at once, so the watcher and the next scan see an unchanged file and nothing is decoded or
   * classified again. Only while the row still describes the version Scenery read before writing (`before`).
   */
  recordOwnWrite(id: number, before: { size: number; mtimeMs: number }, after: { size: number; mtimeMs: number; hash: string }): boolean {
    return this.db.transaction(() => {
      const changed =
        this.db
          .prepare('UPDATE photos SET size = ?, mtime_ms = ?, hash = ? WHERE id = ? AND size = ? AND mtime_ms = ?')
          .run(after.size, Math.round(after.mtimeMs), after.hash, id, before.size, Math.round(before.mtimeMs)).changes > 0;
      // An indexer job claimed while the file was being written read the old version, and its result will not be
      // committed (catalog.isCurrent): it runs again, as after any change of the file.
      if (changed) this.db.prepare("UPDATE jobs SET state = 'pending' WHERE photo_id = ? AND state = 'running'").run(id);
      return changed;
    })();
  }
}
