/**
 * Grad-CAM inside the model worker: the same thread as classification, so an
 * explanation never competes with a batch for the two cores, and the same
 * installed weights file. The explain sessions load on the first request and
 * are released after a minute without one (they hold about 100 MB of their
 * own plus the memory-mapped weights).
 */
import { GradCam } from './grad-cam.js';
import { ExplainUnavailableError } from './explain-graphs.js';
import type { FromWorker, ToWorker } from '../runtime/protocol.js';

const IDLE_MS = 60_000;
let cam: { path: string; ready: Promise<GradCam> } | null = null;
let idle: NodeJS.Timeout | null = null;

async function gradCam(path: string, threads: number): Promise<GradCam> {
  if (cam?.path !== path) {
    const old = cam;
    cam = { path, ready: GradCam.load(path, { threads }) };
    if (old) void old.ready.then((c) => c.release(), () => {});
    cam.ready.catch(() => (cam = null));
  }
  return cam.ready;
}

function armIdle(): void {
  if (idle) clearTimeout(idle);
  idle = setTimeout(() => {
    const c = cam;
    cam = null;
    if (c) void c.ready.then((g) => g.release(), () => {});
  }, IDLE_MS);
  idle.unref();
}

export async function explainInWorker(msg: Extract<ToWorker, { type: 'explain' }>, modelPath: string | null, threads: number): Promise<FromWorker> {
  try {
    if (!modelPath) throw new Error('no model loaded');
    const t0 = performance.now();
    const g = await gradCam(modelPath, threads);
    const act = await g.forward(msg.pixels);
    // Scenes only (Hybrid1365's first 1000 outputs are ImageNet objects).
    const off = act.prob.length === 1365 ? 1000 : 0;
    const ranked = Array.from({ length: 365 }, (_, k) => k + off).sort((a, b) => act.prob[b]! - act.prob[a]! || a - b);
    const classes = [...new Set([...ranked.slice(0, msg.top), ...msg.classes])];
    const cams = await g.cams(act, classes);
    armIdle();
    return { type: 'explained', id: msg.id, prob: act.prob, classes, cams, ms: performance.now() - t0 };
  } catch (e) {
    armIdle();
    return { type: 'error', id: msg.id, message: (e as Error).message, ...(e instanceof ExplainUnavailableError ? { code: 'explain_unavailable' as const } : {}) };
  }
}
