/**
 * Personal scenes, measured (issue 11). Two parts:
 *
 * Accuracy, held-out protocol: every real test photo (../shared/data/photos
 * and /exif, one file per picture) becomes a "place shot again" as VIEWS
 * augmented views (crops, flips, colour, exposure, blur, JPEG/WebP re-encodes,
 * with sharp). For each photo and K = 3, 5, 10, K of its views are the
 * examples of a personal scene; the library is every view of every photo; the
 * scene must find the photo's other views among all the rest. Precision and
 * recall at the calibrated threshold, averaged over photos (macro), for each
 * method. Descriptors come from the test model (SqueezeNet-Places365
 * `features`), int8 as the catalog stores them, through the same sketch,
 * training and scoring code as the app.
 *
 * Speed: a synthetic library of 100,000 random 4096-d int8 descriptors:
 * loading it into the store, then retrain + rescore with 10 examples, per
 * method; the store's memory.
 *
 * Alone: `npx tsx bench/personal.ts [--json] [--quick] [--accuracy-only | --speed-only] [--fresh]` (--fresh: the
 * views' descriptors again, not from out/); `npm run bench` runs it too, `npm run bench -- --only=personal` alone.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, parse as parsePath, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp, { type Sharp } from 'sharp';
import { OnnxModel } from '../src/engine/model/runtime/onnx-model.js';
import { cropToTensor, PIXELS, resizeForModel } from '../src/engine/imaging/model-input.js';
import { openImage } from '../src/engine/imaging/decode.js';
import { cosine, quantize } from '../src/engine/indexer/features.js';
import { SketchStore } from '../src/engine/personal/sketch-store.js';
import { trainAndScore } from '../src/engine/personal/scene-trainer.js';
import { METHODS, type Method } from '../src/engine/personal/train.js';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const shared = process.env.SCENERY_SHARED_DATA ?? resolve(repoRoot, '..', 'shared', 'data');
const KS = [3, 5, 10] as const;

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** One file per picture: the same picture saved as .jpg and .png/.webp counts once (the .jpg). */
function sourcePhotos(): string[] {
  const byStem = new Map<string, string>();
  for (const d of ['photos', 'exif']) {
    const dir = join(shared, d);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      if (!/\.(jpe?g|png|webp)$/i.test(f)) continue;
      const stem = `${d}/${parsePath(f).name}`;
      const prev = byStem.get(stem);
      if (!prev || /\.jpe?g$/i.test(f)) byStem.set(stem, join(dir, f));
    }
  }
  return [...byStem.values()];
}

/** View v of a picture: the same place shot again (v = 0 is the photo itself). */
async function view(base: Sharp, w: number, h: number, v: number, rand: () => number): Promise<Buffer> {
  let img = base.clone();
  if (v > 0) {
    const scale = 0.6 + rand() * 0.35;
    const cw = Math.max(32, Math.round(w * scale));
    const ch = Math.max(32, Math.round(h * (scale + (rand() - 0.5) * 0.1)));
    const left = Math.floor(rand() * Math.max(1, w - cw));
    const top = Math.floor(rand() * Math.max(1, h - Math.min(ch, h)));
    img = img.extract({ left, top, width: Math.min(cw, w - left), height: Math.min(ch, h - top) });
    if (rand() < 0.5) img = img.flop();
    img = img.modulate({ brightness: 0.7 + rand() * 0.6, saturation: 0.6 + rand() * 0.8, hue: Math.round((rand() - 0.5) * 30) });
    if (rand() < 0.4) img = img.gamma(1 + rand() * 1.2);
    if (rand() < 0.3) img = img.blur(0.3 + rand() * 1.5);
  }
  const buf = rand() < 0.5 ? await img.jpeg({ quality: 40 + Math.round(rand() * 55) }).toBuffer() : await img.webp({ quality: 50 + Math.round(rand() * 40) }).toBuffer();
  return buf;
}

interface ViewSet {
  /** Per view: which picture it shows. */
  picture: number[];
  vecs: Int8Array[];
  pictures: number;
}

async function describeViews(files: string[], views: number, log: (s: string) => void): Promise<ViewSet> {
  const model = await OnnxModel.load(join(shared, 'models', 'squeezenet_places365', 'model.onnx'), { threads: 1 });
  const picture: number[] = [];
  const vecs: Int8Array[] = [];
  let pictures = 0;
  for (const f of files) {
    let base: Sharp;
    let w: number;
    let h: number;
    try {
      base = await openImage(f);
      const buf = await base.clone().png().toBuffer({ resolveWithObject: true });
      base = sharp(buf.data);
      w = buf.info.width;
      h = buf.info.height;
    } catch {
      continue; // unreadable here as in the app
    }
    const rand = rng(pictures * 7919 + 17);
    const x = new Float32Array(views * 3 * PIXELS);
    for (let v = 0; v < views; v++) cropToTensor(await resizeForModel(sharp(await view(base, w, h, v, rand))), x, v);
    const out = await model.run(x, views);
    for (let v = 0; v < views; v++) {
      vecs.push(quantize(out.features.subarray(v * out.featureDim, (v + 1) * out.featureDim)));
      picture.push(pictures);
    }
    pictures++;
    if (pictures % 10 === 0) log(`  ${pictures} pictures described (${vecs.length} views)`);
  }
  await model.release();
  return { picture, vecs, pictures };
}

