/**
 * The catalog: one SQLite database (WAL) per library, holding folders,
 * photos, predictions per model, fc7 features, corrections and the
 * persistent indexing queue. All access to the database goes through here
 * and the repositories beside it (browse-queries.ts, search-rows.ts); the lint
 * rule tools/eslint/catalog-sql.js forbids SQL anywhere else.
 */
import Database from 'better-sqlite3';
import { accessSync, constants as fsc, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from './migrations.js';
import type { FolderStatus, PhotoStatus } from '../../shared/domain.js';
import { shownScene } from '../labels/shown-scene.js';
import type { FailureKind } from '../imaging/failure-reasons.js';
import { BrowseQueries } from './browse-queries.js';
import { SearchRows } from './search-rows.js';
import { PersonalRows } from './personal-rows.js';
import { extensionOf, isRawName } from '../scanner/file-types.js';

/**
 * The shot a file belongs to: its path without the extension, lower-cased. `IMG_0001.CR2` and `IMG_0001.JPG`
 * in one folder are one shot, shown as one photo (see Catalog.refreshShot).
 */
export function shotKey(relPath: string): string {
  const dot = relPath.lastIndexOf('.');
  return (dot > relPath.lastIndexOf('/') + 1 ? relPath.slice(0, dot) : relPath).toLowerCase();
}

/** Of a shot's files, the one shown (and classified): a JPEG before any other picture, then the oldest record. */
function primaryRank(name: string): number {
  const ext = extensionOf(name);
  return ext === 'jpg' || ext === 'jpeg' || ext === 'jpe' ? 0 : 1;
}
import { KeywordRecords } from './keyword-records.js';

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
  /** shotKey(rel_path). */
  shot: string | null;
  /** The photo this file is shown as part of (a RAW beside its JPEG), or null when it is a photo of its own. */
  pair_id: number | null;
  /** Keywords found in the file and its sidecars, a JSON array of strings (null until read). */
  keywords: string | null;
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

/** Which version of a file the indexer read: the row's size and mtime when its job was claimed. */
export interface FileVersion {
  size: number;
  mtimeMs: number;
}

/** A file of a shot, as refreshShot weighs it. */
interface ShotRow {
  id: number;
  name: string;
  status: PhotoStatus;
  pair_id: number | null;
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
  /** Keywords found in the file and its sidecars (left as they were when not given). */
  keywords?: string[];
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

export interface CatalogOptions {
  /**
   * When the library cannot be written (read-only folder, file or mount), open it read-only instead of failing:
   * for commands that only read (`scenery search`, `scenery photos`). Writes then fail with SQLITE_READONLY.
   */
  readOnlyFallback?: boolean;
}

/** The catalog file cannot be used; the message says which file and what to do. */
export class CatalogError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly file: string,
  ) {
    super(message);
  }
}

const CORRUPT_CODES = /^SQLITE_(CORRUPT|NOTADB)/;
/**
 * The file-system codes of a library Scenery may not write: refused permission, or a read-only mount. The writer
 * lock (library-lock.ts) creates a plain file and meets only these; opening the catalog also meets SQLite's own.
 * indexer/storage-faults.ts classifies more (a full disk, an I/O error) because a running library stalls on those
 * and resumes, where opening says "not writable" only for what no waiting cures.
 */
export const FS_NOT_WRITABLE_CODES: readonly string[] = ['EACCES', 'EPERM', 'EROFS'];
const READ_ONLY_CODES = new RegExp(`^(SQLITE_READONLY|SQLITE_CANTOPEN|${FS_NOT_WRITABLE_CODES.join('|')})`);

/** The one wording for a library Scenery may not write (catalog open, or the writer lock beside it). */
export function libraryNotWritable(dir: string, code: string, detail: string, file: string): CatalogError {
  return new CatalogError(
    `cannot write the library ${dir} (${code}: ${detail}). Scenery keeps its catalog there: make the folder and catalog.sqlite writable, or choose another library with --library. Read-only commands (scenery search, scenery photos) work on a read-only library.`,
    code,
    file,
  );
}

/**
 * A SQLite error that means the catalog file itself is damaged, said with its path and the way out (the catalog
 * is only an index of the photos: rebuilding it loses corrections, never photos). Anything else: null.
 */
