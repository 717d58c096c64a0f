/**
 * The catalog: one SQLite database (WAL) per library, holding folders,
 * photos, predictions per model, fc7 features, corrections and the
 * persistent indexing queue. All access to the database goes through here.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from './migrations.js';
import type { FolderStatus, PhotoStatus } from '../../shared/domain.js';
import { shownScene } from '../labels/shown-scene.js';
import type { FailureKind } from '../imaging/failure-reasons.js';

export interface FolderRow {
  id: number;
  path: string;
  added_at: string;
  status: FolderStatus;
  error: string | null;
}

export interface PhotoRow {
  id: number;
  folder_id: number;
  rel_path: string;
  name: string;
  size: number;
  mtime_ms: number;
  hash: string | null;
  width: number | null;
  height: number | null;
  taken_at: string | null;
  taken_ts: number | null;
  camera: string | null;
  gps_lat: number | null;
  gps_lon: number | null;
  status: PhotoStatus;
  error: string | null;
  /** imaging/failure-reasons.ts FailureKind, when failed (null in rows failed before it was recorded). */
  error_kind: string | null;
  version: number;
  added_ts: number;
  thumb_key: string | null;
  model: string | null;
  scene_index: number | null;
  scene_prob: number | null;
  corrected: number;
  indoor: number | null;
}

export interface PredictionRow {
  photo_id: number;
  model: string;
  labels: string;
  top_index: Buffer;
  top_prob: Buffer;
  objects: string | null;
  indoor: number;
  indexed_at: string;
}

export interface CorrectionRow {
  photo_id: number;
  label_index: number | null;
  rejected: string;
  updated_at: string;
}

export type JobState = 'pending' | 'running' | 'done' | 'failed' | 'blocked';

export interface FileFacts {
  relPath: string;
  name: string;
  size: number;
  mtimeMs: number;
}

export interface PhotoMetadata {
  hash: string;
  width: number;
  height: number;
  takenAt: string | null;
  takenTs: number | null;
  camera: string | null;
  gpsLat: number | null;
  gpsLon: number | null;
  thumbKey: string;
}

export interface PredictionInput {
  model: string;
  labels: string;
  /** Places365 indices, best first (top-10). */
  topIndex: number[];
  topProb: number[];
  objects: { label: string; name: string; index: number; prob: number }[];
  indoor: boolean;
  features: Uint8Array;
  featureDim: number;
}

export function decodeTop(row: Pick<PredictionRow, 'top_index' | 'top_prob'>): { index: number[]; prob: number[] } {
  const idx = new Uint16Array(row.top_index.buffer.slice(row.top_index.byteOffset, row.top_index.byteOffset + row.top_index.byteLength));
  const prob = new Float32Array(row.top_prob.buffer.slice(row.top_prob.byteOffset, row.top_prob.byteOffset + row.top_prob.byteLength));
  return { index: [...idx], prob: [...prob] };
}

