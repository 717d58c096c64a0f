/**
 * The SQL behind browsing: pages of photos (by date or by scene group),
 * scene-group counts, and the plain listings the CLI prints. It lives in the
 * catalog because the catalog owns every SQL statement (a lint rule,
 * tools/eslint/catalog-sql.js, keeps it so); the Library only maps the
 * contract's requests onto these methods.
 */
import type Database from 'better-sqlite3';
import type { PhotoRow } from './catalog.js';
import { GROUP_FAILED, GROUP_PENDING, GROUP_SQL, GROUP_UNCERTAIN } from '../labels/shown-scene.js';
import { PLACES365_LABELS, humanName } from '../labels/label-sets.js';

/** One page of photos: which photos (all filters optional) and in what order. */
export interface PhotoPageQuery {
  /** Only the files that could not be read (otherwise never those). */
  failed: boolean;
  /** Only this group (shown-scene.ts group number: a scene index or a special group). */
  group: number | null;
  folderId: number | null;
  /** With `folderId`: only photos under this folder below the watched root (`a/b`, `/`-separated), at any depth. */
  subfolder?: string | null;
  /** true: only photos with a date taken; false: only those without. */
  dated: boolean | null | undefined;
  /** `YYYY-MM`: only photos taken in that month (see `monthCounts` for whose clock); null: any. */
  month: string | null;
  /** Ordered by scene group (special groups last), else by date, newest first. */
  byScene: boolean;
  threshold: number;
  offset: number;
  limit: number;
}

/** A photo with its folder's path, its current model's top labels and the RAWs shown with it (a JSON array of relative paths) (`scenery photos`). */
export type PhotoListingRow = PhotoRow & { folder_path: string; top_index: Buffer | null; top_prob: Buffer | null; pred_indoor: number | null; paired_paths: string };

/** A scene group's size and cover photo (see `groupCounts`). */
export interface GroupCountRow {
  g: number;
  n: number;
  cover: number;
  cover_version: number;
}

const HOUR = 3_600_000;

export class BrowseQueries {
  /** Prepared once: the group counts are asked for after every change of a photo (cache cleared). */
  private groupCountsStmt: Database.Statement | null = null;

  constructor(private readonly db: Database.Database) {
    // scene_name(i): the human name of a Places365 index, for ordering by scene in SQL.
    db.function('scene_name', { deterministic: true }, (i: unknown) =>
      typeof i === 'number' || typeof i === 'bigint' ? humanName(PLACES365_LABELS[Number(i)] ?? '') : null,
    );
  }

  private page(q: PhotoPageQuery, what: 'rows' | 'ids'): { total: number; rows: PhotoRow[] } | { total: number; ids: number[] } {
    // Files that could not be read are listed only on their own ("Could not be read"), never among the photos.
    // A RAW shown as part of its JPEG's photo (pair_id) is never a photo of its own.
    const where: string[] = ["status != 'missing'", 'pair_id IS NULL', q.failed ? "status = 'failed'" : "status != 'failed'"];
    const params: Record<string, unknown> = { t: q.threshold, limit: q.limit, offset: q.offset };
    if (q.group !== null) {
      where.push(`(${GROUP_SQL}) = @scene`);
      params['scene'] = q.group;
    }
    if (q.folderId !== null) {
      where.push('folder_id = @folder');
      params['folder'] = q.folderId;
      if (q.subfolder) {
        // Everything under `sub/`: a range on the (folder_id, rel_path) unique index ('0' is the character after '/').
        where.push('rel_path >= @sublo AND rel_path < @subhi');
        Object.assign(params, { sublo: `${q.subfolder}/`, subhi: `${q.subfolder}0` });
      }
    }
    if (q.dated === true) where.push('taken_ts IS NOT NULL');
    else if (q.dated === false) where.push('taken_ts IS NULL');
    if (q.month !== null) {
      // The month as written in taken_at (the camera's clock). The range on the date index, widened by the
      // largest UTC offsets (-12 h, +14 h), keeps a page of one month a short index scan, not a pass over the library.
      const [y, m] = q.month.split('-').map(Number) as [number, number];
      where.push('taken_ts IS NOT NULL', 'COALESCE(taken_ts, added_ts) BETWEEN @mlo AND @mhi', 'substr(taken_at, 1, 7) = @month');
      Object.assign(params, { month: q.month, mlo: Date.UTC(y, m - 1, 1) - 15 * HOUR, mhi: Date.UTC(y, m, 1) + 15 * HOUR });
    }
    const w = where.join(' AND ');
    const order = q.byScene
      ? `ORDER BY CASE (${GROUP_SQL}) WHEN ${GROUP_UNCERTAIN} THEN 1 WHEN ${GROUP_PENDING} THEN 2 WHEN ${GROUP_FAILED} THEN 3 ELSE 0 END, scene_name(scene_index), COALESCE(taken_ts, added_ts) DESC, id DESC`
      : 'ORDER BY COALESCE(taken_ts, added_ts) DESC, id DESC';
    const total = (this.db.prepare(`SELECT COUNT(*) FROM photos WHERE ${w}`).pluck().get(params) as number) ?? 0;
    const rows = this.db.prepare(`SELECT ${what === 'ids' ? 'id' : '*'} FROM photos WHERE ${w} ${order} LIMIT @limit OFFSET @offset`);
    return what === 'ids' ? { total, ids: rows.pluck().all(params) as number[] } : { total, rows: rows.all(params) as PhotoRow[] };
  }

