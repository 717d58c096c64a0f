/**
 * The SQL of personal scenes (engine/personal/): the scenes, their examples
 * and the photos each one claims. The catalog owns every statement (lint rule
 * tools/eslint/catalog-sql.js); engine/personal/personal-scenes.ts decides
 * what to store.
 */
import type Database from 'better-sqlite3';
import type { PhotoRow } from './catalog.js';

export type ExampleSource = 'example' | 'yes' | 'no' | 'not-this' | 'set-scene';

export interface PersonalSceneRow {
  id: number;
  name: string;
  model: string | null;
  method: string;
  threshold: number | null;
  trained_at: string | null;
  created_at: string;
}

export interface ExampleRow {
  photo_id: number;
  positive: number;
  source: ExampleSource;
}

export class PersonalRows {
  constructor(private readonly db: Database.Database) {}

  scenes(): PersonalSceneRow[] {
    return this.db.prepare('SELECT * FROM personal_scenes ORDER BY name').all() as PersonalSceneRow[];
  }
  scene(id: number): PersonalSceneRow | undefined {
    return this.db.prepare('SELECT * FROM personal_scenes WHERE id = ?').get(id) as PersonalSceneRow | undefined;
  }
  sceneByName(name: string): PersonalSceneRow | undefined {
    return this.db.prepare('SELECT * FROM personal_scenes WHERE name = ?').get(name.trim()) as PersonalSceneRow | undefined;
  }
  create(name: string, model: string | null, method: string): number {
    return Number(this.db.prepare('INSERT INTO personal_scenes(name, model, method, created_at) VALUES(?, ?, ?, ?)').run(name, model, method, new Date().toISOString()).lastInsertRowid);
  }
  rename(id: number, name: string): void {
    this.db.prepare('UPDATE personal_scenes SET name = ? WHERE id = ?').run(name, id);
  }
  remove(id: number): boolean {
    return this.db.prepare('DELETE FROM personal_scenes WHERE id = ?').run(id).changes > 0;
  }

  examples(sceneId: number): ExampleRow[] {
    return this.db.prepare('SELECT photo_id, positive, source FROM personal_examples WHERE scene_id = ? ORDER BY added_at, photo_id').all(sceneId) as ExampleRow[];
  }
  /** Adds or replaces answers (a "no" after a "yes" for the same photo replaces it). */
  setExamples(sceneId: number, photoIds: number[], positive: boolean, source: ExampleSource): void {
    const st = this.db.prepare(
      `INSERT INTO personal_examples(scene_id, photo_id, positive, source, added_at) VALUES(?, ?, ?, ?, ?)
       ON CONFLICT(scene_id, photo_id) DO UPDATE SET positive = excluded.positive, source = excluded.source, added_at = excluded.added_at`,
    );
    const now = new Date().toISOString();
    this.db.transaction(() => photoIds.forEach((id) => st.run(sceneId, id, positive ? 1 : 0, source, now)))();
  }
  removeExamples(sceneId: number, photoIds: number[]): void {
    const st = this.db.prepare('DELETE FROM personal_examples WHERE scene_id = ? AND photo_id = ?');
    this.db.transaction(() => photoIds.forEach((id) => st.run(sceneId, id)))();
  }

  /**
   * Replaces a scene's members and records the training (model, method, threshold), atomically. Returns the photos
   * that joined or left the scene (their keywords follow).
   */
  saveTraining(sceneId: number, t: { model: string; method: string; threshold: number }, members: { id: number; score: number }[]): number[] {
    return this.db.transaction(() => {
      const before = new Set(this.memberIds(sceneId));
      this.db.prepare('UPDATE personal_scenes SET model = ?, method = ?, threshold = ?, trained_at = ? WHERE id = ?').run(t.model, t.method, t.threshold, new Date().toISOString(), sceneId);
      this.db.prepare('DELETE FROM personal_members WHERE scene_id = ?').run(sceneId);
      const st = this.db.prepare('INSERT INTO personal_members(scene_id, photo_id, score) VALUES(?, ?, ?)');
      for (const m of members) st.run(sceneId, m.id, m.score);
      const after = new Set(members.map((m) => m.id));
      return [...[...before].filter((id) => !after.has(id)), ...[...after].filter((id) => !before.has(id))];
    })();
  }
  /** One photo's membership after it was scored alone (a new photo): in (score) or out (null). True when it joined or left. */
  setMember(sceneId: number, photoId: number, score: number | null): boolean {
    if (score === null) return this.db.prepare('DELETE FROM personal_members WHERE scene_id = ? AND photo_id = ?').run(sceneId, photoId).changes > 0;
    const was = this.db.prepare('SELECT 1 FROM personal_members WHERE scene_id = ? AND photo_id = ?').get(sceneId, photoId) !== undefined;
    this.db
      .prepare('INSERT INTO personal_members(scene_id, photo_id, score) VALUES(?, ?, ?) ON CONFLICT(scene_id, photo_id) DO UPDATE SET score = excluded.score')
      .run(sceneId, photoId, score);
    return !was;
  }
  /** Every photo a scene claims now. */
  memberIds(sceneId: number): number[] {
    return this.db.prepare('SELECT photo_id FROM personal_members WHERE scene_id = ?').pluck().all(sceneId) as number[];
  }

