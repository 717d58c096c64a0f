/**
 * The search index kept in step with the catalog: built in the background
 * after the library opens (or at once by the first search, whichever comes
 * first) and updated by following the one "photos changed" path
 * (events/photo-changes.ts).
 *
 * While the background warm-up reads the catalog in slices, changes may hit
 * rows it has already read: their ids are collected in `pending` and read
 * again when the warm-up ends. `pending` exists only during a warm-up and is
 * dropped however it ends (finished, superseded by a search, or closed), so
 * it never grows past the photos changed during one warm-up.
 */
import { INDEX_PAGE, type IndexRow, type SearchRows } from '../catalog/search-rows.js';
import type { PhotoChangeFollower } from '../events/photo-changes.js';
import { SearchIndex, type IndexEntry } from './search-index.js';
import { keywordsOf } from '../catalog/views.js';

export class LiveSearchIndex implements PhotoChangeFollower {
  private index: SearchIndex | null = null;
  /** Photos changed or removed while a warm-up runs; null when none runs. */
  private pending: Set<number> | null = null;
  private closed = false;

  constructor(
    private readonly rows: Pick<SearchRows, 'all' | 'after' | 'one'>,
    private readonly threshold: () => number,
  ) {}

  /** The index, built now (synchronously) if the warm-up has not finished. */
  get(): SearchIndex {
    if (this.index) return this.index;
    const idx = new SearchIndex();
    for (const r of this.rows.all()) idx.upsert(indexEntry(r));
    this.index = idx;
    return idx;
  }

  /** How many changes the running warm-up has yet to apply (0 when none runs). */
  get pendingCount(): number {
    return this.pending?.size ?? 0;
  }

  /**
   * Builds the index in slices that leave the event loop free (a million
   * photos take seconds), so that the first search is instant.
   */
  async warm(): Promise<void> {
    if (this.index || this.pending) return;
    const pending = new Set<number>();
    this.pending = pending;
    try {
      const idx = new SearchIndex();
      let after = 0;
      for (;;) {
        if (this.closed || this.index) return;
        const rows = this.rows.after(after);
        for (const r of rows) idx.upsert(indexEntry(r));
        if (rows.length < INDEX_PAGE) break;
        after = rows[rows.length - 1]!.id;
        await new Promise((r) => setImmediate(r));
      }
      if (this.closed || this.index) return;
      // Photos that changed while the index was being read are read again; removed ones are gone.
      for (const id of pending) this.refresh(idx, id);
      idx.prepare(this.threshold());
      this.index = idx;
    } finally {
      if (this.pending === pending) this.pending = null;
    }
  }

  changed(ids: readonly number[]): void {
    for (const id of ids) this.pending?.add(id);
    const idx = this.index;
    if (idx) for (const id of ids) this.refresh(idx, id);
  }

  removed(ids: readonly number[]): void {
    for (const id of ids) this.pending?.add(id);
    const idx = this.index;
    if (idx) for (const id of ids) idx.remove(id);
  }

  close(): void {
    this.closed = true;
  }

  private refresh(idx: SearchIndex, id: number): void {
    // No row: the photo is gone or missing.
    const r = this.rows.one(id);
    if (r) idx.upsert(indexEntry(r));
    else idx.remove(id);
  }
}

export function indexEntry(r: IndexRow): IndexEntry {
  const top = r.top_index ? new Uint16Array(r.top_index.buffer.slice(r.top_index.byteOffset, r.top_index.byteOffset + r.top_index.byteLength)) : [];
  const prob = r.top_prob ? new Float32Array(r.top_prob.buffer.slice(r.top_prob.byteOffset, r.top_prob.byteOffset + r.top_prob.byteLength)) : [];
  const slash = r.rel_path.lastIndexOf('/');
  return {
    id: r.id,
    folderId: r.folder_id,
    dir: slash >= 0 ? r.rel_path.slice(0, slash) : '',
    takenTs: r.taken_ts,
    failed: r.status === 'failed',
    top,
    prob,
    vote: r.vote === null ? null : r.vote === 1,
    correction: r.correction,
    rejected: r.rejected ? (JSON.parse(r.rejected) as number[]) : [],
    keywords: keywordsOf(r),
  };
}
