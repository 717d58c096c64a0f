/**
 * An in-memory index over every photo's top scene predictions, kept in typed
 * arrays and updated as photos are indexed or corrected.
 *
 * Each photo is stored as its scene candidates (shown-scene.ts: the
 * correction alone, or the model's unrejected labels; none for a file that
 * could not be read), so the rule lives in one place.
 * Matching runs on bitsets: for each of the 365 labels, one bit per photo
 * ("this label is among the photo's top-5 candidates at or above the
 * confidence threshold"), plus indoor/outdoor. A query is ORs,
 * ANDs and AND-NOTs of those words (a family of 40 labels over a million
 * photos is 5 MB of word operations), then a score is computed for the
 * matching photos only, to rank them. Memory: about 45 bytes a photo for the
 * bitsets, 60 for the predictions (a million photos: about 105 MB).
 */
import type { ParsedQuery, ParsedQueryTerm } from '../../shared/domain.js';
import { placesLabelIndex } from '../labels/label-sets.js';
import { counts, indoorOf, writeCandidates, type SceneEvidence } from '../labels/shown-scene.js';

export const TOP_K = 5;
const NO_LABEL = 0xffff;

export interface IndexEntry extends SceneEvidence {
  id: number;
  folderId: number;
  /** The photo's folder below the watched root, `/`-separated (`''` at the root). */
  dir: string;
  takenTs: number | null;
  /** Keywords found in the photo's file and sidecars, as written (none when absent). */
  keywords?: readonly string[];
}

