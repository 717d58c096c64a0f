/**
 * Model lifecycle: which scene model this library runs (activate, use, the
 * int8 variant, import, download with pause), its state as UIs see it, and the
 * Grad-CAM explanations that need the running model's worker.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelInfo, ModelState } from '../../shared/domain.js';
import { ContractError } from '../../shared/contract.js';
import type { PhotoExplanation } from '../../shared/heatmap.js';
import type { PhotoRow } from '../catalog/catalog.js';
import type { ActiveModel, Classifier } from '../indexer/indexer.js';
import { LABEL_SETS } from '../labels/label-sets.js';
import { installInt8Variant, ModelStore, noModelMessage, type InstalledModel } from '../model/store/model-store.js';
import { KNOWN_MODELS } from '../model/known-models.js';
import { ExplainUnavailable, ModelWorkerClient } from '../model/runtime/model-worker-client.js';
import { probeModelInWorker } from '../model/runtime/probe.js';
import { providerLabel } from '../model/runtime/providers.js';
import { PhotoExplainer } from '../model/explain/photo-explainer.js';
import type { ServiceContext } from './context.js';

/** The LibraryOptions this service reads. */
export interface ModelOptions {
  modelsDir: string;
  threads?: number;
  workerPath?: string;
  modelIdleMs?: number;
  /** Tests: a classifier to use instead of the onnxruntime worker. */
  classifier?: { name: string; classifier: Classifier & { close?(): Promise<void> }; labels?: 'places365' | 'hybrid1365' };
  /** false: a read-only library, which never trains personal scenes. */
  start?: boolean;
}

/**
 * Batch size for the model worker. VGG16's activations take about 25 MB an
 * image whatever its weights (float32 543 MB, int8 136 MB): batch 2 instead of
 * 8 (int8) or 4 (float32) lowered `scenery index`'s peak RSS by about 40-90 MB,
 * for the same CPU time per image (measured with one thread, where timing is
 * not disturbed by other work; README, Measured). A lone new photo runs
 * alone anyway. Small models (SqueezeNet, 4 MB) keep 8.
 */
export function modelBatchSize(onnxPath: string): number {
  try {
    return statSync(`${onnxPath}.data`).size > 100e6 ? 2 : 8;
  } catch {
    return 8;
  }
}

/** Platforms onnxruntime-node ships no binary for. */
export function runtimeUnsupportedReason(platform = process.platform, arch = process.arch): string | null {
  if (platform === 'darwin' && arch === 'x64') {
    return 'Scene recognition is not available on Intel Macs: onnxruntime-node ships no macOS x64 binary since 1.24 (microsoft/onnxruntime#27961). Scenery works here as a photo browser; tag your photos on an Apple-silicon Mac, Windows or Linux.';
  }
  return null;
}

/** Model info as the UI may see it: never the file's path. */
function publicInfo(m: ModelInfo & { onnxPath?: string }): ModelInfo {
  const { onnxPath: _path, ...info } = m;
  return info;
}

