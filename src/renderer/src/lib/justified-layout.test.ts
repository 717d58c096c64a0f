import { describe, expect, it } from 'vitest';
import { aspectOf, ESTIMATE_ASPECT, GridLayout, justify, placeRow, rowAt, rowOfPhoto, sectionStart, type RowGeometry } from './justified-layout';

const g: RowGeometry = { width: 1000, rowHeight: 200, gap: 4 };

/** Pseudo-random camera shapes: landscape, portrait, square, the odd panorama. */
function shapes(n: number, seed = 3): number[] {
  let s = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const r = s / 2 ** 32;
    out.push(r < 0.5 ? 4 / 3 : r < 0.8 ? 3 / 4 : r < 0.95 ? 1 : 2.8);
  }
  return out;
}

describe('justify', () => {
  it('fills every row but the last to the width, within a pixel, at heights near the target', () => {
    for (const width of [360, 800, 1000, 1650]) {
      const geo = { ...g, width };
      const a = shapes(500);
      const rows = justify(a, geo);
      expect(rows.reduce((n, r) => n + r.count, 0)).toBe(500);
      for (const r of rows.slice(0, -1)) {
        expect(r.justified).toBe(true);
        const boxes = placeRow(a, r, geo);
        const right = boxes.at(-1)!.x + boxes.at(-1)!.w;
        expect(Math.abs(right - width)).toBeLessThanOrEqual(1);
        // Unrounded, the row's photos and gaps make exactly the width.
        const exact = a.slice(r.start, r.start + r.count).reduce((x, y) => x + y, 0) * r.height + geo.gap * (r.count - 1);
        expect(exact).toBeCloseTo(width, 6);
        // Near the target; in a window narrower than two photos a panorama or a portrait can only be so close.
        const slack = width < 2 * geo.rowHeight * 1.5 ? 2.5 : 1.6;
        expect(r.height).toBeGreaterThan(geo.rowHeight / slack);
        expect(r.height).toBeLessThan(geo.rowHeight * slack);
      }
    }
  });

  it('keeps every photo at its own aspect ratio (to a pixel of rounding)', () => {
    const a = shapes(300, 11);
    for (const r of justify(a, g)) {
      placeRow(a, r, g).forEach((b, k) => {
        const expected = a[r.start + k]! * r.height;
        // Only the last photo of a row absorbs the rounding of the others.
        expect(Math.abs(b.w - expected)).toBeLessThanOrEqual(k === r.count - 1 ? r.count : 0.5);
      });
    }
  });

  it('leaves the last row at the target height, left-aligned, instead of stretching it', () => {
    const rows = justify([1, 1, 4 / 3], g);
    expect(rows).toEqual([{ start: 0, count: 3, height: 200, justified: false }]);
    const boxes = placeRow([1, 1, 4 / 3], rows[0]!, g);
    expect(boxes.map((b) => b.w)).toEqual([200, 200, 267]);
  });

  it("stretches a page's short tail in mid-section only when that costs little", () => {
    // 2 landscape photos would have to grow from 200 to 373 px to fill 1000 px: they stay at 200.
    expect(justify([4 / 3, 4 / 3], g, 'fill')).toEqual([{ start: 0, count: 2, height: 200, justified: false }]);
    // 3 grow to 248 px: filled.
    expect(justify([4 / 3, 4 / 3, 4 / 3], g, 'fill')[0]).toMatchObject({ justified: true, height: 248 });
    expect(justify([4 / 3, 4 / 3, 4 / 3], g, 'left')[0]).toMatchObject({ justified: false, height: 200 });
    const nearlyFull = justify([4 / 3, 4 / 3, 4 / 3, 1], g, 'fill');
    expect(nearlyFull).toHaveLength(1);
    expect(nearlyFull[0]!.justified).toBe(true);
  });

  it('gives a panorama wider than the window a row of its own', () => {
    const rows = justify([1.5, 3, 1], { width: 400, rowHeight: 200, gap: 4 });
    expect(rows.map((r) => r.count)).toEqual([1, 1, 1]);
    expect(rows[1]!.height).toBeCloseTo(400 / 3, 6);
  });

  it('bounds odd shapes, and lays out an unknown size square', () => {
    expect(aspectOf(null, null)).toBe(1);
    expect(aspectOf(4000, 3000)).toBeCloseTo(4 / 3);
    expect(aspectOf(10000, 1000)).toBe(3);
    expect(aspectOf(100, 1000)).toBe(0.5);
  });
});

