/**
 * A Scenery library: the composition root of the engine. The desktop app,
 * `scenery serve`, the CLI and the tests all open one of these; none of it
 * knows about Electron.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, realpathSync, statSync, accessSync, constants as fsc } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import type { FolderInfo, FolderTreeNode, IndexingProgress, KeywordProgress, KeywordSettings, KeywordState, ModelInfo, ModelState, PhotoDetail, PhotoSummary, SceneGroup, SearchHitSummary } from '../shared/domain.js';
import { ContractError, type BulkCorrectionResult, type SearchResult } from '../shared/contract.js';
import { Catalog, type PhotoRow } from './catalog/catalog.js';
import type { PhotoPageQuery } from './catalog/browse-queries.js';
import { folderInfo, photoDetail, photoSummary, scene } from './catalog/views.js';
import { EngineEvents } from './events/engine-events.js';
import { PhotoChanges } from './events/photo-changes.js';
import { Indexer, type ActiveModel, type Classifier } from './indexer/indexer.js';
import { ThumbnailStore } from './indexer/thumbnails.js';
import { cosine, norm } from './indexer/features.js';
import { LABEL_SETS, PLACES365_LABELS, humanName, placesLabelIndex } from './labels/label-sets.js';
import { installInt8Variant, ModelStore, noModelMessage, type InstalledModel } from './model/store/model-store.js';
import { KNOWN_MODELS } from './model/known-models.js';
import { ExplainUnavailable, ModelWorkerClient } from './model/runtime/model-worker-client.js';
import { probeModelInWorker } from './model/runtime/probe.js';
import { providerLabel } from './model/runtime/providers.js';
import { PhotoExplainer } from './model/explain/photo-explainer.js';
import type { PhotoExplanation } from '../shared/heatmap.js';
import { Scanner } from './scanner/scanner.js';
import { parseQuery, widenedNotices } from './search/query-parser.js';
import { folderMatcher } from './search/folder-filter.js';
import { LiveSearchIndex } from './search/live-search-index.js';
import { FAMILIES, FAMILY_ORDER, LABEL_FAMILIES, primaryFamily } from './search/families.js';
import { GROUP_FAILED, GROUP_PENDING, GROUP_UNCERTAIN, indoorOf } from './labels/shown-scene.js';
import { defaultLibraryDir, defaultModelsDir } from './paths.js';
import { ENGINE_VERSION } from './version.js';
import { expandHome } from './folder-browser.js';
import { acquireLibraryLock } from './library-lock.js';
import { buildFolderTree } from './folder-tree.js';
import { PersonalScenes } from './personal/personal-scenes.js';
import { CorrectionUndo, planBulk, sameCorrection, storedOf, type BulkAction } from './corrections/bulk-corrections.js';
import { KeywordJobs, type KeywordAction } from './keywords/keyword-jobs.js';
import { syncPhotoKeywords } from './keywords/keyword-sync.js';
import { holdExiftool } from './metadata/exiftool.js';
import { readKeywords } from './metadata/photo-metadata.js';
import { KeywordBackfill } from './metadata/keyword-backfill.js';

export interface LibraryOptions {
  dir?: string;
  modelsDir?: string;
  /** Model name or .onnx path; default: the installed VGG16-Places365, if any. */
  model?: string | null;
  watch?: boolean;
  threads?: number;
  workerPath?: string;
  /** Tests: a classifier to use instead of the onnxruntime worker. */
  classifier?: { name: string; classifier: Classifier & { close?(): Promise<void> }; labels?: 'places365' | 'hybrid1365' };
  writeFinishMs?: number;
  decodeConcurrency?: number;
  modelIdleMs?: number;
  rescanMs?: number;
  /** How often watched and offline folders' roots are checked (unmounted drives; default 10 s). */
  rootCheckMs?: number;
  /** While indexing is stalled on the library's storage (full disk...), how often to check it again (default 5 s). */
  storageProbeMs?: number;
  /** false: open the catalog only (no scanning, watching or indexing, and no writer lock), for read-only commands. */
  start?: boolean;
  /** false: refuse (LibraryNotFoundError) rather than create a library where there is none (search, photos). */
  create?: boolean;
  /** The holder the writer lock names to a second writer; default: this process's command line. */
  lockCommand?: string;
}

/** A read-only command pointed at a folder that holds no library (a mistyped --library): nothing is created. */
export class LibraryNotFoundError extends Error {
  constructor(readonly dir: string) {
    super(`no library at ${dir}; create one with \`scenery index FOLDER --library ${dir}\``);
    this.name = 'LibraryNotFoundError';
  }
}

export const DEFAULT_THRESHOLD = 0.1;

const SPECIAL_GROUPS: Record<string, string> = { uncertain: 'Uncertain', pending: 'Not yet tagged', failed: 'Could not be read' };

/** Group number (SQL) → group key (contract): a Places365 label or `pending`/`failed`/`uncertain`. */
function groupKey(g: number): string {
  if (g === GROUP_PENDING) return 'pending';
  if (g === GROUP_FAILED) return 'failed';
  if (g === GROUP_UNCERTAIN) return 'uncertain';
  return PLACES365_LABELS[g] ?? `#${g}`;
}

