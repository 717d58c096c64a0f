/**
 * Every photo's sketched descriptor (sketch.ts) in one growing int8 block, for
 * training and scoring personal scenes without touching the catalog or the
 * model: 512 bytes and one float a photo (51 MB for 100,000 photos). Lives in
 * the personal-scenes worker; removal swaps the last row in.
 */
import { SKETCH_DIM, sketchInto } from './sketch.js';
import type { Samples } from './train.js';

export class SketchStore {
  readonly dim = SKETCH_DIM;
  private q = new Int8Array(0);
  private scales = new Float32Array(0);
  private ids = new Int32Array(0);
  private rowOf = new Map<number, number>();
  private tmp = new Float32Array(SKETCH_DIM);
  n = 0;

  private grow(min: number): void {
    if (min <= this.ids.length) return;
    const cap = Math.max(min, Math.ceil(this.ids.length * 1.5), 1024);
    const q = new Int8Array(cap * SKETCH_DIM);
    q.set(this.q.subarray(0, this.n * SKETCH_DIM));
    const s = new Float32Array(cap);
    s.set(this.scales.subarray(0, this.n));
    const ids = new Int32Array(cap);
    ids.set(this.ids.subarray(0, this.n));
    this.q = q;
    this.scales = s;
    this.ids = ids;
  }

  reserve(n: number): void {
    this.grow(n);
  }

  has(id: number): boolean {
    return this.rowOf.has(id);
  }

  /** Adds or replaces a photo's descriptor (the catalog's int8 fc7). */
  upsert(id: number, vec: Int8Array): void {
    let r = this.rowOf.get(id);
    if (r === undefined) {
      this.grow(this.n + 1);
      r = this.n++;
      this.rowOf.set(id, r);
      this.ids[r] = id;
    }
    this.scales[r] = sketchInto(vec, this.q, r * SKETCH_DIM, this.tmp);
  }

  remove(id: number): void {
    const r = this.rowOf.get(id);
    if (r === undefined) return;
    const last = --this.n;
    if (r !== last) {
      this.q.copyWithin(r * SKETCH_DIM, last * SKETCH_DIM, (last + 1) * SKETCH_DIM);
      this.scales[r] = this.scales[last]!;
      this.ids[r] = this.ids[last]!;
      this.rowOf.set(this.ids[r]!, r);
    }
    this.rowOf.delete(id);
  }

  clear(): void {
    this.n = 0;
    this.rowOf.clear();
  }

  /** The unit-length float rows of these photos (those the store has), in order. */
  samples(ids: Iterable<number>): Samples {
    const rows: number[] = [];
    for (const id of ids) {
      const r = this.rowOf.get(id);
      if (r !== undefined) rows.push(r);
    }
    return this.rowsAsSamples(rows);
  }

  private rowsAsSamples(rows: number[]): Samples {
    const x = new Float32Array(rows.length * SKETCH_DIM);
    rows.forEach((r, i) => {
      const s = this.scales[r]!;
      const o = r * SKETCH_DIM;
      for (let k = 0; k < SKETCH_DIM; k++) x[i * SKETCH_DIM + k] = this.q[o + k]! * s;
    });
    return { dim: SKETCH_DIM, x, n: rows.length };
  }

  /** Up to `count` photos drawn at random (seeded) from those not in `exclude`, in random order. */
  sample(count: number, exclude: Set<number>, seed: number): Samples {
    const rows: number[] = [];
    let s = seed >>> 0 || 1;
    const rand = (): number => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 4294967296;
    };
    const free = this.n - exclude.size;
    if (free <= count * 1.5) {
      for (let r = 0; r < this.n; r++) if (!exclude.has(this.ids[r]!)) rows.push(r);
      for (let i = rows.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [rows[i], rows[j]] = [rows[j]!, rows[i]!];
      }
      return this.rowsAsSamples(rows.slice(0, count));
    }
    const seen = new Set<number>();
    for (let tries = 0; rows.length < count && tries < count * 20; tries++) {
      const r = Math.floor(rand() * this.n);
      if (seen.has(r) || exclude.has(this.ids[r]!)) continue;
      seen.add(r);
      rows.push(r);
    }
    return this.rowsAsSamples(rows);
  }

  /** Raw linear scores w·x + b of every photo, with their ids (copies, safe to transfer). */
  scoreAll(w: Float32Array, b: number): { ids: Int32Array; raw: Float32Array } {
    const n = this.n;
    const raw = new Float32Array(n);
    const q = this.q;
    const D = SKETCH_DIM;
    for (let r = 0; r < n; r++) {
      const o = r * D;
      let s = 0;
      for (let k = 0; k < D; k++) s += q[o + k]! * w[k]!;
      raw[r] = s * this.scales[r]! + b;
    }
    return { ids: this.ids.slice(0, n), raw };
  }

  /** Bytes held (the int8 block, scales and ids, at capacity). */
  get bytes(): number {
    return this.q.byteLength + this.scales.byteLength + this.ids.byteLength;
  }
}
