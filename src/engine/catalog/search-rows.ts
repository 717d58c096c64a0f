/**
 * What the in-memory search index (search/search-index.ts) reads from the
 * catalog: per photo its place, date, status, the current model's top labels
 * and the person's correction. The catalog owns the SQL (lint rule
 * tools/eslint/catalog-sql.js); the statements are prepared once and reused,
 * because the index reads a million rows on warm-up and one row after every
 * change of a photo.
 */
import type Database from 'better-sqlite3';
import type { PhotoRow } from './catalog.js';

/** One photo as the search index needs it. */
export interface IndexRow {
  id: number;
  folder_id: number;
  rel_path: string;
  status: string;
  taken_ts: number | null;
  vote: number | null;
  top_index: Buffer | null;
  top_prob: Buffer | null;
  correction: number | null;
  rejected: string | null;
  /** Keywords found in the file and its sidecars (JSON array), or null. */
  keywords: string | null;
}

/** Rows per slice of the background warm-up (searchRows.after). */
export const INDEX_PAGE = 20000;

const INDEX_ROWS = `SELECT p.id, p.folder_id, p.rel_path, p.status, p.taken_ts, r.indoor AS vote, r.top_index, r.top_prob, c.label_index AS correction, c.rejected, p.keywords
    FROM photos p LEFT JOIN predictions r ON r.photo_id = p.id AND r.model = p.model LEFT JOIN corrections c ON c.photo_id = p.id
    WHERE p.status != 'missing' AND p.pair_id IS NULL`;

export class SearchRows {
  private allStmt: Database.Statement | null = null;
  private pageStmt: Database.Statement | null = null;
  private oneStmt: Database.Statement | null = null;

  constructor(private readonly db: Database.Database) {}

  /** Every photo that is not missing, streamed (the index built in one go). */
  all(): Iterable<IndexRow> {
    this.allStmt ??= this.db.prepare(INDEX_ROWS);
    return this.allStmt.iterate() as Iterable<IndexRow>;
  }

  /** The next INDEX_PAGE photos with an id above `afterId`, by id (the index built in slices). */
  after(afterId: number): IndexRow[] {
    this.pageStmt ??= this.db.prepare(`${INDEX_ROWS} AND p.id > ? ORDER BY p.id LIMIT ${INDEX_PAGE}`);
    return this.pageStmt.all(afterId) as IndexRow[];
  }

  /** One photo, or undefined when it is missing, gone, or shown as part of another (a RAW beside its JPEG). */
  one(id: number): IndexRow | undefined {
    this.oneStmt ??= this.db.prepare(`${INDEX_ROWS} AND p.id = ?`);
    return this.oneStmt.get(id) as IndexRow | undefined;
  }

  /** The photo rows of a page of hits, in no particular order (ids that are gone are left out). */
  photos(ids: readonly number[]): PhotoRow[] {
    if (!ids.length) return [];
    return this.db.prepare(`SELECT * FROM photos WHERE id IN (${ids.map(() => '?').join(',')})`).all(...ids) as PhotoRow[];
  }
}
