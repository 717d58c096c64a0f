/**
 * An in-memory index over every photo's top scene predictions, kept in typed
 * arrays (about 60 bytes a photo: 60 MB at a million photos) and updated as
 * photos are indexed or corrected. A query is a linear scan with per-term
 * label bitmaps, so any mix of OR, NOT, folder and date filters answers in
 * milliseconds without query planning (1M photos: see `npm run bench`).
 */
import type { ParsedQuery, ParsedQueryTerm } from '../../shared/domain.js';
import { PLACES365_INDOOR, placesLabelIndex } from '../labels/label-sets.js';

export const TOP_K = 5;
const NO_LABEL = 0xffff;

export interface IndexEntry {
  id: number;
  folderId: number;
  takenTs: number | null;
  /** Places365 indices best first (up to TOP_K) and their probabilities. */
  top: number[];
  prob: number[];
  indoor: boolean | null;
  correction: number | null;
  rejected: number[];
}

export interface SearchHit {
  id: number;
  score: number;
}

export class SearchIndex {
  private capacity = 0;
  private size = 0;
  private ids = new Int32Array(0);
  private folder = new Int32Array(0);
  private taken = new Float64Array(0);
  private top = new Uint16Array(0);
  private prob = new Float32Array(0);
  private indoor = new Int8Array(0);
  private correction = new Int16Array(0);
  private alive = new Uint8Array(0);
  private readonly slotOf = new Map<number, number>();
  private readonly rejected = new Map<number, Set<number>>();
  private freeSlots: number[] = [];

  get count(): number {
    return this.slotOf.size;
  }

  private grow(min: number): void {
    if (min <= this.capacity) return;
    const cap = Math.max(min, this.capacity * 2, 1024);
    const g = <T extends Int32Array | Float64Array | Uint16Array | Float32Array | Int8Array | Int16Array | Uint8Array>(a: T, n: number, C: new (n: number) => T): T => {
      const b = new C(n);
      b.set(a);
      return b;
    };
    this.ids = g(this.ids, cap, Int32Array);
    this.folder = g(this.folder, cap, Int32Array);
    this.taken = g(this.taken, cap, Float64Array);
    this.top = g(this.top, cap * TOP_K, Uint16Array);
    this.prob = g(this.prob, cap * TOP_K, Float32Array);
    this.indoor = g(this.indoor, cap, Int8Array);
    this.correction = g(this.correction, cap, Int16Array);
    this.alive = g(this.alive, cap, Uint8Array);
    this.capacity = cap;
  }

  upsert(e: IndexEntry): void {
    let s = this.slotOf.get(e.id);
    if (s === undefined) {
      s = this.freeSlots.pop() ?? this.size++;
      this.grow(s + 1);
      this.slotOf.set(e.id, s);
    }
    this.ids[s] = e.id;
    this.folder[s] = e.folderId;
    this.taken[s] = e.takenTs ?? NaN;
    for (let k = 0; k < TOP_K; k++) {
      this.top[s * TOP_K + k] = e.top[k] ?? NO_LABEL;
      this.prob[s * TOP_K + k] = e.prob[k] ?? 0;
    }
    // A corrected scene decides indoor/outdoor too.
    const indoor = e.correction !== null ? (PLACES365_INDOOR[e.correction] ?? null) : e.indoor;
    this.indoor[s] = indoor === null ? -1 : indoor ? 1 : 0;
    this.correction[s] = e.correction ?? -1;
    this.alive[s] = 1;
    if (e.rejected.length) this.rejected.set(e.id, new Set(e.rejected));
    else this.rejected.delete(e.id);
  }

  remove(id: number): void {
    const s = this.slotOf.get(id);
    if (s === undefined) return;
    this.alive[s] = 0;
    this.slotOf.delete(id);
    this.rejected.delete(id);
    this.freeSlots.push(s);
  }

  has(id: number): boolean {
    return this.slotOf.has(id);
  }

