/**
 * By date's months: the counts behind the month headings and the scrubber, and
 * the pages of one month. The month is the camera's own clock, as written in
 * taken_at and shown by the viewer, not the UTC month of the instant.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from './catalog.js';
import { isoToTs } from '../imaging/metadata.js';
import { tempDir } from '../../test-support/harness.js';

describe('photos per month', () => {
  let tmp: ReturnType<typeof tempDir>;
  let cat: Catalog;

  beforeEach(() => {
    tmp = tempDir('months');
    cat = new Catalog(tmp.path);
    cat.db.prepare("INSERT INTO folders(id, path, added_at, status) VALUES (1, '/photos', '2026-01-01', 'watching')").run();
  });
  afterEach(() => {
    cat.close();
    tmp.cleanup();
  });

  /** A photo taken at `takenAt` (ISO as the metadata reader writes it; null: no date), added in 2026. */
  function photo(id: number, takenAt: string | null, status = 'indexed'): void {
    cat.db
      .prepare('INSERT INTO photos(id, folder_id, rel_path, name, size, mtime_ms, status, added_ts, taken_at, taken_ts, version) VALUES (?, 1, ?, ?, 1, 0, ?, ?, ?, ?, 1)')
      .run(id, `${id}.jpg`, `${id}.jpg`, status, Date.UTC(2026, 0, 5), takenAt, isoToTs(takenAt));
  }

  const page = (month: string) =>
    cat.browse.photoPage({ failed: false, group: null, folderId: null, dated: null, month, byScene: false, threshold: 0.1, offset: 0, limit: 100 });

  it('counts each month newest first; undated photos apart, never as the month they were added', () => {
    photo(1, '2021-11-03T10:00:00');
    photo(2, '2021-11-20T18:00:00');
    photo(3, '2003-06-01T12:00:00');
    photo(4, '2021-10-31T23:59:59');
    photo(5, null);
    photo(6, null);
    expect(cat.browse.monthCounts()).toEqual({
      months: [
        { month: '2021-11', count: 2 },
        { month: '2021-10', count: 1 },
        { month: '2003-06', count: 1 },
      ],
      undated: 2,
    });
  });

  it('counts each day of each month too, when asked (the day headings of By date), by the same clock', () => {
    photo(1, '2021-11-03T10:00:00');
    photo(2, '2021-11-20T18:00:00');
    photo(3, '2021-11-20T08:00:00');
    photo(4, '2021-12-01T00:30:00+02:00');
    photo(5, '2003-06-01T12:00:00');
    photo(6, null);
    photo(7, '2021-11-21T10:00:00', 'failed');
    expect(cat.browse.monthCounts(true)).toEqual({
      months: [
        { month: '2021-12', count: 1, days: [[1, 1]] },
        { month: '2021-11', count: 3, days: [[20, 2], [3, 1]] },
        { month: '2003-06', count: 1, days: [[1, 1]] },
      ],
      undated: 1,
    });
    // Without asking, the answer is as before (no days).
    expect(cat.browse.monthCounts().months[1]).toEqual({ month: '2021-11', count: 3 });
  });

  it('leaves out files that could not be read and files that are gone', () => {
    photo(1, '2021-11-03T10:00:00');
    photo(2, '2021-11-04T10:00:00', 'failed');
    photo(3, '2021-11-05T10:00:00', 'missing');
    photo(4, null, 'failed');
    expect(cat.browse.monthCounts()).toEqual({ months: [{ month: '2021-11', count: 1 }], undated: 0 });
    expect(page('2021-11').rows.map((r) => r.id)).toEqual([1]);
  });

  it("uses the camera's clock: 00:30 on 1 December at UTC+2 is December, 23:30 on 30 November at UTC-5 is November", () => {
    photo(1, '2021-12-01T00:30:00+02:00'); // 30 November 22:30 UTC
    photo(2, '2021-11-30T23:30:00-05:00'); // 1 December 04:30 UTC
    photo(3, '2021-12-01T00:00:00'); // no zone: as written
    photo(4, '2021-11-30T23:59:00+14:00'); // the widest offsets still land in their month
    photo(5, '2021-12-01T00:10:00-12:00');
    expect(cat.browse.monthCounts().months).toEqual([
      { month: '2021-12', count: 3 },
      { month: '2021-11', count: 2 },
    ]);
    const dec = page('2021-12');
    expect(dec.total).toBe(3);
    expect(dec.rows.map((r) => r.id).sort()).toEqual([1, 3, 5]);
    expect(page('2021-11').rows.map((r) => r.id).sort()).toEqual([2, 4]);
  });

  it("pages one month newest first, the month's total beside it", () => {
    for (let d = 1; d <= 9; d++) photo(d, `2019-04-0${d}T08:00:00`);
    photo(10, '2019-05-01T08:00:00');
    photo(11, '2019-03-31T08:00:00');
    const first = cat.browse.photoPage({ failed: false, group: null, folderId: null, dated: true, month: '2019-04', byScene: false, threshold: 0.1, offset: 0, limit: 4 });
    expect(first).toMatchObject({ total: 9 });
    expect(first.rows.map((r) => r.id)).toEqual([9, 8, 7, 6]);
    const last = cat.browse.photoPage({ failed: false, group: null, folderId: null, dated: true, month: '2019-04', byScene: false, threshold: 0.1, offset: 8, limit: 4 });
    expect(last.rows.map((r) => r.id)).toEqual([1]);
    expect(page('2018-04')).toEqual({ total: 0, rows: [] });
  });
});
