/**
 * The one path by which the engine learns that photos changed.
 *
 * Every writer (the scanner's and the indexer's hooks, scene corrections,
 * retrying failed files, removing a folder) reports here, and every follower (the scene-group
 * counts cache, the search index, also while it is being built, and the UI
 * events photo.added/updated/removed) subscribes here. Before there was this
 * one path each writer cleared caches and updated the index itself, and the
 * writers that forgot one follower left it stale (a folder removed while the
 * search index was warming up stayed searchable).
 *
 * Engine-internal: a UI sees only the EngineEvents (events/engine-events.ts)
 * that one follower derives from these reports. Reports are delivered
 * synchronously, in the order the followers subscribed.
 */

export interface PhotoChangeFollower {
  /** The photos' rows changed (added, re-indexed, corrected, or gone missing: read them again). */
  changed?(ids: readonly number[], how: 'added' | 'updated'): void;
  /** The photos' rows are gone from the catalog. */
  removed?(ids: readonly number[]): void;
}

export class PhotoChanges {
  private followers: PhotoChangeFollower[] = [];
  private closed = false;

  /** Subscribes; returns the function that unsubscribes. */
  follow(f: PhotoChangeFollower): () => void {
    this.followers.push(f);
    return () => {
      this.followers = this.followers.filter((x) => x !== f);
    };
  }

  changed(ids: readonly number[], how: 'added' | 'updated' = 'updated'): void {
    if (this.closed || !ids.length) return;
    for (const f of this.followers) f.changed?.(ids, how);
  }

  removed(ids: readonly number[]): void {
    if (this.closed || !ids.length) return;
    for (const f of this.followers) f.removed?.(ids);
  }

  /** A closing library: late reports (photos still in flight in the indexer) reach no follower and no closed catalog. */
  close(): void {
    this.closed = true;
    this.followers = [];
  }
}
