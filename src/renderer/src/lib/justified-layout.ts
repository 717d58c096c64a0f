/**
 * The justified photo grid's geometry (as Google Photos, Flickr and Immich lay
 * out photos): rows of photos at their own aspect ratios, each row scaled so
 * it fills the width exactly, its height near a target; a section's last row
 * stays at the target height, left-aligned, rather than blown up.
 *
 * Pure and DOM-free, so it is tested here and the grid only places boxes.
 * At 100,000 photos the grid does not know every photo's shape up front (it
 * loads pages of 120 on demand), so a section is laid out PAGE BY PAGE: a
 * loaded page by its photos' aspect ratios, a page not loaded yet as an
 * estimate (photos of ESTIMATE_ASPECT). A page's rows depend only on that page
 * and the row geometry, so they are cached: loading a page re-lays out that
 * page only, and assembling the flat list of rows is one pass over rows.
 */

/** A photo of unknown size is laid out square. */
export const UNKNOWN_ASPECT = 1;
/** An unloaded page is estimated as photos of the commonest camera shape; the page then settles to its real rows. */
export const ESTIMATE_ASPECT = 4 / 3;
/** Panoramas and slivers are shown cropped to these bounds, so one photo never makes a row a thin strip or a wall. */
export const MIN_ASPECT = 0.5;
export const MAX_ASPECT = 3;

export interface RowGeometry {
  /** The width available to a row, px. */
  width: number;
  /** The height rows aim for, px (the size zoom). */
  rowHeight: number;
  /** Between photos, px. */
  gap: number;
}

export interface JustifiedRow {
  /** Index of the row's first photo (within what was laid out). */
  start: number;
  count: number;
  /** The row's height, px; each photo is aspect × height wide. */
  height: number;
  /** True when the row was stretched to fill the width (false: a last row at the target height, left-aligned). */
  justified: boolean;
}

/** A photo's aspect ratio as the grid shows it: its own, bounded; square when unknown. */
export function aspectOf(width: number | null | undefined, height: number | null | undefined): number {
  if (!width || !height || width <= 0 || height <= 0) return UNKNOWN_ASPECT;
  return Math.min(MAX_ASPECT, Math.max(MIN_ASPECT, width / height));
}

/**
 * Lays out photos of the given aspect ratios into justified rows. Greedy, as
 * the usual implementations: photos join a row until it is wide enough at the
 * target height; the last photo that overflowed stays in the row or starts the
 * next, whichever brings the row's height closer to the target.
 *
 * `tail`: what to do with the last, unfilled row: 'left' keeps it at the
 * target height (a section's end); 'fill' stretches it when that costs at most
 * a third more height (the end of a page in mid-section, so it does not look
 * like a gap), else keeps it at the target height too.
 */
export function justify(aspects: ArrayLike<number>, g: RowGeometry, tail: 'left' | 'fill' = 'left'): JustifiedRow[] {
  const rows: JustifiedRow[] = [];
  const width = Math.max(1, g.width);
  const target = Math.max(1, g.rowHeight);
  const n = aspects.length;
  let start = 0;
  let sum = 0;
  for (let j = 0; j < n; j++) {
    sum += aspects[j]!;
    const count = j - start + 1;
    if (sum * target + g.gap * (count - 1) < width) continue;
    // The row is full with photo j; would it be better without it?
    const hWith = (width - g.gap * (count - 1)) / sum;
    const hWithout = count > 1 ? (width - g.gap * (count - 2)) / (sum - aspects[j]!) : Infinity;
    // Closer to the target (by ratio: half the height is as far off as twice) without it: it starts the next row.
    if (count > 1 && Math.abs(Math.log(hWithout / target)) < Math.abs(Math.log(hWith / target))) {
      rows.push({ start, count: count - 1, height: hWithout, justified: true });
      start = j;
      sum = aspects[j]!;
      // Photo j alone may already fill a row (a panorama in a narrow window).
      if (sum * target >= width) {
        rows.push({ start, count: 1, height: width / sum, justified: true });
        start = j + 1;
        sum = 0;
      }
    } else {
      rows.push({ start, count, height: hWith, justified: true });
      start = j + 1;
      sum = 0;
    }
  }
  if (start < n) {
    const count = n - start;
    const filled = (width - g.gap * (count - 1)) / sum;
    if (tail === 'fill' && filled <= target * (4 / 3)) rows.push({ start, count, height: filled, justified: true });
    else rows.push({ start, count, height: target, justified: false });
  }
  return rows;
}