  /** The photos of one page and how many match in all. */
  photoPage(q: PhotoPageQuery): { total: number; rows: PhotoRow[] } {
    return this.page(q, 'rows') as { total: number; rows: PhotoRow[] };
  }

  /** The ids of a page (the same filters and order as `photoPage`): "Select all" of a view without its summaries. */
  photoIds(q: PhotoPageQuery): { total: number; ids: number[] } {
    return this.page(q, 'ids') as { total: number; ids: number[] };
  }

  /**
   * How many photos (not missing, not failed) each group holds at confidence
   * threshold `t` (g is the group number), and its cover: the photo that shows
   * the group's scene most surely (a correction counts as 1, as it shows),
   * the newest id among equals. One pass: the cover is the row of the largest
   * `rank`, a number that orders by confidence (to a millionth) and then by id
   * (below 10^9 — far beyond any library), so SQLite's documented bare-column
   * rule for MAX() picks exactly that row.
   */
  groupCounts(t: number): GroupCountRow[] {
    this.groupCountsStmt ??= this.db.prepare(
      `SELECT ${GROUP_SQL} AS g, COUNT(*) AS n,
              MAX(ROUND(CASE WHEN corrected = 1 THEN 1.0 ELSE COALESCE(scene_prob, 0) END * 1000000) * 1000000000 + id) AS rank,
              id AS cover, version AS cover_version
       FROM photos WHERE status NOT IN ('missing', 'failed') AND pair_id IS NULL GROUP BY g`,
    );
    return (this.groupCountsStmt.all({ t }) as (GroupCountRow & { rank: number })[]).map(({ g, n, cover, cover_version }) => ({ g, n, cover, cover_version }));
  }

  /**
   * By date's months: how many photos (not missing, not failed) were taken in
   * each month, newest first, and how many have no date taken. The month is
   * the one written in taken_at, i.e. the camera's own clock, as the viewer
   * shows it: a photo taken at 00:30 on 1 December at UTC+2 belongs to
   * December, wherever the library is browsed (taken_ts, the instant, would
   * put it in November UTC). A time without a zone is the camera's clock too.
   */
  monthCounts(withDays = false): { months: { month: string; count: number; days?: [number, number][] }[]; undated: number } {
    const live = "status NOT IN ('missing', 'failed') AND pair_id IS NULL";
    const undated = this.db.prepare(`SELECT COUNT(*) FROM photos WHERE ${live} AND taken_ts IS NULL`).pluck().get() as number;
    if (!withDays) {
      const months = this.db
        .prepare(`SELECT substr(taken_at, 1, 7) AS month, COUNT(*) AS count FROM photos WHERE ${live} AND taken_ts IS NOT NULL GROUP BY month ORDER BY month DESC`)
        .all() as { month: string; count: number }[];
      return { months, undated };
    }
    // By date's day headings: each month's days, newest first, as [day of the month, photos] (compact: a large
    // library has thousands of days). The same clock as the months.
    const days = this.db
      .prepare(`SELECT substr(taken_at, 1, 10) AS day, COUNT(*) AS count FROM photos WHERE ${live} AND taken_ts IS NOT NULL GROUP BY day ORDER BY day DESC`)
      .all() as { day: string; count: number }[];
    const months: { month: string; count: number; days: [number, number][] }[] = [];
    for (const { day, count } of days) {
      const month = day.slice(0, 7);
      let m = months.at(-1);
      if (m?.month !== month) months.push((m = { month, count: 0, days: [] }));
      m.count += count;
      m.days.push([Number(day.slice(8, 10)), count]);
    }
    return { months, undated };
  }

  /**
   * The folder tree's counts: how many photos (not missing, not failed, as
   * the scene counts) sit directly in each directory of one watched folder
   * (`''` is its root, else `a/b`). One pass over the folder's rows of the
   * (folder_id, rel_path) index; the directory is rel_path cut after its last
   * `/` (rtrim strips every character but `/` from the right).
   */
  dirCounts(folderId: number): { dir: string; n: number }[] {
    return this.db
      .prepare(
        `SELECT rtrim(rtrim(rel_path, replace(rel_path, '/', '')), '/') AS dir, COUNT(*) AS n
         FROM photos WHERE folder_id = ? AND status NOT IN ('missing', 'failed') AND pair_id IS NULL GROUP BY dir`,
      )
      .all(folderId) as { dir: string; n: number }[];
  }

  /** The first 20 files that could not be read, by path, with why (`scenery index`). */
  failedPhotos(): { rel_path: string; error: string }[] {
    return this.db.prepare("SELECT rel_path, error FROM photos WHERE status = 'failed' AND pair_id IS NULL ORDER BY rel_path LIMIT 20").all() as { rel_path: string; error: string }[];
  }

  /** Every photo with its folder and top labels, by folder and path (`scenery photos`). */
  photoListing(): PhotoListingRow[] {
    return this.db
      .prepare(
        `SELECT p.*, f.path AS folder_path, r.top_index, r.top_prob, r.indoor AS pred_indoor,
           (SELECT json_group_array(o.rel_path) FROM photos o WHERE o.pair_id = p.id) AS paired_paths
         FROM photos p JOIN folders f ON f.id = p.folder_id
         LEFT JOIN predictions r ON r.photo_id = p.id AND r.model = p.model WHERE p.pair_id IS NULL ORDER BY f.path, p.rel_path`,
      )
      .all() as PhotoListingRow[];
  }
}
