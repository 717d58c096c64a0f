/**
 * `npm run bench`: Scenery's performance in one run, as a table (or one JSON
 * object with --json). Absolute times depend on the machine; compare the
 * ratios measured in the same run.
 *
 * Model: full-size VGG16-Places365 (135,755,949 parameters) with the
 * conformance suite's synthetic weights, regenerated from its spec, converted
 * by Scenery's converter, run by onnxruntime-node on the CPU.
 * Engine: 12 MP JPEGs indexed end to end (read, decode once, thumbnail,
 * model) through the Library with that model; the main thread's event-loop
 * gaps meanwhile; search latency over a synthetic catalog of 1,000,000 photos.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { OnnxModel } from '../src/engine/model/runtime/onnx-model.js';
import { Library } from '../src/engine/library.js';
import { writeSyntheticCatalog } from '../src/test-support/synthetic-catalog.js';
import { readSpec, writeSyntheticCaffemodel } from '../src/test-support/synthetic-vgg16.js';
import { PIXELS } from '../src/engine/imaging/model-input.js';
import { explainBench } from './explain.js';

const json = process.argv.includes('--json');
const quick = process.argv.includes('--quick');
const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const shared = process.env.SCENERY_SHARED_DATA ?? resolve(repoRoot, '..', 'shared', 'data');
const tmp = mkdtempSync(join(tmpdir(), 'scenery-bench-'));
const log = (s: string): void => {
  if (!json) process.stderr.write(`${s}\n`);
};
let peakRss = 0;
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

function randomImages(n: number): Float32Array {
  const x = new Float32Array(n * 3 * PIXELS);
  let s = 12345;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    x[i] = (s >>> 24) & 255;
  }
  return x;
}

async function ips(model: OnnxModel, batch: number, batches: number): Promise<number> {
  const x = randomImages(batch);
  await model.run(x, batch); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < batches; i++) await model.run(x, batch);
  return (batch * batches) / ((performance.now() - t0) / 1000);
}

async function modelBench(onnx: string) {
  const out: Record<string, number> = {};
  for (const threads of [1, 2]) {
    const m = await OnnxModel.load(onnx, { threads });
    out[`load_s_t${threads}`] = m.loadSeconds;
    out[`b1_t${threads}`] = await ips(m, 1, quick ? 2 : 6);
    out[`b8_t${threads}`] = await ips(m, 8, quick ? 1 : 3);
    await m.release();
    log(`  threads ${threads}: b1 ${out[`b1_t${threads}`]!.toFixed(2)} img/s, b8 ${out[`b8_t${threads}`]!.toFixed(2)} img/s, load ${m.loadSeconds.toFixed(2)} s`);
  }
  return out;
}

async function makeJpegs(dir: string, n: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  // 4000x3000 (12 MP) JPEGs, q90: the real test photos enlarged (camera-like content), else smooth noise.
  const photosDir = join(shared, 'photos');
  const sources = existsSync(photosDir) ? readdirSync(photosDir).filter((f) => f.endsWith('.jpg')).map((f) => join(photosDir, f)) : [];
  for (let i = 0; i < n; i++) {
    const base = sources.length
      ? sharp(sources[i % sources.length]!).resize(4000, 3000, { fit: 'fill' }).modulate({ hue: Math.floor(i / sources.length) * 40 })
      : sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 110 + i * 3, sigma: 40 } } }).blur(1.2);
    await base.jpeg({ quality: 90 }).toFile(join(dir, `IMG_${String(i).padStart(4, '0')}.jpg`));
  }
}

async function endToEnd(onnx: string, n: number) {
  const photos = join(tmp, 'photos');
  log(`  making ${n} 12 MP JPEGs…`);
  await makeJpegs(photos, n);
  const lib = await Library.open({ dir: join(tmp, 'lib'), model: onnx, watch: false, modelIdleMs: 600_000 });
  const h = monitorEventLoopDelay({ resolution: 5 });
  // Load the model before timing, as a running app has it loaded.
  await lib.warmModel();
  h.enable();
  const t0 = performance.now();
  lib.addFolder(photos);
  await lib.initialScan;
  for (const f of lib.folders()) await lib.scanner.start(f.id);
  await new Promise((r) => setTimeout(r, 50));
  await lib.indexer.whenIdle();
  const seconds = (performance.now() - t0) / 1000;
  h.disable();
  const done = lib.status().indexedCount;
  await lib.close();
  return { ips: done / seconds, maxGapMs: h.max / 1e6, p99GapMs: h.percentile(99) / 1e6, indexed: done };
}

function searchBench(n: number) {
  const dir = join(tmp, 'search-lib');
  const t0 = performance.now();
  writeSyntheticCatalog(dir, n);
  return { dir, built: (performance.now() - t0) / 1000 };
}

async function searchLatency(dir: string) {
  const lib = await Library.open({ dir, start: false });
  const t0 = performance.now();
  lib.search('beach', 0, 1); // builds the in-memory index
  const indexLoad = (performance.now() - t0) / 1000;
  const queries = ['beach', 'indoor', 'mountain OR forest', 'water -beach', 'food', 'city from:2010 to:2015', 'kitchen folder:trips', 'outdoor', 'religion OR history', 'forest path', 'snow', 'home -kitchen'];
  const times: number[] = [];
  for (let round = 0; round < 5; round++) {
    for (const q of queries) {
      const t = performance.now();
      lib.search(q, 0, 120);
      times.push(performance.now() - t);
    }
  }
  await lib.close();
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length * 0.5)]!, p95: times[Math.floor(times.length * 0.95)]!, indexLoad };
}

async function main(): Promise<void> {
  log(`Scenery bench on ${availableParallelism()} cores, Node ${process.version}`);
  log('model: regenerating full-size VGG16 (synthetic weights) and converting…');
  const caffemodel = join(tmp, 'full.caffemodel');
  writeSyntheticCaffemodel(readSpec(join(shared, 'reference', 'full', 'spec.json')), caffemodel);
  const onnx = join(tmp, 'vgg16.onnx');
  // The converter runs as a user runs it (`scenery model convert`), in its own process, to measure its peak memory.
  const cli = spawnSync(process.execPath, [join(repoRoot, 'bin', 'scenery.mjs'), 'model', 'convert', caffemodel, '--out', onnx], { encoding: 'utf8' });
  if (cli.status !== 0) throw new Error(`conversion failed: ${cli.stderr}`);
  const conv = { seconds: Number(/([\d.]+) s, peak RSS/.exec(cli.stdout)?.[1]), peakRssMb: Number(/peak RSS (\d+) MB/.exec(cli.stdout)?.[1]) };
  rmSync(caffemodel);
  log(`  converted in ${conv.seconds.toFixed(1)} s, converter peak RSS ${conv.peakRssMb} MB (model file 543 MB)`);
  const m = await modelBench(onnx);
  log('explain: Grad-CAM of the top 5 scenes, one photo…');
  const ex = await explainBench(onnx, quick ? 2 : 5, availableParallelism() >= 2 ? 2 : 1);
  log(`  ${ex.explain_ms_full} ms a photo, ${ex.explain_class_switch_ms} ms for another class; +${ex.memory.withExplain.anonymous - ex.memory.classifier.anonymous} MB anonymous memory`);
  log('engine: 12 MP JPEGs end to end…');
  const e2e = await endToEnd(onnx, quick ? 8 : 24);
  log(`  ${e2e.indexed} photos at ${e2e.ips.toFixed(2)} img/s; main-thread event-loop max gap ${e2e.maxGapMs.toFixed(1)} ms`);
  const N = quick ? 100_000 : 1_000_000;
  log(`search: building a synthetic catalog of ${N.toLocaleString()} photos…`);
  const cat = searchBench(N);
  const search = await searchLatency(cat.dir);
  clearInterval(rssTimer);
  const threads = availableParallelism() >= 2 ? 2 : 1;
  const result = {
    cores: availableParallelism(),
    inference_b1_ips: round(m[`b1_t${threads}`]!),
    inference_b8_ips: round(m[`b8_t${threads}`]!),
    inference_b1_t1_ips: round(m['b1_t1']!),
    inference_b8_t1_ips: round(m['b8_t1']!),
    inference_b1_t2_ips: round(m['b1_t2']!),
    inference_b8_t2_ips: round(m['b8_t2']!),
    load_s: round(m[`load_s_t${threads}`]!),
    convert_s: round(conv.seconds),
    explain_ms_full: ex.explain_ms_full,
    explain_class_switch_ms: ex.explain_class_switch_ms,
    explain_extra_anonymous_mb: ex.memory.withExplain.anonymous - ex.memory.classifier.anonymous,
    convert_peak_rss_mb: conv.peakRssMb,
    end_to_end_ips: round(e2e.ips),
    end_to_end_ratio: round(e2e.ips / m[`b8_t${threads}`]!),
    event_loop_max_gap_ms: round(e2e.maxGapMs),
    event_loop_p99_gap_ms: round(e2e.p99GapMs),
    [`search_p95_ms_${N === 1_000_000 ? '1m' : `${N / 1000}k`}`]: round(search.p95),
    search_p50_ms: round(search.p50),
    search_index_load_s: round(search.indexLoad),
    catalog_build_s: round(cat.built),
    peak_rss_mb: Math.round(peakRss / 1e6),
  };
  mkdirSync(join(repoRoot, 'out'), { recursive: true });
  writeFileSync(join(repoRoot, 'out', 'bench.json'), JSON.stringify(result, null, 2));
  if (json) console.log(JSON.stringify(result));
  else {
    const rows: [string, string, string][] = [
      ['inference, batch 1, 1 thread', `${result.inference_b1_t1_ips} img/s`, ''],
      ['inference, batch 8, 1 thread', `${result.inference_b8_t1_ips} img/s`, ''],
      ['inference, batch 1, 2 threads', `${result.inference_b1_t2_ips} img/s`, ''],
      ['inference, batch 8, 2 threads', `${result.inference_b8_t2_ips} img/s`, 'reference for the ratio below'],
      ['model load', `${result.load_s} s`, `convert ${result.convert_s} s, converter peak RSS ${result.convert_peak_rss_mb} MB for the 543 MB caffemodel`],
      ['explain (Grad-CAM, top 5 scenes)', `${result.explain_ms_full} ms`, `another class ${result.explain_class_switch_ms} ms; +${result.explain_extra_anonymous_mb} MB anonymous memory (goal <= 1000 ms)`],
      ['end to end, 12 MP JPEGs', `${result.end_to_end_ips} img/s`, `${result.end_to_end_ratio}x inference b8 (goal >= 0.8)`],
      ['main thread max event-loop gap', `${result.event_loop_max_gap_ms} ms`, `p99 ${result.event_loop_p99_gap_ms} ms (goal < 50)`],
      [`search p95, ${N.toLocaleString()} photos`, `${round(search.p95)} ms`, `p50 ${result.search_p50_ms} ms, index load ${result.search_index_load_s} s (goal < 50)`],
      ['peak RSS', `${result.peak_rss_mb} MB`, ''],
    ];
    const w0 = Math.max(...rows.map((r) => r[0].length));
    const w1 = Math.max(...rows.map((r) => r[1].length));
    console.log(`\n${'measure'.padEnd(w0)}  ${'value'.padEnd(w1)}  note`);
    console.log(`${'-'.repeat(w0)}  ${'-'.repeat(w1)}  ----`);
    for (const r of rows) console.log(`${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`);
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

main()
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => {
    clearInterval(rssTimer);
    rmSync(tmp, { recursive: true, force: true });
  });
