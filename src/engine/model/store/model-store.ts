/**
 * The model store: one folder per installed model in the user-data dir,
 *   <models>/<name>/model.onnx (+ model.onnx.data) and model.json,
 * filled by `fetch` (official URL → convert) or `import` (local
 * .caffemodel/.h5/.onnx). Nothing is installed until it converted and
 * validated completely.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ModelInfo } from '../../../shared/domain.js';
import { convertModel, detectFormat } from '../convert.js';
import { KNOWN_MODELS, knownModel, type KnownModel } from '../known-models.js';
import { readOnnxMetadata } from '../onnx/onnx-metadata.js';
import { download, DownloadError, sha256File, type DownloadProgress } from './download.js';

export const DEFAULT_MODEL = 'vgg16-places365';

export interface InstalledModel extends ModelInfo {
  onnxPath: string;
}

export class ModelStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelStoreError';
  }
}

export function noModelMessage(): string {
  return (
    'No scene model is installed. Download VGG16-Places365 (about 530 MB) with `scenery model fetch vgg16-places365`, ' +
    'or, offline, import a copy you already have with `scenery model import FILE` (.caffemodel, Keras .h5 or .onnx).'
  );
}

export class ModelStore {
  constructor(readonly dir: string) {}

  private modelDir(name: string): string {
    if (!/^[a-z0-9][a-z0-9._-]{0,63}$/i.test(name)) throw new ModelStoreError(`invalid model name "${name}"`);
    return join(this.dir, name);
  }

  list(): InstalledModel[] {
    if (!existsSync(this.dir)) return [];
    const out: InstalledModel[] = [];
    for (const entry of readdirSync(this.dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const infoPath = join(this.dir, entry.name, 'model.json');
      const onnxPath = join(this.dir, entry.name, 'model.onnx');
      if (!existsSync(infoPath) || !existsSync(onnxPath)) continue;
      try {
        out.push({ ...(JSON.parse(readFileSync(infoPath, 'utf8')) as ModelInfo), onnxPath });
      } catch {
        // A damaged model.json: the model is not usable; `list` skips it.
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): InstalledModel | undefined {
    return this.list().find((m) => m.name === name);
  }

  /** A name in the store, or a path to an .onnx file in the model contract; default: VGG16-Places365. */
  resolve(nameOrPath?: string | null): InstalledModel {
    if (nameOrPath && (nameOrPath.endsWith('.onnx') || nameOrPath.includes('/') || nameOrPath.includes('\\'))) {
      const p = resolve(nameOrPath);
      if (!existsSync(p)) throw new ModelStoreError(`model file not found: ${p}`);
      return describeOnnx(p, null);
    }
    const name = nameOrPath ?? DEFAULT_MODEL;
    const m = this.get(name);
    if (m) return m;
    if (!nameOrPath) {
      const any = this.list()[0];
      if (any) return any;
      throw new ModelStoreError(noModelMessage());
    }
    throw new ModelStoreError(`model "${name}" is not installed. Installed: ${this.list().map((x) => x.name).join(', ') || 'none'}. ${noModelMessage()}`);
  }

  async fetch(
    name: string,
    options: { signal?: AbortSignal; onProgress?: (p: DownloadProgress) => void; onStep?: (step: string) => void; url?: string } = {},
  ): Promise<InstalledModel> {
    const known = knownModel(name);
    if (!known) throw new ModelStoreError(`unknown model "${name}"; known: ${KNOWN_MODELS.map((m) => m.name).join(', ')}`);
    const downloads = join(this.dir, 'downloads');
    mkdirSync(downloads, { recursive: true });
    const dest = join(downloads, `${name}.caffemodel`);
    const url = options.url ?? process.env.SCENERY_MODEL_BASE_URL?.replace(/\/$/, '').concat(`/${basename(known.url)}`) ?? known.url;
    if (!existsSync(dest)) {
      try {
        await download(url, dest, {
          signal: options.signal,
          onProgress: options.onProgress,
          expectedBytes: known.approxBytes,
          // the converted copy needs about as much again
          reserveBytes: known.approxBytes,
        });
      } catch (e) {
        if (e instanceof DownloadError && e.offline) {
          throw new ModelStoreError(
            `${e.message}. This machine seems to be offline. Download ${basename(known.url)} on a machine with internet ` +
              `(${known.url}), then run \`scenery model import FILE\` (or "Import file…" in the app).`,
          );
        }
        throw e;
      }
    }
    options.onStep?.('converting');
    const installed = await this.install(dest, known, known.source);
    rmSync(dest, { force: true });
    return installed;
  }

  /** Installs a local .caffemodel, Keras .h5 or contract .onnx file. */
  async import(file: string, options: { name?: string; onStep?: (step: string) => void } = {}): Promise<InstalledModel> {
    const src = resolve(file);
    if (!existsSync(src)) throw new ModelStoreError(`file not found: ${src}`);
    const format = detectFormat(src);
    if (format === 'onnx') {
      const meta = readOnnxMetadata(src);
      const name = options.name ?? meta.props['name'] ?? basename(src, '.onnx');
      const dir = this.modelDir(name);
      const staging = `${dir}.importing`;
      rmSync(staging, { recursive: true, force: true });
      mkdirSync(staging, { recursive: true });
      copyFileSync(src, join(staging, 'model.onnx'));
      const data = `${src}.data`;
      if (existsSync(data)) copyFileSync(data, join(staging, 'model.onnx.data'));
      const info = describeOnnx(join(staging, 'model.onnx'), await sha256File(src));
      writeFileSync(join(staging, 'model.json'), JSON.stringify({ ...info, name, onnxPath: undefined }, null, 2));
      rmSync(dir, { recursive: true, force: true });
      renameSync(staging, dir);
      return { ...info, name, onnxPath: join(dir, 'model.onnx') };
    }
    options.onStep?.('converting');
    // A named model must have the published shapes exactly.
    const probe = KNOWN_MODELS.find((m) => m.name === options.name);
    return this.install(src, probe, `imported from ${basename(src)}`);
  }

  private async install(src: string, expect: KnownModel | undefined, source: string): Promise<InstalledModel> {
    const sha256 = await sha256File(src);
    const tmpDir = join(this.dir, `.staging-${process.pid}-${Date.now()}`);
    mkdirSync(tmpDir, { recursive: true });
    try {
      const tmpOnnx = join(tmpDir, 'model.onnx');
      const result = await convertModel(src, tmpOnnx, { expect, sourceDescription: source });
      const known = expect ?? KNOWN_MODELS.find((m) => m.classes === result.shape.classes && m.parameters === result.parameters);
      if (!known) {
        throw new ModelStoreError(
          `this file is a VGG16 with ${result.parameters.toLocaleString('en')} parameters, not one of the published models (${KNOWN_MODELS.map((m) => `${m.title}: ${m.parameters.toLocaleString('en')}`).join('; ')}); ` +
            'use `scenery model convert` to convert it to a file you can pass with --model',
        );
      }
      const info: ModelInfo = {
        name: known.name,
        title: known.title,
        labels: known.labels,
        parameters: result.parameters,
        source: `${known.source}; ${source}`,
        license: known.license,
        sha256,
        installedAt: new Date().toISOString(),
      };
      writeFileSync(join(tmpDir, 'model.json'), JSON.stringify(info, null, 2));
      const dir = this.modelDir(known.name);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dirname(dir), { recursive: true });
      renameSync(tmpDir, dir);
      return { ...info, onnxPath: join(dir, 'model.onnx') };
    } catch (e) {
      rmSync(tmpDir, { recursive: true, force: true });
      throw e;
    }
  }
}

