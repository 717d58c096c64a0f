/**
 * A Scenery library: the composition root of the engine. The desktop app,
 * `scenery serve`, the CLI and the tests all open one of these; none of it
 * knows about Electron.
 *
 * It only wires: it opens the catalog, builds the scanner, the indexer, the
 * events and the one "photos changed" path with its followers, takes the
 * writer lock, and exposes one service per concern (services/): `models`,
 * `folders`, `browse`, `corrections`, `search`, `keywords` (and `personal`,
 * personal/). The handler table (api/handlers.ts) calls those services. They
 * get their collaborators through a ServiceContext, never the Library, so
 * dependencies point one way; SQL stays in catalog/.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { IndexingProgress } from '../shared/domain.js';
import { Catalog } from './catalog/catalog.js';
import { photoSummary } from './catalog/views.js';
import { EngineEvents } from './events/engine-events.js';
import { PhotoChanges } from './events/photo-changes.js';
import { Indexer, type Classifier } from './indexer/indexer.js';
import { ThumbnailStore } from './indexer/thumbnails.js';
import { Scanner } from './scanner/scanner.js';
import { defaultLibraryDir, defaultModelsDir } from './paths.js';
import { ENGINE_VERSION } from './version.js';
import { acquireLibraryLock } from './library-lock.js';
import { PersonalScenes } from './personal/personal-scenes.js';
import { holdExiftool } from './metadata/exiftool.js';
import { KeywordBackfill } from './metadata/keyword-backfill.js';
import type { ServiceContext } from './services/context.js';
import { ModelsService } from './services/models-service.js';
import { FoldersService } from './services/folders-service.js';
import { BrowseService } from './services/browse-service.js';
import { CorrectionsService } from './services/corrections-service.js';
import { SearchService } from './services/search-service.js';
import { KeywordsService } from './services/keywords-service.js';

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

export class Library {
  readonly catalog: Catalog;
  readonly events = new EngineEvents();
  /** The one "photos changed" path: writers report here, caches, the search index and the UI events follow. */
  private readonly changes = new PhotoChanges();
  readonly thumbs: ThumbnailStore;
  readonly indexer: Indexer;
  readonly scanner: Scanner;
  /** Scenes the person taught by example (personal/personal-scenes.ts). */
  readonly personal: PersonalScenes;
  /** Model lifecycle: activate, use, int8, import, download, explanations. */
  readonly models: ModelsService;
  /** Watched folders: add, remove, list, tree, retry failed, a photo's file. */
  readonly folders: FoldersService;
  /** Pages of photos, months, one photo, scene groups, vocabulary. */
  readonly browse: BrowseService;
  /** Set scene / Not this scene, one or many, and their undo. */
  readonly corrections: CorrectionsService;
  /** The search box, suggestions, similar photos; owns the search index. */
  readonly search: SearchService;
  /** Scene keywords written to the files, and read again from sidecars. */
  readonly keywords: KeywordsService;
  /** Reads the keywords of photos catalogued before Scenery read keywords (metadata/keyword-backfill.ts). */
  private readonly keywordBackfill: KeywordBackfill;
  private closed = false;
  /** Releases the writer lock (library-lock.ts) taken by a library that scans and indexes. */
  private releaseLock: (() => void) | null = null;
  /** Releases this library's use of the ExifTool pool (metadata/exiftool.ts): its processes end with the last library. */
  private releaseExiftool: (() => Promise<void>) | null = null;
  /** Settles when the first scan of every folder has finished. */
  initialScan: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    options: LibraryOptions,
  ) {
    // Read-only commands (start: false) also work on a library they may not write.
    this.catalog = new Catalog(dir, { readOnlyFallback: options.start === false });
    this.thumbs = new ThumbnailStore(dir);
    // The personal-scenes worker is bundled beside the model worker (out/main in the desktop app, out/cli for serve).
    const personalWorker = options.workerPath ? join(dirname(options.workerPath), 'personal-worker.js') : undefined;
    this.personal = new PersonalScenes(this.catalog, {
      // A library opened without its model (read-only commands) reads the scenes of the model it was indexed with.
      model: () => (this.models.state.state === 'ready' ? this.models.state.model.name : options.start === false ? this.catalog.personal.dominantModel() : null),
      changed: () => {
        this.browse.dropGroups();
        if (!this.closed) this.events.emit('personal.changed', { scenes: this.personal.list() });
      },
      // With keyword writing on, photos that joined or left a personal scene get its name (or lose it) in their files.
      membersChanged: (ids) => this.keywords.personalMembersChanged(ids),
    }, personalWorker && existsSync(personalWorker) ? personalWorker : undefined);
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
        foldersChanged: () => this.events.emit('folders.changed', { folders: this.folders.list() }),
        storageFault: (e) => this.indexer.reportStorageFault(e),
        sidecarChanged: (folderId, root, rel) => void this.keywords.sidecarChanged(folderId, root, rel),
      },
      { watch: options.watch ?? true, writeFinishMs: options.writeFinishMs, rescanMs: options.rescanMs, rootCheckMs: options.rootCheckMs },
    );
    const ctx: ServiceContext = {
      catalog: this.catalog,
      events: this.events,
      changes: this.changes,
      indexer: this.indexer,
      personal: this.personal,
      threshold: () => this.threshold,
      closed: () => this.closed,
    };
    this.folders = new FoldersService(ctx, this.scanner, this.thumbs);
    const photoFile = (id: number): ReturnType<FoldersService['photoFile']> => this.folders.photoFile(id);
    this.models = new ModelsService(ctx, { ...options, modelsDir: options.modelsDir ?? defaultModelsDir() }, photoFile);
    this.browse = new BrowseService(ctx);
    this.corrections = new CorrectionsService(ctx, (id) => this.browse.photo(id));
    this.search = new SearchService(ctx, () => this.browse.sceneGroups());
    this.keywords = new KeywordsService(ctx, photoFile);
    this.keywordBackfill = new KeywordBackfill(this.catalog, (id) => this.changes.changed([id]));
    this.followPhotoChanges();
    // A RAW hidden behind its JPEG, or shown again (and perhaps queued) when the JPEG went.
    this.catalog.pairsChanged = (ids) => {
      this.changes.changed(ids);
      this.indexer.kick();
    };
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
      await lib.models.activate(options.model ?? null, options.model != null);
    } catch (e) {
      await lib.close();
      throw e;
    }
    lib.keywords.resumePending();
    lib.initialScan = lib.scanner.startAll().then(() => lib.indexer.kick());
    // After the first scan: photos indexed before keywords were read get theirs, in the background.
    lib.initialScan.then(() => lib.keywordBackfill.start(), () => {});
    lib.indexer.kick();
    // A failure here only means the first search builds the index itself.
    lib.search.warm().catch(() => {});
    return lib;
  }

  // ---------------------------------------------------------------- settings and status
  get threshold(): number {
    const v = Number(this.catalog.getSetting('threshold'));
    return Number.isFinite(v) && this.catalog.getSetting('threshold') !== null ? v : DEFAULT_THRESHOLD;
  }

  setThreshold(t: number): number {
    const before = this.threshold;
    this.catalog.setSetting('threshold', String(t));
    this.browse.dropGroups();
    // Scenes cross the threshold: their files' keywords follow.
    if (t !== before) this.keywords.writeAll();
    return t;
  }

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
    const dropGroups = (): void => this.browse.dropGroups();
    this.changes.follow({ changed: dropGroups, removed: dropGroups });
    this.changes.follow(this.search.index);
    // New or re-indexed photos get their personal scenes as soon as their descriptor exists.
    this.changes.follow({
      changed: (ids) => void this.personal.photosIndexed(ids).catch(() => {}),
      removed: (ids) => this.personal.photosRemoved(ids),
    });
    // A correction, a new scene from (re-)indexing: the photo's keywords follow, when writing is on.
    this.changes.follow({ changed: (ids) => this.keywords.photosChanged(ids) });
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
    this.search.index.close();
    this.models.pauseFetch();
    await this.keywords.jobs.close();
    await this.keywordBackfill.stop();
    await this.scanner.close();
    const indexerClosed = this.indexer.close();
    await this.models.closeWorker();
    await this.personal.close();
    this.models.releaseClaim();
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
}