  /** Members shown (not missing, not failed), best first, one page. */
  memberPage(sceneId: number, offset: number, limit: number): { total: number; rows: (PhotoRow & { personal_score: number })[] } {
    const live = "p.status NOT IN ('missing', 'failed')";
    const total = this.db.prepare(`SELECT COUNT(*) FROM personal_members m JOIN photos p ON p.id = m.photo_id WHERE m.scene_id = ? AND ${live}`).pluck().get(sceneId) as number;
    const rows = this.db
      .prepare(`SELECT p.*, m.score AS personal_score FROM personal_members m JOIN photos p ON p.id = m.photo_id WHERE m.scene_id = ? AND ${live} ORDER BY m.score DESC, p.id DESC LIMIT ? OFFSET ?`)
      .all(sceneId, limit, offset) as (PhotoRow & { personal_score: number })[];
    return { total, rows };
  }

  /** Per scene: members shown and the best one (its cover). */
  counts(): { scene_id: number; n: number; cover: number | null; cover_version: number | null }[] {
    return this.db
      .prepare(
        `SELECT s.id AS scene_id, COUNT(p.id) AS n, MAX(ROUND(m.score * 1000000) * 1000000000 + p.id) AS rank, p.id AS cover, p.version AS cover_version
         FROM personal_scenes s LEFT JOIN personal_members m ON m.scene_id = s.id LEFT JOIN photos p ON p.id = m.photo_id AND p.status NOT IN ('missing', 'failed')
         GROUP BY s.id`,
      )
      .all()
      .map((r) => {
        const { scene_id, n, cover, cover_version } = r as { scene_id: number; n: number; cover: number | null; cover_version: number | null };
        return { scene_id, n, cover: n ? cover : null, cover_version: n ? cover_version : null };
      });
  }

  /** The personal scenes a photo belongs to, with its score. */
  scenesOf(photoId: number): { scene_id: number; name: string; score: number }[] {
    return this.db
      .prepare('SELECT m.scene_id, s.name, m.score FROM personal_members m JOIN personal_scenes s ON s.id = m.scene_id WHERE m.photo_id = ? ORDER BY m.score DESC')
      .all(photoId) as { scene_id: number; name: string; score: number }[];
  }

  /** Descriptors from `model` of indexed photos with ids above `afterId`, by id, `limit` at a time (loading the worker in steps). */
  featureChunk(model: string, afterId: number, limit: number): { id: number; vec: Buffer; indexed_at: string | null }[] {
    return this.db
      .prepare(
        `SELECT f.photo_id AS id, f.vec, r.indexed_at FROM features f JOIN photos p ON p.id = f.photo_id
         LEFT JOIN predictions r ON r.photo_id = f.photo_id AND r.model = f.model
         WHERE f.model = ? AND f.photo_id > ? AND p.status = 'indexed' ORDER BY f.photo_id LIMIT ?`,
      )
      .all(model, afterId, limit) as { id: number; vec: Buffer; indexed_at: string | null }[];
  }

  /**
   * When each of these indexed photos was classified by `model` (its descriptor's date): a photo reported changed
   * whose date is the one already loaded (a correction, a keyword write) has no new descriptor to score.
   */
  descriptorDates(ids: readonly number[], model: string): Map<number, string> {
    const out = new Map<number, string>();
    const st = this.db.prepare("SELECT r.indexed_at FROM predictions r JOIN photos p ON p.id = r.photo_id WHERE r.photo_id = ? AND r.model = ? AND p.status = 'indexed'").pluck();
    for (const id of ids) {
      const d = st.get(id, model) as string | undefined;
      if (d !== undefined) out.set(id, d);
    }
    return out;
  }

  /** The model most photos were last indexed with (personal scenes of a library opened without its model). */
  dominantModel(): string | null {
    return (this.db.prepare("SELECT model FROM photos WHERE status = 'indexed' AND model IS NOT NULL GROUP BY model ORDER BY COUNT(*) DESC LIMIT 1").pluck().get() as string | undefined) ?? null;
  }
}