export interface AccuracyRow {
  method: Method;
  k: number;
  precision: number;
  recall: number;
  f1: number;
  /** Share of the library (other pictures' views) claimed: the false-positive rate. */
  fpr: number;
}

/**
 * Which pictures are the same image: the test data holds one photo saved with each of the 8 EXIF orientations
 * (exif/orientation_*, recurser_*), identical once turned upright. Their views are the same place shot again, so
 * a scene of one that finds the others is right, not wrong. Two pictures are one when their own views (v = 0, the
 * photo as it is) have descriptors with cosine >= 0.99.
 */
export function sameImageGroups(set: ViewSet): number[] {
  const first = new Map<number, number>();
  set.picture.forEach((p, i) => first.has(p) || first.set(p, i));
  const parent = Array.from({ length: set.pictures }, (_, i) => i);
  const root = (x: number): number => (parent[x] === x ? x : (parent[x] = root(parent[x]!)));
  for (let a = 0; a < set.pictures; a++) {
    for (let b = a + 1; b < set.pictures; b++) {
      if (cosine(set.vecs[first.get(a)!]!, set.vecs[first.get(b)!]!) >= 0.99) parent[root(b)] = root(a);
    }
  }
  return parent.map((_, i) => root(i));
}

function accuracy(set: ViewSet, views: number): AccuracyRow[] {
  const store = new SketchStore();
  set.vecs.forEach((v, i) => store.upsert(i + 1, v));
  const group = sameImageGroups(set);
  const rows: AccuracyRow[] = [];
  for (const method of METHODS) {
    for (const k of KS) {
      let ps = 0;
      let rs = 0;
      let fs = 0;
      let fprs = 0;
      for (let p = 0; p < set.pictures; p++) {
        const mine = set.picture.flatMap((q, i) => (q === p ? [i + 1] : []));
        // The same image under another orientation tag is this place too (sameImageGroups).
        const twins = set.picture.flatMap((q, i) => (q !== p && group[q] === group[p] ? [i + 1] : []));
        const rand = rng(p * 31 + k);
        const shuffled = [...mine].sort(() => rand() - 0.5);
        const examples = shuffled.slice(0, k);
        const targets = new Set([...shuffled.slice(k), ...twins]);
        const r = trainAndScore(store, { positives: examples, negatives: [], method, seed: p + 1 });
        let tp = 0;
        let fp = 0;
        const ex = new Set(examples);
        for (let i = 0; i < r.ids.length; i++) {
          const id = r.ids[i]!;
          if (ex.has(id) || r.scores[i]! < 0.5) continue;
          if (targets.has(id)) tp++;
          else fp++;
        }
        const precision = tp + fp ? tp / (tp + fp) : 1;
        const recall = tp / targets.size;
        ps += precision;
        rs += recall;
        fs += precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
        fprs += fp / (set.vecs.length - mine.length - twins.length);
      }
      const n = set.pictures;
      rows.push({ method, k, precision: ps / n, recall: rs / n, f1: fs / n, fpr: fprs / n });
    }
  }
  void views;
  return rows;
}

export interface SpeedRow {
  method: Method;
  retrainMs: number;
  scoreMs: number;
  totalMs: number;
}

export function speed(n: number, dim: number): { loadS: number; storeMb: number; rows: SpeedRow[] } {
  const store = new SketchStore();
  store.reserve(n);
  const rand = rng(99);
  const vec = new Int8Array(dim);
  // The examples are 10 shots of one place (near one descriptor), so that training sees a real scene, not noise
  // (random examples would have nearly every sampled photo look as close as they are to each other).
  const centre = new Int8Array(dim).map(() => (rand() < 0.6 ? 0 : Math.floor(rand() * 127)));
  const positives = Array.from({ length: 10 }, (_, i) => i * 997 + 5);
  const place = new Set(positives);
  let fill = 0;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    for (let k = 0; k < dim; k++) {
      const noise = rand() < 0.5 ? 0 : Math.floor(rand() * 128); // fc7 after ReLU: non-negative, half zero
      vec[k] = place.has(i + 1) ? Math.min(127, Math.round(centre[k]! * 0.8 + noise * 0.3)) : noise;
    }
    const t1 = performance.now();
    store.upsert(i + 1, vec);
    fill += performance.now() - t1;
    void t;
  }
  // Only the sketching and storing (what loading a library costs), not making up the random descriptors.
  const loadS = fill / 1000;
  const rows: SpeedRow[] = [];
  const negatives = Array.from({ length: 5 }, (_, i) => i * 991 + 3);
  for (const method of METHODS) {
    trainAndScore(store, { positives, negatives, method }); // warm-up (JIT)
    const times: SpeedRow[] = [];
    for (let rep = 0; rep < 3; rep++) {
      const t = performance.now();
      const r = trainAndScore(store, { positives, negatives, method, seed: rep + 2 });
      times.push({ method, retrainMs: r.trainMs, scoreMs: r.scoreMs, totalMs: performance.now() - t });
    }
    times.sort((a, b) => a.totalMs - b.totalMs);
    rows.push(times[1]!);
  }
  return { loadS, storeMb: store.bytes / 1e6, rows };
}

