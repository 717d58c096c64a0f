/**
 * The model store: one folder per installed model in the user-data dir,
 *   <models>/<name>/model.onnx (+ its external data files) and model.json,
 * plus <models>/current (the model chosen last). Filled by `fetch` (official
 * URL → convert) or `import` (local .caffemodel/.h5/.onnx).
 *
 * Nothing is installed until it has been converted (or copied) into a
 * staging folder, loaded there in a scratch onnxruntime session, run on a
 * probe batch and checked against the model contract; only then does a
 * rename put it in place. A failed import leaves the store as it was.
 *
 * Names: the official models keep their names (`vgg16-places365`,
 * `vgg16-hybrid1365`) and must have exactly those networks' structure; any
 * other model is `custom-<something>`, so that no file can ever take an
 * official model's place by what its metadata says.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import type { ModelInfo } from '../../../shared/domain.js';
import { processAlive } from '../../process-alive.js';
import { convertModel, detectFormat } from '../convert.js';
import { KNOWN_MODELS, knownModel, type KnownModel } from '../known-models.js';
import { readOnnxMetadata } from '../onnx/onnx-metadata.js';
import { convKernels, countParameters, readOnnxSummary, type OnnxSummary } from '../onnx/onnx-summary.js';
import { probeModel, type ProbeResult } from '../runtime/probe.js';

/** Loads a staged model and checks the contract (default: in this thread; the app passes a worker-based one). */
export type Prober = (onnxPath: string) => Promise<ProbeResult>;
import { VGG16_WIDTHS } from '../vgg16.js';
import { download, DownloadError, sha256File, type DownloadProgress } from './download.js';

export const DEFAULT_MODEL = 'vgg16-places365';
export const CUSTOM_PREFIX = 'custom-';
const CUSTOM_NAME = /^custom-[a-z0-9][a-z0-9._-]{0,56}$/;
/** Folder names `list` accepts (older stores may hold names from before the custom- rule). */
const STORED_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

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

export function isOfficialName(name: string): boolean {
  return KNOWN_MODELS.some((m) => m.name === name);
}

/** The names `import --name` accepts: an official name, or custom-<lowercase letters, digits, . _ ->. */
export function checkImportName(name: string): string {
  if (isOfficialName(name) || CUSTOM_NAME.test(name)) return name;
  throw new ModelStoreError(
    `invalid model name "${name}": use ${KNOWN_MODELS.map((m) => m.name).join(' or ')} (only for exactly that network), ` +
      `or ${CUSTOM_PREFIX}NAME for any other model (lowercase letters, digits, ".", "_", "-"; at most 64 characters)`,
  );
}

/** A custom- name from a free-form hint (a metadata name, a file name). */
export function customName(hint: string): string {
  const slug = hint
    .toLowerCase()
    .replace(/^custom-/, '')
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 56)
    .replace(/[-._]+$/, '');
  return `${CUSTOM_PREFIX}${slug || 'model'}`;
}

const MODEL_EXTENSIONS = /\.(onnx|caffemodel|h5)$/i;

function describeFile(p: string): 'missing' | 'directory' | 'special' | 'empty' | 'file' {
  let st;
  try {
    st = statSync(p);
  } catch {
    return 'missing';
  }
  if (st.isDirectory()) return 'directory';
  if (!st.isFile()) return 'special';
  return st.size === 0 ? 'empty' : 'file';
}

/** A clear refusal for anything that is not a readable, non-empty regular file. */
function requireModelFile(p: string): void {
  switch (describeFile(p)) {
    case 'missing':
      throw new ModelStoreError(`no such file: ${p}`);
    case 'directory':
      throw new ModelStoreError(`${p} is a directory; give the model file itself (.onnx, .caffemodel or .h5)`);
    case 'special':
      throw new ModelStoreError(`${p} is not a regular file`);
    case 'empty':
      throw new ModelStoreError(`${p} is empty (0 bytes): not a model file`);
    default:
  }
}

/** An external-data location must name a file inside the model's own folder. */
function checkExternalLocation(srcDir: string, location: string): string {
  const parts = location.split(/[\\/]/);
  if (!location || isAbsolute(location) || /^[a-z]:/i.test(location) || parts.some((p) => p === '..' || p === '')) {
    throw new ModelStoreError(`refused: the model's external data location "${location}" is not a file inside the model's folder`);
  }
  const p = join(srcDir, location);
  if (describeFile(p) !== 'file' && describeFile(p) !== 'empty') throw new ModelStoreError(`the model's external data file "${location}" is missing beside it (${p})`);
  const real = realpathSync(p);
  const rel = relative(realpathSync(srcDir), real);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new ModelStoreError(`refused: the model's external data "${location}" links outside the model's folder`);
  return p;
}