/** The x offset and width of each photo of a row, whole pixels, the last one ending exactly at the width when justified. */
export function placeRow(aspects: ArrayLike<number>, row: JustifiedRow, g: RowGeometry): { x: number; w: number }[] {
  const out: { x: number; w: number }[] = [];
  let x = 0;
  for (let k = 0; k < row.count; k++) {
    const a = aspects[row.start + k] ?? UNKNOWN_ASPECT;
    const last = k === row.count - 1;
    const w = last && row.justified ? Math.max(1, g.width - x) : Math.max(1, Math.round(a * row.height));
    out.push({ x, w });
    x += w + g.gap;
  }
  return out;
}

/** One row of the whole grid: a heading or photos of a section, at its place. */
export interface PlacedRow {
  y: number;
  h: number;
  /** The section. */
  s: number;
  /** 'group': a heading over several sections (a month over its days); 'header': the section's own heading. */
  kind: 'group' | 'header' | 'photos';
  /** Photos: the index in the section of the row's first photo, and how many. */
  start: number;
  count: number;
  justified: boolean;
  /**
   * Small days packed side by side (By date): the row is a block of the band at `y` — drawn `dy` below it, from
   * `x` across the width, `w` wide. Every row of a band has the band's `y`, so rows stay ordered by `y`.
   */
  x?: number;
  w?: number;
  dy?: number;
}

export interface SectionShape {
  count: number;
  /** A day that may share a row with its neighbours of the same group when it is small (one short row of photos). */
  packable?: boolean;
  /** The height of this section's own heading, px, when not the spacing's `header` (By date's smaller day headings). */
  header?: number;
  /** A heading drawn above this section for a group of sections (By date: the month above its first day). */
  group?: boolean;
}

export interface GridSpacing {
  /** Above the first row, px. */
  top: number;
  /** A section's own heading, px. */
  header: number;
  /** A group heading above a section, px. */
  groupHeader: number;
  /** After a section's last row, px. */
  after: number;
  /** Below the last section, px. */
  bottom: number;
  /** Between days packed side by side, px. */
  packGap?: number;
}

/** A packed day's block is at least this wide, so its heading fits over a single portrait photo. */
const MIN_BLOCK = 150;

/**
 * The whole grid, section by section, page by page, with a cache of each
 * page's rows. `aspects(s, p)` gives a loaded page's aspect ratios, or
 * undefined for a page not loaded yet (laid out as an estimate).
 */
export class GridLayout {
  /** Rows of each loaded page, by (section, page, last page or not) as one number: no string per page per build. */
  private cache = new Map<number, JustifiedRow[]>();
  private key = '';

  constructor(
    readonly pageSize: number,
    private readonly spacing: GridSpacing,
  ) {}

