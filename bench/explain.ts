/**
 * Grad-CAM cost on the full-size VGG16 (synthetic weights), alone:
 * `npx tsx bench/explain.ts` (about a minute; the whole `npm run bench` calls
 * explainBench() too, for `explain_ms_full`). It also checks the memory
 * design: with the classifier's session already loaded, as in the app, the
 * explain sessions must add no second resident copy of the fc weights
 * (480 MB in fp32). RSS counts a file page once per mapping, so a file mapped
 * by two sessions looks twice as big there; PSS and private memory
 * (/proc/self/smaps_rollup) show what is really resident.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertModel } from '../src/engine/model/convert.js';
import { OnnxModel } from '../src/engine/model/runtime/onnx-model.js';
import { GradCam } from '../src/engine/model/explain/grad-cam.js';
import { readSpec, writeSyntheticCaffemodel } from '../src/test-support/synthetic-vgg16.js';
import { PIXELS } from '../src/engine/imaging/model-input.js';

export interface MemoryMb {
  rss: number;
  pss: number;
  /** Anonymous memory: copies the process made (weights read or packed into buffers), never shared. */
  anonymous: number;
  /** File-backed pages (the memory-mapped weights), shared between mappings and reclaimable. */
  pssFile: number;
}

export function memoryMb(): MemoryMb {
  const path = '/proc/self/smaps_rollup';
  if (!existsSync(path)) return { rss: Math.round(process.memoryUsage().rss / 1e6), pss: NaN, anonymous: NaN, pssFile: NaN };
  const text = readFileSync(path, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: Math.round(kb('Rss') / 1024), pss: Math.round(kb('Pss') / 1024), anonymous: Math.round(kb('Anonymous') / 1024), pssFile: Math.round(kb('Pss_File') / 1024) };
}

function image(seed: number): Float32Array {
  const x = new Float32Array(3 * PIXELS);
  let s = seed;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    x[i] = (s >>> 24) & 255;
  }
  return x;
}

export interface ExplainBench {
  explain_ms_full: number;
  explain_class_switch_ms: number;
  explain_load_s: number;
  memory: { classifier: MemoryMb; withExplain: MemoryMb };
}

/** explain_ms_full: one photo's forward pass plus the maps of its top 5 classes, median of `runs`, `threads` threads. */
export async function explainBench(onnx: string, runs = 5, threads = 2): Promise<ExplainBench> {
  const classifier = await OnnxModel.load(onnx, { threads });
  await classifier.run(image(1), 1); // as in the app: the classifier has run, its pages are resident
  const before = memoryMb();
  const cam = await GradCam.load(onnx, { threads });
  const times: number[] = [];
  const switches: number[] = [];
  try {
    for (let i = 0; i <= runs; i++) {
      const t0 = performance.now();
      const act = await cam.forward(image(100 + i));
      const top5 = [...act.prob].map((p, k) => [p, k] as const).sort((a, b) => b[0] - a[0]).slice(0, 5).map(([, k]) => k);
      await cam.cams(act, top5);
      const t1 = performance.now();
      await cam.cams(act, [(top5[0]! + 7) % act.prob.length]);
      if (i > 0) {
        times.push(t1 - t0); // the first run is a warm-up
        switches.push(performance.now() - t1);
      }
    }
    const after = memoryMb();
    const median = (a: number[]): number => a.sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
    return { explain_ms_full: Math.round(median(times)), explain_class_switch_ms: Math.round(median(switches)), explain_load_s: Math.round(cam.loadSeconds * 100) / 100, memory: { classifier: before, withExplain: after } };
  } finally {
    await cam.release();
    await classifier.release();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
  const shared = process.env.SCENERY_SHARED_DATA ?? resolve(repoRoot, '..', 'shared', 'data');
  const tmp = mkdtempSync(join(tmpdir(), 'scenery-bench-explain-'));
  try {
    const caffemodel = join(tmp, 'full.caffemodel');
    writeSyntheticCaffemodel(readSpec(join(shared, 'reference', 'full', 'spec.json')), caffemodel);
    const onnx = join(tmp, 'vgg16.onnx');
    await convertModel(caffemodel, onnx);
    rmSync(caffemodel);
    const threads = Number(process.env.THREADS ?? 2);
    const r = await explainBench(onnx, 5, threads);
    console.log(JSON.stringify({ threads, ...r }, null, 2));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
