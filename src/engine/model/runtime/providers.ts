/**
 * Which onnxruntime execution provider runs the model. An accelerator
 * (CoreML on macOS arm64, DirectML on Windows, CUDA on Linux when its
 * libraries are installed next to onnxruntime-node) is used only after it
 * proved itself at load: a fixed probe image runs on it and on the CPU, and
 * its `prob` must agree within the conformance tolerance. Anything else (it
 * fails to start, to run, or disagrees) falls back to the CPU and says why;
 * a GPU that silently computes different scenes would be worse than a slow one.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PIXELS } from '../../imaging/model-input.js';

/** The conformance suite's tolerance on `prob` (shared/data/reference README). */
export const PROB_TOLERANCE = 5e-5;

export interface ProviderChoice {
  /** 'cpu', 'coreml', 'dml' or 'cuda'. */
  provider: string;
  /** Why the accelerator was not used (null when it was, or when there is none). */
  fallbackReason: string | null;
  /** Largest |Δprob| between the accelerator and the CPU on the probe image, when measured. */
  probeDiff: number | null;
}

/** The accelerator onnxruntime-node ships for this platform, if any. */
export function platformAccelerator(platform: NodeJS.Platform = process.platform, arch: string = process.arch, hasCudaLibs = cudaLibsPresent): string | null {
  if (platform === 'darwin' && arch === 'arm64') return 'coreml';
  if (platform === 'win32') return 'dml';
  if (platform === 'linux' && arch === 'x64' && hasCudaLibs()) return 'cuda';
  return null;
}

/** onnxruntime-node's CUDA provider is an optional install (libonnxruntime_providers_cuda.so beside the binding). */
function cudaLibsPresent(): boolean {
  try {
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve('onnxruntime-node/package.json'));
    return ['napi-v6', 'napi-v3'].some((v) => existsSync(join(root, 'bin', v, 'linux', 'x64', 'libonnxruntime_providers_cuda.so')));
  } catch {
    return false;
  }
}

/** A fixed, deterministic probe image (RGB 0..255, 3x224x224): gradients and edges, not flat. */
export function probeImage(): Float32Array {
  const x = new Float32Array(3 * PIXELS);
  for (let y = 0; y < 224; y++) {
    for (let c = 0; c < 224; c++) {
      const i = y * 224 + c;
      x[i] = (c * 255) / 223;
      x[PIXELS + i] = (y * 255) / 223;
      x[2 * PIXELS + i] = ((Math.floor(y / 28) + Math.floor(c / 28)) % 2) * 200 + 27;
    }
  }
  return x;
}

export interface ProbeSession {
  /** `prob` for one probe image. */
  probe(image: Float32Array): Promise<Float32Array>;
  release(): Promise<void>;
}

/**
 * Chooses between an accelerator and the CPU. `open(provider)` creates a
 * session; the CPU session is opened only to check the accelerator and is
 * released again unless it wins.
 */
export async function selectProvider<S extends ProbeSession>(
  accelerator: string | null,
  open: (provider: string) => Promise<S>,
  tolerance = PROB_TOLERANCE,
): Promise<{ session: S; choice: ProviderChoice }> {
  if (!accelerator) return { session: await open('cpu'), choice: { provider: 'cpu', fallbackReason: null, probeDiff: null } };
  let accel: S;
  try {
    accel = await open(accelerator);
  } catch (e) {
    return { session: await open('cpu'), choice: { provider: 'cpu', fallbackReason: `${accelerator} could not start: ${firstLine(e)}`, probeDiff: null } };
  }
  const cpu = await open('cpu');
  const image = probeImage();
  let diff: number;
  try {
    const [a, b] = [await accel.probe(image), await cpu.probe(image)];
    if (a.length !== b.length) throw new Error(`it returned ${a.length} probabilities, the CPU ${b.length}`);
    diff = 0;
    for (let i = 0; i < a.length; i++) diff = Math.max(diff, Number.isFinite(a[i]!) ? Math.abs(a[i]! - b[i]!) : Infinity);
  } catch (e) {
    await accel.release();
    return { session: cpu, choice: { provider: 'cpu', fallbackReason: `${accelerator} failed on the probe image: ${firstLine(e)}`, probeDiff: null } };
  }
  if (diff > tolerance) {
    await accel.release();
    return {
      session: cpu,
      choice: { provider: 'cpu', fallbackReason: `${accelerator} disagreed with the CPU on the probe image (max |Δprob| ${diff.toExponential(1)} > ${tolerance.toExponential(0)})`, probeDiff: diff },
    };
  }
  await cpu.release();
  return { session: accel, choice: { provider: accelerator, fallbackReason: null, probeDiff: diff } };
}

function firstLine(e: unknown): string {
  return ((e as Error).message ?? String(e)).split('\n')[0]!;
}

/** How the model panel and `scenery model info` name a provider. */
export function providerLabel(p: string): string {
  return ({ cpu: 'CPU', coreml: 'CoreML (Apple Neural Engine/GPU)', dml: 'DirectML (GPU)', cuda: 'CUDA (NVIDIA GPU)' } as Record<string, string>)[p] ?? p;
}