export async function personalBench(opts: { quick: boolean; fresh?: boolean; accuracyOnly?: boolean; speedOnly?: boolean; log: (s: string) => void }) {
  const files = sourcePhotos();
  const views = opts.quick ? 13 : 15;
  let acc: AccuracyRow[] = [];
  let pictures = 0;
  if (opts.speedOnly) opts.log('personal scenes: accuracy not measured (--speed-only)');
  else if (files.length && existsSync(join(shared, 'models', 'squeezenet_places365', 'model.onnx'))) {
    opts.log(`personal scenes: ${files.length} pictures x ${views} views through the SqueezeNet test model…`);
    // The views' descriptors are kept in out/ (they take minutes to compute): --fresh computes them again.
    const cache = join(repoRoot, 'out', `personal-views-${views}${opts.quick ? '-quick' : ''}.json`);
    let set: ViewSet;
    if (existsSync(cache) && !opts.fresh) {
      const c = JSON.parse(readFileSync(cache, 'utf8')) as { picture: number[]; vecs: number[][]; pictures: number };
      set = { picture: c.picture, pictures: c.pictures, vecs: c.vecs.map((v) => Int8Array.from(v)) };
      opts.log(`  (descriptors from ${cache})`);
    } else {
      set = await describeViews(opts.quick ? files.slice(0, 30) : files, views, opts.log);
      mkdirSync(dirname(cache), { recursive: true });
      writeFileSync(cache, JSON.stringify({ picture: set.picture, pictures: set.pictures, vecs: set.vecs.map((v) => [...v]) }));
    }
    pictures = set.pictures;
    opts.log(`  ${set.pictures} pictures are ${new Set(sameImageGroups(set)).size} distinct images (the rest: the same photo under other EXIF orientation tags)`);
    acc = accuracy(set, views);
    for (const r of acc) opts.log(`  ${r.method.padEnd(9)} K=${String(r.k).padEnd(2)} precision ${r.precision.toFixed(3)} recall ${r.recall.toFixed(3)} F1 ${r.f1.toFixed(3)} library claimed ${(r.fpr * 100).toFixed(2)} %`);
  } else opts.log('personal scenes: ../shared/data (photos, test model) not found: accuracy not measured');
  if (opts.accuracyOnly) return { pictures, views, photos: 0, accuracy: acc, speed: { loadS: 0, storeMb: 0, rows: [] as SpeedRow[] } };
  const n = opts.quick ? 20_000 : 100_000;
  opts.log(`personal scenes: retrain + rescore over ${n.toLocaleString()} synthetic 4096-d descriptors…`);
  const sp = speed(n, 4096);
  for (const r of sp.rows) opts.log(`  ${r.method.padEnd(9)} retrain ${r.retrainMs.toFixed(0)} ms + rescore ${r.scoreMs.toFixed(0)} ms = ${r.totalMs.toFixed(0)} ms`);
  opts.log(`  store: ${sp.storeMb.toFixed(1)} MB, filled in ${sp.loadS.toFixed(1)} s`);
  return { pictures, views, photos: n, accuracy: acc, speed: sp };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const json = process.argv.includes('--json');
  const r = await personalBench({ quick: process.argv.includes('--quick'), fresh: process.argv.includes('--fresh'), accuracyOnly: process.argv.includes('--accuracy-only'), speedOnly: process.argv.includes('--speed-only'), log: (s) => !json && process.stderr.write(`${s}\n`) });
  if (json) console.log(JSON.stringify(r));
  else {
    console.log(`\nPersonal scenes, ${r.pictures} pictures x ${r.views} views (macro average over pictures)`);
    console.log('method     K   precision  recall  F1     library claimed');
    for (const a of r.accuracy) console.log(`${a.method.padEnd(9)}  ${String(a.k).padEnd(2)}  ${a.precision.toFixed(3).padEnd(9)}  ${a.recall.toFixed(3).padEnd(6)}  ${a.f1.toFixed(3)}  ${(a.fpr * 100).toFixed(2)} %`);
    console.log(`\nretrain + rescore, ${r.photos.toLocaleString()} photos (store ${r.speed.storeMb.toFixed(1)} MB)`);
    for (const s of r.speed.rows) console.log(`${s.method.padEnd(9)}  ${s.totalMs.toFixed(0)} ms (train ${s.retrainMs.toFixed(0)}, score ${s.scoreMs.toFixed(0)})`);
  }
}