describe('GridLayout', () => {
  const spacing = { top: 8, header: 48, groupHeader: 56, after: 8, bottom: 24 };

  it('lays out 100,000 photos in a few milliseconds, and a loaded page costs one page', () => {
    const sections = Array.from({ length: 2100 }, (_, s) => ({ count: 40 + (s % 17), group: s % 7 === 0, header: 32 }));
    const layout = new GridLayout(120, spacing);
    const loaded = new Map<string, number[]>();
    const aspects = (s: number, p: number): number[] | undefined => loaded.get(`${s}:${p}`);
    let t = performance.now();
    const first = layout.build(sections, g, aspects);
    const coldMs = performance.now() - t;
    const photos = first.rows.filter((r) => r.kind === 'photos').reduce((n, r) => n + r.count, 0);
    expect(photos).toBe(sections.reduce((n, s) => n + s.count, 0));
    expect(photos).toBeGreaterThan(100_000);
    // Rows are in order, one below the other.
    for (let k = 1; k < first.rows.length; k++) expect(first.rows[k]!.y).toBeGreaterThan(first.rows[k - 1]!.y);

    loaded.set('1000:0', shapes(sections[1000]!.count));
    t = performance.now();
    const again = layout.build(sections, g, aspects);
    const warmMs = performance.now() - t;
    console.log(`layout of ${photos} photos in ${sections.length} sections: ${coldMs.toFixed(1)} ms cold, ${warmMs.toFixed(1)} ms after one page loaded`);
    // Generous for a loaded machine; a frame is 16 ms, and this runs once per loaded page, not per frame.
    expect(warmMs).toBeLessThan(60);
    // Only section 1000 changed shape: the rows above it stay where they were.
    const firstOf1000 = again.rows.findIndex((r) => r.s === 1000);
    expect(again.rows.slice(0, firstOf1000)).toEqual(first.rows.slice(0, firstOf1000));
  });

  it('estimates an unloaded page as 4:3 photos, and finds rows by position and by photo', () => {
    const layout = new GridLayout(120, spacing);
    const { rows, height } = layout.build([{ count: 7, group: true }, { count: 0 }, { count: 300 }], g, (s, p) => (s === 2 && p === 1 ? shapes(120) : undefined));
    expect(rows[0]).toMatchObject({ kind: 'group', s: 0, y: 8 });
    expect(rows[1]).toMatchObject({ kind: 'header', s: 0, y: 64 });
    // 7 photos of 4:3 at 200 px: 4 fill a 1000 px row (1078 px: stretched down), 3 stay at 200 px.
    expect(rows[2]).toMatchObject({ kind: 'photos', start: 0, count: 4, justified: true });
    expect(rows[3]).toMatchObject({ kind: 'photos', start: 4, count: 3, h: 200, justified: false });
    expect(rows.some((r) => r.s === 1)).toBe(false);
    expect(height).toBe(rows.at(-1)!.y + rows.at(-1)!.h + spacing.after + spacing.bottom);
    expect(ESTIMATE_ASPECT).toBeCloseTo(4 / 3);
    for (const i of [0, 119, 120, 250, 299]) {
      const k = rowOfPhoto(rows, 2, i);
      expect(k).toBeGreaterThan(0);
      expect(i).toBeGreaterThanOrEqual(rows[k]!.start);
      expect(i).toBeLessThan(rows[k]!.start + rows[k]!.count);
      expect(rowAt(rows, rows[k]!.y + 1)).toBe(k);
    }
    expect(rowOfPhoto(rows, 2, 300)).toBe(-1);
    expect(sectionStart(rows, 0)).toBe(0);
    expect(sectionStart(rows, 1)).toBe(-1);
    expect(rows[sectionStart(rows, 2)]).toMatchObject({ s: 2, kind: 'header' });
    expect(rowOfPhoto(rows, 1, 0)).toBe(-1);
  });

  it('packs small days of a month side by side, a full day on its own; never across months', () => {
    const layout = new GridLayout(120, { ...spacing, packGap: 24 });
    // A month of three one-photo days and a day of 30; then a month of two one-photo days.
    const days = [
      { count: 1, group: true, header: 34, packable: true },
      { count: 1, header: 34, packable: true },
      { count: 1, header: 34, packable: true },
      { count: 30, header: 34, packable: true },
      { count: 1, group: true, header: 34, packable: true },
      { count: 1, header: 34, packable: true },
    ];
    const { rows } = layout.build(days, g, () => undefined);
    const band = rows.filter((r) => r.y === rows[1]!.y);
    // The first three days share one band: heading and photos of each, side by side, 24 px apart.
    expect(band.map((r) => [r.s, r.kind])).toEqual([[0, 'header'], [0, 'photos'], [1, 'header'], [1, 'photos'], [2, 'header'], [2, 'photos']]);
    const blocks = band.filter((r) => r.kind === 'photos');
    expect(blocks[0]!.x).toBe(0);
    expect(blocks[1]!.x).toBe(blocks[0]!.x! + blocks[0]!.w! + 24);
    expect(blocks.every((b) => b.dy === 34 && b.h === 200 && !b.justified)).toBe(true);
    // A 4:3 photo at 200 px: 267 px wide.
    expect(blocks.map((b) => b.w)).toEqual([267, 267, 267]);
    // A block is at least 150 px wide (its heading over a portrait at a small size); a fourth would not fit.
    const narrow = layout.build([{ count: 1, group: true, header: 34, packable: true }, { count: 1, header: 34, packable: true }], { ...g, rowHeight: 100 }, () => [0.5]).rows;
    expect(narrow.filter((r) => r.kind === 'photos').map((b) => [b.x, b.w])).toEqual([[0, 150], [174, 150]]);
    // The day of 30 gets its own justified rows.
    expect(rows.filter((r) => r.s === 3 && r.kind === 'photos').length).toBeGreaterThan(3);
    // The next month starts with its heading; its two days pack again.
    const m2 = rows.findIndex((r) => r.kind === 'group' && r.s === 4);
    expect(rows[m2 + 1]).toMatchObject({ s: 4, kind: 'header', x: 0 });
    expect(rows.slice(m2 + 1).every((r) => r.y === rows[m2 + 1]!.y)).toBe(true);
    // Finding rows: by position, the band's first row; by photo, its block.
    expect(rowAt(rows, rows[1]!.y + 100)).toBe(1);
    expect(rows[rowOfPhoto(rows, 2, 0)]).toMatchObject({ s: 2, kind: 'photos' });
    expect(rows[sectionStart(rows, 1)]).toMatchObject({ s: 1, kind: 'header' });
    // y never decreases.
    for (let k = 1; k < rows.length; k++) expect(rows[k]!.y).toBeGreaterThanOrEqual(rows[k - 1]!.y);
  });

  it('lays out again when the row height changes (the size zoom)', () => {
    const layout = new GridLayout(120, spacing);
    const sections = [{ count: 200 }];
    const aspects = (_s: number, p: number): number[] => shapes(p === 0 ? 120 : 80, p + 1);
    const small = layout.build(sections, { ...g, rowHeight: 120 }, aspects);
    const large = layout.build(sections, { ...g, rowHeight: 320 }, aspects);
    // Larger photos: fewer to a row, so more rows.
    expect(large.rows.length).toBeGreaterThan(small.rows.length * 2);
    expect(large.height).toBeGreaterThan(small.height);
  });
});
