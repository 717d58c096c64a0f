/**
 * Personal scenes' classifiers: a linear scorer over the unit-length sketched
 * descriptors (sketch.ts), trained on the person's examples (positives)
 * against their "no" answers and a sample of the library (negatives). Three
 * methods, chosen between by measurement (bench/personal.ts,
 * docs/personal-scenes.md): the prototype (the examples' mean direction),
 * L2-regularised logistic regression and a linear SVM (hinge loss, dual
 * coordinate descent), all with class-balanced weights because a handful of
 * examples face hundreds of negatives.
 *
 * The threshold is calibrated, not fixed: each positive is scored by a model
 * trained without it (cross-validation), the negatives by a model that never
 * saw them (a held-out half of the library sample), and the threshold is the
 * one that best separates those two sets (calibrateThreshold: F1, chosen
 * over a positive-unlabelled criterion by measurement). Scores are then
 * mapped to 0..1 around that threshold, so that 0.5 is the line between in
 * and out whatever the method.
 */
export type Method = 'prototype' | 'logistic' | 'svm';
export const METHODS: readonly Method[] = ['prototype', 'logistic', 'svm'];

/** Rows of unit-length vectors (dim each), dense. */
export interface Samples {
  dim: number;
  x: Float32Array;
  n: number;
}

export interface LinearModel {
  method: Method;
  w: Float32Array;
  b: number;
  /** Raw score at which a photo belongs to the scene. */
  threshold: number;
  /** Spread of the raw scores: score01 = sigmoid((raw - threshold) / spread). */
  spread: number;
}

export interface TrainOptions {
  method: Method;
  /** L2 regularisation (logistic) or 1/C (SVM). */
  lambda?: number;
  /** Deterministic seed for fold assignment. */
  seed?: number;
}

export interface TrainInput {
  pos: Samples;
  /** Explicit negatives ("no", "Not this"): always in training. */
  neg: Samples;
  /** A random sample of the library (less the examples): half trains, half calibrates. */
  sample: Samples;
}

function row(s: Samples, i: number): Float32Array {
  return s.x.subarray(i * s.dim, (i + 1) * s.dim);
}

function dot(w: Float32Array, x: Float32Array): number {
  return rowDot(w, x, 0, x.length);
}

interface Fit {
  w: Float32Array;
  b: number;
}

/** Labelled rows, back to back in one block (what the hot loops want): y = +1/-1, c = weight. */
interface Design {
  dim: number;
  n: number;
  x: Float32Array;
  y: Int8Array;
  c: Float32Array;
  /** Rows that are explicit "no" answers (not library sample), and how many. */
  hard?: Uint8Array;
  hardCount?: number;
}

function rowDot(w: Float32Array, x: Float32Array, o: number, dim: number): number {
  let s = 0;
  for (let k = 0; k < dim; k++) s += w[k]! * x[o + k]!;
  return s;
}

/** Trains on labelled rows. */
function fit(method: Method, d: Design, lambda: number, warm?: Fit): Fit {
  if (method === 'prototype') {
    // The examples' mean direction; explicit "no" answers (weighted apart from the library sample) pull it away from
    // themselves, Rocchio-style, so that a "no" lowers the photos like it.
    const w = new Float32Array(d.dim);
    let np = 0;
    for (let i = 0; i < d.n; i++) if (d.y[i]! > 0) np++;
    for (let i = 0; i < d.n; i++) {
      const f = d.y[i]! > 0 ? 1 / np : d.hard?.[i] ? -0.5 / d.hardCount! : 0;
      if (f !== 0) for (let k = 0, o = i * d.dim; k < d.dim; k++) w[k]! += f * d.x[o + k]!;
    }
    let n = 0;
    for (let k = 0; k < d.dim; k++) n += w[k]! * w[k]!;
    n = Math.sqrt(n) || 1;
    for (let k = 0; k < d.dim; k++) w[k]! /= n;
    return { w, b: 0 };
  }
  if (method === 'logistic') return fitLogistic(d, lambda, warm);
  return fitSvm(d, lambda);
}

/** Nesterov-accelerated gradient descent on the mean weighted log-loss + lambda/2 |w|^2 (the bias unregularised). */
function fitLogistic(d: Design, lambda: number, warm?: Fit): Fit {
  const { dim, n, x, y, c } = d;
  let csum = 0;
  for (let i = 0; i < n; i++) csum += c[i]!;
  const w = warm ? Float32Array.from(warm.w) : new Float32Array(dim);
  let b = warm?.b ?? 0;
  const prevW = Float32Array.from(w);
  let prevB = b;
  const look = new Float32Array(dim);
  const g = new Float32Array(dim);
  // Unit rows plus the bias input: the loss's gradient is Lipschitz with at most (1 + 1)/4.
  const step = 1 / (0.5 + lambda);
  const iters = warm ? 25 : 60;
  for (let t = 1; t <= iters; t++) {
    const mom = (t - 1) / (t + 2);
    for (let k = 0; k < dim; k++) look[k] = w[k]! + mom * (w[k]! - prevW[k]!);
    const lookB = b + mom * (b - prevB);
    g.fill(0);
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const o = i * dim;
      const m = y[i]! * (rowDot(look, x, o, dim) + lookB);
      // d/dm log(1+e^-m) = -1/(1+e^m)
      const coef = (-c[i]! * y[i]!) / (1 + Math.exp(m)) / csum;
      if (Math.abs(coef) < 1e-12) continue;
      for (let k = 0; k < dim; k++) g[k]! += coef * x[o + k]!;
      gb += coef;
    }
    prevW.set(w);
    prevB = b;
    for (let k = 0; k < dim; k++) w[k] = look[k]! - step * (g[k]! + lambda * look[k]!);
    b = lookB - step * gb;
  }
  return { w, b };
}

