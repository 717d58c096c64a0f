/**
 * `npx tsx bench/metadata-cost.ts [N]`: what reading metadata through ExifTool (metadata/photo-metadata.ts) costs
 * per photo, against exifr on the bytes already in memory (the reader before), and what it does to the indexer's
 * per-photo work (read, decode once, model input, thumbnail, metadata; 2 photos at a time as on 2 cores), without a
 * model (the worst case) and with the SqueezeNet-Places365 test model (far cheaper than VGG16, so still an upper
 * bound on the slowdown). Three readers run alternately in one process: exifr alone (before), ExifTool for every
 * photo, and what the indexer does now (exifr's fast path for plain camera JPEGs, ExifTool for the rest; one of the
 * four source photos carries Windows keywords, so a quarter go to ExifTool). Compare ratios, not absolute times.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { decodeOriented, fromPixels } from '../src/engine/imaging/decode.js';
import { readPhotoFile } from '../src/engine/imaging/photo-file.js';
import { readPhotoFacts } from '../src/engine/imaging/metadata.js';
import { resizeForModel } from '../src/engine/imaging/model-input.js';
import { ThumbnailStore } from '../src/engine/indexer/thumbnails.js';
import { endExiftool, exiftoolPids } from '../src/engine/metadata/exiftool.js';
import { OnnxModel } from '../src/engine/model/runtime/onnx-model.js';
import { cropToTensor, PIXELS } from '../src/engine/imaging/model-input.js';
import { existsSync } from 'node:fs';
import { plainExifFacts, readFileMetadata, readWithExiftool } from '../src/engine/metadata/photo-metadata.js';

const n = Number(process.argv[2] ?? 16);
const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const shared = process.env.SCENERY_SHARED_DATA ?? resolve(repoRoot, '..', 'shared', 'data');
const tmp = mkdtempSync(join(tmpdir(), 'scenery-metabench-'));
const photos = join(tmp, 'photos');
mkdirSync(photos);

// 12 MP JPEGs with the source's EXIF (camera, date, maker notes), as a camera writes them.
const sources = ['kpa_bar.jpg', 'digikam_lake.jpg', 'sddm_maldives_pier.jpg', 'lxqt_mountains.jpg'].map((f) => join(shared, 'photos', f));
for (let i = 0; i < n; i++) {
  await sharp(sources[i % sources.length]!).resize(4000, 3000, { fit: 'fill' }).withMetadata().jpeg({ quality: 90 }).toFile(join(photos, `IMG_${i}.jpg`));
}
const files = readdirSync(photos).map((f) => join(photos, f));

/** CPU time (ms) used so far by the ExifTool processes. */
function perlCpuMs(): number {
  let ticks = 0;
  for (const pid of exiftoolPids()) {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks * 10; // USER_HZ = 100
}

async function perPhoto(label: string, fn: (f: string, buf: Buffer) => Promise<unknown>): Promise<number> {
  const bufs = files.map((f) => readFileSync(f));
  await fn(files[0]!, bufs[0]!); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < files.length; i++) await fn(files[i]!, bufs[i]!);
  const ms = (performance.now() - t0) / files.length;
  console.log(`${label.padEnd(44)} ${ms.toFixed(2)} ms/photo`);
  return ms;
}

const thumbs = new ThumbnailStore(join(tmp, 'lib'));
const squeezenet = join(shared, 'models', 'squeezenet_places365', 'model.onnx');
const model = existsSync(squeezenet) ? await OnnxModel.load(squeezenet, { threads: 2 }) : null;
/** Photos a second, and CPU ms a photo (this process and ExifTool's): on 2 busy cores throughput follows CPU. */
type Reader = 'exifr' | 'exiftool' | 'now';
const READERS: Reader[] = ['exifr', 'exiftool', 'now'];
async function pipeline(meta: Reader, classify: boolean): Promise<{ ips: number; cpuMs: number }> {
  let next = 0;
  const cpu0 = process.cpuUsage();
  const perl0 = perlCpuMs();
  // One model run at a time, as the model worker does; it overlaps the other photo's decode and this one's metadata.
  let modelQueue: Promise<unknown> = Promise.resolve();
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const path = files[next++]!;
      const buf = await readPhotoFile(path);
      // As the indexer does: ExifTool's read starts with the decode (exifr parses the bytes in the same thread).
      const facts = meta === 'exifr' ? null : meta === 'now' ? readFileMetadata(path, buf) : readWithExiftool(path);
      const px = await decodeOriented(buf, path);
      const rgb = await resizeForModel(fromPixels(px));
      let classified: Promise<unknown> = Promise.resolve();
      if (classify && model) {
        const tensor = new Float32Array(3 * PIXELS);
        cropToTensor(rgb, tensor, 0);
        classified = modelQueue = modelQueue.then(() => model.run(tensor, 1));
      }
      await thumbs.writeThumb(`${meta}-${path.split('/').pop()}`, px);
      if (meta === 'exifr') await readPhotoFacts(buf);
      else await facts;
      await classified;
    }
  };
  const t0 = performance.now();
  await Promise.all([worker(), worker()]);
  const ips = (files.length / (performance.now() - t0)) * 1000;
  const c = process.cpuUsage(cpu0);
  return { ips, cpuMs: ((c.user + c.system) / 1000 + Math.max(0, perlCpuMs() - perl0)) / files.length };
}

console.log(`${n} 12 MP JPEGs with EXIF`);
const exifrMs = await perPhoto('exifr on the bytes in memory (before)', (_f, b) => readPhotoFacts(b));
await perPhoto('fast-path check (exifr, plain EXIF only)', (_f, b) => plainExifFacts(b));
await readWithExiftool(files[0]!); // start the pool's processes
const cpu0 = perlCpuMs();
const etMs = await perPhoto('ExifTool read of the file', (f) => readWithExiftool(f));
console.log(`${'  ExifTool CPU (Perl) per read'.padEnd(44)} ${((perlCpuMs() - cpu0) / (files.length + 1)).toFixed(2)} ms/photo`);
await perPhoto('now: fast path, else ExifTool; sidecar check', (f, b) => readFileMetadata(f, b));
await perPhoto('decode + thumbnail + model input', async (f, b) => {
  const px = await decodeOriented(b, f);
  await resizeForModel(fromPixels(px));
});
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
for (const classify of model ? [false, true] : [false]) {
  const runs: Record<string, { ips: number; cpuMs: number }[]> = { exifr: [], exiftool: [], now: [] };
  await pipeline('exiftool', classify); // warm-up
  for (let r = 0; r < 5; r++) for (const m of READERS) runs[m]!.push(await pipeline(m, classify));
  const ips = (m: string): number => median(runs[m]!.map((x) => x.ips));
  const cpu = (m: string): number => median(runs[m]!.map((x) => x.cpuMs));
  const what = classify ? 'with SqueezeNet' : 'without a model';
  for (const m of READERS) {
    const r = runs[m]!;
    console.log(`  ${what}, ${m.padEnd(8)}: ${ips(m).toFixed(2)} img/s (${r.map((x) => x.ips.toFixed(2)).join(' ')}), ${cpu(m).toFixed(0)} ms CPU/photo; vs exifr: throughput ${(ips(m) / ips('exifr')).toFixed(3)}, CPU ${(cpu(m) / cpu('exifr')).toFixed(3)}`);
  }
}
console.log(`ExifTool read alone: ${(etMs - exifrMs).toFixed(1)} ms more wall time per photo than exifr`);
await endExiftool();
rmSync(tmp, { recursive: true, force: true });
