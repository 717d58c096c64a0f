/** `scenery model convert|fetch|import|list|info|use|remove|int8`. */
import { readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ModelStore } from '../../engine/model/store/model-store.js';
import { convertModel, type Variant } from '../../engine/model/convert.js';
import { defaultModelsDir } from '../../engine/paths.js';
import { parse, UsageError } from '../args.js';
import { installInt8Variant } from '../../engine/model/store/model-store.js';
import { providerLabel } from '../../engine/model/runtime/providers.js';

/** Photos directly in DIR (calibration for the int8 variant). */
function photosIn(dir: string): string[] {
  const files = readdirSync(resolve(dir)).filter((f) => /\.(jpe?g|png|webp|tiff?|heic|heif)$/i.test(f)).sort();
  if (!files.length) throw new UsageError(`--calibrate ${dir}: no photos in that folder`);
  return files.map((f) => join(resolve(dir), f));
}

/** `convert --int8`: float32 first (streamed, as always), then the int8 variant of it; only the int8 files stay. */
async function convertInt8(src: string, out: string, variant: Variant | undefined, calibrateDir: string | undefined): Promise<number> {
  const { quantizeOnnx } = await import('../../engine/model/quantize/quantize-onnx.js');
  const { calibrationFromPhotos } = await import('../../engine/model/quantize/calibration-images.js');
  const fp32 = join(dirname(resolve(out)), `.${basename(out)}.fp32-${process.pid}.onnx`);
  try {
    const r = await convertModel(src, fp32, { variant });
    const cal = calibrateDir ? await calibrationFromPhotos(photosIn(calibrateDir)) : null;
    const q = await quantizeOnnx(fp32, out, { calibration: cal?.used ? cal.batch : undefined, calibrationNote: cal?.used ? `${cal.used} photos` : undefined, name: undefined });
    console.log(
      `converted ${r.format} → ${q.onnxPath} (+ ${q.dataPath}), int8\n  ${r.variant}, ${r.parameters.toLocaleString('en')} parameters; ${q.quantizedLayers.length} layers int8 (per-channel symmetric weights), ` +
        `calibrated on ${cal?.used ? `${cal.used} photos` : 'generated images'}\n  ${(q.bytes / 1e6).toFixed(1)} MB; ${(r.seconds + q.seconds).toFixed(1)} s, peak RSS ${peakRssMb()} MB`,
    );
    return 0;
  } finally {
    rmSync(fp32, { force: true });
    rmSync(`${fp32}.data`, { force: true });
  }
}

/** Loads the model to see which provider it gets (the accelerator only if it passes the probe check). */
async function providerLine(onnxPath: string): Promise<string> {
  try {
    const { OnnxModel } = await import('../../engine/model/runtime/onnx-model.js');
    const m = await OnnxModel.load(onnxPath, { threads: 1 });
    await m.release();
    const p = m.provider;
    return `${providerLabel(p.provider)}${p.fallbackReason ? ` (${p.fallbackReason})` : p.probeDiff !== null ? ` (probe agrees with the CPU, max |Δprob| ${p.probeDiff.toExponential(1)})` : ''}`;
  } catch (e) {
    return `cannot load: ${(e as Error).message.split('\n')[0]}`;
  }
}

export const modelHelp = `scenery model convert SRC --out FILE.onnx [--variant places365|hybrid1365] [--int8 [--calibrate DIR]]
scenery model int8 NAME [--calibrate DIR]   install the int8 variant NAME-int8 ("Fast (smaller, slightly less exact)")
scenery model fetch vgg16-places365|vgg16-hybrid1365
scenery model import FILE [--name vgg16-places365|vgg16-hybrid1365|custom-NAME]
scenery model list [--json]
scenery model info NAME [--json]
scenery model use NAME       the model used when none is given (the app's model switcher does the same)
scenery model remove NAME
  --models DIR   the model store (default: <user data>/models)`;

function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

function bar(received: number, total: number | null): string {
  if (!total) return `${(received / 1e6).toFixed(1)} MB`;
  const pct = received / total;
  const w = 30;
  return `[${'#'.repeat(Math.round(pct * w)).padEnd(w, '.')}] ${(pct * 100).toFixed(1)}% ${(received / 1e6).toFixed(1)}/${(total / 1e6).toFixed(1)} MB`;
}

