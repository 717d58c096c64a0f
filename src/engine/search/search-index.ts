/**
 * An in-memory index over every photo's top scene predictions, kept in typed
 * arrays and updated as photos are indexed or corrected.
 *
 * Matching runs on bitsets: for each of the 365 labels, one bit per photo
 * ("this label is among the photo's top-5 at or above the confidence
 * threshold, or is its correction"), plus indoor/outdoor. A query is ORs,
 * ANDs and AND-NOTs of those words (a family of 40 labels over a million
 * photos is 5 MB of word operations), then a score is computed for the
 * matching photos only, to rank them. Memory: about 45 bytes a photo for the
 * bitsets, 60 for the predictions (a million photos: about 105 MB).
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
  /** Bitsets: one per label, then indoor, outdoor and alive; valid for `bitsThreshold`. */
  private bits: Uint32Array[] | null = null;
  private bitsThreshold = NaN;
  private words = 0;
  private matchBuf = new Int32Array(0);
  private scoreBuf = new Float32Array(0);

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
    } else this.setBits(s, false);
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
    this.setBits(s, true);
  }

  remove(id: number): void {
    const s = this.slotOf.get(id);
    if (s === undefined) return;
    this.setBits(s, false);
    this.alive[s] = 0;
    this.slotOf.delete(id);
    this.rejected.delete(id);
    this.freeSlots.push(s);
  }

  /** Sets or clears slot `s`'s bits for its current state (no-op until the bitsets exist). */
  private setBits(s: number, on: boolean): void {
    const bits = this.bits;
    if (!bits || !this.alive[s]) return;
    if ((s >>> 5) >= this.words) {
      // grown past the bitsets: rebuild them on the next search
      this.bits = null;
      return;
    }
    const w = s >>> 5;
    const m = 1 << (s & 31);
    const set = (b: Uint32Array): void => {
      if (on) b[w]! |= m;
      else b[w]! &= ~m;
    };
    set(bits[ALIVE]!);
    if (this.indoor[s] === 1) set(bits[INDOOR]!);
    else if (this.indoor[s] === 0) set(bits[OUTDOOR]!);
    const corr = this.correction[s]!;
    if (corr >= 0) {
      set(bits[corr]!);
      return;
    }
    const rej = this.rejected.size ? this.rejected.get(this.ids[s]!) : undefined;
    for (let k = 0; k < TOP_K; k++) {
      const l = this.top[s * TOP_K + k]!;
      if (l === NO_LABEL || this.prob[s * TOP_K + k]! < this.bitsThreshold) break;
      if (!rej?.has(l)) set(bits[l]!);
    }
  }

  /** Builds the bitsets for a threshold ahead of the first search. */
  prepare(threshold: number): void {
    this.ensureBits(threshold);
  }

  private ensureBits(threshold: number): Uint32Array[] {
    const words = (this.capacity + 31) >>> 5;
    if (this.bits && this.bitsThreshold === threshold && this.words === words) return this.bits;
    this.words = words;
    this.bitsThreshold = threshold;
    const bits = Array.from({ length: 365 + 3 }, () => new Uint32Array(words));
    const { alive, indoor, correction, top, prob, ids } = this;
    const rejected = this.rejected.size ? this.rejected : null;
    for (let s = 0; s < this.size; s++) {
      if (!alive[s]) continue;
      const w = s >>> 5;
      const m = 1 << (s & 31);
      bits[ALIVE]![w]! |= m;
      if (indoor[s] === 1) bits[INDOOR]![w]! |= m;
      else if (indoor[s] === 0) bits[OUTDOOR]![w]! |= m;
      const corr = correction[s]!;
      if (corr >= 0) {
        bits[corr]![w]! |= m;
        continue;
      }
      const rej = rejected?.get(ids[s]!);
      for (let k = 0; k < TOP_K; k++) {
        const l = top[s * TOP_K + k]!;
        if (l === NO_LABEL || prob[s * TOP_K + k]! < threshold) break;
        if (rej === undefined || !rej.has(l)) bits[l]![w]! |= m;
      }
    }
    this.bits = bits;
    return bits;
  }

  /** Score of a photo already known to match group `g`: its weakest positive term's best probability. */
  private score(s: number, g: CompiledTerm[], threshold: number): number {
    const corr = this.correction[s]!;
    const own = corr >= 0 ? 1 : this.prob[s * TOP_K]! || 0.0001;
    let score = Infinity;
    for (const t of g) {
      if (t.negated) continue;
      if (t.kind !== 0 || corr >= 0) {
        score = Math.min(score, own);
        continue;
      }
      let best = 0;
      for (let k = 0; k < TOP_K; k++) {
        const l = this.top[s * TOP_K + k]!;
        if (l === NO_LABEL) break;
        const p = this.prob[s * TOP_K + k]!;
        if (p < threshold) break;
        if (t.bitmap[l] === 1 && !this.rejected.get(this.ids[s]!)?.has(l)) {
          best = p;
          break;
        }
      }
      score = Math.min(score, best || 0.0001);
    }
    return score === Infinity ? own : score;
  }

  search(q: ParsedQuery, options: { threshold: number; folderIds: Set<number> | null; offset: number; limit: number }): { total: number; hits: SearchHit[] } {
    const { threshold, folderIds } = options;
    const bits = this.ensureBits(threshold);
    const words = this.words;
    const alive = bits[ALIVE]!;
    const groups: CompiledTerm[][] = q.any.map((g) =>
      g.map((t) => ({ kind: t.kind === 'indoor' ? 1 : t.kind === 'outdoor' ? 2 : 0, negated: t.negated, bitmap: bitmapFor(t) ?? new Uint8Array(365) })),
    );
    // Matching: one bitset per group (AND of its terms), OR over groups.
    const groupBits = groups.map((g) => {
      const acc = alive.slice();
      for (const t of g) {
        let tb: Uint32Array;
        if (t.kind === 1) tb = bits[INDOOR]!;
        else if (t.kind === 2) tb = bits[OUTDOOR]!;
        else {
          tb = new Uint32Array(words);
          for (let l = 0; l < 365; l++) {
            if (!t.bitmap[l]) continue;
            const lb = bits[l]!;
            for (let w = 0; w < words; w++) tb[w]! |= lb[w]!;
          }
        }
        if (t.negated) for (let w = 0; w < words; w++) acc[w]! &= ~tb[w]!;
        else for (let w = 0; w < words; w++) acc[w]! &= tb[w]!;
      }
      return acc;
    });
    const any = groups.length ? new Uint32Array(words) : alive;
    for (const gb of groupBits) for (let w = 0; w < words; w++) any[w]! |= gb[w]!;

    const fromTs = q.from ? Date.parse(q.from) : -Infinity;
    const toTs = q.to ? Date.parse(q.to) : Infinity;
    const dated = q.from !== null || q.to !== null;
    if (this.matchBuf.length < this.size) {
      this.matchBuf = new Int32Array(this.capacity);
      this.scoreBuf = new Float32Array(this.capacity);
    }
    const matched = this.matchBuf;
    const scores = this.scoreBuf;
    // Groups without a positive scene term rank by the photo's own top probability: no per-label work.
    const ownScored = groups.map((g) => !g.some((t) => t.kind === 0 && !t.negated));
    const correction = this.correction;
    const prob = this.prob;
    let count = 0;
    for (let w = 0; w < words; w++) {
      let x = any[w]!;
      while (x !== 0) {
        const low = x & -x;
        const s = (w << 5) + (31 - Math.clz32(low));
        x ^= low;
        if (folderIds !== null && !folderIds.has(this.folder[s]!)) continue;
        if (dated) {
          const t = this.taken[s]!;
          if (t !== t || t < fromTs || t > toTs) continue;
        }
        const own = correction[s]! >= 0 ? 1 : prob[s * TOP_K]! || 0.0001;
        let best = groups.length ? 0 : own;
        const m = 1 << (s & 31);
        for (let gi = 0; gi < groups.length; gi++) {
          if ((groupBits[gi]![w]! & m) === 0) continue;
          const sc = ownScored[gi] ? own : this.score(s, groups[gi]!, threshold);
          if (sc > best) best = sc;
        }
        matched[count] = s;
        scores[count] = best;
        count++;
      }
    }
    const want = Math.min(count, options.offset + options.limit);
    const order = topIndices(scores, count, want, (i) => this.ids[matched[i]!]!);
    const hits = order.slice(options.offset, want).map((i) => ({ id: this.ids[matched[i]!]!, score: scores[i]! }));
    return { total: count, hits };
  }
}

const INDOOR = 365;
const OUTDOOR = 366;
const ALIVE = 367;

interface CompiledTerm {
  /** 0: scene labels (bitmap), 1: indoor, 2: outdoor */
  kind: 0 | 1 | 2;
  negated: boolean;
  bitmap: Uint8Array;
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
