/**
 * Output-aware int8 rounding of conv weights (GPTQ: Frantar et al. 2023,
 * "GPTQ: Accurate Post-Training Quantization for Generative Pre-trained
 * Transformers", after Optimal Brain Quantization, Frantar & Alistarh 2022;
 * the same objective as AdaRound, Nagel et al. 2020). Rounding every weight
 * to its nearest int8 level minimises the error of the WEIGHTS; what matters
 * is the error of the layer's OUTPUT, E‖(W − Ŵ)x‖², whose curvature is the
 * input's second moment H = E[x xᵀ] over the conv's receptive-field patches
 * (measured on the calibration photos). GPTQ quantizes one input column at a
 * time and spreads its rounding error over the columns not yet quantized, in
 * the proportions H says cancel it best (Cholesky of H⁻¹). Scales stay the
 * per-channel ones of int8.ts, so the graph and the kernels are unchanged.
 *
 * Cost: H is d × d with d = in-channels · kernel area, and building it costs
 * d² per sampled patch, so it is used only up to MAX_HESSIAN_DIM (every layer
 * of SqueezeNet; VGG16's first four convs); larger layers keep nearest
 * rounding.
 */
import type { QuantizedWeights } from './int8.js';

/** Largest patch size (in-channels · kernel area) that gets a Hessian. */
export const MAX_HESSIAN_DIM = 1152;
/** Patches sampled per image and layer: enough for d ≤ 1152 over 16+ images, bounded for large maps. */
export const PATCHES_PER_IMAGE = 256;

export interface ConvGeometry {
  kernel: [number, number];
  /** top, left, bottom, right */
  pads: [number, number, number, number];
  strides: [number, number];
  dilations: [number, number];
}

/** Accumulates H = Σ x xᵀ over sampled receptive-field patches of one conv's input (upper triangle, then mirrored). */
export class HessianAccumulator {
  readonly d: number;
  readonly h: Float64Array;
  count = 0;
  private seed = 0x1b873593;

  constructor(
    readonly channels: number,
    readonly geometry: ConvGeometry,
  ) {
    this.d = channels * geometry.kernel[0] * geometry.kernel[1];
    this.h = new Float64Array(this.d * this.d);
  }

  /** One image's input map, [channels, height, width]. */
  add(x: Float32Array, height: number, width: number): void {
    const { kernel: [kh, kw], pads: [pt, pl, pb, pr], strides: [sh, sw], dilations: [dh, dw] } = this.geometry;
    const oh = Math.floor((height + pt + pb - (dh * (kh - 1) + 1)) / sh) + 1;
    const ow = Math.floor((width + pl + pr - (dw * (kw - 1) + 1)) / sw) + 1;
    const positions = oh * ow;
    if (positions <= 0) return;
    const take = Math.min(positions, PATCHES_PER_IMAGE);
    const v = new Float64Array(this.d);
    const d = this.d;
    const h = this.h;
    for (let s = 0; s < take; s++) {
      let p: number;
      if (take === positions) p = s;
      else {
        this.seed = (Math.imul(this.seed, 1664525) + 1013904223) >>> 0;
        p = Math.floor((this.seed / 4294967296) * positions);
      }
      const oy = Math.floor(p / ow);
      const ox = p % ow;
      let k = 0;
      for (let c = 0; c < this.channels; c++) {
        const base = c * height * width;
        for (let ky = 0; ky < kh; ky++) {
          const y = oy * sh - pt + ky * dh;
          for (let kx = 0; kx < kw; kx++, k++) {
            const xx = ox * sw - pl + kx * dw;
            v[k] = y >= 0 && y < height && xx >= 0 && xx < width ? x[base + y * width + xx]! : 0;
          }
        }
      }
      for (let i = 0; i < d; i++) {
        const vi = v[i]!;
        if (vi === 0) continue;
        const row = i * d;
        for (let j = i; j < d; j++) h[row + j]! += vi * v[j]!;
      }
    }
    this.count += take;
  }

  /** The mean second moment E[x xᵀ], full symmetric matrix. */
  finish(): Float64Array {
    const d = this.d;
    const h = this.h;
    const n = Math.max(1, this.count);
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        const v = h[i * d + j]! / n;
        h[i * d + j] = v;
        h[j * d + i] = v;
      }
    }
    return h;
  }
}