function groupNumber(key: string): number | null {
  if (key === 'pending') return GROUP_PENDING;
  if (key === 'failed') return GROUP_FAILED;
  if (key === 'uncertain') return GROUP_UNCERTAIN;
  return placesLabelIndex(key) ?? null;
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

export class Library {
  readonly catalog: Catalog;
  readonly events = new EngineEvents();
  /** The one "photos changed" path: writers report here, caches, the search index and the UI events follow. */
  private readonly changes = new PhotoChanges();
  readonly thumbs: ThumbnailStore;
  readonly models: ModelStore;
  readonly indexer: Indexer;
  readonly scanner: Scanner;
  /** Scenes the person taught by example (personal/personal-scenes.ts). */
  readonly personal: PersonalScenes;
  private readonly searchIndex: LiveSearchIndex;
  /** Reads the keywords of photos catalogued before Scenery read keywords (metadata/keyword-backfill.ts). */
  private readonly keywordBackfill: KeywordBackfill;
  private worker: (Classifier & { close?(): Promise<void> }) | null = null;
  private modelInfo: InstalledModel | null = null;
  private modelState: ModelState;
  private fetchAbort: AbortController | null = null;
  /** Releases this process's claim on the model it runs (see ModelStore.claim). */
  private releaseModel: (() => void) | null = null;
  private closed = false;
  /** Releases the writer lock (library-lock.ts) taken by a library that scans and indexes. */
  private releaseLock: (() => void) | null = null;
  /** Releases this library's use of the ExifTool pool (metadata/exiftool.ts): its processes end with the last library. */
  private releaseExiftool: (() => Promise<void>) | null = null;
  /** Settles when the first scan of every folder has finished. */
  initialScan: Promise<void> = Promise.resolve();
  /** The background keyword writer (keywords/): files follow corrections, the threshold and re-indexing. */
  readonly keywordJobs: KeywordJobs;

  private constructor(
    readonly dir: string,
    private readonly options: LibraryOptions,
  ) {
    // Read-only commands (start: false) also work on a library they may not write.
    this.catalog = new Catalog(dir, { readOnlyFallback: options.start === false });
    this.thumbs = new ThumbnailStore(dir);
    this.models = new ModelStore(options.modelsDir ?? defaultModelsDir(), (p) => probeModelInWorker(p, { workerPath: options.workerPath }));
    this.modelState = { state: 'missing', available: KNOWN_MODELS.map((m) => m.name) };
    this.searchIndex = new LiveSearchIndex(this.catalog.searchRows, () => this.threshold);
    // The personal-scenes worker is bundled beside the model worker (out/main in the desktop app, out/cli for serve).
    const personalWorker = options.workerPath ? join(dirname(options.workerPath), 'personal-worker.js') : undefined;
    this.personal = new PersonalScenes(this.catalog, {
      // A library opened without its model (read-only commands) reads the scenes of the model it was indexed with.
      model: () => (this.modelState.state === 'ready' ? this.modelState.model.name : options.start === false ? this.catalog.personal.dominantModel() : null),
      changed: () => {
        this.groupsCache = null;
        if (!this.closed) this.events.emit('personal.changed', { scenes: this.personal.list() });
      },
      // Keyword writing on: the photos that joined or left a personal scene get its name (or lose it) in their files.
      membersChanged: (ids) => {
        if (!this.closed && this.keywordSettings().mode !== 'off') this.keywordJobs.enqueue(ids, 'write');
      },
    }, personalWorker && existsSync(personalWorker) ? personalWorker : undefined);
    this.keywordJobs = new KeywordJobs(
      (id, action) => this.syncKeywords(id, action),
      (p) => {
        this.notePendingKeywords(p);
        this.events.emit('keywords.progress', p);
      },
    );
    this.keywordBackfill = new KeywordBackfill(this.catalog, (id) => this.changes.changed([id]));
    this.followPhotoChanges();
    // A RAW hidden behind its JPEG, or shown again (and perhaps queued) when the JPEG went.
    this.catalog.pairsChanged = (ids) => {
      this.changes.changed(ids);
      this.indexer.kick();
    };
    this.indexer = new Indexer(
      this.catalog,
      this.thumbs,
      {
        photoUpdated: (id) => this.changes.changed([id]),
        progress: (p) => this.events.emit('indexing.progress', p),
        storageWritable: () => this.scanner.rescanAfterStall(),
      },
      { decodeConcurrency: options.decodeConcurrency, storageProbeMs: options.storageProbeMs, readOnly: options.start === false },
    );
    this.scanner = new Scanner(
      this.catalog,
      {
        queued: () => this.indexer.kick(),
        photoAdded: (id) => this.changes.changed([id], 'added'),
        photoChanged: (id) => this.changes.changed([id]),
        photoRemoved: (id) => this.changes.removed([id]),
        foldersChanged: () => this.events.emit('folders.changed', { folders: this.folders() }),
        storageFault: (e) => this.indexer.reportStorageFault(e),
        sidecarChanged: (folderId, root, rel) => void this.sidecarChanged(folderId, root, rel),
      },
      { watch: options.watch ?? true, writeFinishMs: options.writeFinishMs, rescanMs: options.rescanMs, rootCheckMs: options.rootCheckMs },
    );
  }

  static async open(options: LibraryOptions = {}): Promise<Library> {
    const dir = resolve(options.dir ?? defaultLibraryDir());
    if (options.create === false && !existsSync(join(dir, 'catalog.sqlite'))) throw new LibraryNotFoundError(dir);
    // Writers only: a second process writing the same catalog would die of SQLITE_BUSY mid-batch.
    const releaseLock = options.start === false ? null : acquireLibraryLock(dir, options.lockCommand);
    let lib: Library;
    try {
      lib = new Library(dir, options);
    } catch (e) {
      releaseLock?.();
      throw e;
    }
    lib.releaseLock = releaseLock;
    lib.releaseExiftool = holdExiftool();
    if (options.start === false) {
      lib.indexer.pause();
      return lib;
    }
    try {
      await lib.activateModel(options.model ?? null, options.model != null);
    } catch (e) {
      await lib.close();
      throw e;
    }
    lib.resumePendingKeywords();
    lib.initialScan = lib.scanner.startAll().then(() => lib.indexer.kick());
    // After the first scan: photos indexed before keywords were read get theirs, in the background.
    lib.initialScan.then(() => lib.keywordBackfill.start(), () => {});
    lib.indexer.kick();
    // A failure here only means the first search builds the index itself.
    lib.warmSearchIndex().catch(() => {});
    return lib;
  }

  // ---------------------------------------------------------------- model
  get model(): ModelState {
    return this.modelState;
  }

  private setModelState(s: ModelState): void {
    this.modelState = s;
    this.events.emit('model.status', s);
  }

  /** Loads a model into the worker; without one the library still scans and makes thumbnails. */
  async activateModel(nameOrPath: string | null, required: boolean): Promise<void> {
    if (this.options.classifier) {
      const c = this.options.classifier;
      this.worker = c.classifier;
      this.modelInfo = {
        name: c.name, title: c.name, labels: c.labels ?? 'places365', parameters: 0, source: 'test', license: 'test', sha256: null, installedAt: null, onnxPath: '',
      };
      this.indexer.setModel({ name: c.name, labels: LABEL_SETS[c.labels ?? 'places365'], classifier: c.classifier });
      this.setModelState({ state: 'ready', model: this.modelInfo });
      this.personalFollowModel();
      return;
    }
    const unsupported = runtimeUnsupportedReason();
    if (unsupported) {
      // Browse-only: the catalog, thumbnails and search all work without the model.
      this.indexer.setModel(null);
      this.indexer.idleReason = unsupported;
      this.setModelState({ state: 'error', message: unsupported, available: [] });
      if (required) throw new Error(unsupported);
      return;
    }
    let info: InstalledModel;
    try {
      info = this.models.resolve(nameOrPath);
      // The user chose "Fast (int8)" earlier: use that variant of the default model when it is installed.
      if (!nameOrPath && this.catalog.getSetting('model.int8') === '1' && !info.name.endsWith('-int8')) info = this.models.get(`${info.name}-int8`) ?? info;
    } catch (e) {
      if (required) throw e;
      this.indexer.setModel(null);
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
    this.indexer.setModel(active);
    this.setModelState({ state: 'ready', model: publicInfo(info) });
    this.releaseModel?.();
    this.releaseModel = this.models.get(info.name)?.onnxPath === info.onnxPath ? this.models.claim(info.name) : null;
    await old?.close?.();
    this.personalFollowModel();
  }

  private personalModel: string | null = null;

  /** Personal scenes train on the running model's descriptors: (re)trained when it first runs and when it changes. */
  private personalFollowModel(): void {
    if (this.options.start === false || this.modelState.state !== 'ready' || this.modelState.model.name === this.personalModel) return;
    this.personalModel = this.modelState.model.name;
    this.personal.modelChanged().catch(() => {});
  }

  /** Starts a model download in the background (progress arrives as model.status events). */
  startModelFetch(name: string): void {
    if (this.fetchAbort) throw new ContractError('conflict', 'a download is already running');
    void this.fetchModel(name);
  }

  /** Downloads, converts and activates a model; failures end up in the model state, never thrown. */
  async fetchModel(name: string): Promise<void> {
    const abort = new AbortController();
    this.fetchAbort = abort;
    this.setModelState({ state: 'downloading', name, receivedBytes: 0, totalBytes: null, paused: false });
    try {
      await this.models.fetch(name, {
        signal: abort.signal,
        onProgress: (p) => this.setModelState({ state: 'downloading', name, receivedBytes: p.receivedBytes, totalBytes: p.totalBytes, paused: false }),
        onStep: (step) => this.setModelState({ state: 'converting', name, step }),
      });
      await this.activateModel(name, true);
    } catch (e) {
      if (this.closed) return;
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
  async importModel(path: string): Promise<void> {
    const before = this.modelState;
    const shown = path.split(/[\\/]/).pop() ?? path;
    this.setModelState({ state: 'converting', name: shown, step: 'checking' });
    let name: string;
    try {
      name = (await this.models.import(path, { onStep: (step) => this.setModelState({ state: 'converting', name: shown, step }) })).name;
    } catch (e) {
      if (!this.closed) this.setModelState(before);
      throw new ContractError('invalid_request', (e as Error).message);
    }
    await this.useModel(name);
  }

  /** The installed models (without their paths) and the one this library runs. */
  installedModels(): { models: ModelInfo[]; active: string | null } {
    return { models: this.models.list().map(publicInfo), active: this.modelState.state === 'ready' ? this.modelState.model.name : null };
  }

  /** Switches to an installed model and records it as the one to use next time. */
  async useModel(name: string): Promise<void> {
    if (!this.models.get(name)) throw new ContractError('not_found', `model "${name}" is not installed`);
    const previous = this.modelState.state === 'ready' ? this.modelInfo?.onnxPath || null : null;
    await this.activateModel(name, true);
    try {
      // Load it now: a model that cannot load must not become the one every photo fails with.
      await this.warmModel();
    } catch (e) {
      await this.activateModel(previous, false);
      if (!previous) {
        this.releaseModel?.();
        this.releaseModel = null;
        this.indexer.setModel(null);
        this.setModelState({ state: 'missing', available: KNOWN_MODELS.map((m) => m.name) });
      }
      throw new ContractError('invalid_request', `model "${name}" cannot be loaded, so Scenery keeps the previous one: ${(e as Error).message}`);
    }
    this.models.use(name);
  }

  /**
   * "Fast (smaller, slightly less exact)": the int8 variant of the installed
   * model, made on first use and calibrated on up to 16 photos of this
   * library (generated images when it has none yet). The choice is kept.
   */
  async useInt8(use: boolean): Promise<void> {
    const current = this.modelInfo;
    if (!current || !current.onnxPath) throw new ContractError('conflict', 'no scene model is installed');
    const base = current.name.replace(/-int8$/, '');
    this.catalog.setSetting('model.int8', use ? '1' : '0');
    if (!use) return this.activateModel(base, true);
    if (!this.models.get(`${base}-int8`)) {
      const rows = this.catalog.someIndexedPhotoFiles();
      this.setModelState({ state: 'converting', name: `${base}-int8`, step: 'making the fast int8 model' });
      try {
        await installInt8Variant(this.models, base, { photos: rows.map((r) => join(r.root, ...r.rel.split('/'))) });
      } catch (e) {
        this.catalog.setSetting('model.int8', '0');
        await this.activateModel(base, true);
        throw new ContractError('internal', `could not make the int8 model: ${(e as Error).message}`);
      }
    }
    await this.activateModel(`${base}-int8`, true);
  }

  /** Loads the model now rather than on the first photo (benchmarks, a warm start). */
  async warmModel(): Promise<void> {
    const w = this.worker as { warm?: () => Promise<void> } | null;
    await w?.warm?.();
  }

  noModelMessage(): string {
    return noModelMessage();
  }

  // ---------------------------------------------------------------- folders
  folders(): FolderInfo[] {
    const counts = this.catalog.folderCounts();
    return this.catalog.folders().map((f) => folderInfo(f, counts.get(f.id)));
  }

  /** Adds a folder after checking it is a readable directory not already covered. */
  addFolder(typed: string): FolderInfo {
    const input = expandHome(typed);
    if (!isAbsolute(input)) throw new ContractError('invalid_request', `"${input}" is not an absolute path`);
    let real: string;
    try {
      real = realpathSync(input);
      if (!statSync(real).isDirectory()) throw new ContractError('invalid_request', `${input} is a file, not a folder`);
      accessSync(real, fsc.R_OK | fsc.X_OK);
    } catch (e) {
      if (e instanceof ContractError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new ContractError('invalid_request', code === 'ENOENT' ? `${input} does not exist` : code === 'EACCES' ? `${input} cannot be read (permission denied)` : `${input}: ${(e as Error).message}`);
    }
    for (const f of this.catalog.folders()) {
      if (f.path === real) throw new ContractError('conflict', `${real} is already in the library`);
      if (real.startsWith(f.path + sep)) throw new ContractError('conflict', `${real} is inside ${f.path}, which is already in the library`);
      if (f.path.startsWith(real + sep)) throw new ContractError('conflict', `${real} contains ${f.path}, which is already in the library; remove that one first`);
    }
    const row = this.catalog.addFolder(real);
    void this.scanner.start(row.id).then(() => this.indexer.kick());
    this.events.emit('folders.changed', { folders: this.folders() });
    return folderInfo(row, undefined);
  }

  async removeFolder(id: number): Promise<boolean> {
    await this.scanner.unwatch(id);
    const ids = this.catalog.photoIdsInFolder(id);
    // Its thumbnails and previews go with it, except those a photo of another folder (same content) shows too.
    const thumbs = this.catalog.thumbKeysOnlyIn(id);
    const removed = this.catalog.removeFolder(id);
    // Reported at once, so that no search or count sees the rows gone from the catalog while the files are deleted.
    this.changes.removed(ids);
    await Promise.all(thumbs.map((k) => this.thumbs.remove(k).catch(() => {})));
    this.events.emit('folders.changed', { folders: this.folders() });
    this.indexer.emitProgress(true);
    return removed;
  }

  /** Absolute path of a photo's file (for the engine's own media serving; never sent to a UI). */
  photoFile(id: number): { path: string; folder: string; row: PhotoRow } | null {
    const p = this.catalog.photo(id);
    if (!p) return null;
    const f = this.catalog.folder(p.folder_id);
    if (!f) return null;
    return { path: resolve(f.path, ...p.rel_path.split('/')), folder: f.path, row: p };
  }

  /** The photo a file on disk is in the library as (the CLI names photos by path), or null. */
  photoIdForPath(path: string): number | null {
    const abs = resolve(path);
    let real = abs;
    try {
      real = realpathSync(abs);
    } catch {
      // a path that is gone can still name a catalogued photo
    }
    for (const f of this.catalog.folders()) {
      for (const p of new Set([abs, real])) {
        if (!p.startsWith(f.path.endsWith(sep) ? f.path : f.path + sep)) continue;
        const rel = p.slice(f.path.length).replace(/^[\\/]+/, '').split(sep).join('/');
        const row = this.catalog.photoByPath(f.id, rel);
        if (row && row.status !== 'missing') return row.id;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- photos
  get threshold(): number {
    const v = Number(this.catalog.getSetting('threshold'));
    return Number.isFinite(v) && this.catalog.getSetting('threshold') !== null ? v : DEFAULT_THRESHOLD;
  }

  setThreshold(t: number): number {
    const before = this.threshold;
    this.catalog.setSetting('threshold', String(t));
    this.groupsCache = null;
    // Scenes cross the threshold: their files' keywords follow.
    if (t !== before) this.writeAllKeywords();
    return t;
  }

  // ---------------------------------------------------------------- keywords in the files
  keywordSettings(): KeywordSettings {
    const mode = this.catalog.getSetting('keywords.mode');
    const naming = this.catalog.getSetting('keywords.sidecarName');
    return {
      mode: mode === 'sidecar' || mode === 'embedded' ? mode : 'off',
      sidecarName: naming === 'filename' ? 'filename' : 'basename',
      keepModifiedTime: this.catalog.getSetting('keywords.keepModifiedTime') !== '0',
    };
  }

  keywordState(): KeywordState {
    return { settings: this.keywordSettings(), progress: this.keywordJobs.progress() };
  }

  /** Changes where keywords go (fields left out keep their value) and writes every photo's keywords in the background. */
  setKeywordSettings(change: Partial<KeywordSettings>): KeywordState {
    if (this.catalog.readOnly) throw new ContractError('conflict', 'this library is open read-only: keyword settings cannot be changed');
    const before = this.keywordSettings();
    const next = { ...before, ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) } as KeywordSettings;
    this.catalog.setSetting('keywords.mode', next.mode);
    this.catalog.setSetting('keywords.sidecarName', next.sidecarName);
    this.catalog.setSetting('keywords.keepModifiedTime', next.keepModifiedTime ? '1' : '0');
    if (next.mode !== 'off' && (next.mode !== before.mode || next.sidecarName !== before.sidecarName)) this.writeAllKeywords();
    return this.keywordState();
  }

  /** Takes Scenery's keywords out of every file it wrote (nothing else is touched) and turns writing off. */
  removeKeywords(): KeywordState {
    if (this.catalog.readOnly) throw new ContractError('conflict', 'this library is open read-only: keywords cannot be removed');
    this.catalog.setSetting('keywords.mode', 'off');
    this.keywordJobs.enqueue(this.catalog.keywordRecords.recordedIds(), 'remove');
    return this.keywordState();
  }

  /**
   * A keyword run is remembered in the catalog until it ends (finished, or cancelled by the person), so a run cut
   * short by a quit, a crash or kill -9 resumes when the library opens again (resumePendingKeywords) instead of
   * leaving half the files in the old place or mode. Photos already right are not read again (keyword records).
   */
  private notePendingKeywords(p: KeywordProgress): void {
    const pending = p.running ? (p.action ?? 'write') : '';
    // Closing cancels the queue: that is not the person's cancel, the run resumes next time.
    if ((!p.running && this.closed) || this.catalog.readOnly || this.catalog.getSetting('keywords.pending') === pending) return;
    this.catalog.setSetting('keywords.pending', pending);
  }

  private resumePendingKeywords(): void {
    const pending = this.catalog.getSetting('keywords.pending');
    if (pending === 'remove') this.keywordJobs.enqueue(this.catalog.keywordRecords.recordedIds(), 'remove');
    if (pending) this.writeAllKeywords();
  }

  /** Queues every photo (after a setting or the threshold changed); nothing while writing is off. */
  writeAllKeywords(): void {
    if (this.keywordSettings().mode === 'off' || this.catalog.readOnly) return;
    this.keywordJobs.enqueue(this.catalog.keywordRecords.presentPhotoIds(), 'write');
  }

  private syncKeywords(id: number, action: KeywordAction): Promise<'written' | 'unchanged' | 'skipped'> {
    const settings = this.keywordSettings();
    // Writing was turned off after this photo was queued: leave its files as they are.
    if (action === 'write' && settings.mode === 'off') return Promise.resolve('skipped');
    const personalScenes = (photoId: number): string[] => this.catalog.personal.scenesOf(photoId).map((s) => s.name);
    return syncPhotoKeywords({ records: this.catalog.keywordRecords, settings, threshold: this.threshold, personalScenes }, id, action).catch((e: unknown) => {
      const f = this.photoFile(id);
      throw new Error(`${f ? f.path : `photo ${id}`}: ${(e as Error).message}`);
    });
  }

  listPhotos(req: { order: 'date' | 'scene'; scene: string | null; folderId: number | null; subfolder?: string | null; status: 'failed' | null; dated?: boolean | null; month?: string | null; offset: number; limit: number }): {
    total: number;
    items: PhotoSummary[];
  } {
    if (req.scene?.startsWith('my:')) return this.personalPhotos(Number(req.scene.slice(3)), req.offset, req.limit);
    const q = this.pageQuery(req);
    if (!q) return { total: 0, items: [] };
    const { total, rows } = this.catalog.browse.photoPage(q);
    return { total, items: rows.map(photoSummary) };
  }

  /** A `photos.list` request as the catalog's page query (null: a scene no photo can be in). */
  private pageQuery(req: Parameters<Library['listPhotos']>[0]): PhotoPageQuery | null {
    if (req.subfolder && req.folderId === null) throw new ContractError('invalid_request', 'subfolder needs folderId: a subfolder is a path below one watched folder');
    let group: number | null = null;
    if (req.scene && req.scene !== 'failed') {
      group = groupNumber(req.scene);
      if (group === null) return null;
    }
    return {
      failed: req.status === 'failed' || req.scene === 'failed',
      group,
      folderId: req.folderId,
      subfolder: req.subfolder ?? null,
      dated: req.dated,
      month: req.month ?? null,
      byScene: req.order === 'scene' && !req.scene,
      threshold: this.threshold,
      offset: req.offset,
      limit: req.limit,
    };
  }

  /** The ids of a `listPhotos` view, in its order ("Select all" without loading every photo's summary). */
  photoIds(req: Parameters<Library['listPhotos']>[0]): { total: number; ids: number[] } {
    if (req.scene?.startsWith('my:')) {
      const id = Number(req.scene.slice(3));
      if (!Number.isInteger(id) || !this.catalog.personal.scene(id)) return { total: 0, ids: [] };
      const { total, rows } = this.catalog.personal.memberPage(id, req.offset, req.limit);
      return { total, ids: rows.map((r) => r.id) };
    }
    const q = this.pageQuery(req);
    return q ? this.catalog.browse.photoIds(q) : { total: 0, ids: [] };
  }

  /**
   * A personal scene's photos, best first (photos.list with scene `my:<id>`), each with `match`: the scene and the
   * classifier's 0..1 score, as a search for its name gives them (the tiles show that, not the Places365 scene).
   */
  private personalPhotos(id: number, offset: number, limit: number): { total: number; items: SearchHitSummary[] } {
    const scene = Number.isInteger(id) ? this.catalog.personal.scene(id) : undefined;
    if (!scene) return { total: 0, items: [] };
    const { total, rows } = this.catalog.personal.memberPage(id, offset, limit);
    return { total, items: rows.map((r) => ({ ...photoSummary(r), match: { label: `my:${id}`, name: scene.name, index: -1, prob: r.personal_score } })) };
  }

  /** The sidebar's folder tree: a watched folder's subfolders, nested, each with its photos at any depth. */
  folderTree(folderId: number): { folderId: number; count: number; children: FolderTreeNode[] } {
    if (!this.catalog.folders().some((f) => f.id === folderId)) throw new ContractError('not_found', `no watched folder with id ${folderId}`);
    return { folderId, ...buildFolderTree(this.catalog.browse.dirCounts(folderId)) };
  }

  /** By date's month headings and scrubber: photos per month, newest first, and how many have no date. */
  monthCounts(withDays = false): { months: { month: string; count: number; days?: [number, number][] }[]; undated: number } {
    return this.catalog.browse.monthCounts(withDays);
  }

  photo(id: number): PhotoDetail {
    const p = this.catalog.photo(id);
    if (!p) throw new ContractError('not_found', `no photo with id ${id}`);
    return photoDetail(this.catalog, p);
  }

  private groupsCache: { threshold: number; groups: SceneGroup[] } | null = null;

  /** Scene groups with counts; cached until a photo, folder or the threshold changes. */
  sceneGroups(): { threshold: number; groups: SceneGroup[] } {
    this.groupsCache ??= this.computeSceneGroups();
    return this.groupsCache;
  }

  private computeSceneGroups(): { threshold: number; groups: SceneGroup[] } {
    const t = this.threshold;
    const rows = this.catalog.browse.groupCounts(t);
    const groups = rows.map((r) => {
      const key = groupKey(r.g);
      const special = SPECIAL_GROUPS[key];
      return { key, name: special ?? humanName(key), family: special ? 'status' : primaryFamily(key), count: r.n, cover: { id: r.cover, version: r.cover_version } };
    });
    groups.sort((a, b) => (a.family === 'status' ? 1 : 0) - (b.family === 'status' ? 1 : 0) || a.name.localeCompare(b.name));
    // Personal scenes first, as the family "personal" (key my:<id>); an empty one has no cover and is left out here.
    const mine = this.personal.list().flatMap((p) => (p.cover ? [{ key: p.key, name: p.name, family: 'personal', count: p.count, cover: p.cover }] : []));
    return { threshold: t, groups: [...mine, ...groups] };
  }

  vocabulary(): { entries: { label: string; name: string; index: number; indoor: boolean; families: string[] }[]; families: string[] } {
    return {
      entries: PLACES365_LABELS.map((label, index) => ({
        label,
        name: humanName(label),
        index,
        indoor: indoorOf(index, null, true) ?? false,
        families: [...(LABEL_FAMILIES[label] ?? [])],
      })),
      families: FAMILY_ORDER,
    };
  }

  // ---------------------------------------------------------------- corrections
  private labelIndexOrThrow(label: string): number {
    const i = placesLabelIndex(label);
    if (i === undefined) throw new ContractError('invalid_request', `"${label}" is not one of the 365 Places365 scenes`);
    return i;
  }

  /**
   * A file that could not be read gets no new scene: it has none to show. A
   * correction made while it was readable is kept (hidden) and shows again
   * once the file can be read.
   */
  private correctablePhoto(id: number): void {
    const p = this.catalog.photo(id);
    if (!p) throw new ContractError('not_found', `no photo with id ${id}`);
    if (p.status === 'failed') throw new ContractError('invalid_request', `${p.name} could not be read, so it has no scene to set or reject`);
  }

  setScene(id: number, label: string): PhotoDetail {
    const idx = this.labelIndexOrThrow(label);
    this.correctablePhoto(id);
    const c = this.catalog.correction(id);
    const rejected = (c ? (JSON.parse(c.rejected) as number[]) : []).filter((r) => r !== idx);
    this.catalog.setCorrection(id, idx, rejected);
    this.changes.changed([id]);
    return this.photo(id);
  }

  rejectScene(id: number, label: string): PhotoDetail {
    const idx = this.labelIndexOrThrow(label);
    this.correctablePhoto(id);
    const c = this.catalog.correction(id);
    const rejected = new Set<number>(c ? (JSON.parse(c.rejected) as number[]) : []);
    rejected.add(idx);
    const keep = c?.label_index === idx ? null : (c?.label_index ?? null);
    this.catalog.setCorrection(id, keep, [...rejected]);
    this.changes.changed([id]);
    return this.photo(id);
  }

  clearCorrection(id: number): PhotoDetail {
    if (!this.catalog.photo(id)) throw new ContractError('not_found', `no photo with id ${id}`);
    this.catalog.setCorrection(id, null, []);
    this.changes.changed([id]);
    return this.photo(id);
  }

  // ---------------------------------------------------------------- bulk corrections (selection bar)
  private readonly undoBatches = new CorrectionUndo();

  /** Sets `label` as the scene of every photo in `ids`, as one undoable batch (see corrections/bulk-corrections.ts). */
  setSceneMany(ids: readonly number[], label: string): BulkCorrectionResult {
    return this.applyBulk(ids, { kind: 'set', index: this.labelIndexOrThrow(label) });
  }

  /** Rejects `label` (null: the scene each photo shows) for every photo in `ids`, as one undoable batch. */
  rejectSceneMany(ids: readonly number[], label: string | null): BulkCorrectionResult {
    return this.applyBulk(ids, { kind: 'reject', index: label === null ? null : this.labelIndexOrThrow(label) });
  }

  private applyBulk(ids: readonly number[], action: BulkAction): BulkCorrectionResult {
    const unique = [...new Set(ids)];
    const photos = this.catalog.photoStates(unique);
    const plan = planBulk(photos, this.catalog.correctionsOf(unique), action, new Date().toISOString());
    this.catalog.writeCorrections(plan.writes);
    const changed = plan.writes.map((w) => w.id);
    this.changes.changed(changed);
    return { changed: changed.length, skipped: plan.skipped + unique.length - photos.length, undo: this.undoBatches.remember(plan) };
  }

  /** Batches of personal-scene answers given through the selection bar, by undo token (this session only). */
  private readonly personalUndo = new Map<string, { sceneId: number; before: Parameters<PersonalScenes['restore']>[1] }>();

  /**
   * The selection bar's Set scene / Not this scene with a personal scene (label `my:<id>`): "yes" or "no" answers
   * for every photo, one retraining, and one undo token (corrections.undo puts the answers back as they were).
   */
  async personalAnswerMany(ids: readonly number[], label: string, positive: boolean): Promise<BulkCorrectionResult> {
    const sceneId = Number(label.slice(3));
    if (!Number.isInteger(sceneId) || !this.catalog.personal.scene(sceneId)) throw new ContractError('not_found', `no personal scene "${label}"`);
    const unique = [...new Set(ids)];
    const live = this.catalog.photoStates(unique).filter((p) => p.status !== 'missing' && p.status !== 'failed').map((p) => p.id);
    if (!live.length) return { changed: 0, skipped: unique.length, undo: '' };
    const { before } = await this.personal.answerUndoable(sceneId, live, positive, positive ? 'set-scene' : 'not-this');
    const token = `personal:${randomUUID()}`;
    this.personalUndo.set(token, { sceneId, before });
    while (this.personalUndo.size > 20) this.personalUndo.delete(this.personalUndo.keys().next().value!);
    return { changed: live.length, skipped: unique.length - live.length, undo: token };
  }

  /** corrections.undo for a batch of personal-scene answers; null when the token is not one. */
  async undoPersonalAnswers(token: string): Promise<{ restored: number; kept: number } | null> {
    if (!token.startsWith('personal:')) return null;
    const b = this.personalUndo.get(token);
    this.personalUndo.delete(token);
    if (!b) throw new ContractError('not_found', 'Nothing to undo: that change was already undone or is too old');
    return { restored: await this.personal.restore(b.sceneId, b.before), kept: 0 };
  }

  /** Restores exactly the corrections a bulk batch replaced (once; an unknown or used token is an error). */
  undoCorrections(token: string): { restored: number; kept: number } {
    const before = this.undoBatches.take(token);
    if (!before) throw new ContractError('not_found', 'Nothing to undo: that change was already undone or is too old');
    const ids = before.map((b) => b.id);
    const live = new Set(this.catalog.photoStates(ids).map((p) => p.id));
    // A photo corrected again since the batch keeps that later correction: undo takes back only the batch's own.
    const now = this.catalog.correctionsOf(ids);
    const items = before
      .filter((b) => live.has(b.id) && sameCorrection(storedOf(now.get(b.id)), b.wrote))
      .map(({ id, row }) => ({ id, row }));
    this.catalog.writeCorrections(items);
    this.changes.changed(items.map((b) => b.id));
    return { restored: items.length, kept: before.filter((b) => live.has(b.id)).length - items.length };
  }

  /** The paths a person sees for photos (the watched folder's display path and the file below it), in `ids` order. */
  displayPaths(ids: readonly number[]): { paths: string[] } {
    const rows = new Map(this.catalog.photoStates(ids).map((r) => [r.id, r]));
    const paths: string[] = [];
    for (const id of ids) {
      const r = rows.get(id);
      if (!r) continue;
      if (r.status !== 'missing') paths.push(join(r.folder_path, ...r.rel_path.split('/')));
    }
    return { paths };
  }

  /** Queues the files that could not be read again (they show as not yet tagged until the indexer has read them). */
  retryFailed(): number {
    const ids = this.catalog.failedPhotoIds();
    const requeued = this.catalog.retryFailed();
    this.changes.changed(ids);
    this.indexer.kick();
    return requeued;
  }

  // ---------------------------------------------------------------- search
  /** Builds the search index in the background after opening (search/live-search-index.ts). */
  warmSearchIndex(): Promise<void> {
    return this.searchIndex.warm();
  }

  /** Changes the search index's warm-up has yet to apply (tests: 0 once it has ended). */
  get searchIndexPending(): number {
    return this.searchIndex.pendingCount;
  }

  search(q: string, offset: number, limit: number): SearchResult {
    const t0 = performance.now();
    const mine = this.personal.byName(q.trim());
    if (mine) return this.searchPersonal(mine.id, mine.name, q, offset, limit, t0);
    // Built only when needed: a word that names no scene asks whether it is a keyword.
    const indexNow = (): ReturnType<LiveSearchIndex['get']> => this.searchIndex.get();
    const parsed = parseQuery(q, (word) => indexNow().hasKeyword(word));
    const notices = widenedNotices(parsed);
    const folder = parsed.folder ? folderMatcher(parsed.folder, this.catalog.folders()) : null;
    const hasTerms = parsed.any.length > 0 || parsed.folder || parsed.from || parsed.to;
    if (!hasTerms) return { query: parsed, total: 0, items: [], notices, tookMs: Math.round((performance.now() - t0) * 100) / 100 };
    const index = indexNow();
    if (folder && !index.hasDir(folder)) parsed.errors.push(`No folder called "${parsed.folder}" in the library.`);
    for (const g of parsed.any)
      for (const t of g) if (t.kind === 'keyword' && !index.hasKeyword(t.value)) parsed.errors.push(`No photo has the keyword "${t.value}".`);
    const { total, hits } = index.search(parsed, { threshold: this.threshold, folder, offset, limit });
    const rows = this.catalog.searchRows.photos(hits.map((h) => h.id));
    const byId = new Map(rows.map((r) => [r.id, r]));
    const items: SearchHitSummary[] = [];
    for (const h of hits) {
      const r = byId.get(h.id);
      if (r) items.push({ ...photoSummary(r), match: h.match ? scene(h.match.index, h.match.prob) : null });
    }
    return { query: parsed, total, items, notices, tookMs: Math.round((performance.now() - t0) * 100) / 100 };
  }

  /** A search for a personal scene's name: its photos, best first, each with the classifier's 0..1 score. */
  private searchPersonal(id: number, name: string, q: string, offset: number, limit: number, t0: number): SearchResult {
    const { total, rows } = this.catalog.personal.memberPage(id, offset, limit);
    const items = rows.map((r) => ({ ...photoSummary(r), match: { label: `my:${id}`, name, index: -1, prob: r.personal_score } }));
    const query = { any: [[{ kind: 'text' as const, value: q.trim(), negated: false, labels: [] }]], folder: null, from: null, to: null, errors: [] };
    return { query, total, items, notices: [`${name}: your personal scene`], tookMs: Math.round((performance.now() - t0) * 100) / 100 };
  }

  /**
   * "Set scene" / "Not this scene" with a personal scene (label `my:<id>`): a "yes" or "no" answer for it, which
   * retrains it. The photo's Places365 scene and corrections are untouched.
   */
  async personalCorrection(id: number, label: string, positive: boolean): Promise<PhotoDetail> {
    const sceneId = Number(label.slice(3));
    if (!Number.isInteger(sceneId) || !this.catalog.personal.scene(sceneId)) throw new ContractError('not_found', `no personal scene "${label}"`);
    await this.personal.answer(sceneId, [id], positive, positive ? 'set-scene' : 'not-this');
    return this.photo(id);
  }

  /** A personal scene's least-sure photos, as the suggestions strip shows them. */
  async personalSuggestions(id: number, limit: number): Promise<{ items: (PhotoSummary & { score: number })[] }> {
    const s = await this.personal.suggestions(id, limit);
    return { items: s.flatMap((x) => { const p = this.catalog.photo(x.id); return p ? [{ ...photoSummary(p), score: x.score }] : []; }) };
  }

  suggest(prefix: string, limit: number) {
    const p = prefix.toLowerCase().replace(/[_/]+/g, ' ').trim();
    if (!p) return { items: [] };
    const counts = new Map(this.sceneGroups().groups.map((g) => [g.key, g.count]));
    const items: { text: string; kind: 'label' | 'family' | 'indoor' | 'outdoor'; name: string; count: number }[] = [];
    for (const io of ['indoor', 'outdoor'] as const) if (io.startsWith(p)) items.push({ text: io, kind: io, name: io, count: 0 });
    for (const f of Object.keys(FAMILIES)) {
      if (f.startsWith(p)) items.push({ text: f, kind: 'family', name: `${f} (${FAMILIES[f]!.length} scenes)`, count: FAMILIES[f]!.reduce((a, l) => a + (counts.get(l) ?? 0), 0) });
    }
    for (const label of PLACES365_LABELS) {
      const name = humanName(label);
      const n = name.toLowerCase();
      if (n.startsWith(p) || n.includes(` ${p}`)) items.push({ text: name.includes(' ') ? `"${name}"` : name, kind: 'label', name, count: counts.get(label) ?? 0 });
    }
    items.sort((a, b) => {
      const ap = a.name.toLowerCase().startsWith(p) ? 0 : 1;
      const bp = b.name.toLowerCase().startsWith(p) ? 0 : 1;
      return ap - bp || b.count - a.count || a.name.localeCompare(b.name);
    });
    return { items: items.slice(0, limit) };
  }

  private readonly explainer = new PhotoExplainer();

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

  /** Nearest neighbours by cosine similarity of the stored scene descriptors (fc7). */
  similar(id: number, limit: number): { items: (PhotoSummary & { similarity: number })[] } {
    const p = this.catalog.photo(id);
    if (!p) throw new ContractError('not_found', `no photo with id ${id}`);
    if (!p.model) return { items: [] };
    const mine = this.catalog.featureVector(id, p.model);
    if (!mine) return { items: [] };
    const a = new Int8Array(mine.buffer, mine.byteOffset, mine.byteLength);
    const na = norm(a);
    const best: { id: number; s: number }[] = [];
    const rows = this.catalog.otherFeatureVectors(p.model, id);
    for (const r of rows) {
      const b = new Int8Array(r.vec.buffer, r.vec.byteOffset, r.vec.byteLength);
      const s = cosine(a, b, na);
      if (best.length < limit || s > best[best.length - 1]!.s) {
        best.push({ id: r.id, s });
        best.sort((x, y) => y.s - x.s);
        if (best.length > limit) best.pop();
      }
    }
    const items = best.map((b) => ({ ...photoSummary(this.catalog.photo(b.id)!), similarity: Math.round(b.s * 1000) / 1000 }));
    return { items };
  }

  // ---------------------------------------------------------------- status
  status() {
    const c = this.catalog.photoCounts();
    return {
      engineVersion: ENGINE_VERSION,
      photoCount: c.total - c.missing - c.failed,
      indexedCount: c.indexed,
      failedCount: c.failed,
      folderCount: this.catalog.folders().length,
      confidenceThreshold: this.threshold,
    };
  }

  progress(): IndexingProgress {
    return this.indexer.progress();
  }

  /**
   * The followers of the one "photos changed" path, in this order: the
   * scene-group counts, the search index, then the UI events (so that a UI
   * that reacts to an event already finds the photo in both).
   */
  private followPhotoChanges(): void {
    const dropGroups = (): void => {
      this.groupsCache = null;
    };
    this.changes.follow({ changed: dropGroups, removed: dropGroups });
    this.changes.follow(this.searchIndex);
    // New or re-indexed photos get their personal scenes as soon as their descriptor exists.
    this.changes.follow({
      changed: (ids) => void this.personal.photosIndexed(ids).catch(() => {}),
      removed: (ids) => this.personal.photosRemoved(ids),
    });
    // A correction, a new scene from (re-)indexing: the photo's keywords follow, when writing is on.
    this.changes.follow({
      changed: (ids) => {
        if (this.keywordSettings().mode !== 'off' && !this.catalog.readOnly) this.keywordJobs.enqueue(ids, 'write');
      },
    });
    this.changes.follow({
      changed: (ids, how) => {
        for (const id of ids) {
          const p = this.catalog.photo(id);
          // A record dropped for another (a move adopted by the indexer), a file gone missing, or a RAW now shown
          // as part of its JPEG's photo: gone from the UI.
          if (!p || p.status === 'missing' || p.pair_id !== null) this.events.emit('photo.removed', { id });
          else this.events.emit(how === 'added' ? 'photo.added' : 'photo.updated', { photo: photoSummary(p) });
          if (p) this.indexer.emitProgress(false);
        }
      },
      removed: (ids) => ids.forEach((id) => this.events.emit('photo.removed', { id })),
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.changes.close();
    this.searchIndex.close();
    this.pauseFetch();
    await this.keywordJobs.close();
    await this.keywordBackfill.stop();
    await this.scanner.close();
    const indexerClosed = this.indexer.close();
    await this.worker?.close?.();
    await this.personal.close();
    this.releaseModel?.();
    // At most 10 s for photos in flight; the timer must not keep a finished command alive for those 10 s.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([indexerClosed, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
    this.catalog.close();
    this.releaseLock?.();
    this.releaseLock = null;
    // ExifTool's processes must not outlive the library: the desktop app and tests go on running after a close.
    await this.releaseExiftool?.();
    this.releaseExiftool = null;
  }

  /** A sidecar was created, changed or deleted: its photos' keywords are read again (file + sidecars). */
  private async sidecarChanged(folderId: number, root: string, rel: string): Promise<void> {
    const stem = rel.slice(0, rel.length - '.xmp'.length);
    try {
      if (this.closed) return;
      for (const p of this.catalog.photosForSidecar(folderId, stem)) {
        const keywords = await readKeywords(join(root, ...p.rel_path.split('/')));
        if (this.closed) return;
        if (keywords === null) continue;
        const row = this.catalog.photo(p.id);
        if (!row || row.keywords === JSON.stringify(keywords)) continue;
        this.catalog.setKeywords(p.id, keywords);
        this.changes.changed([p.id]);
      }
    } catch (e) {
      // The catalog could not be read or written (full disk…): the keywords are read again with the sidecar's next change.
      if (!this.closed) console.error(`scenery: could not update the keywords of the photos of ${rel}:`, e);
    }
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
