/**
 * Accelerator selection, tested with the CPU provider: a fake "accelerator"
 * is a CPU session whose probe result is injected (agreeing, disagreeing,
 * failing), and an unknown provider name shows the start-up failure path.
 */
import { describe, expect, it } from 'vitest';
import { hasShared, SQUEEZENET } from '../../../test-support/shared-data.js';
import { OnnxModel } from './onnx-model.js';
import { platformAccelerator, PROB_TOLERANCE, probeImage, selectProvider, type ProbeSession } from './providers.js';

/** A session that returns `prob` for the probe and records whether it was released. */
function fakeSession(prob: (x: Float32Array) => Promise<Float32Array>): ProbeSession & { released: boolean } {
  const s = { released: false, probe: prob, release: async () => void (s.released = true) };
  return s;
}

describe('platform accelerator', () => {
  it('names the accelerator onnxruntime-node ships for each platform', () => {
    expect(platformAccelerator('darwin', 'arm64')).toBe('coreml');
    expect(platformAccelerator('win32', 'x64')).toBe('dml');
    expect(platformAccelerator('linux', 'x64', () => true)).toBe('cuda');
    expect(platformAccelerator('linux', 'x64', () => false)).toBeNull();
    expect(platformAccelerator('darwin', 'x64')).toBeNull();
  });
});

describe.skipIf(!hasShared)('provider selection (CPU provider, injected accelerator results)', () => {
  async function cpuProb(): Promise<(x: Float32Array) => Promise<Float32Array>> {
    const m = await OnnxModel.load(SQUEEZENET, { threads: 1, accelerator: 'cpu' });
    return async (x) => (await m.run(x, 1)).prob;
  }

  it('uses the accelerator when its prob agrees with the CPU on the probe image', async () => {
    const real = await cpuProb();
    const sessions: Record<string, ReturnType<typeof fakeSession>> = {};
    const { session, choice } = await selectProvider('fake-gpu', async (p) => (sessions[p] = fakeSession(real)));
    expect(choice).toMatchObject({ provider: 'fake-gpu', fallbackReason: null });
    expect(choice.probeDiff).toBe(0);
    expect(session).toBe(sessions['fake-gpu']);
    expect(sessions['cpu']!.released).toBe(true);
  });

  it('falls back to the CPU, with the reason, when the accelerator disagrees beyond the tolerance', async () => {
    const real = await cpuProb();
    const sessions: Record<string, ReturnType<typeof fakeSession>> = {};
    const wrong = async (x: Float32Array): Promise<Float32Array> => {
      const p = await real(x);
      p[0]! += 1e-3; // e.g. half-precision accumulation
      return p;
    };
    const { session, choice } = await selectProvider('fake-gpu', async (p) => (sessions[p] = fakeSession(p === 'cpu' ? real : wrong)));
    expect(choice.provider).toBe('cpu');
    expect(choice.fallbackReason).toMatch(/fake-gpu disagreed with the CPU on the probe image \(max \|Δprob\| 1\.0e-3 > 5e-5\)/);
    expect(session).toBe(sessions['cpu']);
    expect(sessions['fake-gpu']!.released).toBe(true);
  });

  it('a difference inside the tolerance still counts as agreement', async () => {
    const real = await cpuProb();
    const near = async (x: Float32Array): Promise<Float32Array> => {
      const p = await real(x);
      p[3]! += PROB_TOLERANCE / 2;
      return p;
    };
    const { choice } = await selectProvider('fake-gpu', async (p) => fakeSession(p === 'cpu' ? real : near));
    expect(choice.provider).toBe('fake-gpu');
  });

  it('falls back when the accelerator fails on the probe, or returns NaN', async () => {
    const real = await cpuProb();
    const failing = await selectProvider('fake-gpu', async (p) => fakeSession(p === 'cpu' ? real : async () => Promise.reject(new Error('device lost'))));
    expect(failing.choice).toMatchObject({ provider: 'cpu', fallbackReason: 'fake-gpu failed on the probe image: device lost' });
    const nan = await selectProvider('fake-gpu', async (p) => fakeSession(p === 'cpu' ? real : async (x) => (await real(x)).map(() => NaN)));
    expect(nan.choice.provider).toBe('cpu');
    expect(nan.choice.fallbackReason).toMatch(/disagreed/);
  });

  it('a provider onnxruntime cannot start falls back at load, and the model still runs on the CPU', async () => {
    const m = await OnnxModel.load(SQUEEZENET, { threads: 1, accelerator: 'no-such-provider' });
    expect(m.provider.provider).toBe('cpu');
    expect(m.provider.fallbackReason).toMatch(/^no-such-provider could not start: /);
    const out = await m.run(probeImage(), 1);
    expect(out.prob.length).toBe(365);
    await m.release();
  });

  it('no accelerator on this platform: the CPU, with nothing to explain', async () => {
    const m = await OnnxModel.load(SQUEEZENET, { threads: 1, accelerator: 'cpu' });
    expect(m.provider).toEqual({ provider: 'cpu', fallbackReason: null, probeDiff: null });
    await m.release();
  });
});
