/**
 * Domain types shared by the engine and every UI. Plain data only: they cross
 * the IPC and HTTP boundaries as JSON, so no class instances or Dates.
 */

export type PhotoStatus = 'pending' | 'indexed' | 'failed' | 'missing';
export type FolderStatus = 'scanning' | 'watching' | 'offline' | 'error';

export interface ScenePrediction {
  /** Places365 label as published, e.g. `field/wild`. */
  label: string;
  /** Human name, e.g. `field (wild)`. */
  name: string;
  index: number;
  prob: number;
}

export interface FolderInfo {
  id: number;
  /** Shown to the person who chose the folder; never used to load anything. */
  displayPath: string;
  status: FolderStatus;
  /** Readable photos (failed files are in `failedCount`). */
  photoCount: number;
  indexedCount: number;
  failedCount: number;
  error: string | null;
}

export interface PhotoSummary {
  id: number;
  name: string;
  width: number | null;
  height: number | null;
  takenAt: string | null;
  status: PhotoStatus;
  /** The scene shown for the photo: the person's correction, else the model's top-1. */
  scene: ScenePrediction | null;
  corrected: boolean;
  /** Why the photo could not be read, in a plain sentence, when status is `failed`. */
  error: string | null;
  /** Bumped whenever the file or its thumbnail changes, for cache busting. */
  version: number;
}

/** A search result: the photo and why it matched. */
export interface SearchHitSummary extends PhotoSummary {
  /**
   * The scene that made the photo match and its confidence (for `car`, the
   * transport scene it was found by, which need not be the photo's own top
   * scene); results are ordered by it. Null when no scene decided (a folder or
   * date filter alone, or a photo not yet tagged).
   */
  match: ScenePrediction | null;
}

export interface PhotoDetail extends PhotoSummary {
  folderId: number;
  folderDisplayPath: string;
  relativeDir: string;
  size: number;
  camera: string | null;
  gps: { lat: number; lon: number } | null;
  model: string | null;
  top: ScenePrediction[];
  /** With a Hybrid1365 model: the top ImageNet object labels. */
  objects: ScenePrediction[];
  indoor: boolean | null;
  rejected: string[];
  /** For a file that could not be read: the technical message behind `error` (for a bug report). */
  errorDetail: string | null;
  /** The photo's files: the one shown first, then the others of the same shot (a RAW beside its JPEG). */
  files: { name: string; size: number }[];
  /** Keywords found in the file and its XMP sidecars (written by Lightroom, digiKam, Windows…), as written. */
  keywords: string[];
}

export interface SceneGroup {
  /** Label, or `uncertain` for photos below the confidence threshold. */
  key: string;
  name: string;
  family: string;
  count: number;
  /** The photo that shows the scene most surely (a correction counts as certain): the scene's card shows it. */
  cover: { id: number; version: number };
}

export interface SceneVocabularyEntry {
  label: string;
  name: string;
  index: number;
  indoor: boolean;
  families: string[];
}

export interface ModelInfo {
  name: string;
  title: string;
  labels: 'places365' | 'hybrid1365';
  parameters: number;
  source: string;
  license: string;
  sha256: string | null;
  installedAt: string | null;
}

/** Where the loaded model runs (known once the model worker has loaded it). */
export interface ModelProvider {
  name: string;
  label: string;
  /** Why the platform's accelerator is not used, if there is one. */
  fallbackReason: string | null;
}

export type ModelState =
  | { state: 'missing'; available: string[] }
  | { state: 'downloading'; name: string; receivedBytes: number; totalBytes: number | null; paused: boolean }
  | { state: 'converting'; name: string; step: string }
  | { state: 'ready'; model: ModelInfo; provider?: ModelProvider }
  | { state: 'error'; message: string; available: string[] };

/**
 * Indexing cannot continue because the library's own storage (its catalog or
 * thumbnails) cannot be written. Nothing is marked failed: the engine checks
 * every few seconds and continues by itself once it can write again.
 */
export interface IndexingStall {
  reason: 'disk-full' | 'read-only' | 'no-permission' | 'write-error';
  /** A plain sentence for the person: what is wrong and what to do. */
  message: string;
}

export interface IndexingProgress {
  done: number;
  total: number;
  failed: number;
  /** Images per second over the last few seconds. */
  rate: number;
  etaSeconds: number | null;
  currentFile: string | null;
  paused: boolean;
  /** Why nothing is being classified, if nothing is (e.g. no model installed). */
  idleReason: string | null;
  /** Set while indexing waits for the library's storage to become writable again (e.g. a full disk). */
  stalled: IndexingStall | null;
}

export interface ParsedQueryTerm {
  /** `keyword`: a keyword found in photos' files or sidecars (`keyword:NAME`, or a plain word that is no scene). */
  kind: 'label' | 'family' | 'indoor' | 'outdoor' | 'keyword' | 'text';
  value: string;
  negated: boolean;
  /** The labels this term stands for. */
  labels: string[];
  /** For a family found through another word (`car` → transport, `beach` → the beach family): the word typed. */
  widenedFrom?: string;
}

