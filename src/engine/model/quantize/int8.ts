/**
 * Per-channel symmetric int8 weight quantization: each output channel c gets
 * its own scale s_c = max|w_c| / 127 and q = round(w / s_c), zero point 0.
 * Per channel (not per tensor) because channel ranges in a trained network
 * differ by orders of magnitude; one shared scale would flatten the quiet
 * channels to a few levels (the negative control in int8.test.ts shows it).
 */

export interface QuantizedWeights {
  q: Int8Array;
  /** One scale per output channel. */
  scales: Float32Array;
}

/**
 * `w` holds `channels` output channels; `axis` says how they are laid out:
 * 'rows' = channel-major ([C, ...], Conv weights and Gemm with transB=1),
 * 'columns' = channel-minor ([K, C], MatMul weights).
 */
export function quantizePerChannel(w: Float32Array, channels: number, axis: 'rows' | 'columns' = 'rows'): QuantizedWeights {
  if (channels <= 0 || w.length % channels !== 0) throw new Error(`cannot split ${w.length} weights into ${channels} channels`);
  const per = w.length / channels;
  const max = new Float32Array(channels);
  if (axis === 'rows') {
    for (let c = 0; c < channels; c++) {
      let m = 0;
      for (let i = c * per, e = i + per; i < e; i++) {
        const a = Math.abs(w[i]!);
        if (a > m) m = a;
      }
      max[c] = m;
    }
  } else {
    for (let k = 0; k < per; k++) {
      const base = k * channels;
      for (let c = 0; c < channels; c++) {
        const a = Math.abs(w[base + c]!);
        if (a > max[c]!) max[c] = a;
      }
    }
  }
  // An all-zero channel keeps scale 1 (any scale represents it exactly; 0 would divide by zero at run time).
  const scales = Float32Array.from(max, (m) => (m > 0 ? m / 127 : 1));
  const inv = Float64Array.from(scales, (s) => 1 / s);
  const q = new Int8Array(w.length);
  if (axis === 'rows') {
    for (let c = 0; c < channels; c++) {
      const s = inv[c]!;
      for (let i = c * per, e = i + per; i < e; i++) q[i] = clamp127(Math.round(w[i]! * s));
    }
  } else {
    for (let i = 0; i < w.length; i++) q[i] = clamp127(Math.round(w[i]! * inv[i % channels]!));
  }
  return { q, scales };
}

function clamp127(v: number): number {
  return v > 127 ? 127 : v < -127 ? -127 : v;
}

/** The float weights the int8 model computes with. */
export function dequantize(qw: QuantizedWeights, axis: 'rows' | 'columns' = 'rows'): Float32Array {
  const channels = qw.scales.length;
  const per = qw.q.length / channels;
  const out = new Float32Array(qw.q.length);
  for (let i = 0; i < out.length; i++) {
    const c = axis === 'rows' ? Math.floor(i / per) : i % channels;
    out[i] = qw.q[i]! * qw.scales[c]!;
  }
  return out;
}

/** [rows, cols] → [cols, rows] (Gemm's transB=1 layout to MatMul's). */
export function transposeInt8(q: Int8Array, rows: number, cols: number): Int8Array {
  const out = new Int8Array(q.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = q[base + c]!;
  }
  return out;
}

/** Nearest rounding with given per-channel scales (rows layout). */
export function quantizeWithScales(w: Float32Array, scales: Float32Array): QuantizedWeights {
  const per = w.length / scales.length;
  const q = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = clamp127(Math.round(w[i]! / scales[Math.floor(i / per)]!));
  return { q, scales };
}