/**
 * The int8 variant of an installed model ("Fast (smaller, slightly less
 * exact)"), installed beside it as `<name>-int8`. Calibrated on the given
 * photos (the user's own library in the app) or on generated images.
 */
export async function installInt8Variant(
  store: ModelStore,
  name: string,
  options: { photos?: string[]; onStep?: (step: string) => void } = {},
): Promise<InstalledModel & { quantizeSeconds: number; calibration: string }> {
  const base = store.get(name);
  if (!base) throw new ModelStoreError(`model "${name}" is not installed`);
  if (name.endsWith('-int8')) throw new ModelStoreError(`${name} is already an int8 model`);
  const { quantizeOnnx } = await import('../quantize/quantize-onnx.js');
  const { calibrationFromPhotos } = await import('../quantize/calibration-images.js');
  options.onStep?.('calibrating');
  const cal = options.photos?.length ? await calibrationFromPhotos(options.photos) : { batch: [], used: 0 };
  const calibration = cal.used ? `${cal.used} of your photos` : 'generated images';
  const variantName = `${name}-int8`;
  const tmpDir = join(store.dir, `.staging-${process.pid}-${Date.now()}`);
  mkdirSync(tmpDir, { recursive: true });
  try {
    options.onStep?.('quantizing');
    const r = await quantizeOnnx(base.onnxPath, join(tmpDir, 'model.onnx'), {
      calibration: cal.used ? cal.batch : undefined,
      calibrationNote: calibration,
      name: variantName,
      title: `${base.title} (int8)`,
    });
    const info: ModelInfo = { ...base, name: variantName, title: `${base.title} (int8)`, source: `${base.source}; int8 by Scenery (calibrated on ${calibration})`, installedAt: new Date().toISOString() };
    writeFileSync(join(tmpDir, 'model.json'), JSON.stringify({ ...info, onnxPath: undefined }, null, 2));
    const dir = join(store.dir, variantName);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmpDir, dir);
    return { ...info, onnxPath: join(dir, 'model.onnx'), quantizeSeconds: r.seconds, calibration };
  } catch (e) {
    rmSync(tmpDir, { recursive: true, force: true });
    throw e;
  }
}

/** Model info for any contract ONNX file, from its metadata. */
export function describeOnnx(path: string, sha256: string | null): InstalledModel {
  const meta = readOnnxMetadata(path);
  const p = meta.props;
  const labels = /1365/.test(p['labels'] ?? '') ? 'hybrid1365' : 'places365';
  // A generic file name says nothing: `…/squeezenet_places365/model.onnx` is "squeezenet_places365".
  const fileName = basename(path, '.onnx');
  const fallback = fileName === 'model' ? basename(dirname(path)) : fileName;
  return {
    name: p['name'] ?? fallback,
    title: p['title'] ?? p['name'] ?? fallback,
    labels,
    parameters: Number(p['parameters'] ?? 0),
    source: p['source'] ?? p['source_repo'] ?? meta.producer ?? 'unknown',
    license: p['license'] ?? 'unknown',
    sha256,
    installedAt: null,
    onnxPath: path,
  };
}