export function damagedCatalogError(e: unknown, file: string): CatalogError | null {
  const code = (e as { code?: unknown })?.code;
  if (e instanceof CatalogError || typeof code !== 'string' || !CORRUPT_CODES.test(code)) return null;
  return new CatalogError(
    `the catalog ${file} is damaged (${code}: ${(e as Error).message}). Move it aside (e.g. rename it to catalog.sqlite.damaged) and run \`scenery index FOLDER\` to rebuild it; your photos are untouched (only tags you corrected by hand are lost).`,
    code,
    file,
  );
}

export class Catalog {
  readonly db: Database.Database;
  readonly file: string;
  /** Opened read-only (CatalogOptions.readOnlyFallback): nothing may be written. */
  readonly readOnly: boolean = false;
  /** Pages of photos, scene-group counts and listings. */
  readonly browse: BrowseQueries;
  /** What the search index reads. */
  readonly searchRows: SearchRows;
  /** Personal scenes, their examples and members (engine/personal/). */
  readonly personal: PersonalRows;
  /**
   * Called with the photos whose pairing changed (a RAW hidden behind its JPEG, or shown again when the JPEG
   * went): the library reports them on its "photos changed" path and wakes the indexer.
   */
  pairsChanged: ((ids: number[]) => void) | null = null;
  private shotStmt: Database.Statement | null = null;
  /** What Scenery wrote into photos' keywords (keywords/keyword-sync.ts). */
  readonly keywordRecords: KeywordRecords;

  constructor(
    readonly dir: string,
    options: CatalogOptions = {},
  ) {
    this.file = join(dir, 'catalog.sqlite');
    try {
      if (existsSync(this.file) && !writable(dir, this.file)) {
        // SQLite would open it read-only without a word, and the first write would fail far from here.
        if (!options.readOnlyFallback) throw Object.assign(new Error('permission denied'), { code: 'EACCES' });
        this.db = openReadOnly(this.file);
        this.readOnly = true;
      } else {
        this.db = this.openWritable();
      }
      // Used by migration 4, and by nothing else: the JavaScript rule, so that old and new rows agree.
      this.db.function('shot_key', { deterministic: true }, (p: unknown) => (typeof p === 'string' ? shotKey(p) : null));
      this.migrate();
    } catch (e) {
      throw damagedCatalogError(e, this.file) ?? this.explainOpenError(e);
    }
    this.browse = new BrowseQueries(this.db);
    this.searchRows = new SearchRows(this.db);
    this.personal = new PersonalRows(this.db);
    this.keywordRecords = new KeywordRecords(this.db);
    if (!this.readOnly) this.showRawsOfFailedPictures();
  }

  /** A library from before a damaged JPEG stopped hiding its RAW (refreshShot): those RAWs are shown, and read. */
  private showRawsOfFailedPictures(): void {
    const shots = this.db
      .prepare("SELECT DISTINCT p.folder_id AS folderId, p.shot FROM photos r JOIN photos p ON p.id = r.pair_id WHERE r.pair_id IS NOT NULL AND p.status = 'failed' AND p.shot IS NOT NULL")
      .all() as { folderId: number; shot: string }[];
    this.refreshShots(shots);
  }

  private openWritable(): Database.Database {
    mkdirSync(this.dir, { recursive: true });
    const db = new Database(this.file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
    } catch (e) {
      db.close();
      throw e;
    }
    return db;
  }