/** In-place lower Cholesky factor of a symmetric positive-definite d × d matrix; false if it is not. */
function cholesky(a: Float64Array, d: number): boolean {
  for (let j = 0; j < d; j++) {
    let s = a[j * d + j]!;
    for (let k = 0; k < j; k++) s -= a[j * d + k]! ** 2;
    if (!(s > 0)) return false;
    const ljj = Math.sqrt(s);
    a[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let t = a[i * d + j]!;
      for (let k = 0; k < j; k++) t -= a[i * d + k]! * a[j * d + k]!;
      a[i * d + j] = t / ljj;
    }
    for (let k = j + 1; k < d; k++) a[j * d + k] = 0;
  }
  return true;
}

/** H⁻¹ from its lower Cholesky factor L (H = L Lᵀ): H⁻¹ = L⁻ᵀ L⁻¹. */
function inverseFromCholesky(l: Float64Array, d: number): Float64Array {
  // Invert L (lower triangular) column by column.
  const li = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    li[j * d + j] = 1 / l[j * d + j]!;
    for (let i = j + 1; i < d; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= l[i * d + k]! * li[k * d + j]!;
      li[i * d + j] = s / l[i * d + i]!;
    }
  }
  // H⁻¹[i, j] = Σ_k L⁻¹[k, i] L⁻¹[k, j]: on the transpose, so that the inner loop reads rows.
  const t = new Float64Array(d * d);
  for (let k = 0; k < d; k++) for (let i = 0; i <= k; i++) t[i * d + k] = li[k * d + i]!;
  const inv = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      let s = 0;
      for (let k = j; k < d; k++) s += t[i * d + k]! * t[j * d + k]!;
      inv[i * d + j] = s;
      inv[j * d + i] = s;
    }
  }
  return inv;
}

/**
 * GPTQ rounding of channel-major weights `w` ([channels, d], as Conv stores
 * them) with the given per-channel scales and input second moment `h`
 * (d × d, not modified). Columns go in order of decreasing H diagonal (the
 * "act-order" of the GPTQ code: the inputs that matter most are rounded
 * first, while the others can still absorb their error); dampening 1 % of
 * the mean diagonal keeps H invertible. Falls back to nearest rounding if H
 * still is not positive definite.
 */
export function gptqRound(w: Float32Array, scales: Float32Array, h: Float64Array, damp = 0.01): QuantizedWeights {
  const C = scales.length;
  const d = w.length / C;
  const q = new Int8Array(w.length);
  const nearest = (): QuantizedWeights => {
    for (let i = 0; i < w.length; i++) q[i] = clamp127(Math.round(w[i]! / scales[Math.floor(i / d)]!));
    return { q, scales };
  };
  if (h.length !== d * d) return nearest();
  let meanDiag = 0;
  for (let i = 0; i < d; i++) meanDiag += h[i * d + i]!;
  meanDiag /= d;
  if (!(meanDiag > 0)) return nearest();
  const order = Array.from({ length: d }, (_, i) => i).sort((a, b) => h[b * d + b]! - h[a * d + a]!);
  // Permuted, dampened H; inputs never seen (zero diagonal) get weight 0 in the error and are rounded as they come.
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) a[i * d + j] = h[order[i]! * d + order[j]!]!;
    a[i * d + i] = (a[i * d + i]! > 0 ? a[i * d + i]! : meanDiag) + damp * meanDiag;
  }
  if (!cholesky(a, d)) return nearest();
  const hinv = inverseFromCholesky(a, d);
  // Upper Cholesky factor U of H⁻¹ (H⁻¹ = Uᵀ U): the lower factor of H⁻¹, transposed.
  if (!cholesky(hinv, d)) return nearest();
  // U row by row (contiguous for the update loop below): U[i, j] = L[j, i].
  const u = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) u[i * d + j] = hinv[j * d + i]!;
  // Work on a float64 copy, permuted: rows = channels.
  const W = new Float64Array(C * d);
  for (let c = 0; c < C; c++) for (let j = 0; j < d; j++) W[c * d + j] = w[c * d + order[j]!]!;
  for (let i = 0; i < d; i++) {
    const uii = u[i * d + i]!;
    const ui = i * d;
    for (let c = 0; c < C; c++) {
      const s = scales[c]!;
      const row = c * d;
      const wi = W[row + i]!;
      const qi = clamp127(Math.round(wi / s));
      q[row + order[i]!] = qi;
      const err = (wi - qi * s) / uii;
      if (err === 0) continue;
      for (let j = i + 1; j < d; j++) W[row + j]! -= err * u[ui + j]!;
    }
  }
  return { q, scales };
}

function clamp127(v: number): number {
  return v > 127 ? 127 : v < -127 ? -127 : v;
}