/** When a lease was claimed (its file's modification time), if it can be read. */
function leaseTime(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Why an ONNX file is not the named official network, or null when it is exactly that network. */
export function officialMismatch(known: KnownModel, summary: OnnxSummary, probe: ProbeResult, parameters: number): string | null {
  const kernels = convKernels(summary);
  let inC = 3;
  const vgg = kernels.length === VGG16_WIDTHS.length && kernels.every((k, i) => {
    const ok = k.length === 4 && k[0] === VGG16_WIDTHS[i] && k[1] === inC && k[2] === 3 && k[3] === 3;
    inC = VGG16_WIDTHS[i]!;
    return ok;
  });
  if (!vgg) return `its ${kernels.length} convolutions are not VGG16's 13 3x3 layers (${VGG16_WIDTHS.join('/')})`;
  if (probe.classes !== known.classes) return `it has ${probe.classes} classes, not ${known.classes}`;
  if (probe.featureDim !== 4096) return `its features have ${probe.featureDim} dimensions, not fc7's 4096`;
  if (parameters !== known.parameters) return `it has ${parameters.toLocaleString('en')} parameters, not ${known.parameters.toLocaleString('en')}`;
  return null;
}

export class ModelStore {
  constructor(
    readonly dir: string,
    private readonly prober: Prober = (p) => probeModel(p),
  ) {}

  private modelDir(name: string): string {
    if (!STORED_NAME.test(name)) throw new ModelStoreError(`invalid model name "${name}"`);
    return join(this.dir, name);
  }

  list(): InstalledModel[] {
    if (!existsSync(this.dir)) return [];
    const out: InstalledModel[] = [];
    for (const entry of readdirSync(this.dir, { withFileTypes: true })) {
      // Staging, replaced and half-removed folders start with "."; pre-validation imports left "*.importing".
      if (!entry.isDirectory() || !STORED_NAME.test(entry.name) || entry.name.endsWith('.importing')) continue;
      const infoPath = join(this.dir, entry.name, 'model.json');
      const onnxPath = join(this.dir, entry.name, 'model.onnx');
      if (!existsSync(infoPath) || !existsSync(onnxPath)) continue;
      try {
        const info = JSON.parse(readFileSync(infoPath, 'utf8')) as ModelInfo;
        // The folder is the name: a model.json cannot make a model answer to another one.
        out.push({ ...info, name: entry.name, onnxPath });
      } catch {
        // A damaged model.json: the model is not usable; `list` skips it.
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): InstalledModel | undefined {
    return this.list().find((m) => m.name === name);
  }

  /** The model chosen last (`use`; else the first one installed), if it is still installed. */
  current(): string | null {
    try {
      const name = readFileSync(join(this.dir, 'current'), 'utf8').trim();
      return name && this.get(name) ? name : null;
    } catch {
      return null;
    }
  }

  /** Makes `name` the model used when none is asked for. */
  use(name: string): InstalledModel {
    const m = this.get(name);
    if (!m) throw new ModelStoreError(this.notInstalled(name));
    mkdirSync(this.dir, { recursive: true });
    const tmp = join(this.dir, `.current-${process.pid}`);
    writeFileSync(tmp, `${name}\n`);
    renameSync(tmp, join(this.dir, 'current'));
    return m;
  }

  private notInstalled(name: string): string {
    const installed = this.list().map((x) => x.name);
    return installed.length
      ? `model "${name}" is not installed. Installed: ${installed.join(', ')} (see \`scenery model list\`).`
      : `model "${name}" is not installed, and no model is. ${noModelMessage().replace(/^No scene model is installed\. /, '')}`;
  }

  /** A name in the store, or a path to an .onnx file in the model contract; default: the current model, else VGG16-Places365. */
  resolve(nameOrPath?: string | null): InstalledModel {
    if (nameOrPath) {
      const byName = STORED_NAME.test(nameOrPath) ? this.get(nameOrPath) : undefined;
      if (byName) return byName;
      const looksLikePath = /[\\/]/.test(nameOrPath) || MODEL_EXTENSIONS.test(nameOrPath) || existsSync(nameOrPath);
      if (!looksLikePath) throw new ModelStoreError(this.notInstalled(nameOrPath));
      const p = resolve(nameOrPath);
      requireModelFile(p);
      const ext = extname(p).toLowerCase();
      if (ext === '.caffemodel' || ext === '.h5') {
        throw new ModelStoreError(`${p} is a weight file to install first: \`scenery model import ${nameOrPath}\`, then use --model with its name`);
      }
      if (ext !== '.onnx') throw new ModelStoreError(`not a model file: ${p} (expected .onnx, .caffemodel or .h5)`);
      try {
        return describeOnnx(p, null);
      } catch (e) {
        throw new ModelStoreError(`not an ONNX model file: ${p} (${(e as Error).message})`);
      }
    }
    const m = this.get(this.current() ?? DEFAULT_MODEL) ?? this.list()[0];
    if (m) return m;
    throw new ModelStoreError(noModelMessage());
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
              `(${known.url}), then install it with \`scenery model import FILE\` or, in the app, under "Offline? Import a file" in the Scene model panel.`,
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

  /**
   * Installs a local .caffemodel, Keras .h5 or contract .onnx file, after
   * proving it works (see the file header). `name`: an official name (then the
   * file must be exactly that network) or custom-NAME; by default an official
   * converted model keeps its name and an .onnx file gets custom-<its name>.
   */
  async import(file: string, options: { name?: string; onStep?: (step: string) => void } = {}): Promise<InstalledModel> {
    const src = resolve(file);
    requireModelFile(src);
    if (options.name !== undefined) checkImportName(options.name);
    let format;
    try {
      format = detectFormat(src);
    } catch {
      throw new ModelStoreError(`not a model file: ${src} (expected .onnx, .caffemodel or .h5)`);
    }
    if (format === 'onnx') return this.importOnnx(src, options);
    if (options.name && !isOfficialName(options.name)) {
      throw new ModelStoreError(`a ${format === 'keras-h5' ? 'Keras .h5' : '.caffemodel'} file installs a published VGG16 (${KNOWN_MODELS.map((m) => m.name).join(' or ')}); custom names are for .onnx files`);
    }
    options.onStep?.('converting');
    // A named model must have the published shapes exactly.
    return this.install(src, options.name ? knownModel(options.name) : undefined, `imported from ${basename(src)}`);
  }

  private async importOnnx(src: string, options: { name?: string; onStep?: (step: string) => void }): Promise<InstalledModel> {
    let summary: OnnxSummary;
    try {
      summary = readOnnxSummary(src);
    } catch (e) {
      throw new ModelStoreError(`not an ONNX model file: ${src} (${(e as Error).message})`);
    }
    const srcDir = dirname(src);
    const externals = summary.externalLocations.map((loc) => ({ loc, path: checkExternalLocation(srcDir, loc) }));
    const claimed = summary.props['name'] ?? '';
    const fileHint = basename(src, extname(src)) === 'model' ? basename(srcDir) : basename(src, extname(src));
    const name = options.name ?? (isOfficialName(claimed) ? claimed : customName(claimed || fileHint));
    const known = knownModel(name);
    options.onStep?.('checking');
    const stage = this.newStage();
    try {
      const onnxPath = join(stage, 'model.onnx');
      copyFileSync(src, onnxPath);
      for (const e of externals) {
        mkdirSync(dirname(join(stage, e.loc)), { recursive: true });
        copyFileSync(e.path, join(stage, e.loc));
      }
      const probe = await this.probe(onnxPath, basename(src));
      const parameters = countParameters(summary);
      if (known) {
        const why = officialMismatch(known, summary, probe, parameters);
        if (why) {
          throw new ModelStoreError(
            `${basename(src)} is not ${known.title}: ${why}. ${options.name ? '' : `Its metadata claims the name "${claimed}". `}` +
              `To use it anyway, import it under a name of its own: --name ${customName(fileHint)}`,
          );
        }
      }
      const p = summary.props;
      const info: ModelInfo = {
        name,
        title: known?.title ?? p['title'] ?? (claimed && !isOfficialName(claimed) ? claimed : fileHint),
        labels: probe.classes === 1365 ? 'hybrid1365' : 'places365',
        parameters,
        source: known ? `${known.source}; imported from ${basename(src)}` : (p['source'] ?? p['source_repo'] ?? `imported from ${basename(src)}`),
        license: known?.license ?? p['license'] ?? 'not stated in the file',
        sha256: await sha256File(src),
        installedAt: new Date().toISOString(),
      };
      writeFileSync(join(stage, 'model.json'), JSON.stringify(info, null, 2));
      return this.commit(stage, info);
    } catch (e) {
      rmSync(stage, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * Cleans up after a process that died mid-install or mid-remove: its
   * staging and half-removed folders go; a model it had moved aside to
   * replace comes back if nothing took its place.
   */
  sweep(): void {
    let entries: string[];
    try {
      entries = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const e of entries) {
      const m = /^\.(staging|replaced-(.+)|removing-.+)-(\d+)-\d+(?:-[a-z0-9]+)?$/.exec(e);
      if (!m || processAlive(Number(m[3]))) continue;
      const p = join(this.dir, e);
      const replaced = m[2];
      if (replaced && STORED_NAME.test(replaced) && !existsSync(join(this.dir, replaced))) renameSync(p, join(this.dir, replaced));
      else rmSync(p, { recursive: true, force: true });
    }
  }

  private newStage(): string {
    this.sweep();
    const stage = join(this.dir, `.staging-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
    mkdirSync(stage, { recursive: true });
    return stage;
  }

  private async probe(onnxPath: string, shownName: string): Promise<ProbeResult> {
    try {
      return await this.prober(onnxPath);
    } catch (e) {
      throw new ModelStoreError(`${shownName} is not a usable scene model: ${(e as Error).message}`);
    }
  }

  /** Puts a checked staging folder in place: the old model is moved aside first and restored if the swap fails. */
  private commit(stage: string, info: ModelInfo): InstalledModel {
    const dir = this.modelDir(info.name);
    const aside = join(this.dir, `.replaced-${info.name}-${process.pid}-${Date.now()}`);
    const hadOld = existsSync(dir);
    if (hadOld) renameSync(dir, aside);
    try {
      renameSync(stage, dir);
    } catch (e) {
      if (hadOld) renameSync(aside, dir);
      throw e;
    }
    if (hadOld) rmSync(aside, { recursive: true, force: true });
    // The first model installed becomes the current one; later installs do not switch by themselves.
    if (!this.current()) this.use(info.name);
    return { ...info, onnxPath: join(dir, 'model.onnx') };
  }

  private leaseDir(): string {
    return join(this.dir, '.in-use');
  }

  /**
   * Records that this process runs `name` (a running library does, so that
   * `remove` in another process can refuse). A lease of a dead process is
   * ignored, so a crash leaves nothing stuck.
   */
  claim(name: string): () => void {
    const file = join(this.leaseDir(), `${name}.${process.pid}`);
    try {
      mkdirSync(this.leaseDir(), { recursive: true });
      writeFileSync(file, '');
    } catch {
      // A read-only store only loses the protection against removal while in use.
    }
    return () => rmSync(file, { force: true });
  }

  /** Live processes other than this one that run `name`. */
  usedBy(name: string): number[] {
    let entries: string[];
    try {
      entries = readdirSync(this.leaseDir());
    } catch {
      return [];
    }
    const pids: number[] = [];
    for (const e of entries) {
      const m = /^(.+)\.(\d+)$/.exec(e);
      if (!m || m[1] !== name || Number(m[2]) === process.pid) continue;
      const pid = Number(m[2]);
      if (processAlive(pid, leaseTime(join(this.leaseDir(), e)))) pids.push(pid);
      else rmSync(join(this.leaseDir(), e), { force: true });
    }
    return pids;
  }

  /** Uninstalls a model; if it was the current one, no current model is recorded any more. Refused while a running Scenery uses it. */
  remove(name: string): InstalledModel {
    const m = this.get(name);
    if (!m) throw new ModelStoreError(this.notInstalled(name));
    const users = this.usedBy(name);
    if (users.length) {
      throw new ModelStoreError(
        `model "${name}" is in use by a running Scenery (process ${users.join(', ')}); switch that app to another model or close it, then remove it`,
      );
    }
    const wasCurrent = this.current() === name;
    const aside = join(this.dir, `.removing-${name}-${process.pid}-${Date.now()}`);
    renameSync(this.modelDir(name), aside);
    if (wasCurrent) rmSync(join(this.dir, 'current'), { force: true });
    rmSync(aside, { recursive: true, force: true });
    return m;
  }

  private async install(src: string, expect: KnownModel | undefined, source: string): Promise<InstalledModel> {
    const sha256 = await sha256File(src);
    const tmpDir = this.newStage();
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
      await this.probe(tmpOnnx, basename(src));
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
      return this.commit(tmpDir, info);
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