/** Hinge-loss linear SVM by dual coordinate descent (Hsieh et al. 2008), the bias as a constant input. */
function fitSvm(d: Design, lambda: number): Fit {
  const { dim, n, x, y, c } = d;
  let csum = 0;
  for (let i = 0; i < n; i++) csum += c[i]!;
  // C_i so that the primal is mean-weighted hinge + lambda/2 |w|^2.
  const upper = new Float32Array(n);
  for (let i = 0; i < n; i++) upper[i] = c[i]! / (csum * lambda);
  const qii = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let q = 1;
    for (let k = 0, o = i * dim; k < dim; k++) q += x[o + k]! * x[o + k]!;
    qii[i] = q;
  }
  const alpha = new Float32Array(n);
  const w = new Float32Array(dim);
  let b = 0;
  const order = new Int32Array(n).map((_, i) => i);
  let seed = 12345;
  for (let epoch = 0; epoch < 10; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const j = seed % (i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    let maxChange = 0;
    for (let oi = 0; oi < n; oi++) {
      const i = order[oi]!;
      const o = i * dim;
      const G = y[i]! * (rowDot(w, x, o, dim) + b) - 1;
      const a = alpha[i]!;
      const na = Math.min(Math.max(a - G / qii[i]!, 0), upper[i]!);
      if (na !== a) {
        const dd = (na - a) * y[i]!;
        alpha[i] = na;
        for (let k = 0; k < dim; k++) w[k]! += dd * x[o + k]!;
        b += dd;
        maxChange = Math.max(maxChange, Math.abs(na - a) / (upper[i]! || 1));
      }
    }
    if (maxChange < 1e-3) break;
  }
  return { w, b };
}

const DEFAULT_LAMBDA: Record<Method, number> = { prototype: 0, logistic: 1e-3, svm: 1e-3 };

/** Class-balanced weights: the positives weigh as much, together, as the negatives. */
function balanced(y: Int8Array): Float32Array {
  let p = 0;
  for (let i = 0; i < y.length; i++) if (y[i]! > 0) p++;
  const m = y.length - p;
  const c = new Float32Array(y.length);
  for (let i = 0; i < y.length; i++) c[i] = y[i]! > 0 ? 0.5 / Math.max(p, 1) : 0.5 / Math.max(m, 1);
  return c;
}

function score(f: Fit, x: Float32Array): number {
  return dot(f.w, x) + f.b;
}

/**
 * The threshold that best separates the cross-validated example scores (`pos`) from the library sample's
 * (`unlabelled`): the one with the highest F1, counting every sampled photo above it as a false positive, drawn
 * midway between the lowest score it keeps and the next one below.
 *
 * The sample is not all negatives (the place's other photos are in it, unlabelled), so F1 errs on the side of
 * precision. The positive-unlabelled criterion of Lee & Liu (ICML 2003), recall^2 / P(claimed), which does not
 * count them as errors, was measured too (docs/personal-scenes.md): no better precision or recall on the benchmark,
 * and it claimed more of the library (1.5-2.9 % against 1.0-2.7 %); the Suggestions strip recovers recall.
 * A cut must also claim at least MIN_LIFT times fewer of the library than of the examples (recall / P(claimed)),
 * so that examples with nothing in common claim nothing but themselves. Exported for its own tests.
 */
/** How much likelier than a library photo an example must be to score above the line (see calibrateThreshold). */
export const MIN_LIFT = 3;

export function calibrateThreshold(pos: number[], unlabelled: number[]): number {
  if (!pos.length) return Infinity;
  const all = [...pos.map((s) => ({ s, p: true })), ...unlabelled.map((s) => ({ s, p: false }))].sort((a, b) => b.s - a.s);
  let tp = 0;
  let claimed = 0;
  let best = -1;
  let at = 0;
  for (let i = 0; i < all.length; i++) {
    if (all[i]!.p) tp++;
    else claimed++;
    // Only after a positive (a cut after an unlabelled photo never helps) and between distinct scores.
    if (!all[i]!.p || (i + 1 < all.length && all[i + 1]!.s === all[i]!.s)) continue;
    const recall = tp / pos.length;
    const p = (claimed + 1) / (unlabelled.length + 1);
    const v = (2 * tp) / (2 * tp + claimed + (pos.length - tp));
    if (recall / p >= MIN_LIFT && v > best) {
      best = v;
      at = i;
    }
  }
  if (best < 0) return all[0]!.s + 1e-6;
  const next = all[at + 1];
  return next ? (all[at]!.s + next.s) / 2 : all[at]!.s - 1e-6;
}