export async function modelCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, {
    out: { type: 'string' },
    variant: { type: 'string' },
    models: { type: 'string' },
    name: { type: 'string' },
    json: { type: 'boolean' },
    int8: { type: 'boolean' },
    calibrate: { type: 'string' },
  });
  const store = new ModelStore(values.models ?? defaultModelsDir());
  switch (sub) {
    case 'convert': {
      const src = positionals[0];
      if (!src || !values.out) throw new UsageError('usage: scenery model convert SRC --out FILE.onnx [--variant places365|hybrid1365]');
      if (values.variant && values.variant !== 'places365' && values.variant !== 'hybrid1365') throw new UsageError('--variant is places365 or hybrid1365');
      if (values.int8) return convertInt8(src, values.out, values.variant as Variant | undefined, values.calibrate);
      const r = await convertModel(src, values.out, { variant: values.variant as Variant | undefined });
      console.log(
        `converted ${r.format} → ${r.onnxPath} (+ ${r.dataPath})\n  ${r.variant}, ${r.parameters.toLocaleString('en')} parameters, conv ${r.shape.convWidths.join('/')}, fc ${r.shape.fc}\n  ${r.seconds.toFixed(1)} s, peak RSS ${peakRssMb()} MB`,
      );
      return 0;
    }
    case 'int8': {
      const name = positionals[0];
      if (!name) throw new UsageError('usage: scenery model int8 NAME [--calibrate DIR]');
      const m = await installInt8Variant(store, name, { photos: values.calibrate ? photosIn(values.calibrate) : undefined, onStep: (s) => process.stderr.write(`${s}…\n`) });
      console.log(`installed ${m.name} (${m.title}), calibrated on ${m.calibration}, in ${m.quantizeSeconds.toFixed(1)} s, peak RSS ${peakRssMb()} MB`);
      return 0;
    }
    case 'fetch': {
      const name = positionals[0];
      if (!name) throw new UsageError('usage: scenery model fetch vgg16-places365|vgg16-hybrid1365');
      const m = await store.fetch(name, {
        onProgress: (p) => process.stderr.write(`\r${bar(p.receivedBytes, p.totalBytes)}`),
        onStep: (s) => process.stderr.write(`\n${s}…\n`),
      });
      console.log(`installed ${m.title}: ${m.parameters.toLocaleString('en')} parameters, sha256 ${m.sha256}`);
      return 0;
    }
    case 'import': {
      const file = positionals[0];
      if (!file) throw new UsageError('usage: scenery model import FILE [--name vgg16-places365|vgg16-hybrid1365|custom-NAME]');
      const m = await store.import(file, { name: values.name, onStep: (s) => process.stderr.write(`${s}…\n`) });
      console.log(
        `installed ${m.name} (${m.title}, ${m.parameters.toLocaleString('en')} parameters, ${m.labels}) from ${file}: sha256 ${m.sha256}, peak RSS ${peakRssMb()} MB`,
      );
      return 0;
    }
    case 'list': {
      const list = store.list();
      const current = list.length ? store.resolve(null).name : null;
      if (values.json) console.log(JSON.stringify(list.map((m) => ({ ...m, current: m.name === current })), null, 2));
      else if (!list.length) console.log(`no models installed in ${store.dir}`);
      else for (const m of list) console.log(`${m.name === current ? '*' : ' '} ${m.name.padEnd(28)} ${m.title} (${m.parameters.toLocaleString('en')} parameters)`);
      return 0;
    }
    case 'use': {
      const name = positionals[0];
      if (!name) throw new UsageError('usage: scenery model use NAME');
      const m = store.use(name);
      console.log(`${m.name} (${m.title}) is now the model used when none is given`);
      return 0;
    }
    case 'remove': {
      const name = positionals[0];
      if (!name) throw new UsageError('usage: scenery model remove NAME');
      const m = store.remove(name);
      const next = store.list().length ? store.resolve(null).name : null;
      console.log(`removed ${m.name} (${m.title})${next ? `; the model used now is ${next}` : '; no model is installed any more'}`);
      return 0;
    }
    case 'info': {
      const name = positionals[0];
      if (!name) throw new UsageError('usage: scenery model info NAME');
      const m = store.resolve(name);
      if (values.json) console.log(JSON.stringify(m, null, 2));
      else {
        console.log(
          [
            `name:        ${m.name}`,
            `title:       ${m.title}`,
            `labels:      ${m.labels} (${m.labels === 'hybrid1365' ? '1000 ImageNet objects + 365 places' : '365 places'})`,
            `parameters:  ${m.parameters.toLocaleString('en')}`,
            `source:      ${m.source}`,
            `license:     ${m.license}`,
            `sha256:      ${m.sha256 ?? 'not recorded'}`,
            `installed:   ${m.installedAt ?? '-'}`,
            `file:        ${m.onnxPath}`,
            `provider:    ${await providerLine(m.onnxPath)}`,
          ].join('\n'),
        );
      }
      return 0;
    }
    default:
      throw new UsageError(modelHelp);
  }
}