/** A keyword as search compares it: lower case, hierarchy separators (`|`, `/`) and `_` read as spaces. */
export function normaliseKeyword(k: string): string {
  return k.toLowerCase().replace(/[|/_()]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Whether searched words `n` (normalised) name keyword `k` (normalised): the whole keyword or whole words of it. */
function keywordMatches(k: string, n: string): boolean {
  return n.length > 0 && (k === n || ` ${k} `.includes(` ${n} `));
}

export interface SearchHit {
  id: number;
  score: number;
  /** The scene that made the photo match (its weakest positive term), with its confidence; null when no scene term decided. */
  match: { index: number; prob: number } | null;
}

export interface SearchOptions {
  threshold: number;
  /** Keeps only photos whose folder passes: the watched folder's id and the directory below it. */
  folder: ((folderId: number, dir: string) => boolean) | null;
  offset: number;
  limit: number;
}

export class SearchIndex {
  private capacity = 0;
  private size = 0;
  private ids = new Int32Array(0);
  private folder = new Int32Array(0);
  /** Interned directory of each photo (see `dirs`). */
  private dir = new Int32Array(0);
  private taken = new Float64Array(0);
  /** Scene candidates (shown-scene.ts), best first, up to TOP_K a photo. */
  private top = new Uint16Array(0);
  private prob = new Float32Array(0);
  private indoor = new Int8Array(0);
  private alive = new Uint8Array(0);
  private readonly slotOf = new Map<number, number>();
  private readonly dirs: { folderId: number; dir: string }[] = [];
  private readonly dirIds = new Map<string | number, number>();
  private freeSlots: number[] = [];
  /** Keywords: each slot's (normalised), and the slots of each keyword. */
  private readonly keywordsOf = new Map<number, string[]>();
  private readonly keywordSlots = new Map<string, Set<number>>();
  /** Bitsets: one per label, then indoor, outdoor and alive; valid for `bitsThreshold`. */
  private bits: Uint32Array[] | null = null;
  private bitsThreshold = NaN;
  private words = 0;
  private matchBuf = new Int32Array(0);
  private scoreBuf = new Float32Array(0);
  private rankBuf = new Uint8Array(0);

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
    this.dir = g(this.dir, cap, Int32Array);
    this.taken = g(this.taken, cap, Float64Array);
    this.top = g(this.top, cap * TOP_K, Uint16Array);
    this.prob = g(this.prob, cap * TOP_K, Float32Array);
    this.indoor = g(this.indoor, cap, Int8Array);
    this.alive = g(this.alive, cap, Uint8Array);
    this.capacity = cap;
  }

  upsert(e: IndexEntry): void {
    // A file that could not be read is in no search result, not even `-beach` or a date range.
    if (e.failed) {
      this.remove(e.id);
      return;
    }
    let s = this.slotOf.get(e.id);
    if (s === undefined) {
      s = this.freeSlots.pop() ?? this.size++;
      this.grow(s + 1);
      this.slotOf.set(e.id, s);
    } else this.setBits(s, false);
    this.ids[s] = e.id;
    this.folder[s] = e.folderId;
    this.dir[s] = this.internDir(e.folderId, e.dir);
    this.taken[s] = e.takenTs ?? NaN;
    const n = writeCandidates(e, this.top, this.prob, s * TOP_K, TOP_K);
    for (let k = n; k < TOP_K; k++) {
      this.top[s * TOP_K + k] = NO_LABEL;
      this.prob[s * TOP_K + k] = 0;
    }
    const indoor = indoorOf(n ? this.top[s * TOP_K]! : null, e.vote, e.correction !== null);
    this.indoor[s] = indoor === null ? -1 : indoor ? 1 : 0;
    this.alive[s] = 1;
    this.setKeywords(s, e.keywords ?? []);
    this.setBits(s, true);
  }

  private setKeywords(s: number, keywords: readonly string[]): void {
    for (const k of this.keywordsOf.get(s) ?? []) {
      const slots = this.keywordSlots.get(k);
      slots?.delete(s);
      if (slots && slots.size === 0) this.keywordSlots.delete(k);
    }
    const ks = [...new Set(keywords.map(normaliseKeyword).filter(Boolean))];
    if (!ks.length) {
      this.keywordsOf.delete(s);
      return;
    }
    this.keywordsOf.set(s, ks);
    for (const k of ks) {
      let slots = this.keywordSlots.get(k);
      if (!slots) this.keywordSlots.set(k, (slots = new Set()));
      slots.add(s);
    }
  }

  /** Whether any photo has a keyword named by `text` (a whole keyword or whole words of one). */
  hasKeyword(text: string): boolean {
    const n = normaliseKeyword(text);
    for (const k of this.keywordSlots.keys()) if (keywordMatches(k, n)) return true;
    return false;
  }

  /** The slots of photos with a keyword named by `text`, as a bitset of `words` words. */
  private keywordBits(text: string, words: number): Uint32Array {
    const out = new Uint32Array(words);
    const n = normaliseKeyword(text);
    for (const [k, slots] of this.keywordSlots) {
      if (!keywordMatches(k, n)) continue;
      for (const s of slots) if (s >>> 5 < words) out[s >>> 5]! |= 1 << (s & 31);
    }
    return out;
  }

  remove(id: number): void {
    const s = this.slotOf.get(id);
    if (s === undefined) return;
    this.setBits(s, false);
    this.alive[s] = 0;
    this.setKeywords(s, []);
    this.slotOf.delete(id);
    this.freeSlots.push(s);
  }

  /** Whether any photo's folder passes `folder` (to tell "no such folder" from "nothing there"). */
  hasDir(folder: (folderId: number, dir: string) => boolean): boolean {
    return this.dirs.some((d) => folder(d.folderId, d.dir));
  }

  private internDir(folderId: number, dir: string): number {
    const key = dir === '' ? folderId : `${folderId}\0${dir}`;
    let d = this.dirIds.get(key);
    if (d === undefined) {
      d = this.dirs.length;
      this.dirs.push({ folderId, dir });
      this.dirIds.set(key, d);
    }
    return d;
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
    for (let k = 0; k < TOP_K; k++) {
      const l = this.top[s * TOP_K + k]!;
      if (l === NO_LABEL || !counts(this.prob[s * TOP_K + k]!, this.bitsThreshold)) break;
      set(bits[l]!);
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
    const { alive, indoor, top, prob } = this;
    for (let s = 0; s < this.size; s++) {
      if (!alive[s]) continue;
      const w = s >>> 5;
      const m = 1 << (s & 31);
      bits[ALIVE]![w]! |= m;
      if (indoor[s] === 1) bits[INDOOR]![w]! |= m;
      else if (indoor[s] === 0) bits[OUTDOOR]![w]! |= m;
      for (let k = 0; k < TOP_K; k++) {
        const l = top[s * TOP_K + k]!;
        if (l === NO_LABEL || !counts(prob[s * TOP_K + k]!, threshold)) break;
        bits[l]![w]! |= m;
      }
    }
    this.bits = bits;
    return bits;
  }

  /**
   * Score of a photo already known to match group `g`: its weakest positive
   * term's best candidate (the scene shown as the reason it matched), or the
   * photo's own shown scene when no scene term decided.
   */
  private score(s: number, g: CompiledTerm[], threshold: number, out: { k: number }): number {
    let score = Infinity;
    out.k = 0;
    for (const t of g) {
      if (t.negated || t.kind !== 0) continue;
      let best = -1;
      for (let k = 0; k < TOP_K; k++) {
        const l = this.top[s * TOP_K + k]!;
        if (l === NO_LABEL || !counts(this.prob[s * TOP_K + k]!, threshold)) break;
        if (t.bitmap[l] === 1) {
          best = k;
          break;
        }
      }
      if (best < 0) continue;
      const p = this.prob[s * TOP_K + best]!;
      if (p < score) {
        score = p;
        out.k = best;
      }
    }
    return score === Infinity ? this.prob[s * TOP_K]! || 0.0001 : score || 0.0001;
  }

  search(q: ParsedQuery, options: SearchOptions): { total: number; hits: SearchHit[] } {
    const { threshold } = options;
    const dirOk = options.folder ? Uint8Array.from(this.dirs, (d) => (options.folder!(d.folderId, d.dir) ? 1 : 0)) : null;
    const bits = this.ensureBits(threshold);
    const words = this.words;
    const alive = bits[ALIVE]!;
    const groups: CompiledTerm[][] = q.any.map((g) =>
      g.map((t) => ({
        kind: t.kind === 'indoor' ? 1 : t.kind === 'outdoor' ? 2 : t.kind === 'keyword' ? 3 : 0,
        negated: t.negated,
        bitmap: bitmapFor(t) ?? new Uint8Array(365),
        // A plain word that names a scene also finds photos with that keyword (`beach`: scenes and keyword "Beach").
        keyword: t.kind === 'keyword' ? t.value : t.kind === 'label' || t.kind === 'family' ? (t.widenedFrom ?? t.value) : null,
      })),
    );
    // Matching: one bitset per group (AND of its terms), OR over groups.
    const groupBits = groups.map((g) => {
      const acc = alive.slice();
      for (const t of g) {
        let tb: Uint32Array;
        if (t.kind === 1) tb = bits[INDOOR]!;
        else if (t.kind === 2) tb = bits[OUTDOOR]!;
        else {
          tb = t.keyword !== null && this.keywordSlots.size ? this.keywordBits(t.keyword, words) : new Uint32Array(words);
          for (let l = 0; t.kind === 0 && l < 365; l++) {
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
      this.rankBuf = new Uint8Array(this.capacity);
    }
    const matched = this.matchBuf;
    const scores = this.scoreBuf;
    const ranks = this.rankBuf;
    // Groups without a positive scene term rank by the photo's own shown scene: no per-label work.
    const ownScored = groups.map((g) => !g.some((t) => t.kind === 0 && !t.negated));
    const prob = this.prob;
    const pick = { k: 0 };
    let count = 0;
    for (let w = 0; w < words; w++) {
      let x = any[w]!;
      while (x !== 0) {
        const low = x & -x;
        const s = (w << 5) + (31 - Math.clz32(low));
        x ^= low;
        if (dirOk !== null && !dirOk[this.dir[s]!]) continue;
        if (dated) {
          const t = this.taken[s]!;
          if (t !== t || t < fromTs || t > toTs) continue;
        }
        const own = prob[s * TOP_K]! || 0.0001;
        let best = groups.length ? 0 : own;
        let rank = 0;
        const m = 1 << (s & 31);
        for (let gi = 0; gi < groups.length; gi++) {
          if ((groupBits[gi]![w]! & m) === 0) continue;
          pick.k = 0;
          const sc = ownScored[gi] ? own : this.score(s, groups[gi]!, threshold, pick);
          if (sc > best) {
            best = sc;
            rank = pick.k;
          }
        }
        matched[count] = s;
        scores[count] = best;
        ranks[count] = rank;
        count++;
      }
    }
    const want = Math.min(count, options.offset + options.limit);
    const order = topIndices(scores, count, want, (i) => this.ids[matched[i]!]!);
    const hits = order.slice(options.offset, want).map((i) => {
      const s = matched[i]!;
      const l = this.top[s * TOP_K + ranks[i]!]!;
      return { id: this.ids[s]!, score: scores[i]!, match: l === NO_LABEL ? null : { index: l, prob: this.prob[s * TOP_K + ranks[i]!]! } };
    });
    return { total: count, hits };
  }
}

const INDOOR = 365;
const OUTDOOR = 366;
const ALIVE = 367;

interface CompiledTerm {
  /** 0: scene labels (bitmap) or a keyword of that name, 1: indoor, 2: outdoor, 3: a keyword only */
  kind: 0 | 1 | 2 | 3;
  negated: boolean;
  bitmap: Uint8Array;
  /** The words a keyword must contain to match this term, or null. */
  keyword: string | null;
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