/**
 * The examples' mean direction, and the lowest similarity of an example to the mean of the others (leave one out):
 * how close a photo of the place can be expected to come. With one example, nothing is "likely" (min = Infinity).
 */
function likelyPositiveScore(P: Float32Array[]): { mean: Float32Array; min: number } {
  const dim = P[0]!.length;
  const sum = new Float32Array(dim);
  for (const x of P) for (let k = 0; k < dim; k++) sum[k]! += x[k]!;
  const unit = (v: Float32Array): Float32Array => {
    let n = 0;
    for (let k = 0; k < dim; k++) n += v[k]! * v[k]!;
    n = Math.sqrt(n) || 1;
    return v.map((x) => x / n);
  };
  if (P.length < 2) return { mean: unit(Float32Array.from(sum)), min: Infinity };
  let min = Infinity;
  for (const x of P) {
    const others = unit(sum.map((v, k) => v - x[k]!));
    min = Math.min(min, dot(others, x));
  }
  return { mean: unit(Float32Array.from(sum)), min };
}

/** Trains a personal scene's classifier and calibrates its threshold. */
export function train(input: TrainInput, opts: TrainOptions): LinearModel {
  const { pos, neg, sample } = input;
  if (pos.n === 0) throw new Error('a personal scene needs at least one example');
  const dim = pos.dim;
  const lambda = opts.lambda ?? DEFAULT_LAMBDA[opts.method];
  const half = Math.ceil(sample.n / 2);
  // Sample rows are in random order already (the caller samples them): first half trains, second half calibrates.
  const trainHalf = Array.from({ length: half }, (_, i) => row(sample, i));
  const held = Array.from({ length: sample.n - half }, (_, i) => row(sample, half + i));
  // Reliable negatives (the first step of positive-unlabelled learning): a sampled photo at least as close to the
  // examples' mean as an example is to the others' is likely the same place, unlabelled. Training it as a
  // negative would teach the scene to reject its own photos (in a small library, half its photos are sampled), so
  // it is left out of training; it still counts, unlabelled, when the threshold is calibrated.
  const P = Array.from({ length: pos.n }, (_, i) => row(pos, i));
  const likely = likelyPositiveScore(P);
  const N = [...Array.from({ length: neg.n }, (_, i) => row(neg, i)), ...trainHalf.filter((x) => dot(likely.mean, x) < likely.min)];
  const build = (ps: Float32Array[]): Design => {
    const rows = [...ps, ...N];
    const x = new Float32Array(rows.length * dim);
    rows.forEach((r, i) => x.set(r, i * dim));
    const y = new Int8Array(rows.length).fill(-1);
    y.fill(1, 0, ps.length);
    const hard = new Uint8Array(rows.length).fill(1, ps.length, ps.length + neg.n);
    return { dim, n: rows.length, x, y, c: balanced(y), hard, hardCount: neg.n };
  };
  const full = fit(opts.method, build(P), lambda);
  // Cross-validated positive scores: leave-one-out up to 5 examples, else 5 folds.
  const folds = Math.min(P.length, 5);
  const posScores: number[] = [];
  if (P.length === 1) posScores.push(score(full, P[0]!));
  else {
    for (let f = 0; f < folds; f++) {
      const train = P.filter((_, i) => i % folds !== f);
      const test = P.filter((_, i) => i % folds === f);
      // Cold starts: a fold warm-started from the full model still remembers the example it leaves out.
      const m = fit(opts.method, build(train), lambda);
      for (const x of test) posScores.push(score(m, x));
    }
  }
  // Held-out library photos, and the explicit "no" answers (scored by the model that saw them: they only push the line up).
  const negScores = [...held.map((x) => score(full, x)), ...Array.from({ length: neg.n }, (_, i) => score(full, row(neg, i)))];
  let threshold = calibrateThreshold(posScores, negScores);
  if (!Number.isFinite(threshold)) threshold = 0;
  const mp = posScores.reduce((a, s) => a + s, 0) / posScores.length;
  const mn = negScores.length ? negScores.reduce((a, s) => a + s, 0) / negScores.length : threshold - 1;
  const spread = Math.max(Math.abs(mp - mn) / 8, 1e-6);
  return { method: opts.method, w: full.w, b: full.b, threshold, spread };
}

/** A raw score on the 0..1 scale shown to the person (0.5 = the threshold). */
export function toScore01(m: Pick<LinearModel, 'threshold' | 'spread'>, raw: number): number {
  return 1 / (1 + Math.exp(-(raw - m.threshold) / m.spread));
}
