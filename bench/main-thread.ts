/**
 * The shell's thread while the engine works: the largest event-loop gap of
 * the process that drives the windows (Electron's main process) while a
 * library of a million photos is searched and new photos are indexed.
 * Measured twice in one run with the same work: the engine on the shell's
 * own thread (how Scenery ran before the engine got its own process) and the
 * engine in its own process (how the desktop app runs it now: calls and
 * events cross the process boundary, nothing else runs on the shell's
 * thread). The first arm is the negative control: the same measurement
 * must see the searches there.
 *
 * Alone: `node --expose-gc --import tsx bench/main-thread.ts [--n=1000000] [--model=FILE.onnx] [--photos=DIR]`.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createHandlers, dispatch } from '../src/engine/api/handlers.js';
import { EngineClient, forkEngine } from '../src/engine/host/engine-client.js';
import { Library } from '../src/engine/library.js';
import { describeOnnx } from '../src/engine/model/store/model-store.js';
import type { Envelope } from '../src/shared/contract.js';
import { writeSyntheticCatalog } from '../src/test-support/synthetic-catalog.js';

const QUERIES = ['beach', 'indoor', 'mountain OR forest', 'water -beach', 'food', 'city from:2010 to:2015', 'kitchen folder:trips', 'outdoor', 'religion OR history', 'forest path', 'snow', 'home -kitchen'];

export interface WorkResult {
  searches: number;
  searchP50Ms: number;
  indexed: number;
  seconds: number;
}

type Call = (command: string, payload: unknown) => Promise<Envelope<unknown>>;

/** The same work through `call`: search rounds, browsing pages and groups, while the library indexes `photos`. */
async function workload(call: Call, photos: string, rounds: number): Promise<WorkResult> {
  const t0 = performance.now();
  const times: number[] = [];
  const added = (await call('folders.add', { path: photos })) as Envelope<{ id: number }>;
  if (!added.ok) throw new Error(added.error.message);
  const folderId = added.value.id;
  for (let r = 0; r < rounds; r++) {
    for (const q of QUERIES) {
      const t = performance.now();
      const env = await call('search.run', { q, limit: 120 });
      if (!env.ok) throw new Error(`search ${q}: ${env.error.message}`);
      times.push(performance.now() - t);
    }
    await call('photos.list', { order: 'scene', limit: 500, offset: r * 500 });
    await call('scenes.groups', {});
  }
  // Then until the new photos are tagged (or 120 s), browsing meanwhile as a person waiting would.
  const want = readdirSync(photos).length;
  let indexed = 0;
  while (performance.now() - t0 < 120_000) {
    const page = (await call('photos.list', { folderId, limit: 100 })) as Envelope<{ items: { status: string }[] }>;
    indexed = page.ok ? page.value.items.filter((p) => p.status === 'indexed').length : 0;
    if (indexed >= want) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  times.sort((a, b) => a - b);
  return { searches: times.length, searchP50Ms: times[Math.floor(times.length / 2)] ?? 0, indexed, seconds: (performance.now() - t0) / 1000 };
}

/** Runs `work` with the shell's event loop watched (after `open`, which a window waits for anyway, not counted). */
async function measured<E, T>(open: () => Promise<E>, work: (engine: E) => Promise<T>, close: (engine: E) => Promise<void>) {
  const t0 = performance.now();
  const engine = await open();
  const openMs = performance.now() - t0;
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  // Utilisation (the share of the time the thread ran JavaScript or native calls) does not depend on how busy the
  // machine is; gaps do, because an idle thread that the OS does not schedule also shows one.
  const elu0 = performance.eventLoopUtilization();
  const r = await work(engine);
  const elu = performance.eventLoopUtilization(elu0);
  h.disable();
  await close(engine);
  return { ...r, openMs, maxGapMs: h.max / 1e6, p99GapMs: h.percentile(99) / 1e6, utilization: elu.utilization, activeMs: elu.active };
}

export async function mainThreadGap(opts: { catalogDir: string; photosDir: string; model: string | null; work: string; rounds?: number }) {
  const rounds = opts.rounds ?? 3;
  // Each arm gets its own copy of the catalog and of the photos, so both index the same new photos.
  const arm = (name: string): { dir: string; photos: string } => {
    const dir = join(opts.work, `${name}-lib`);
    const photos = join(opts.work, `${name}-photos`);
    cpSync(opts.catalogDir, dir, { recursive: true });
    cpSync(opts.photosDir, photos, { recursive: true });
    return { dir, photos };
  };

  // Baseline: the same watch on a thread with nothing to do. On a busy machine the OS alone makes gaps; they set
  // the floor any engine layout can reach.
  const idle = await measured(
    async () => null,
    async () => {
      await new Promise((r) => setTimeout(r, 10_000));
      return {};
    },
    async () => {},
  );
  // Whatever ran before (building the catalog) left garbage: collect it now, not during a measurement.
  (globalThis as { gc?: () => void }).gc?.();
  const b = arm('engine-process');
  const own = await measured(
    () => EngineClient.start(forkEngine(), { dir: b.dir, model: opts.model, modelsDir: join(opts.work, 'models'), mode: 'desktop', platform: [] }, null),
    (engine) => workload((c, p) => engine.call(c, p), b.photos, rounds),
    (engine) => engine.close(),
  );
  // The arm before leaves garbage (a catalog, a search index): collect it now, not during the next measurement.
  (globalThis as { gc?: () => void }).gc?.();
  const a = arm('in-process');
  const inProcess = await measured(
    () => Library.open({ dir: a.dir, model: opts.model, modelsDir: join(opts.work, 'models') }),
    (lib) => {
      const table = createHandlers(lib, { mode: 'desktop' });
      return workload((c, p) => dispatch(table, c, p), a.photos, rounds);
    },
    (lib) => lib.close(),
  );

  return { inProcess, own, idle };
}

async function standalone(): Promise<void> {
  const arg = (k: string): string | undefined => process.argv.find((x) => x.startsWith(`--${k}=`))?.slice(k.length + 3);
  const n = Number(arg('n') ?? 1_000_000);
  const work = mkdtempSync(join(tmpdir(), 'scenery-main-thread-'));
  try {
    const catalogDir = join(work, 'catalog');
    process.stderr.write(`building a synthetic catalog of ${n.toLocaleString()} photos…\n`);
    const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
    const sqz = join(repoRoot, '..', 'shared', 'data', 'models', 'squeezenet_places365', 'model.onnx');
    const model = arg('model') ?? (existsSync(sqz) ? sqz : null);
    // Indexed with the model the library will open, so that only the new photos need the model.
    writeSyntheticCatalog(catalogDir, n, undefined, model ? describeOnnx(model, null).name : undefined);
    let photosDir = arg('photos');
    if (!photosDir) {
      photosDir = join(work, 'photos');
      mkdirSync(photosDir);
      for (let i = 0; i < 12; i++) {
        await sharp({ create: { width: 3000, height: 2000, channels: 3, background: { r: 20 * i, g: 120, b: 200 - 10 * i }, noise: { type: 'gaussian', mean: 100, sigma: 30 } } })
          .jpeg({ quality: 88 })
          .toFile(join(photosDir, `IMG_${i}.jpg`));
      }
    }
    const r = await mainThreadGap({ catalogDir, photosDir, model, work });
    console.log(JSON.stringify({ n, model, ...flatten(r) }, null, 2));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function flatten(r: Awaited<ReturnType<typeof mainThreadGap>>) {
  const round = (x: number): number => Math.round(x * 10) / 10;
  return {
    main_thread_max_gap_ms: round(r.own.maxGapMs),
    main_thread_p99_gap_ms: round(r.own.p99GapMs),
    main_thread_max_gap_ms_engine_in_process: round(r.inProcess.maxGapMs),
    main_thread_max_gap_ms_idle: round(r.idle.maxGapMs),
    main_thread_utilization: Math.round(r.own.utilization * 1000) / 1000,
    main_thread_utilization_engine_in_process: Math.round(r.inProcess.utilization * 1000) / 1000,
    main_thread_active_ms: [Math.round(r.inProcess.activeMs), Math.round(r.own.activeMs)],
    main_thread_p99_gap_ms_idle: round(r.idle.p99GapMs),
    main_thread_p99_gap_ms_engine_in_process: round(r.inProcess.p99GapMs),
    main_thread_search_p50_ms: round(r.own.searchP50Ms),
    main_thread_search_p50_ms_engine_in_process: round(r.inProcess.searchP50Ms),
    main_thread_indexed: [r.inProcess.indexed, r.own.indexed],
    main_thread_open_ms: [Math.round(r.inProcess.openMs), Math.round(r.own.openMs)],
    main_thread_seconds: [round(r.inProcess.seconds), round(r.own.seconds)],
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  standalone().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