export class Catalog {
  readonly db: Database.Database;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.db = new Database(join(dir, 'catalog.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      throw new Error(`this library was written by a newer Scenery (schema ${current}; this version knows ${MIGRATIONS.length})`);
    }
    for (let v = current; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    this.db.close();
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ---- settings
  getSetting(key: string): string | null {
    const r = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return r?.value ?? null;
  }
  setSetting(key: string, value: string): void {
    this.db.prepare('INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  // ---- folders
  folders(): FolderRow[] {
    return this.db.prepare('SELECT * FROM folders ORDER BY path').all() as FolderRow[];
  }
  folder(id: number): FolderRow | undefined {
    return this.db.prepare('SELECT * FROM folders WHERE id = ?').get(id) as FolderRow | undefined;
  }
  folderByPath(path: string): FolderRow | undefined {
    return this.db.prepare('SELECT * FROM folders WHERE path = ?').get(path) as FolderRow | undefined;
  }
  addFolder(path: string): FolderRow {
    this.db.prepare("INSERT INTO folders(path, added_at, status) VALUES(?, ?, 'scanning')").run(path, new Date().toISOString());
    return this.folderByPath(path)!;
  }
  removeFolder(id: number): boolean {
    return this.db.prepare('DELETE FROM folders WHERE id = ?').run(id).changes > 0;
  }
  setFolderStatus(id: number, status: FolderStatus, error: string | null = null): void {
    this.db.prepare('UPDATE folders SET status = ?, error = ? WHERE id = ?').run(status, error, id);
  }
  /** Whether any photo of the folder is on disk as far as the catalog knows (not missing). */
  folderHasPresentPhotos(folderId: number): boolean {
    return this.db.prepare("SELECT 1 FROM photos WHERE folder_id = ? AND status != 'missing' LIMIT 1").get(folderId) !== undefined;
  }
  /** A few photos of the folder the catalog believes are on disk (relative paths), to check a root is the one it knew. */
  presentPhotoPaths(folderId: number, limit: number): string[] {
    return this.db.prepare("SELECT rel_path FROM photos WHERE folder_id = ? AND status != 'missing' ORDER BY id LIMIT ?").pluck().all(folderId, limit) as string[];
  }
  folderCounts(): Map<number, { total: number; indexed: number; failed: number }> {
    const rows = this.db
      .prepare(
        `SELECT folder_id, COUNT(*) AS total, SUM(status = 'indexed') AS indexed, SUM(status = 'failed') AS failed
         FROM photos WHERE status != 'missing' GROUP BY folder_id`,
      )
      .all() as { folder_id: number; total: number; indexed: number; failed: number }[];
    return new Map(rows.map((r) => [r.folder_id, { total: r.total, indexed: r.indexed ?? 0, failed: r.failed ?? 0 }]));
  }

  // ---- photos
  photo(id: number): PhotoRow | undefined {
    return this.db.prepare('SELECT * FROM photos WHERE id = ?').get(id) as PhotoRow | undefined;
  }
  photoByPath(folderId: number, relPath: string): PhotoRow | undefined {
    return this.db.prepare('SELECT * FROM photos WHERE folder_id = ? AND rel_path = ?').get(folderId, relPath) as PhotoRow | undefined;
  }
  /** Size and mtime of every known file of a folder, for reconciliation. */
  folderFiles(folderId: number): Map<string, { id: number; size: number; mtime_ms: number; status: PhotoStatus }> {
    const rows = this.db.prepare('SELECT id, rel_path, size, mtime_ms, status FROM photos WHERE folder_id = ?').all(folderId) as {
      id: number;
      rel_path: string;
      size: number;
      mtime_ms: number;
      status: PhotoStatus;
    }[];
    return new Map(rows.map((r) => [r.rel_path, r]));
  }

  /**
   * Records a file seen on disk. New files and changed files (size or mtime)
   * are queued; an unchanged missing file comes back as it was.
   * Returns what happened, for events.
   */
  upsertFile(folderId: number, f: FileFacts, priority: number): { id: number; change: 'added' | 'changed' | 'restored' | 'unchanged' } {
    const existing = this.db.prepare('SELECT id, size, mtime_ms, status FROM photos WHERE folder_id = ? AND rel_path = ?').get(folderId, f.relPath) as
      | { id: number; size: number; mtime_ms: number; status: PhotoStatus }
      | undefined;
    const now = Date.now();
    if (!existing) {
      const r = this.db
        .prepare("INSERT INTO photos(folder_id, rel_path, name, size, mtime_ms, status, added_ts) VALUES(?, ?, ?, ?, ?, 'pending', ?)")
        .run(folderId, f.relPath, f.name, f.size, Math.round(f.mtimeMs), now);
      const id = Number(r.lastInsertRowid);
      this.enqueue(id, priority);
      return { id, change: 'added' };
    }
    if (existing.size === f.size && existing.mtime_ms === Math.round(f.mtimeMs)) {
      if (existing.status === 'missing') {
        const hasPred = this.db.prepare('SELECT 1 FROM predictions WHERE photo_id = ? LIMIT 1').get(existing.id);
        this.db.prepare("UPDATE photos SET status = ?, version = version + 1 WHERE id = ?").run(hasPred ? 'indexed' : 'pending', existing.id);
        if (!hasPred) this.enqueue(existing.id, priority);
        return { id: existing.id, change: 'restored' };
      }
      return { id: existing.id, change: 'unchanged' };
    }
    this.db
      .prepare("UPDATE photos SET size = ?, mtime_ms = ?, status = 'pending', error = NULL, version = version + 1 WHERE id = ?")
      .run(f.size, Math.round(f.mtimeMs), existing.id);
    this.enqueue(existing.id, priority);
    return { id: existing.id, change: 'changed' };
  }

  /** A deleted file is kept, marked missing, with its tags, until its content shows up again. */
  markMissing(ids: number[]): void {
    const st = this.db.prepare("UPDATE photos SET status = 'missing', version = version + 1 WHERE id = ? AND status != 'missing'");
    const job = this.db.prepare('DELETE FROM jobs WHERE photo_id = ?');
    this.transaction(() => {
      for (const id of ids) {
        st.run(id);
        job.run(id);
      }
    });
  }

  /**
   * If another photo with the same content is missing, the file was moved or
   * renamed: the old record (tags, corrections, predictions) takes the new
   * path and the new record is dropped. Returns the surviving id.
   */
  adoptMovedPhoto(newId: number, hash: string): number | null {
    const old = this.db.prepare("SELECT id FROM photos WHERE hash = ? AND status = 'missing' AND id != ? ORDER BY id LIMIT 1").get(hash, newId) as
      | { id: number }
      | undefined;
    if (!old) return null;
    const cur = this.photo(newId)!;
    this.transaction(() => {
      this.db.prepare('DELETE FROM photos WHERE id = ?').run(newId);
      this.db
        .prepare("UPDATE photos SET folder_id = ?, rel_path = ?, name = ?, size = ?, mtime_ms = ?, status = 'pending', version = version + 1 WHERE id = ?")
        .run(cur.folder_id, cur.rel_path, cur.name, cur.size, cur.mtime_ms, old.id);
    });
    return old.id;
  }

  setMetadata(id: number, m: PhotoMetadata): void {
    this.db
      .prepare(
        `UPDATE photos SET hash = ?, width = ?, height = ?, taken_at = ?, taken_ts = ?, camera = ?, gps_lat = ?, gps_lon = ?, thumb_key = ?
         WHERE id = ?`,
      )
      .run(m.hash, m.width, m.height, m.takenAt, m.takenTs, m.camera, m.gpsLat, m.gpsLon, m.thumbKey, id);
  }

  setFailed(id: number, message: string, kind: FailureKind = 'internal'): void {
    this.transaction(() => {
      this.db.prepare("UPDATE photos SET status = 'failed', error = ?, error_kind = ?, version = version + 1 WHERE id = ?").run(message, kind, id);
      this.db.prepare("UPDATE jobs SET state = 'failed' WHERE photo_id = ?").run(id);
    });
  }

  /** Stores a model's predictions and features and completes the job, atomically. */
  savePrediction(id: number, p: PredictionInput): void {
    this.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO predictions(photo_id, model, labels, top_index, top_prob, objects, indoor, indexed_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(photo_id, model) DO UPDATE SET labels = excluded.labels, top_index = excluded.top_index, top_prob = excluded.top_prob,
             objects = excluded.objects, indoor = excluded.indoor, indexed_at = excluded.indexed_at`,
        )
        .run(
          id,
          p.model,
          p.labels,
          Buffer.from(Uint16Array.from(p.topIndex).buffer),
          Buffer.from(Float32Array.from(p.topProb).buffer),
          p.objects.length ? JSON.stringify(p.objects) : null,
          p.indoor ? 1 : 0,
          new Date().toISOString(),
        );
      this.db
        .prepare('INSERT INTO features(photo_id, model, dim, vec) VALUES(?, ?, ?, ?) ON CONFLICT(photo_id, model) DO UPDATE SET dim = excluded.dim, vec = excluded.vec')
        .run(id, p.model, p.featureDim, Buffer.from(p.features.buffer, p.features.byteOffset, p.features.byteLength));
      this.db.prepare("UPDATE photos SET status = 'indexed', error = NULL, model = ?, version = version + 1 WHERE id = ?").run(p.model, id);
      this.refreshScene(id, p.model);
      this.db.prepare("UPDATE jobs SET state = 'done' WHERE photo_id = ?").run(id);
    });
  }

  prediction(id: number, model: string): PredictionRow | undefined {
    return this.db.prepare('SELECT * FROM predictions WHERE photo_id = ? AND model = ?').get(id, model) as PredictionRow | undefined;
  }
  latestPrediction(id: number): PredictionRow | undefined {
    return this.db.prepare('SELECT * FROM predictions WHERE photo_id = ? ORDER BY indexed_at DESC LIMIT 1').get(id) as PredictionRow | undefined;
  }
  correction(id: number): CorrectionRow | undefined {
    return this.db.prepare('SELECT * FROM corrections WHERE photo_id = ?').get(id) as CorrectionRow | undefined;
  }

  /** Sets the person's scene for a photo (null label clears it, keeping rejections). */
  setCorrection(id: number, labelIndex: number | null, rejected: number[]): void {
    this.transaction(() => {
      if (labelIndex === null && rejected.length === 0) this.db.prepare('DELETE FROM corrections WHERE photo_id = ?').run(id);
      else
        this.db
          .prepare(
            `INSERT INTO corrections(photo_id, label_index, rejected, updated_at) VALUES(?, ?, ?, ?)
             ON CONFLICT(photo_id) DO UPDATE SET label_index = excluded.label_index, rejected = excluded.rejected, updated_at = excluded.updated_at`,
          )
          .run(id, labelIndex, JSON.stringify(rejected), new Date().toISOString());
      const p = this.photo(id);
      this.refreshScene(id, p?.model ?? null);
      this.db.prepare('UPDATE photos SET version = version + 1 WHERE id = ?').run(id);
    });
  }

  /** Stores the shown scene (labels/shown-scene.ts) in the photo's row, for grouping and listing in SQL. */
  private refreshScene(id: number, model: string | null): void {
    const c = this.correction(id);
    const pred = model ? this.prediction(id, model) : undefined;
    const top = pred ? decodeTop(pred) : { index: [], prob: [] };
    // Not `failed`: the stored scene is what the photo shows once readable; readers hide it while it is not.
    const shown = shownScene({
      failed: false,
      top: top.index,
      prob: top.prob,
      vote: pred ? pred.indoor === 1 : null,
      correction: c?.label_index ?? null,
      rejected: c ? (JSON.parse(c.rejected) as number[]) : [],
    });
    const indoor = shown ? shown.indoor : pred ? pred.indoor === 1 : null;
    this.db
      .prepare('UPDATE photos SET scene_index = ?, scene_prob = ?, corrected = ?, indoor = ? WHERE id = ?')
      .run(shown?.index ?? null, shown?.prob ?? null, shown?.corrected ? 1 : 0, indoor === null ? null : indoor ? 1 : 0, id);
  }

  // ---- jobs
  enqueue(id: number, priority: number): void {
    this.db
      .prepare(
        `INSERT INTO jobs(photo_id, state, priority, enqueued_ts) VALUES(?, 'pending', ?, ?)
         ON CONFLICT(photo_id) DO UPDATE SET state = 'pending', priority = MAX(jobs.priority, excluded.priority), enqueued_ts = excluded.enqueued_ts, attempts = 0, not_before_ts = 0`,
      )
      .run(id, priority, Date.now());
  }

  /** Claims up to `n` jobs (highest priority, oldest first), marking them running. */
  claimJobs(n: number): { photo_id: number; attempts: number; priority: number }[] {
    return this.transaction(() => {
      const rows = this.db
        .prepare("SELECT photo_id, attempts, priority FROM jobs WHERE state = 'pending' AND not_before_ts <= ? ORDER BY priority DESC, enqueued_ts LIMIT ?")
        .all(Date.now(), n) as { photo_id: number; attempts: number; priority: number }[];
      const st = this.db.prepare("UPDATE jobs SET state = 'running', attempts = attempts + 1 WHERE photo_id = ?");
      for (const r of rows) st.run(r.photo_id);
      return rows;
    });
  }

  /** After a crash or kill, running jobs go back to pending: nothing finished is redone. */
  resetRunningJobs(): number {
    return this.db.prepare("UPDATE jobs SET state = 'pending' WHERE state = 'running'").run().changes;
  }

  retryLater(id: number, delayMs: number): void {
    this.db.prepare("UPDATE jobs SET state = 'pending', not_before_ts = ? WHERE photo_id = ?").run(Date.now() + delayMs, id);
  }

  blockJob(id: number): void {
    this.db.prepare("UPDATE jobs SET state = 'blocked' WHERE photo_id = ?").run(id);
  }

  unblockJobs(): number {
    return this.db.prepare("UPDATE jobs SET state = 'pending' WHERE state = 'blocked'").run().changes;
  }

  /** Queues every photo that has no prediction from `model` (after a model change). */
  enqueueMissingPredictions(model: string): number {
    return this.db
      .prepare(
        `INSERT INTO jobs(photo_id, state, priority, enqueued_ts)
         SELECT p.id, 'pending', 0, ? FROM photos p
         WHERE p.status IN ('indexed', 'pending') AND NOT EXISTS (SELECT 1 FROM predictions r WHERE r.photo_id = p.id AND r.model = ?)
         ON CONFLICT(photo_id) DO UPDATE SET state = 'pending'`,
      )
      .run(Date.now(), model).changes;
  }

  retryFailed(): number {
    return this.transaction(() => {
      const n = this.db.prepare("UPDATE jobs SET state = 'pending', attempts = 0, not_before_ts = 0 WHERE state = 'failed'").run().changes;
      this.db.prepare("UPDATE photos SET status = 'pending', error = NULL WHERE status = 'failed'").run();
      return n;
    });
  }

  /** Jobs stopped by the library's storage (full disk...), queued again; the attempt they used does not count. */
  requeueJobs(ids: number[]): void {
    const st = this.db.prepare("UPDATE jobs SET state = 'pending', attempts = MAX(attempts - 1, 0), not_before_ts = 0 WHERE photo_id = ? AND state != 'done'");
    this.transaction(() => ids.forEach((id) => st.run(id)));
  }

  /**
   * Photos marked failed, by versions before indexer/storage-faults.ts, because
   * the library could not be written (disk full, read-only, no permission):
   * their files are fine, so they are queued again.
   */
  retryStorageFailures(): number {
    return this.transaction(() => {
      const ids = this.db
        .prepare(
          `SELECT id FROM photos WHERE status = 'failed' AND COALESCE(error_kind, 'internal') = 'internal' AND error LIKE 'indexing failed:%'
             AND (error LIKE '%ENOSPC%' OR error LIKE '%EDQUOT%' OR error LIKE '%EROFS%' OR error LIKE '%EACCES%' OR error LIKE '%EPERM%'
               OR error LIKE '%database or disk is full%' OR error LIKE '%readonly database%')`,
        )
        .pluck()
        .all() as number[];
      const photo = this.db.prepare("UPDATE photos SET status = 'pending', error = NULL, error_kind = NULL, version = version + 1 WHERE id = ?");
      for (const id of ids) {
        photo.run(id);
        this.enqueue(id, 0);
      }
      return ids.length;
    });
  }

  jobCounts(): Record<JobState, number> {
    const rows = this.db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as { state: JobState; n: number }[];
    const out: Record<JobState, number> = { pending: 0, running: 0, done: 0, failed: 0, blocked: 0 };
    for (const r of rows) out[r.state] = r.n;
    return out;
  }

  /** Forgets finished jobs (their result lives in photos/predictions). */
  purgeDoneJobs(): void {
    this.db.prepare("DELETE FROM jobs WHERE state = 'done'").run();
  }

  photoCounts(): { total: number; indexed: number; failed: number; pending: number; missing: number } {
    const r = this.db
      .prepare(
        `SELECT COUNT(*) AS total, SUM(status='indexed') AS indexed, SUM(status='failed') AS failed, SUM(status='pending') AS pending, SUM(status='missing') AS missing FROM photos`,
      )
      .get() as { total: number; indexed: number | null; failed: number | null; pending: number | null; missing: number | null };
    return { total: r.total, indexed: r.indexed ?? 0, failed: r.failed ?? 0, pending: r.pending ?? 0, missing: r.missing ?? 0 };
  }
}