  private explainOpenError(e: unknown): Error {
    const code = (e as { code?: unknown })?.code;
    if (typeof code === 'string' && READ_ONLY_CODES.test(code) && !(e instanceof CatalogError)) {
      return libraryNotWritable(this.dir, code, (e as Error).message, this.file);
    }
    return e as Error;
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      throw new Error(`this library was written by a newer Scenery (schema ${current}; this version knows ${MIGRATIONS.length})`);
    }
    if (this.readOnly && current < MIGRATIONS.length) {
      throw new CatalogError(
        `the catalog ${this.file} was written by an older Scenery and must be upgraded, which needs write access to ${this.dir}: run any scenery command once with write access.`,
        'SQLITE_READONLY',
        this.file,
      );
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

  /**
   * The statements run once per photo in a loop (a bulk correction of 100,000 photos, the events after it),
   * prepared once: compiling them anew each time was half the cost.
   */
  private readonly stmts = new Map<string, Database.Statement>();
  private stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) this.stmts.set(sql, (s = this.db.prepare(sql)));
    return s;
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
         FROM photos WHERE status != 'missing' AND pair_id IS NULL GROUP BY folder_id`,
      )
      .all() as { folder_id: number; total: number; indexed: number; failed: number }[];
    return new Map(rows.map((r) => [r.folder_id, { total: r.total, indexed: r.indexed ?? 0, failed: r.failed ?? 0 }]));
  }

  // ---- photos
  photo(id: number): PhotoRow | undefined {
    return this.stmt('SELECT * FROM photos WHERE id = ?').get(id) as PhotoRow | undefined;
  }
  /** Ids of every photo of a folder, whatever its status. */
  photoIdsInFolder(folderId: number): number[] {
    return this.db.prepare('SELECT id FROM photos WHERE folder_id = ?').pluck().all(folderId) as number[];
  }
  /** The first 64 indexed photos (folder root and relative path), to calibrate an int8 model on. */
  someIndexedPhotoFiles(): { root: string; rel: string }[] {
    return this.db
      .prepare("SELECT f.path AS root, p.rel_path AS rel FROM photos p JOIN folders f ON f.id = p.folder_id WHERE p.status = 'indexed' ORDER BY p.id LIMIT 64")
      .all() as { root: string; rel: string }[];
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
    const existing = this.db.prepare('SELECT id, size, mtime_ms, status, pair_id FROM photos WHERE folder_id = ? AND rel_path = ?').get(folderId, f.relPath) as
      | { id: number; size: number; mtime_ms: number; status: PhotoStatus; pair_id: number | null }
      | undefined;
    const now = Date.now();
    if (!existing) {
      const r = this.db
        .prepare("INSERT INTO photos(folder_id, rel_path, name, size, mtime_ms, status, added_ts, shot) VALUES(?, ?, ?, ?, ?, 'pending', ?, ?)")
        .run(folderId, f.relPath, f.name, f.size, Math.round(f.mtimeMs), now, shotKey(f.relPath));
      const id = Number(r.lastInsertRowid);
      this.enqueue(id, priority);
      this.refreshShots([{ folderId, shot: shotKey(f.relPath) }]);
      return { id, change: 'added' };
    }
    if (existing.size === f.size && existing.mtime_ms === Math.round(f.mtimeMs)) {
      if (existing.status === 'missing') {
        const hasPred = this.db.prepare('SELECT 1 FROM predictions WHERE photo_id = ? LIMIT 1').get(existing.id);
        this.db.prepare("UPDATE photos SET status = ?, version = version + 1 WHERE id = ?").run(hasPred ? 'indexed' : 'pending', existing.id);
        if (!hasPred) this.enqueue(existing.id, priority);
        this.refreshShots([{ folderId, shot: shotKey(f.relPath) }]);
        return { id: existing.id, change: 'restored' };
      }
      return { id: existing.id, change: 'unchanged' };
    }
    this.db
      .prepare("UPDATE photos SET size = ?, mtime_ms = ?, status = 'pending', error = NULL, version = version + 1 WHERE id = ?")
      .run(f.size, Math.round(f.mtimeMs), existing.id);
    // A RAW hidden behind its JPEG is read again only if it is shown again (refreshShot).
    if (existing.pair_id === null) this.enqueue(existing.id, priority);
    // A JPEG back (changed) after it went missing, or after it could not be read, hides its RAW again.
    if (existing.status === 'missing' || existing.status === 'failed') this.refreshShots([{ folderId, shot: shotKey(f.relPath) }]);
    return { id: existing.id, change: 'changed' };
  }

  /** A deleted file is kept, marked missing, with its tags, until its content shows up again. */
  markMissing(ids: number[]): void {
    const st = this.db.prepare("UPDATE photos SET status = 'missing', version = version + 1 WHERE id = ? AND status != 'missing'");
    const job = this.db.prepare('DELETE FROM jobs WHERE photo_id = ?');
    const shots: { folderId: number; shot: string }[] = [];
    this.transaction(() => {
      for (const id of ids) {
        const went = st.run(id).changes > 0;
        job.run(id);
        if (!went) continue;
        const p = this.photo(id);
        if (p) shots.push({ folderId: p.folder_id, shot: p.shot ?? shotKey(p.rel_path) });
      }
    });
    // The other file of a RAW+JPEG pair becomes the photo.
    this.refreshShots(shots);
  }

  /**
   * Photos that may be a new path's file under its old path: same size and modification time (a rename or move
   * keeps both), content already hashed, so that the caller can confirm with the new file's hash.
   */
  moveCandidates(size: number, mtimeMs: number): { id: number; folder_id: number; rel_path: string; hash: string; status: PhotoStatus }[] {
    return this.db
      .prepare('SELECT id, folder_id, rel_path, hash, status FROM photos WHERE size = ? AND mtime_ms = ? AND hash IS NOT NULL ORDER BY id')
      .all(size, Math.round(mtimeMs)) as { id: number; folder_id: number; rel_path: string; hash: string; status: PhotoStatus }[];
  }

  /**
   * A file was moved or renamed: its record keeps its id, tags, predictions, features, corrections and thumbnail
   * key and takes the new path; nothing is decoded or classified again. Checked and done in one transaction:
   * false (nothing changed) when the record is no longer at `from` or a record already holds the new path.
   * A record that was marked missing comes back as it was (indexed when it has predictions).
   */
  relocatePhoto(id: number, from: { folderId: number; relPath: string }, folderId: number, f: FileFacts, priority: number): boolean {
    const moved = this.transaction(() => {
      const row = this.db.prepare('SELECT folder_id, rel_path, status FROM photos WHERE id = ?').get(id) as
        | { folder_id: number; rel_path: string; status: PhotoStatus }
        | undefined;
      if (!row || row.folder_id !== from.folderId || row.rel_path !== from.relPath) return false;
      if (this.db.prepare('SELECT 1 FROM photos WHERE folder_id = ? AND rel_path = ?').get(folderId, f.relPath)) return false;
      let status = row.status;
      if (status === 'missing') status = this.db.prepare('SELECT 1 FROM predictions WHERE photo_id = ? LIMIT 1').get(id) ? 'indexed' : 'pending';
      this.db
        .prepare('UPDATE photos SET folder_id = ?, rel_path = ?, name = ?, size = ?, mtime_ms = ?, status = ?, shot = ?, version = version + 1 WHERE id = ?')
        .run(folderId, f.relPath, f.name, f.size, Math.round(f.mtimeMs), status, shotKey(f.relPath), id);
      if (row.status === 'missing' && status === 'pending') this.enqueue(id, priority);
      return true;
    });
    if (moved) this.refreshShots([{ folderId: from.folderId, shot: shotKey(from.relPath) }, { folderId, shot: shotKey(f.relPath) }]);
    return moved;
  }

  /**
   * The indexer's fallback for a move the scanner did not recognise (the file's mtime changed on the way, e.g. a
   * copy then delete): the new record `newId` has the content `hash` of a missing photo. The old record (tags,
   * corrections, predictions) takes the new path, the new record is dropped and its running job passes to the
   * old one. Returns the surviving id, or null.
   */
  adoptMovedPhoto(newId: number, hash: string): number | null {
    // Nearly every photo indexed has no missing twin: answered by one read, without a transaction.
    const old = this.db.prepare("SELECT id FROM photos WHERE hash = ? AND status = 'missing' AND id != ? ORDER BY id LIMIT 1").get(hash, newId) as
      | { id: number }
      | undefined;
    if (!old) return null;
    // Synchronous from the read above to the commit: nothing else writes in between.
    const adopted = this.transaction(() => {
      const cur = this.photo(newId);
      if (!cur || cur.status === 'missing') return null;
      const job = this.db.prepare('SELECT priority FROM jobs WHERE photo_id = ?').get(newId) as { priority: number } | undefined;
      this.db.prepare('DELETE FROM photos WHERE id = ?').run(newId);
      this.db
        .prepare("UPDATE photos SET folder_id = ?, rel_path = ?, name = ?, size = ?, mtime_ms = ?, status = 'pending', shot = ?, version = version + 1 WHERE id = ?")
        .run(cur.folder_id, cur.rel_path, cur.name, cur.size, cur.mtime_ms, shotKey(cur.rel_path), old.id);
      this.db
        .prepare("INSERT INTO jobs(photo_id, state, priority, enqueued_ts, attempts) VALUES(?, 'running', ?, ?, 1) ON CONFLICT(photo_id) DO UPDATE SET state = 'running'")
        .run(old.id, job?.priority ?? 0, Date.now());
      return { id: old.id, folderId: cur.folder_id, shot: shotKey(cur.rel_path) };
    });
    if (!adopted) return null;
    this.refreshShots([{ folderId: adopted.folderId, shot: adopted.shot }]);
    return adopted.id;
  }

  /**
   * RAW+JPEG pairs. A shot (same folder, same path but for the extension) that has a RAW and another picture on
   * disk is ONE photo: the other picture (a JPEG first) is shown and classified, and each RAW is hidden behind it
   * (pair_id), listed among the photo's files. When the JPEG goes missing the RAW is a photo of its own again
   * (queued, if it was never indexed); when a JPEG arrives next to a RAW the RAW is hidden. A person's correction
   * passes to the file that is shown. Called after every change of which files a shot has; reports the photos
   * whose pairing changed to `pairsChanged`.
   */
  private refreshShots(shots: readonly { folderId: number; shot: string }[]): void {
    // Nearly every shot is one file that is nobody's pair: answered by one indexed read, without a transaction.
    this.shotStmt ??= this.db.prepare('SELECT id, name, status, pair_id FROM photos WHERE folder_id = ? AND shot = ? ORDER BY id');
    const groups = shots
      .filter((s, i) => shots.findIndex((o) => o.folderId === s.folderId && o.shot === s.shot) === i)
      .map((s) => this.shotStmt!.all(s.folderId, s.shot) as ShotRow[])
      .filter((rows) => rows.length > 1 || rows.some((r) => r.pair_id !== null));
    if (!groups.length) return;
    const changed = this.transaction(() => groups.flatMap((rows) => this.refreshShot(rows)));
    if (changed.length) this.pairsChanged?.(changed);
  }

  private refreshShot(rows: readonly ShotRow[]): number[] {
    const live = rows.filter((r) => r.status !== 'missing');
    // A picture that could not be read is no primary: its RAW is shown (and read) instead, until it is fixed.
    const others = live.filter((r) => !isRawName(r.name) && r.status !== 'failed').sort((a, b) => primaryRank(a.name) - primaryRank(b.name) || a.id - b.id);
    const primary = others.length && live.some((r) => isRawName(r.name)) ? others[0]! : null;
    const changed: number[] = [];
    for (const r of rows) {
      const want = primary && r.status !== 'missing' && isRawName(r.name) ? primary.id : null;
      if (r.pair_id === want) continue;
      this.db.prepare('UPDATE photos SET pair_id = ?, version = version + 1 WHERE id = ?').run(want, r.id);
      if (want !== null) {
        // Hidden: not classified on its own; its correction, if the shown file has none, goes with the photo.
        this.db.prepare('DELETE FROM jobs WHERE photo_id = ?').run(r.id);
        this.passCorrection(r.id, want);
      } else if (r.status !== 'missing') {
        // Shown again (its JPEG went): the photo keeps the person's scene, and is read if it never was.
        if (r.pair_id !== null) this.passCorrection(r.pair_id, r.id);
        if (r.status === 'pending') this.enqueue(r.id, 0);
      }
      changed.push(r.id);
    }
    return changed;
  }

  private passCorrection(from: number, to: number): void {
    const moved = this.db
      .prepare('INSERT OR IGNORE INTO corrections(photo_id, label_index, rejected, updated_at) SELECT ?, label_index, rejected, updated_at FROM corrections WHERE photo_id = ?')
      .run(to, from).changes;
    if (moved) this.refreshScene(to, this.photo(to)?.model ?? null);
  }

  /** The files hidden behind a photo (its RAWs), by name. */
  pairedFiles(id: number): { name: string; size: number }[] {
    return this.db.prepare('SELECT name, size FROM photos WHERE pair_id = ? ORDER BY name').all(id) as { name: string; size: number }[];
  }

  /**
   * The indexer's work on this photo is still current: its job is running (not dropped because the file was
   * deleted), the photo is not missing, and the row still describes the file version that was read (`read`:
   * size and mtime; a change re-queues the photo and a second job reads the new version).
   */
  private isCurrent(id: number, read: FileVersion): boolean {
    return !!this.db
      .prepare(
        "SELECT 1 FROM jobs j JOIN photos p ON p.id = j.photo_id WHERE j.photo_id = ? AND j.state = 'running' AND p.status != 'missing' AND p.size = ? AND p.mtime_ms = ?",
      )
      .get(id, read.size, read.mtimeMs);
  }

  /**
   * A moved photo adopted by the indexer that already has this model's predictions (and a thumbnail): it is
   * indexed again without decoding or classifying. False when its job is no longer the claimed one.
   */
  completeAdopted(id: number, model: string, read: FileVersion): boolean {
    return this.transaction(() => {
      if (!this.isCurrent(id, read) || !this.prediction(id, model)) return false;
      this.db.prepare("UPDATE photos SET status = 'indexed', error = NULL, model = ?, version = version + 1 WHERE id = ?").run(model, id);
      this.refreshScene(id, model);
      this.db.prepare("UPDATE jobs SET state = 'done' WHERE photo_id = ?").run(id);
      return true;
    });
  }

  /**
   * The indexer's result for a claimed job, committed only if the job is still the one it claimed, in one
   * transaction: a photo deleted (marked missing, job dropped) or changed (queued again) while it was being
   * classified is not written back as indexed, nor is a stale result for a file changed meanwhile (its new
   * version is indexed by the job queued for it). Returns whether it was stored.
   */
  commitPrediction(id: number, p: PredictionInput, read: FileVersion): boolean {
    return this.transaction(() => {
      if (!this.isCurrent(id, read)) return false;
      this.savePrediction(id, p);
      return true;
    });
  }

  /** setFailed for a claimed job (see commitPrediction). */
  commitFailure(id: number, read: FileVersion, message: string, kind: FailureKind = 'internal'): boolean {
    return this.transaction(() => {
      if (!this.isCurrent(id, read)) return false;
      this.setFailed(id, message, kind);
      return true;
    });
  }

  /**
   * Thumbnail keys of a folder's photos that no photo of another folder shares (to delete with the folder).
   * The indexer keys thumbnails by content hash (thumb_key = hash), so sharing is looked up by the indexed hash.
   */
  thumbKeysOnlyIn(folderId: number): string[] {
    return this.db
      .prepare(
        `SELECT DISTINCT p.thumb_key FROM photos p WHERE p.folder_id = ? AND p.thumb_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM photos o WHERE o.hash = p.thumb_key AND o.folder_id != ?)`,
      )
      .pluck()
      .all(folderId, folderId) as string[];
  }

  /** With `read`: only while the row still describes that file version (a stale read must not overwrite a newer one). */
  setMetadata(id: number, m: PhotoMetadata, read?: FileVersion): void {
    this.db
      .prepare(
        `UPDATE photos SET hash = ?, width = ?, height = ?, taken_at = ?, taken_ts = ?, camera = ?, gps_lat = ?, gps_lon = ?, thumb_key = ?, keywords = COALESCE(?, keywords)
         WHERE id = ? AND (? IS NULL OR (size = ? AND mtime_ms = ?))`,
      )
      .run(m.hash, m.width, m.height, m.takenAt, m.takenTs, m.camera, m.gpsLat, m.gpsLon, m.thumbKey, m.keywords ? JSON.stringify(m.keywords) : null, id, read ? 1 : null, read?.size ?? null, read?.mtimeMs ?? null);
  }

  /** A photo's keywords after its sidecar changed (the photo itself was not read again). */
  setKeywords(id: number, keywords: string[]): void {
    // No version bump: the version busts image caches, and keywords change no pixels.
    this.db.prepare('UPDATE photos SET keywords = ? WHERE id = ?').run(JSON.stringify(keywords), id);
  }

  /**
   * Indexed photos whose keywords were never read (catalogued before Scenery read keywords), after `afterId`, by id:
   * metadata/keyword-backfill.ts reads them without decoding the photo again.
   */
  photosWithoutKeywords(afterId: number, limit: number): { id: number; root: string; rel_path: string }[] {
    return this.db
      .prepare(
        `SELECT p.id, f.path AS root, p.rel_path FROM photos p JOIN folders f ON f.id = p.folder_id
         WHERE p.id > ? AND p.keywords IS NULL AND p.status = 'indexed' ORDER BY p.id LIMIT ?`,
      )
      .all(afterId, limit) as { id: number; root: string; rel_path: string }[];
  }

  /** What the backfill read: the keywords, and a date taken only where none was known (a maker-note or WebP date). */
  setBackfilledMetadata(id: number, keywords: string[], takenAt: string | null, takenTs: number | null): void {
    this.db
      .prepare(
        `UPDATE photos SET keywords = ?, taken_at = COALESCE(taken_at, ?), taken_ts = CASE WHEN taken_at IS NULL THEN ? ELSE taken_ts END
         WHERE id = ? AND keywords IS NULL`,
      )
      .run(JSON.stringify(keywords), takenAt, takenTs, id);
  }

  /**
   * The photos of a folder a sidecar at `relStem + .xmp` belongs to: `dir/IMG_1` (from IMG_1.xmp) names every
   * `dir/IMG_1.<ext>`, and `dir/IMG_1.JPG` (from IMG_1.JPG.xmp) names that file too.
   */
  photosForSidecar(folderId: number, relStem: string): { id: number; rel_path: string }[] {
    const like = `${relStem.replace(/[\\%_]/g, (c) => `\\${c}`)}.%`;
    const rows = this.db
      .prepare(`SELECT id, rel_path FROM photos WHERE folder_id = ? AND status != 'missing' AND (rel_path = ? OR rel_path LIKE ? ESCAPE '\\')`)
      .all(folderId, relStem, like) as { id: number; rel_path: string }[];
    // LIKE ignores ASCII case and `IMG_1.%` also matches `IMG_1.a.b`: keep exact stems with one extension.
    return rows.filter((r) => r.rel_path === relStem || (r.rel_path.startsWith(`${relStem}.`) && !r.rel_path.slice(relStem.length + 1).includes('.') && !r.rel_path.slice(relStem.length + 1).includes('/')));
  }

  setFailed(id: number, message: string, kind: FailureKind = 'internal'): void {
    this.transaction(() => {
      this.db.prepare("UPDATE photos SET status = 'failed', error = ?, error_kind = ?, version = version + 1 WHERE id = ?").run(message, kind, id);
      this.db.prepare("UPDATE jobs SET state = 'failed' WHERE photo_id = ?").run(id);
    });
    // A damaged JPEG must not hide its RAW: the RAW's own preview is the photo while the JPEG cannot be read.
    const p = this.db.prepare('SELECT folder_id, shot FROM photos WHERE id = ?').get(id) as { folder_id: number; shot: string | null } | undefined;
    if (p?.shot != null) this.refreshShots([{ folderId: p.folder_id, shot: p.shot }]);
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
    return this.stmt('SELECT * FROM predictions WHERE photo_id = ? AND model = ?').get(id, model) as PredictionRow | undefined;
  }
  latestPrediction(id: number): PredictionRow | undefined {
    return this.db.prepare('SELECT * FROM predictions WHERE photo_id = ? ORDER BY indexed_at DESC LIMIT 1').get(id) as PredictionRow | undefined;
  }
  /** A photo's scene descriptor (fc7, int8) from `model`. */
  featureVector(id: number, model: string): Buffer | undefined {
    return this.db.prepare('SELECT vec FROM features WHERE photo_id = ? AND model = ?').pluck().get(id, model) as Buffer | undefined;
  }
  /** The descriptors from `model` of every indexed photo but `exceptId`, streamed (similar photos). */
  otherFeatureVectors(model: string, exceptId: number): Iterable<{ id: number; vec: Buffer }> {
    return this.db
      .prepare(
        "SELECT f.photo_id AS id, f.vec FROM features f JOIN photos p ON p.id = f.photo_id WHERE f.model = ? AND f.photo_id != ? AND p.status = 'indexed' AND p.pair_id IS NULL",
      )
      .iterate(model, exceptId) as Iterable<{ id: number; vec: Buffer }>;
  }
  correction(id: number): CorrectionRow | undefined {
    return this.stmt('SELECT * FROM corrections WHERE photo_id = ?').get(id) as CorrectionRow | undefined;
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

  /**
   * Bulk corrections (the grid's selection bar): the photos' current rows and corrections, read in one query each
   * (json_each keeps 100,000 ids one bound parameter, not 100,000).
   */
  photoStates(ids: readonly number[]): { id: number; status: string; scene_index: number | null; folder_path: string; rel_path: string }[] {
    return this.db
      .prepare('SELECT p.id, p.status, p.scene_index, f.path AS folder_path, p.rel_path FROM photos p JOIN folders f ON f.id = p.folder_id WHERE p.id IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify(ids)) as { id: number; status: string; scene_index: number | null; folder_path: string; rel_path: string }[];
  }
  correctionsOf(ids: readonly number[]): Map<number, CorrectionRow> {
    const rows = this.db.prepare('SELECT * FROM corrections WHERE photo_id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as CorrectionRow[];
    return new Map(rows.map((r) => [r.photo_id, r]));
  }

  /**
   * Writes many photos' corrections as one transaction: `row` null deletes the photo's correction, else it is
   * written as given (its updated_at too, so that an undo restores the row exactly). Each photo's shown scene follows.
   */
  writeCorrections(items: readonly { id: number; row: { label_index: number | null; rejected: string; updated_at: string } | null }[]): void {
    const del = this.db.prepare('DELETE FROM corrections WHERE photo_id = ?');
    const put = this.db.prepare(
      `INSERT INTO corrections(photo_id, label_index, rejected, updated_at) VALUES(?, ?, ?, ?)
       ON CONFLICT(photo_id) DO UPDATE SET label_index = excluded.label_index, rejected = excluded.rejected, updated_at = excluded.updated_at`,
    );
    const model = this.db.prepare('SELECT model FROM photos WHERE id = ?').pluck();
    const bump = this.db.prepare('UPDATE photos SET version = version + 1 WHERE id = ?');
    this.transaction(() => {
      for (const { id, row } of items) {
        if (row === null) del.run(id);
        else put.run(id, row.label_index, row.rejected, row.updated_at);
        this.refreshScene(id, (model.get(id) as string | null | undefined) ?? null);
        bump.run(id);
      }
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
    this.stmt('UPDATE photos SET scene_index = ?, scene_prob = ?, corrected = ?, indoor = ? WHERE id = ?').run(shown?.index ?? null, shown?.prob ?? null, shown?.corrected ? 1 : 0, indoor === null ? null : indoor ? 1 : 0, id);
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

  /** When the earliest pending job held back (retryLater) after `now` may run, or null when none is. */
  nextDeferredJobTs(now: number): number | null {
    const row = this.db.prepare("SELECT MIN(not_before_ts) AS t FROM jobs WHERE state = 'pending' AND not_before_ts > ?").get(now) as { t: number | null };
    return row.t;
  }

  /** After a crash or kill, running jobs go back to pending: nothing finished is redone. */
  resetRunningJobs(): number {
    if (this.readOnly) return 0;
    return this.db.prepare("UPDATE jobs SET state = 'pending' WHERE state = 'running'").run().changes;
  }

  /** `uncounted`: the claim that failed does not count as an attempt (nothing was wrong with the photo). */
  retryLater(id: number, delayMs: number, uncounted = false): void {
    this.db
      .prepare(`UPDATE jobs SET state = 'pending', not_before_ts = ?${uncounted ? ', attempts = MAX(attempts - 1, 0)' : ''} WHERE photo_id = ?`)
      .run(Date.now() + delayMs, id);
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
         WHERE p.status IN ('indexed', 'pending') AND p.pair_id IS NULL AND NOT EXISTS (SELECT 1 FROM predictions r WHERE r.photo_id = p.id AND r.model = ?)
         ON CONFLICT(photo_id) DO UPDATE SET state = 'pending'`,
      )
      .run(Date.now(), model).changes;
  }

  /** The photos that could not be read (the ones retryFailed queues again). */
  failedPhotoIds(): number[] {
    return this.db.prepare("SELECT id FROM photos WHERE status = 'failed' AND pair_id IS NULL").pluck().all() as number[];
  }

  retryFailed(): number {
    const shots = this.db.prepare("SELECT folder_id AS folderId, shot FROM photos WHERE status = 'failed' AND shot IS NOT NULL").all() as { folderId: number; shot: string }[];
    const n = this.transaction(() => {
      const n = this.db.prepare("UPDATE jobs SET state = 'pending', attempts = 0, not_before_ts = 0 WHERE state = 'failed'").run().changes;
      this.db.prepare("UPDATE photos SET status = 'pending', error = NULL WHERE status = 'failed'").run();
      return n;
    });
    // A JPEG read again hides its RAW again (refreshShot); if it fails again, setFailed shows the RAW.
    this.refreshShots(shots);
    return n;
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
        `SELECT COUNT(*) AS total, SUM(status='indexed') AS indexed, SUM(status='failed') AS failed, SUM(status='pending') AS pending, SUM(status='missing') AS missing FROM photos WHERE pair_id IS NULL`,
      )
      .get() as { total: number; indexed: number | null; failed: number | null; pending: number | null; missing: number | null };
    return { total: r.total, indexed: r.indexed ?? 0, failed: r.failed ?? 0, pending: r.pending ?? 0, missing: r.missing ?? 0 };
  }
}

/** Whether this process may write the catalog (and its -wal/-shm files next to it). */
function writable(dir: string, file: string): boolean {
  try {
    accessSync(dir, fsc.W_OK);
    accessSync(file, fsc.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A read-only connection. SQLite opens a WAL database read-only only if it can create the -shm file next to it
 * (or it already exists): in a read-only folder after a clean close it cannot, so the catalog is read into memory
 * instead, marked as a rollback-journal database (header bytes 18-19; WAL content is all in the main file after
 * a clean close), and nothing on disk is touched.
 */
function openReadOnly(file: string): Database.Database {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      db.pragma('user_version', { simple: true });
      return db;
    } catch (e) {
      db.close();
      throw e;
    }
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string' || !/^SQLITE_(READONLY|CANTOPEN)/.test(code)) throw e;
  }
  const image = readFileSync(file);
  if (image.length >= 20 && image[18] === 2 && image[19] === 2) {
    image[18] = 1;
    image[19] = 1;
  }
  return new Database(image, { readonly: true });
}
