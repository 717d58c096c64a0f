/**
 * `scenery explain`: where in each image the network saw its scene (Grad-CAM at
 * relu5_3, engine/model/explain). --json prints the raw 14x14 maps; --out
 * writes one PNG overlay per image and class. Every file is explained even if
 * some fail; exit 1 if any failed.
 */
import { mkdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import { ModelStore } from '../../engine/model/store/model-store.js';
import { defaultModelsDir } from '../../engine/paths.js';
import { cropToTensor, nhwcToTensor, PIXELS, resizeForModel } from '../../engine/imaging/model-input.js';
import { openImage } from '../../engine/imaging/decode.js';
import { endExiftool } from '../../engine/metadata/exiftool.js';
import { labelSetFor, type LabelSet } from '../../engine/labels/label-sets.js';
import { readNpy } from '../../engine/model/npy.js';
import { CAM_CELLS, GradCam } from '../../engine/model/explain/grad-cam.js';
import { FULL_FRAME, MODEL_CROP, renderOverlay, type CropBox } from '../../shared/heatmap.js';
import { intOption, parse, UsageError } from '../args.js';

export const explainHelp = `scenery explain [--model NAME|PATH] [--top N] [--class LABEL|INDEX] [--tensor FILE.npy] [--json] [--out DIR] IMAGE...

Shows where in each image the network saw its scene: Grad-CAM at relu5_3 (VGG16 models only).
  --top N            explain the top-N scenes (default 1)
  --class LABEL|INDEX  explain this scene instead (e.g. beach, forest_path, field/wild or 48)
  --tensor FILE.npy  NumPy uint8 [N,224,224,3] RGB, fed without resizing
  --json             [{"file" (or "index"), "explanations": [{"label","index","prob","cam": 14x14 raw values}]}]
  --out DIR          write one PNG overlay per image and class (viridis; hatched: cropped away by the model)`;

interface Explanation {
  label: string;
  index: number;
  prob: number;
  cam: number[][];
}
/** The oriented photo as drawn under the overlay: raw RGB. */
interface Photo {
  data: Buffer;
  width: number;
  height: number;
}
type Entry = ({ file: string } | { index: number }) & { explanations?: Explanation[]; error?: string };

/** `beach`, `forest_path`, `field/wild`, `forest path` or a Places365 index → the model output index. */
export function resolveClass(spec: string, set: LabelSet): number {
  const off = set.placesOffset;
  if (/^\d+$/.test(spec)) {
    const i = Number(spec);
    if (i >= 365) throw new UsageError(`--class ${spec}: Places365 indices run from 0 to 364`);
    return off + i;
  }
  const want = spec.trim().toLowerCase().replace(/\s+/g, '_');
  for (let i = off; i < off + 365; i++) {
    const l = set.labels[i]!.toLowerCase();
    if (l === want || l.replace(/\//g, '_') === want || set.names[i]!.toLowerCase() === spec.trim().toLowerCase()) return i;
  }
  throw new UsageError(`--class ${spec}: not a Places365 scene (try e.g. beach, forest_path, field/wild or an index 0-364)`);
}

function rows(cam: Float32Array): number[][] {
  return Array.from({ length: 14 }, (_, i) => Array.from(cam.subarray(i * 14, (i + 1) * 14)));
}

export async function explainCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    model: { type: 'string' },
    models: { type: 'string' },
    top: { type: 'string' },
    class: { type: 'string' },
    json: { type: 'boolean' },
    tensor: { type: 'string' },
    out: { type: 'string' },
    threads: { type: 'string' },
  });
  const top = intOption(values.top, 'top', 1, 1, 365);
  if (!positionals.length && !values.tensor) throw new UsageError('give at least one image (or --tensor FILE.npy)');
  const store = new ModelStore(values.models ?? defaultModelsDir());
  const info = store.resolve(values.model ?? null);
  const cam = await GradCam.load(info.onnxPath, { threads: values.threads ? intOption(values.threads, 'threads', 0, 0, 256) : 0 });
  const set = labelSetFor(cam.weights.classes);
  const pinned = values.class !== undefined ? resolveClass(values.class, set) : null;
  if (values.out) mkdirSync(values.out, { recursive: true });
  const entries: Entry[] = [];

  const explain = async (pixels: Float32Array, name: string, photo: () => Promise<Photo>, crop: CropBox): Promise<Explanation[]> => {
    const act = await cam.forward(pixels);
    const off = set.placesOffset;
    const classes =
      pinned !== null
        ? [pinned]
        : [...Array(365).keys()].map((k) => k + off).sort((a, b) => act.prob[b]! - act.prob[a]! || a - b).slice(0, top);
    const maps = await cam.cams(act, classes);
    const out = classes.map((c, j) => ({ label: set.labels[c]!, index: c - off, prob: act.prob[c]!, cam: maps.subarray(j * CAM_CELLS, (j + 1) * CAM_CELLS) }));
    if (values.out) {
      const { data, width, height } = await photo();
      for (const e of out) {
        const heat = renderOverlay(e.cam, width, height, crop, 0.6);
        const file = join(values.out, `${name}.${e.label.replace(/[^a-z0-9]+/gi, '_')}.png`);
        await sharp(data, { raw: { width, height, channels: 3 } })
          .composite([{ input: Buffer.from(heat.buffer), raw: { width, height, channels: 4 } }])
          .png()
          .toFile(file);
      }
    }
    return out.map((e) => ({ ...e, cam: rows(e.cam) }));
  };

  try {
    if (values.tensor) {
      const arr = readNpy(values.tensor);
      const [n, h, w, c] = arr.shape;
      if (arr.dtype !== '|u1' || arr.shape.length !== 4 || h !== 224 || w !== 224 || c !== 3) {
        throw new UsageError(`--tensor wants uint8 [N,224,224,3]; ${values.tensor} is ${arr.dtype} [${arr.shape.join(',')}]`);
      }
      for (let i = 0; i < n!; i++) {
        const rgb = (arr.data as Uint8Array).subarray(i * PIXELS * 3, (i + 1) * PIXELS * 3);
        const raw = (): Promise<Photo> => Promise.resolve({ data: Buffer.from(rgb), width: 224, height: 224 });
        entries.push({ index: i, explanations: await explain(nhwcToTensor(rgb, 1), `${basename(values.tensor, '.npy')}-${i}`, raw, FULL_FRAME) });
      }
    }
    for (const file of positionals) {
      try {
        const img = await openImage(file);
        const rgb = await resizeForModel(img.clone());
        const px = new Float32Array(3 * PIXELS);
        cropToTensor(rgb, px, 0);
        // Overlays are drawn on the oriented photo, at most 1600 px on its long side.
        const shown = async (): Promise<Photo> => {
          const { data, info } = await img.clone().resize(1600, 1600, { fit: 'inside', withoutEnlargement: true }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
          return { data, width: info.width, height: info.height };
        };
        entries.push({ file, explanations: await explain(px, basename(file, extname(file)), shown, MODEL_CROP) });
      } catch (e) {
        entries.push({ file, error: (e as Error).message });
      }
    }
  } finally {
    await cam.release();
    // Started by a RAW's preview; its processes would keep the command alive.
    await endExiftool();
  }

  if (values.json) process.stdout.write(JSON.stringify(entries) + '\n');
  else {
    for (const e of entries) {
      process.stdout.write(`${'file' in e ? basename(e.file) : `${values.tensor}[${e.index}]`}\n`);
      if (e.error) {
        process.stdout.write(`  error: ${e.error}\n`);
        continue;
      }
      for (const x of e.explanations!) {
        let best = 0;
        x.cam.flat().forEach((v, i, a) => (v > a[best]! ? (best = i) : 0));
        const peak = x.cam.flat()[best]!;
        const where = peak > 0 ? `strongest at row ${Math.floor(best / 14)}, column ${best % 14} of 14 (${describe(best)})` : 'no positive evidence anywhere';
        process.stdout.write(`  ${x.prob.toFixed(3)} -> ${x.label}: ${where}\n`);
      }
    }
    if (values.out) process.stdout.write(`overlays written to ${values.out}\n`);
  }
  return entries.some((e) => e.error) ? 1 : 0;
}

function describe(cell: number): string {
  const r = Math.floor(cell / 14);
  const c = cell % 14;
  const v = r < 5 ? 'top' : r > 8 ? 'bottom' : 'middle';
  const h = c < 5 ? 'left' : c > 8 ? 'right' : 'centre';
  return v === 'middle' && h === 'centre' ? 'centre' : `${v} ${h}`;
}
