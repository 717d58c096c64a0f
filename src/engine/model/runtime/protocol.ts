import type { ProviderChoice } from './providers.js';

/** Messages between the engine and the model worker thread. */
export type ToWorker =
  | { type: 'load'; path: string; threads: number; accelerator?: string }
  | { type: 'run'; id: number; pixels: Float32Array; n: number }
  /** Grad-CAM (engine/model/explain): maps for the top `top` classes of this image plus `classes`. */
  | { type: 'explain'; id: number; pixels: Float32Array; top: number; classes: number[] };

export type FromWorker =
  | { type: 'loaded'; loadSeconds: number; metadata: Record<string, string>; provider: ProviderChoice }
  | { type: 'result'; id: number; prob: Float32Array; features: Float32Array; classes: number; featureDim: number; ms: number; pixels?: Float32Array }
  | { type: 'explained'; id: number; prob: Float32Array; classes: number[]; cams: Float32Array; ms: number }
  | { type: 'error'; id: number | null; message: string; code?: 'explain_unavailable' };
