/**
 * `scenery classify`: the CSAIL example (run_placesCNN_unified.py) done right.
 * Every file is classified even if some fail; exit 1 if any failed.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { OnnxModel } from '../../engine/model/runtime/onnx-model.js';
import { ModelStore } from '../../engine/model/store/model-store.js';
import { defaultModelsDir } from '../../engine/paths.js';
import { cropToTensor, nhwcToTensor, PIXELS, resizeForModel, tenCrop } from '../../engine/imaging/model-input.js';
import { openImage } from '../../engine/imaging/decode.js';
import { endExiftool } from '../../engine/metadata/exiftool.js';
import { interpret, labelSetFor } from '../../engine/labels/label-sets.js';
import { readNpy } from '../../engine/model/npy.js';
import { intOption, parse, UsageError } from '../args.js';

export const classifyHelp = `scenery classify [--model NAME|PATH] [--top N] [--json] [--ten-crop] [--tensor FILE.npy] IMAGE...

Prints the top-N Places365 scenes of each image (resize 256x256 bilinear, centre crop 224, as the original).
  --model NAME|PATH  installed model name or a contract .onnx file (default: vgg16-places365)
  --top N            how many labels (default 5)
  --json             one JSON array, one object per input
  --ten-crop         average 4 corners + centre and their mirrors (the paper's 10-crop)
  --tensor FILE.npy  NumPy uint8 [N,224,224,3] RGB, fed without resizing`;

/** What is wrong with an argument before any decoding: a missing file is not a file that "disappeared". */
function notAFile(file: string): string | null {
  try {
    return statSync(file).isDirectory() ? 'is a directory, not an image' : null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'no such file';
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
    return null;
  }
}

type Entry = { file: string; top?: { label: string; index: number; prob: number }[]; indoor?: boolean; objects?: { label: string; prob: number }[]; error?: string };

export async function classifyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    model: { type: 'string' },
    models: { type: 'string' },
    top: { type: 'string' },
    json: { type: 'boolean' },
    tensor: { type: 'string' },
    'ten-crop': { type: 'boolean' },
    threads: { type: 'string' },
  });
  const top = intOption(values.top, 'top', 5, 1, 365);
  if (!positionals.length && !values.tensor) throw new UsageError('give at least one image (or --tensor FILE.npy)');
  const store = new ModelStore(values.models ?? defaultModelsDir());
  const info = store.resolve(values.model ?? null);
  const model = await OnnxModel.load(info.onnxPath, { threads: values.threads ? intOption(values.threads, 'threads', 0, 0, 256) : 0 });
  const entries: Entry[] = [];

  const emit = (file: string, prob: Float32Array): void => {
    const set = labelSetFor(prob.length);
    const r = interpret(prob, set, top);
    const e: Entry = { file, top: r.scenes.map((s) => ({ label: s.label, index: s.index, prob: s.prob })), indoor: r.indoor };
    if (r.objects.length) e.objects = r.objects.map((o) => ({ label: o.label, prob: o.prob }));
    entries.push(e);
  };

  try {
    if (values.tensor) {
      const arr = readNpy(values.tensor);
      const [n, h, w, c] = arr.shape;
      if (arr.dtype !== '|u1' || arr.shape.length !== 4 || h !== 224 || w !== 224 || c !== 3) {
        throw new UsageError(`--tensor wants uint8 [N,224,224,3]; ${values.tensor} is ${arr.dtype} [${arr.shape.join(',')}]`);
      }
      for (let i = 0; i < n!; i += 8) {
        const k = Math.min(8, n! - i);
        const px = nhwcToTensor((arr.data as Uint8Array).subarray(i * PIXELS * 3, (i + k) * PIXELS * 3), k);
        const out = await model.run(px, k);
        for (let j = 0; j < k; j++) emit(`${values.tensor}[${i + j}]`, out.prob.subarray(j * out.classes, (j + 1) * out.classes));
      }
    }
    for (const file of positionals) {
      const problem = notAFile(file);
      if (problem) {
        entries.push({ file, error: problem });
        continue;
      }
      try {
        const rgb = await resizeForModel(await openImage(file));
        let prob: Float32Array;
        if (values['ten-crop']) {
          const out = await model.run(tenCrop(rgb), 10);
          prob = new Float32Array(out.classes);
          for (let j = 0; j < 10; j++) for (let k = 0; k < out.classes; k++) prob[k]! += out.prob[j * out.classes + k]! / 10;
        } else {
          const px = new Float32Array(3 * PIXELS);
          cropToTensor(rgb, px, 0);
          prob = (await model.run(px, 1)).prob;
        }
        emit(file, prob);
      } catch (e) {
        entries.push({ file, error: (e as Error).message });
      }
    }
  } finally {
    await model.release();
    // Started by a RAW's preview; its processes would keep the command alive.
    await endExiftool();
  }

  if (values.json) process.stdout.write(JSON.stringify(entries, null, 2) + '\n');
  else {
    for (const e of entries) {
      process.stdout.write(`${basename(e.file)}\n`);
      if (e.error) {
        process.stdout.write(`  error: ${e.error}\n`);
        continue;
      }
      process.stdout.write(`--TYPE OF ENVIRONMENT: ${e.indoor ? 'indoor' : 'outdoor'}\n--SCENE CATEGORIES:\n`);
      for (const t of e.top!) process.stdout.write(`${t.prob.toFixed(3)} -> ${t.label}\n`);
      if (e.objects) {
        process.stdout.write('--OBJECTS (ImageNet):\n');
        for (const o of e.objects) process.stdout.write(`${o.prob.toFixed(3)} -> ${o.label}\n`);
      }
    }
  }
  return entries.some((e) => e.error) ? 1 : 0;
}