export class ModelsService {
  readonly store: ModelStore;
  private worker: (Classifier & { close?(): Promise<void> }) | null = null;
  private modelInfo: InstalledModel | null = null;
  private modelState: ModelState;
  private fetchAbort: AbortController | null = null;
  /** Releases this process's claim on the model it runs (see ModelStore.claim). */
  private releaseModel: (() => void) | null = null;
  private personalModel: string | null = null;
  private readonly explainer = new PhotoExplainer();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly options: ModelOptions,
    /** A photo's file (FoldersService.photoFile), for explanations. */
    private readonly photoFile: (id: number) => { path: string; row: PhotoRow } | null,
  ) {
    this.store = new ModelStore(options.modelsDir, (p) => probeModelInWorker(p, { workerPath: options.workerPath }));
    this.modelState = { state: 'missing', available: KNOWN_MODELS.map((m) => m.name) };
  }

  get state(): ModelState {
    return this.modelState;
  }

  private setModelState(s: ModelState): void {
    this.modelState = s;
    this.ctx.events.emit('model.status', s);
  }

  /** Loads a model into the worker; without one the library still scans and makes thumbnails. */
  async activate(nameOrPath: string | null, required: boolean): Promise<void> {
    const { catalog, indexer } = this.ctx;
    if (this.options.classifier) {
      const c = this.options.classifier;
      this.worker = c.classifier;
      this.modelInfo = {
        name: c.name, title: c.name, labels: c.labels ?? 'places365', parameters: 0, source: 'test', license: 'test', sha256: null, installedAt: null, onnxPath: '',
      };
      indexer.setModel({ name: c.name, labels: LABEL_SETS[c.labels ?? 'places365'], classifier: c.classifier });
      this.setModelState({ state: 'ready', model: this.modelInfo });
      this.personalFollowModel();
      return;
    }
    const unsupported = runtimeUnsupportedReason();
    if (unsupported) {
      // Browse-only: the catalog, thumbnails and search all work without the model.
      indexer.setModel(null);
      indexer.idleReason = unsupported;
      this.setModelState({ state: 'error', message: unsupported, available: [] });
      if (required) throw new Error(unsupported);
      return;
    }
    let info: InstalledModel;
    try {
      info = this.store.resolve(nameOrPath);
      // The user chose "Fast (int8)" earlier: use that variant of the default model when it is installed.
      if (!nameOrPath && catalog.getSetting('model.int8') === '1' && !info.name.endsWith('-int8')) info = this.store.get(`${info.name}-int8`) ?? info;
    } catch (e) {
      if (required) throw e;
      indexer.setModel(null);
      this.setModelState({ state: 'missing', available: KNOWN_MODELS.map((m) => m.name) });
      return;
    }
    const old = this.worker;
    const client: ModelWorkerClient = new ModelWorkerClient(info.onnxPath, {
      threads: this.options.threads,
      maxBatch: modelBatchSize(info.onnxPath),
      workerPath: this.options.workerPath,
      idleMs: this.options.modelIdleMs,
      onLoaded: (p) => {
        if (this.worker !== client || this.modelState.state !== 'ready') return;
        this.setModelState({ ...this.modelState, provider: { name: p.provider, label: providerLabel(p.provider), fallbackReason: p.fallbackReason } });
      },
    });
    this.worker = client;
    this.modelInfo = info;
    const active: ActiveModel = { name: info.name, labels: LABEL_SETS[info.labels], classifier: client };
    indexer.setModel(active);
    this.setModelState({ state: 'ready', model: publicInfo(info) });
    this.releaseModel?.();
    this.releaseModel = this.store.get(info.name)?.onnxPath === info.onnxPath ? this.store.claim(info.name) : null;
    await old?.close?.();
    this.personalFollowModel();
  }

  /** Personal scenes train on the running model's descriptors: (re)trained when it first runs and when it changes. */
  private personalFollowModel(): void {
    if (this.options.start === false || this.modelState.state !== 'ready' || this.modelState.model.name === this.personalModel) return;
    this.personalModel = this.modelState.model.name;
    this.ctx.personal.modelChanged().catch(() => {});
  }

  /** Starts a model download in the background (progress arrives as model.status events). */
  startFetch(name: string): void {
    if (this.fetchAbort) throw new ContractError('conflict', 'a download is already running');
    void this.fetch(name);
  }

  /** Downloads, converts and activates a model; failures end up in the model state, never thrown. */
  async fetch(name: string): Promise<void> {
    const abort = new AbortController();
    this.fetchAbort = abort;
    this.setModelState({ state: 'downloading', name, receivedBytes: 0, totalBytes: null, paused: false });
    try {
      await this.store.fetch(name, {
        signal: abort.signal,
        onProgress: (p) => this.setModelState({ state: 'downloading', name, receivedBytes: p.receivedBytes, totalBytes: p.totalBytes, paused: false }),
        onStep: (step) => this.setModelState({ state: 'converting', name, step }),
      });
      await this.activate(name, true);
    } catch (e) {
      if (this.ctx.closed()) return;
      if (abort.signal.aborted) this.setModelState({ state: 'downloading', name, receivedBytes: 0, totalBytes: null, paused: true });
      else this.setModelState({ state: 'error', message: (e as Error).message, available: KNOWN_MODELS.map((m) => m.name) });
    } finally {
      this.fetchAbort = null;
    }
  }

  pauseFetch(): void {
    this.fetchAbort?.abort();
  }

  /** Installs a model file and switches to it; a refused file changes nothing (the previous model stays loaded). */
  async import(path: string): Promise<void> {
    const before = this.modelState;
    const shown = path.split(/[\\/]/).pop() ?? path;
    this.setModelState({ state: 'converting', name: shown, step: 'checking' });
    let name: string;
    try {
      name = (await this.store.import(path, { onStep: (step) => this.setModelState({ state: 'converting', name: shown, step }) })).name;
    } catch (e) {
      if (!this.ctx.closed()) this.setModelState(before);
      throw new ContractError('invalid_request', (e as Error).message);
    }
    await this.use(name);
  }

  /** The installed models (without their paths) and the one this library runs. */
  installed(): { models: ModelInfo[]; active: string | null } {
    return { models: this.store.list().map(publicInfo), active: this.modelState.state === 'ready' ? this.modelState.model.name : null };
  }

  /** Switches to an installed model and records it as the one to use next time. */
  async use(name: string): Promise<void> {
    if (!this.store.get(name)) throw new ContractError('not_found', `model "${name}" is not installed`);
    const previous = this.modelState.state === 'ready' ? this.modelInfo?.onnxPath || null : null;
    await this.activate(name, true);
    try {
      // Load it now: a model that cannot load must not become the one every photo fails with.
      await this.warm();
    } catch (e) {
      await this.activate(previous, false);
      if (!previous) {
        this.releaseModel?.();
        this.releaseModel = null;
        this.ctx.indexer.setModel(null);
        this.setModelState({ state: 'missing', available: KNOWN_MODELS.map((m) => m.name) });
      }
      throw new ContractError('invalid_request', `model "${name}" cannot be loaded, so Scenery keeps the previous one: ${(e as Error).message}`);
    }
    this.store.use(name);
  }

  /**
   * "Fast (smaller, slightly less exact)": the int8 variant of the installed
   * model, made on first use and calibrated on up to 16 photos of this
   * library (generated images when it has none yet). The choice is kept.
   */
  async useInt8(use: boolean): Promise<void> {
    const { catalog } = this.ctx;
    const current = this.modelInfo;
    if (!current || !current.onnxPath) throw new ContractError('conflict', 'no scene model is installed');
    const base = current.name.replace(/-int8$/, '');
    catalog.setSetting('model.int8', use ? '1' : '0');
    if (!use) return this.activate(base, true);
    if (!this.store.get(`${base}-int8`)) {
      const rows = catalog.someIndexedPhotoFiles();
      this.setModelState({ state: 'converting', name: `${base}-int8`, step: 'making the fast int8 model' });
      try {
        await installInt8Variant(this.store, base, { photos: rows.map((r) => join(r.root, ...r.rel.split('/'))) });
      } catch (e) {
        catalog.setSetting('model.int8', '0');
        await this.activate(base, true);
        throw new ContractError('internal', `could not make the int8 model: ${(e as Error).message}`);
      }
    }
    await this.activate(`${base}-int8`, true);
  }

  /** Loads the model now rather than on the first photo (benchmarks, a warm start). */
  async warm(): Promise<void> {
    const w = this.worker as { warm?: () => Promise<void> } | null;
    await w?.warm?.();
  }

  noModelMessage(): string {
    return noModelMessage();
  }

  /** Grad-CAM "why this scene" (model/explain/photo-explainer.ts): on demand only, never while indexing. */
  async explain(id: number, label?: string): Promise<PhotoExplanation> {
    const f = this.photoFile(id);
    if (!f) throw new ContractError('not_found', `no photo with id ${id}`);
    const worker = this.worker;
    const info = this.modelInfo;
    if (!(worker instanceof ModelWorkerClient) || !info) throw new ContractError('unsupported', 'No scene model is installed: explanations need a VGG16 scene model.');
    try {
      const source = { modelKey: info.onnxPath, labels: LABEL_SETS[info.labels], explain: worker.explain.bind(worker) };
      return await this.explainer.explain(source, { id, path: f.path, name: f.row.name, version: `${f.row.mtime_ms}:${f.row.size}:${f.row.hash ?? ''}` }, label);
    } catch (e) {
      if (e instanceof ExplainUnavailable) throw new ContractError('unsupported', `Explanations need a VGG16 scene model such as VGG16-Places365; ${info.title} is not one.`);
      if (e instanceof RangeError) throw new ContractError('invalid_request', e.message);
      throw e;
    }
  }

  /** Library.close, after pauseFetch: ends the model worker. */
  async closeWorker(): Promise<void> {
    await this.worker?.close?.();
  }

  /** Library.close, last: releases this process's claim on the model. */
  releaseClaim(): void {
    this.releaseModel?.();
  }
}
