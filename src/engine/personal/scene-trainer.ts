/**
 * One training run of a personal scene over a SketchStore: its examples
 * against its "no" answers and a library sample, then every photo scored. Used
 * by the worker (personal-worker.ts) and directly by tests and the benchmark.
 */
import type { SketchStore } from './sketch-store.js';
import { toScore01, train, type LinearModel, type Method } from './train.js';

/** How many library photos are drawn as negatives (half train, half calibrate the threshold). */
export const LIBRARY_SAMPLE = 1000;

export interface TrainSpec {
  positives: number[];
  negatives: number[];
  method: Method;
  seed?: number;
}

export interface SceneScores {
  model: LinearModel;
  /** Every photo in the store, with its 0..1 score (0.5 = the threshold). */
  ids: Int32Array;
  scores: Float32Array;
  /** Examples (either kind) whose descriptor the store lacks (not indexed by this model yet). */
  missing: number[];
  trainMs: number;
  scoreMs: number;
}

export function trainAndScore(store: SketchStore, spec: TrainSpec): SceneScores {
  const t0 = performance.now();
  const missing = [...spec.positives, ...spec.negatives].filter((id) => !store.has(id));
  const exclude = new Set([...spec.positives, ...spec.negatives]);
  const model = train(
    { pos: store.samples(spec.positives), neg: store.samples(spec.negatives), sample: store.sample(LIBRARY_SAMPLE, exclude, spec.seed ?? 1) },
    { method: spec.method, seed: spec.seed },
  );
  const t1 = performance.now();
  const { ids, raw } = store.scoreAll(model.w, model.b);
  for (let i = 0; i < raw.length; i++) raw[i] = toScore01(model, raw[i]!);
  return { model, ids, scores: raw, missing, trainMs: t1 - t0, scoreMs: performance.now() - t1 };
}

/** Scores of a few photos under an already trained model (new photos arriving). */
export function scoreSome(store: SketchStore, model: LinearModel, ids: number[]): { id: number; score: number }[] {
  const out: { id: number; score: number }[] = [];
  for (const id of ids) {
    const s = store.samples([id]);
    if (!s.n) continue;
    let d = model.b;
    for (let k = 0; k < s.dim; k++) d += model.w[k]! * s.x[k]!;
    out.push({ id, score: toScore01(model, d) });
  }
  return out;
}
