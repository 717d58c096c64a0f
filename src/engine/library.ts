/**
 * A Scenery library: the composition root of the engine. The desktop app,
 * `scenery serve`, the CLI and the tests all open one of these; none of it
 * knows about Electron.
 */
import { existsSync, realpathSync, statSync, accessSync, constants as fsc } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import type { FolderInfo, FolderTreeNode, IndexingProgress, KeywordProgress, KeywordSettings, KeywordState, ModelInfo, ModelState, PhotoDetail, PhotoSummary, SceneGroup, SearchHitSummary } from '../shared/domain.js';
import { ContractError, type BulkCorrectionResult, type SearchResult } from '../shared/contract.js';
import { Catalog, type PhotoRow } from './catalog/catalog.js';
import type { PhotoPageQuery } from './catalog/browse-queries.js';
import { folderInfo, photoDetail, photoSummary, scene } from './catalog/views.js';
import { endExiftool } from './metadata/exiftool.js';
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
import { CorrectionUndo, planBulk, sameCorrection, storedOf, type BulkAction } from './corrections/bulk-corrections.js';
import { KeywordJobs, type KeywordAction } from './keywords/keyword-jobs.js';
import { syncPhotoKeywords } from './keywords/keyword-sync.js';

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
  private readonly searchIndex: LiveSearchIndex;
  private worker: (Classifier & { close?(): Promise<void> }) | null = null;
  private modelInfo: InstalledModel | null = null;
  private modelState: ModelState;
  private fetchAbort: AbortController | null = null;
  /** Releases this process's claim on the model it runs (see ModelStore.claim). */
  private releaseModel: (() => void) | null = null;
  private closed = false;
  /** Releases the writer lock (library-lock.ts) taken by a library that scans and indexes. */
  private releaseLock: (() => void) | null = null;
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
    this.keywordJobs = new KeywordJobs(
      (id, action) => this.syncKeywords(id, action),
      (p) => {
        this.notePendingKeywords(p);
        this.events.emit('keywords.progress', p);
      },
    );
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
    return syncPhotoKeywords({ records: this.catalog.keywordRecords, settings, threshold: this.threshold }, id, action).catch((e: unknown) => {
      const f = this.photoFile(id);
      throw new Error(`${f ? f.path : `photo ${id}`}: ${(e as Error).message}`);
    });
  }

  listPhotos(req: { order: 'date' | 'scene'; scene: string | null; folderId: number | null; subfolder?: string | null; status: 'failed' | null; dated?: boolean | null; month?: string | null; offset: number; limit: number }): {
    total: number;
    items: PhotoSummary[];
  } {
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
    const q = this.pageQuery(req);
    return q ? this.catalog.browse.photoIds(q) : { total: 0, ids: [] };
  }

  /** The sidebar's folder tree: a watched folder's subfolders, nested, each with its photos at any depth. */
  folderTree(folderId: number): { folderId: number; count: number; children: FolderTreeNode[] } {
    if (!this.catalog.folders().some((f) => f.id === folderId)) throw new ContractError('not_found', `no watched folder with id ${folderId}`);
    return { folderId, ...buildFolderTree(this.catalog.browse.dirCounts(folderId)) };
  }

  /** By date's month headings and scrubber: photos per month, newest first, and how many have no date. */
  monthCounts(): { months: { month: string; count: number }[]; undated: number } {
    return this.catalog.browse.monthCounts();
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
    return { threshold: t, groups };
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

  /** Restores exactly the corrections a bulk batch replaced (once; an unknown or used token is an error). */
  undoCorrections(token: string): { restored: number } {
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
    return { restored: items.length };
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
    const parsed = parseQuery(q);
    const notices = widenedNotices(parsed);
    const folder = parsed.folder ? folderMatcher(parsed.folder, this.catalog.folders()) : null;
    const hasTerms = parsed.any.length > 0 || parsed.folder || parsed.from || parsed.to;
    if (!hasTerms) return { query: parsed, total: 0, items: [], notices, tookMs: Math.round((performance.now() - t0) * 100) / 100 };
    const index = this.searchIndex.get();
    if (folder && !index.hasDir(folder)) parsed.errors.push(`No folder called "${parsed.folder}" in the library.`);
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
    await this.scanner.close();
    const indexerClosed = this.indexer.close();
    await this.worker?.close?.();
    this.releaseModel?.();
    // At most 10 s for photos in flight; the timer must not keep a finished command alive for those 10 s.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([indexerClosed, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
    this.catalog.close();
    // ExifTool's processes would keep Node alive.
    await endExiftool();
    this.releaseLock?.();
    this.releaseLock = null;
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
