/**
 * The grid's selection, as a pure model (no Svelte, no engine): a Set of photo
 * ids, an anchor for Shift-extending, and the ids the last extension added.
 *
 * By id, not by position: the grid's sources are rebuilt while the library
 * changes (indexing, a correction moving a photo to another scene), and a
 * selection must keep meaning the same photos. Every operation costs O(1) or
 * O(ids it is given): a click never scans the selection, and selecting all of
 * 10,000+ photos is one pass over their ids (fetched by photos.ids, not as
 * summaries). Shift-extending behaves as in a file manager: the range from the
 * anchor replaces the previous range from that anchor, and keeps what was
 * selected before it (Ctrl/Cmd-click toggles).
 */
export class Selection {
  private readonly selected = new Set<number>();
  private anchorId: number | null = null;
  /** The ids the last `extendTo` added that were not selected before it (undone by the next extension). */
  private extension: number[] = [];

  get size(): number {
    return this.selected.size;
  }

  get anchor(): number | null {
    return this.anchorId;
  }

  has(id: number): boolean {
    return this.selected.has(id);
  }

  /** The selected ids, in the order they were selected. */
  ids(): number[] {
    return [...this.selected];
  }

  /** Only this photo; it becomes the anchor. */
  selectOnly(id: number): void {
    this.selected.clear();
    this.selected.add(id);
    this.anchorId = id;
    this.extension = [];
  }

  /** Ctrl/Cmd-click, the check circle, Space: flips one photo; it becomes the anchor. */
  toggle(id: number): void {
    if (!this.selected.delete(id)) this.selected.add(id);
    this.anchorId = id;
    this.extension = [];
  }

  /**
   * Shift-click / Shift-arrow: selects `range` (the ids from the anchor to the
   * photo clicked, both included, given by the caller, which knows the order),
   * replacing the previous range from the same anchor. Without an anchor the
   * range's first id becomes it.
   */
  extendTo(range: Iterable<number>): void {
    for (const id of this.extension) this.selected.delete(id);
    const added: number[] = [];
    let first: number | null = null;
    for (const id of range) {
      first ??= id;
      if (!this.selected.has(id)) {
        this.selected.add(id);
        added.push(id);
      }
    }
    this.anchorId ??= first;
    this.extension = added;
  }

  /** "Select all" (of a scene group or the view): adds the ids; the anchor stays. */
  addAll(ids: Iterable<number>): void {
    for (const id of ids) this.selected.add(id);
    this.extension = [];
  }

  /** Drops photos that are gone from the library. */
  remove(ids: Iterable<number>): void {
    for (const id of ids) {
      this.selected.delete(id);
      if (this.anchorId === id) this.anchorId = null;
    }
  }

  clear(): void {
    this.selected.clear();
    this.anchorId = null;
    this.extension = [];
  }
}

/** The flat position of item `i` of section `s`, given each section's count (sections laid out one after another). */
export function flatIndex(counts: readonly number[], s: number, i: number): number {
  let n = 0;
  for (let k = 0; k < s; k++) n += counts[k] ?? 0;
  return n + i;
}

/** The sections' parts [s, from, to) that flat positions a..b (both included, in either order) cover. */
export function spans(counts: readonly number[], a: number, b: number): { s: number; from: number; to: number }[] {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b) + 1;
  const out: { s: number; from: number; to: number }[] = [];
  let start = 0;
  counts.forEach((c, s) => {
    const from = Math.max(lo, start);
    const to = Math.min(hi, start + c);
    if (from < to) out.push({ s, from: from - start, to: to - start });
    start += c;
  });
  return out;
}
