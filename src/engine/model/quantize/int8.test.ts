import { describe, expect, it } from 'vitest';
import { dequantize, quantizePerChannel, transposeInt8 } from './int8.js';

function randomWeights(channels: number, per: number, channelScale: (c: number) => number, seed = 7): Float32Array {
  let s = seed;
  const w = new Float32Array(channels * per);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < per; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      w[c * per + i] = ((s / 4294967296) * 2 - 1) * channelScale(c);
    }
  }
  return w;
}

/** Largest round-trip error of each channel, relative to that channel's scale. */
function worstErrorInScales(w: Float32Array, back: Float32Array, scales: Float32Array, per: number): number {
  let worst = 0;
  for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(w[i]! - back[i]!) / scales[Math.floor(i / per)]!);
  return worst;
}

describe('per-channel symmetric int8 weights', () => {
  it('gives each channel the scale max|w|/127, and its largest weight maps to ±127', () => {
    const w = Float32Array.from([0.5, -1.27, 0.1, /* channel 1 */ 0.02, 0.01, -0.005, /* channel 2 */ 0, 0, 0]);
    const { q, scales } = quantizePerChannel(w, 3);
    expect(scales[0]).toBeCloseTo(1.27 / 127, 7);
    expect(scales[1]).toBeCloseTo(0.02 / 127, 9);
    expect(scales[2]).toBe(1); // an all-zero channel: any scale is exact, 1 avoids dividing by zero
    expect(q[1]).toBe(-127);
    expect(q[3]).toBe(127);
    expect([...q.subarray(6)]).toEqual([0, 0, 0]);
    expect(Math.max(...q.map(Math.abs))).toBeLessThanOrEqual(127); // symmetric: -128 is never used
  });

  it('round-trips within half a step of its own channel, even for channels 1000x quieter', () => {
    const per = 3 * 3 * 64;
    const w = randomWeights(32, per, (c) => (c % 4 === 0 ? 1e-3 : 1));
    const qw = quantizePerChannel(w, 32);
    expect(worstErrorInScales(w, dequantize(qw), qw.scales, per)).toBeLessThanOrEqual(0.5 + 1e-6);
  });

  it('the column layout (MatMul [K, N]) gives the same scales and codes as the row layout', () => {
    const rows = randomWeights(5, 12, (c) => c + 1);
    const byRows = quantizePerChannel(rows, 5, 'rows');
    // the same weights stored [12, 5]
    const cols = new Float32Array(rows.length);
    for (let c = 0; c < 5; c++) for (let k = 0; k < 12; k++) cols[k * 5 + c] = rows[c * 12 + k]!;
    const byCols = quantizePerChannel(cols, 5, 'columns');
    expect([...byCols.scales]).toEqual([...byRows.scales]);
    expect([...byCols.q]).toEqual([...transposeInt8(byRows.q, 5, 12)]);
    const backRows = dequantize(byRows, 'rows');
    const backCols = dequantize(byCols, 'columns');
    for (let c = 0; c < 5; c++) for (let k = 0; k < 12; k++) expect(backCols[k * 5 + c]).toBe(backRows[c * 12 + k]);
  });

  it('negative control: one scale for the whole tensor breaks the bound on the quiet channels', () => {
    const per = 3 * 3 * 64;
    const w = randomWeights(32, per, (c) => (c % 4 === 0 ? 1e-3 : 1));
    // Per-tensor quantization = one channel holding everything.
    const perTensor = quantizePerChannel(w, 1);
    const back = dequantize(perTensor);
    // Measured against the per-channel scales, the quiet channels are off by far more than half a step:
    // they collapse to a handful of levels (mostly 0).
    const perChannelScales = quantizePerChannel(w, 32).scales;
    expect(worstErrorInScales(w, back, perChannelScales, per)).toBeGreaterThan(10);
    const quiet = perTensor.q.subarray(0, per);
    expect(new Set(quiet).size).toBeLessThanOrEqual(3);
  });

  it('refuses weights that do not split into the channels', () => {
    expect(() => quantizePerChannel(new Float32Array(10), 3)).toThrow(/cannot split/);
  });
});
