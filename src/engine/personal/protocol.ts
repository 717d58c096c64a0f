/** Messages between the engine and the personal-scenes worker (personal-worker.ts). */
import type { TrainSpec } from './scene-trainer.js';
import type { LinearModel } from './train.js';

export type ToPersonalWorker =
  | { type: 'reset'; req: number }
  /** Descriptors of `ids` (int8, `dim` each, back to back). */
  | { type: 'upsert'; req: number; ids: Int32Array; vecs: Int8Array; dim: number }
  | { type: 'remove'; req: number; ids: number[] }
  | { type: 'train'; req: number; spec: TrainSpec }
  | { type: 'score'; req: number; model: LinearModel; ids: number[] };

export type FromPersonalWorker =
  | { type: 'done'; req: number; n: number; bytes: number }
  | { type: 'trained'; req: number; model: LinearModel; ids: Int32Array; scores: Float32Array; missing: number[]; trainMs: number; scoreMs: number }
  | { type: 'scored'; req: number; items: { id: number; score: number }[] }
  | { type: 'error'; req: number; message: string };