  /** Lays out every section; only pages not laid out before at this geometry cost anything. */
  build(sections: readonly SectionShape[], g: RowGeometry, aspects: (s: number, p: number) => ArrayLike<number> | undefined): { rows: PlacedRow[]; height: number } {
    const key = `${g.width}:${g.rowHeight}:${g.gap}`;
    if (key !== this.key) {
      this.cache.clear();
      this.key = key;
    }
    const rows: PlacedRow[] = [];
    const sp = this.spacing;
    let y = sp.top;
    const estimates = new Map<number, JustifiedRow[]>();
    const estimate = (n: number): number[] => new Array<number>(n).fill(ESTIMATE_ASPECT);
    /** A day's width at the target height, unstretched, when all of it fits in one row; else null. */
    const small = (t: number): { a: ArrayLike<number>; w: number } | null => {
      const d = sections[t]!;
      if (!d.packable || d.count === 0 || d.count > this.pageSize) return null;
      const a = aspects(t, 0) ?? estimate(d.count);
      let sum = 0;
      for (let k = 0; k < d.count; k++) sum += a[k] ?? ESTIMATE_ASPECT;
      const w = sum * g.rowHeight + g.gap * (d.count - 1);
      return w <= g.width ? { a, w } : null;
    };
    const packGap = sp.packGap ?? 24;
    for (let s = 0; s < sections.length; s++) {
      const sec = sections[s]!;
      if (sec.count === 0) continue;
      if (sec.group) {
        rows.push({ y, h: sp.groupHeader, s, kind: 'group', start: -1, count: 0, justified: false });
        y += sp.groupHeader;
      }
      const header = sec.header ?? sp.header;
      // Small days of one group side by side (as photo apps' timelines do): one photo a day is not a row a day.
      if (sec.packable) {
        const strip: { t: number; x: number; w: number }[] = [];
        let x = 0;
        let t = s;
        for (; t < sections.length; t++) {
          const d = sections[t]!;
          if (t > s && (d.group || !d.packable)) break;
          if (d.count === 0) continue;
          const fit = small(t);
          if (!fit) break;
          const w = Math.min(g.width, Math.max(MIN_BLOCK, Math.ceil(fit.w)));
          const at = strip.length ? x + packGap : 0;
          if (at + w > g.width) break;
          strip.push({ t, x: at, w });
          x = at + w;
        }
        if (strip.length >= 2) {
          for (const b of strip) {
            const d = sections[b.t]!;
            rows.push({ y, h: d.header ?? sp.header, s: b.t, kind: 'header', start: -1, count: 0, justified: false, x: b.x, w: b.w, dy: 0 });
            rows.push({ y, h: g.rowHeight, s: b.t, kind: 'photos', start: 0, count: d.count, justified: false, x: b.x, w: b.w, dy: d.header ?? sp.header });
          }
          y += header + g.rowHeight + sp.after;
          s = strip.at(-1)!.t;
          continue;
        }
      }
      rows.push({ y, h: header, s, kind: 'header', start: -1, count: 0, justified: false });
      y += header;
      const pages = Math.ceil(sec.count / this.pageSize);
      for (let p = 0; p < pages; p++) {
        const n = Math.min(this.pageSize, sec.count - p * this.pageSize);
        const lastPage = p === pages - 1;
        const loaded = aspects(s, p);
        let pageRows: JustifiedRow[];
        if (loaded) {
          const k = (s * 65536 + p) * 2 + (lastPage ? 1 : 0);
          let cached = this.cache.get(k);
          if (!cached) {
            cached = justify(loaded, g, lastPage ? 'left' : 'fill');
            this.cache.set(k, cached);
          }
          pageRows = cached;
        } else {
          // Estimates depend on the number of photos only: one layout per distinct page length.
          const ek = lastPage ? -n : n;
          let est = estimates.get(ek);
          if (!est) {
            est = justify(estimate(n), g, lastPage ? 'left' : 'fill');
            estimates.set(ek, est);
          }
          pageRows = est;
        }
        const base = p * this.pageSize;
        for (const r of pageRows) {
          const h = Math.round(r.height);
          rows.push({ y, h, s, kind: 'photos', start: base + r.start, count: r.count, justified: r.justified });
          y += h + g.gap;
        }
      }
      y += sp.after - g.gap;
    }
    return { rows, height: y + sp.bottom };
  }

  /** Forgets every page's rows (a new source: the same section and page numbers now mean other photos). */
  reset(): void {
    this.cache.clear();
  }
}

/** The index of the last row starting at or above y (rows sorted by y; of a band of packed days, its first); 0 when none does. */
export function rowAt(rows: readonly PlacedRow[], y: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (rows[mid]!.y <= y) lo = mid;
    else hi = mid - 1;
  }
  while (lo > 0 && rows[lo - 1]!.y === rows[lo]!.y) lo--;
  return lo;
}

/** The index of the photo row holding photo i of section s, or -1. */
export function rowOfPhoto(rows: readonly PlacedRow[], s: number, i: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  // Rows are in (section, start) order; find the last photo row at or before (s, i).
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    const r = rows[mid]!;
    const before = r.s < s || (r.s === s && (r.kind !== 'photos' || r.start <= i));
    if (before) lo = mid;
    else hi = mid - 1;
  }
  const r = rows[lo];
  return r && r.kind === 'photos' && r.s === s && i >= r.start && i < r.start + r.count ? lo : -1;
}

/** The index of the first row of section s (its heading), or -1 when the section has no rows (it is empty). */
export function sectionStart(rows: readonly PlacedRow[], s: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid]!.s < s) lo = mid + 1;
    else hi = mid;
  }
  return rows[lo]?.s === s ? lo : -1;
}