export interface ParsedQuery {
  /** Disjunction of conjunctions: `a b OR c` is [[a,b],[c]]. */
  any: ParsedQueryTerm[][];
  folder: string | null;
  from: string | null;
  to: string | null;
  errors: string[];
}

export interface LibraryStatus {
  engineVersion: string;
  /** Photos shown in the library (not missing, not failed). */
  photoCount: number;
  indexedCount: number;
  failedCount: number;
  folderCount: number;
  confidenceThreshold: number;
}

/**
 * Browser mode's folder picker: one folder on the server's disk and the folders directly inside it. Only folders
 * are listed (never a file's name); `photoCount` counts photo files directly inside without naming them.
 */
/** A folder below a watched folder, with every photo under it counted (not missing, not failed). */
export interface FolderTreeNode {
  name: string;
  /** Below the watched folder, `/`-separated (`2019/Trips`): what `photos.list`'s `subfolder` takes. */
  path: string;
  count: number;
  children: FolderTreeNode[];
}

export interface FolderBrowseEntry {
  name: string;
  /** Absolute path to open or add. For a symlink, its real target (what Scenery would watch). */
  path: string;
  /** The entry is a symlink to a folder; `path` is where it leads. */
  link: boolean;
  /** false: the server's user may not open it (it cannot be added either). */
  readable: boolean;
  /** Has folders inside (hidden ones not counted unless shown); null when not looked at. */
  hasChildren: boolean | null;
  /** Photos directly inside; null when not counted (time budget, unreadable). */
  photoCount: number | null;
  /** The count stopped at the per-folder cap: there are at least `photoCount`. */
  photoCountCapped: boolean;
}

export interface FolderBrowse {
  /** The folder shown, absolute and real (symlinks resolved). */
  path: string;
  parent: string | null;
  /** From the root down to `path`, for a breadcrumb. */
  crumbs: { name: string; path: string }[];
  /** Sorted by name (natural order), at most the listing cap. */
  entries: FolderBrowseEntry[];
  /** Folders beyond the cap, not listed. */
  more: number;
  /** Hidden folders left out (none when hidden ones are shown). */
  hidden: number;
  /** Photos directly in `path`. */
  photoCount: number;
  /** Places to start from: the home folder and the file system root. */
  roots: { name: string; path: string }[];
}

/** A scene the person taught Scenery by example ("Our cabin"): a classifier over one model's scene descriptors. */
export interface PersonalScene {
  id: number;
  /** What photos.list's `scene` takes to browse it: `my:<id>`. */
  key: string;
  name: string;
  /** The model whose descriptors it was trained on (null: not trained yet). */
  model: string | null;
  /** prototype, logistic or svm (docs/personal-scenes.md). */
  method: string;
  /** The calibrated raw-score threshold of its classifier (scores shown are 0..1, 0.5 at this threshold). */
  threshold: number | null;
  /** Photos it claims (not missing, not failed). */
  count: number;
  cover: { id: number; version: number } | null;
  /** "Yes" answers (the first examples included) and "no" answers. */
  examples: number;
  rejected: number;
  /** Trained on another model than the one the library runs now (it is being retrained). */
  stale: boolean;
}

/** A photo a personal scene is least sure about: "Is this also Our cabin?". */
export interface PersonalSuggestion {
  id: number;
  /** The classifier's 0..1 score (0.5 = its threshold). */
  score: number;
}

/**
 * Writing scene keywords into the photos' metadata for other apps (Lightroom, digiKam, darktable...):
 * `off` (the default), `sidecar` (an XMP file beside the photo), or `embedded` (into the photo file itself; never a
 * RAW other than DNG, which gets a sidecar instead).
 */
export type KeywordMode = 'off' | 'sidecar' | 'embedded';
/** `basename`: IMG_0001.xmp (Lightroom, Capture One); `filename`: IMG_0001.CR2.xmp (darktable, digiKam). */
export type SidecarNaming = 'basename' | 'filename';

export interface KeywordSettings {
  mode: KeywordMode;
  sidecarName: SidecarNaming;
  /** Embedded writes keep the photo file's modification time (default true). */
  keepModifiedTime: boolean;
}

/** The background keyword writer: how far it is (a setting, correction or threshold change rewrites files). */
export interface KeywordProgress {
  running: boolean;
  action: 'write' | 'remove' | null;
  done: number;
  total: number;
  /** Files whose keywords were changed (others already had the right ones or were skipped). */
  written: number;
  failed: number;
  /** The last failure, in a sentence naming the file. */
  lastError: string | null;
  cancelled: boolean;
}

export interface KeywordState {
  settings: KeywordSettings;
  progress: KeywordProgress;
}
