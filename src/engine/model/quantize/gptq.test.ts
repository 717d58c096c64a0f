import { describe, expect, it } from 'vitest';
import { gptqRound, HessianAccumulator } from './gptq.js';
import { quantizePerChannel } from './int8.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
}

/** E‖(W − Ŵ)x‖² for the given second moment H: Σ_c δ_cᵀ H δ_c. */
function outputError(w: Float32Array, q: Int8Array, scales: Float32Array, h: Float64Array): number {
  const C = scales.length;
  const d = w.length / C;
  let e = 0;
  for (let c = 0; c < C; c++) {
    const delta = Array.from({ length: d }, (_, i) => w[c * d + i]! - q[c * d + i]! * scales[c]!);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) e += delta[i]! * h[i * d + j]! * delta[j]!;
  }
  return e;
}

describe('GPTQ rounding', () => {
  it('the Hessian is the mean outer product of the receptive-field patches, zero padding included', () => {
    // 2 channels, 3x3 input, 2x2 kernel, pad 1 on every side, stride 2: output 2x2, every position sampled.
    const x = Float32Array.from({ length: 18 }, (_, i) => i + 1);
    const acc = new HessianAccumulator(2, { kernel: [2, 2], pads: [1, 1, 1, 1], strides: [2, 2], dilations: [1, 1] });
    acc.add(x, 3, 3);
    const h = acc.finish();
    const patches: number[][] = [];
    for (let oy = 0; oy < 2; oy++) {
      for (let ox = 0; ox < 2; ox++) {
        const v: number[] = [];
        for (let c = 0; c < 2; c++) {
          for (let ky = 0; ky < 2; ky++) {
            for (let kx = 0; kx < 2; kx++) {
              const y = oy * 2 - 1 + ky;
              const xx = ox * 2 - 1 + kx;
              v.push(y >= 0 && y < 3 && xx >= 0 && xx < 3 ? x[c * 9 + y * 3 + xx]! : 0);
            }
          }
        }
        patches.push(v);
      }
    }
    expect(acc.count).toBe(4);
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) expect(h[i * 8 + j]).toBeCloseTo(patches.reduce((a, p) => a + p[i]! * p[j]!, 0) / 4, 9);
  });

  it('with uncorrelated inputs (diagonal H) it is rounding to nearest', () => {
    const r = lcg(3);
    const w = Float32Array.from({ length: 4 * 6 }, () => r() * 2 - 1);
    const h = new Float64Array(36);
    for (let i = 0; i < 6; i++) h[i * 6 + i] = 1 + i;
    const nearest = quantizePerChannel(w, 4);
    expect([...gptqRound(w, nearest.scales, h).q]).toEqual([...nearest.q]);
  });

  it('with correlated inputs it cuts the OUTPUT error of rounding to nearest, same scales, codes within ±127', () => {
    const r = lcg(11);
    const C = 16;
    const d = 64;
    const w = Float32Array.from({ length: C * d }, () => (r() * 2 - 1) * 0.1);
    // Inputs as after a ReLU: a shared positive mean plus correlated noise, as neighbouring pixels of a photo are.
    const h = new Float64Array(d * d);
    const n = 4000;
    for (let s = 0; s < n; s++) {
      const common = r();
      const x = Array.from({ length: d }, () => 0.5 + common + 0.3 * r());
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) h[i * d + j]! += (x[i]! * x[j]!) / n;
    }
    const nearest = quantizePerChannel(w, C);
    const g = gptqRound(w, nearest.scales, h);
    expect(g.scales).toBe(nearest.scales);
    expect(Math.max(...g.q.map(Math.abs))).toBeLessThanOrEqual(127);
    const eNearest = outputError(w, nearest.q, nearest.scales, h);
    const eGptq = outputError(w, g.q, g.scales, h);
    console.log(`output error: nearest ${eNearest.toExponential(3)}, GPTQ ${eGptq.toExponential(3)}`);
    expect(eGptq).toBeLessThan(eNearest * 0.2);
  });
});