  search(q: ParsedQuery, options: { threshold: number; folderIds: Set<number> | null; offset: number; limit: number }): { total: number; hits: SearchHit[] } {
    const fromTs = q.from ? Date.parse(q.from) : -Infinity;
    const toTs = q.to ? Date.parse(q.to) : Infinity;
    const dated = q.from !== null || q.to !== null;
    // Terms compiled once: 0 = labels (bitmap), 1 = indoor, 2 = outdoor.
    const groups = q.any.map((g) =>
      g.map((t) => ({ kind: t.kind === 'indoor' ? 1 : t.kind === 'outdoor' ? 2 : 0, negated: t.negated, bitmap: bitmapFor(t) ?? new Uint8Array(365) })),
    );
    // Hot loop: typed arrays in locals, no allocation per photo.
    const n = this.size;
    const alive = this.alive;
    const folder = this.folder;
    const taken = this.taken;
    const top = this.top;
    const prob = this.prob;
    const indoor = this.indoor;
    const correction = this.correction;
    const ids = this.ids;
    const rejectedMap = this.rejected.size ? this.rejected : null;
    const threshold = options.threshold;
    const folderIds = options.folderIds;
    const slots = new Int32Array(n || 1);
    const scores = new Float32Array(n || 1);
    let count = 0;
    for (let s = 0; s < n; s++) {
      if (alive[s] === 0) continue;
      if (folderIds !== null && !folderIds.has(folder[s]!)) continue;
      if (dated) {
        const t = taken[s]!;
        if (t !== t || t < fromTs || t > toTs) continue;
      }
      const base = s * TOP_K;
      const corr = correction[s]!;
      const own = corr >= 0 ? 1 : prob[base]! || 0.0001;
      let best = 0;
      if (groups.length === 0) best = top[base] === NO_LABEL && corr < 0 ? 0.0001 : own;
      for (let gi = 0; gi < groups.length; gi++) {
        const g = groups[gi]!;
        let groupScore = Infinity;
        for (let ti = 0; ti < g.length; ti++) {
          const term = g[ti]!;
          let sc = 0;
          if (term.kind !== 0) {
            if (indoor[s] === (term.kind === 1 ? 1 : 0)) sc = own;
          } else if (corr >= 0) {
            sc = term.bitmap[corr] ? 1 : 0;
          } else {
            const rej = rejectedMap?.get(ids[s]!);
            for (let k = 0; k < TOP_K; k++) {
              const l = top[base + k]!;
              if (l === NO_LABEL) break;
              const p = prob[base + k]!;
              if (p < threshold) break;
              if (term.bitmap[l] && !rej?.has(l)) {
                sc = p;
                break;
              }
            }
          }
          if (term.negated) sc = sc > 0 ? 0 : Infinity;
          if (sc < groupScore) groupScore = sc;
          if (groupScore === 0) break;
        }
        if (groupScore === Infinity) groupScore = own;
        if (groupScore > best) best = groupScore;
      }
      if (best <= 0) continue;
      slots[count] = s;
      scores[count] = best;
      count++;
    }
    const want = Math.min(count, options.offset + options.limit);
    const order = topIndices(scores, count, want, (i) => ids[slots[i]!]!);
    const hits = order.slice(options.offset, want).map((i) => ({ id: ids[slots[i]!]!, score: scores[i]! }));
    return { total: count, hits };
  }
}

function bitmapFor(t: ParsedQueryTerm): Uint8Array | null {
  if (t.kind !== 'label' && t.kind !== 'family') return null;
  const b = new Uint8Array(365);
  for (const l of t.labels) {
    const i = placesLabelIndex(l);
    if (i !== undefined) b[i] = 1;
  }
  return b;
}

/**
 * Indices of the `want` best scores, best first (ties: newer id first).
 * Large result sets are bucketed by score first so only the top buckets are sorted.
 */
function topIndices(scores: Float32Array, count: number, want: number, idOf: (i: number) => number): number[] {
  const cmp = (a: number, b: number): number => scores[b]! - scores[a]! || idOf(b) - idOf(a);
  if (count <= 4096 || want >= count / 2) {
    const all = Array.from({ length: count }, (_, i) => i);
    all.sort(cmp);
    return all.slice(0, want);
  }
  const BINS = 2048;
  const hist = new Uint32Array(BINS);
  const bin = (s: number): number => Math.min(BINS - 1, Math.floor(Math.min(1, s) * (BINS - 1)));
  for (let i = 0; i < count; i++) hist[bin(scores[i]!)]!++;
  let cut = BINS - 1;
  let acc = 0;
  for (; cut > 0; cut--) {
    acc += hist[cut]!;
    if (acc >= want) break;
  }
  const chosen: number[] = [];
  for (let i = 0; i < count; i++) if (bin(scores[i]!) >= cut) chosen.push(i);
  chosen.sort(cmp);
  return chosen.slice(0, want);
}
