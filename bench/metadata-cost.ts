/**
 * `npx tsx bench/metadata-cost.ts [N]`: what reading metadata through ExifTool (metadata/photo-metadata.ts) costs
 * per photo, against exifr on the bytes already in memory (the reader before), and what it does to the indexer's
 * per-photo work without the model (read, decode once, thumbnail, model input, metadata; 2 photos at a time as on
 * 2 cores): the worst case, since classification, which the ExifTool read overlaps, is left out. Both variants run
 * alternately in one process, so compare the ratio, not absolute times (the machine may be shared).
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
import { readFileMetadata } from '../src/engine/metadata/photo-metadata.js';

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
async function pipeline(meta: 'exifr' | 'exiftool'): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const path = files[next++]!;
      const buf = await readPhotoFile(path);
      const px = await decodeOriented(buf, path);
      await resizeForModel(fromPixels(px));
      await thumbs.writeThumb(`${meta}-${path.split('/').pop()}`, px);
      if (meta === 'exifr') await readPhotoFacts(buf);
      else await readFileMetadata(path, buf);
    }
  };
  const t0 = performance.now();
  await Promise.all([worker(), worker()]);
  return (files.length / (performance.now() - t0)) * 1000;
}

console.log(`${n} 12 MP JPEGs with EXIF`);
const exifrMs = await perPhoto('exifr on the bytes in memory (before)', (_f, b) => readPhotoFacts(b));
const cpu0 = perlCpuMs();
const etMs = await perPhoto('ExifTool read of file + sidecar check (now)', (f, b) => readFileMetadata(f, b));
const perlMs = (perlCpuMs() - cpu0) / (files.length + 0);
console.log(`${'  ExifTool CPU (Perl) per read'.padEnd(44)} ${perlMs.toFixed(2)} ms/photo`);
await perPhoto('decode + thumbnail + model input', async (f, b) => {
  const px = await decodeOriented(b, f);
  await resizeForModel(fromPixels(px));
});
const runs: Record<string, number[]> = { exifr: [], exiftool: [] };
await pipeline('exiftool'); // warm-up
for (let r = 0; r < 3; r++) for (const m of ['exifr', 'exiftool'] as const) runs[m]!.push(await pipeline(m));
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const a = median(runs.exifr!);
const b = median(runs.exiftool!);
console.log(`indexer work without the model, 2 at a time: exifr ${a.toFixed(2)} img/s, ExifTool ${b.toFixed(2)} img/s (runs: ${runs.exifr!.map((x) => x.toFixed(2))} / ${runs.exiftool!.map((x) => x.toFixed(2))})`);
console.log(`ratio ExifTool / exifr: ${(b / a).toFixed(3)} (worst case: no model); ExifTool read ${(etMs - exifrMs).toFixed(1)} ms more per photo`);
await endExiftool();
rmSync(tmp, { recursive: true, force: true });
