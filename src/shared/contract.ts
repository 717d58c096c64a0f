/**
 * The one contract between a UI and the engine. Every command is a request
 * schema (validated at runtime by whoever receives it) and a response type;
 * every event is a payload type. The engine's handler table, the preload
 * bridge and the browser transport are all typed against these maps, so a
 * command that one side lacks is a compile error.
 */
import type { z } from 'zod';
import type { requestSchemas } from './requests.js';
import type {
  FolderBrowse,
  FolderInfo,
  FolderTreeNode,
  IndexingProgress,
  KeywordProgress,
  KeywordState,
  LibraryStatus,
  ModelInfo,
  ModelState,
  ParsedQuery,
  PersonalScene,
  PhotoDetail,
  PhotoSummary,
  SceneGroup,
  SearchHitSummary,
  SceneVocabularyEntry,
} from './domain.js';
import type { PhotoExplanation } from './heatmap.js';
import type { ContractErrorBody } from './errors.js';
// Kept here too so that UIs import the whole contract from one module.
export { ContractError, SceneryError, type ContractErrorBody, type ErrorCode, type ErrorIssue } from './errors.js';
export type Command = keyof typeof requestSchemas;
export type Request<C extends Command> = z.input<(typeof requestSchemas)[C]>;
export type ParsedRequest<C extends Command> = z.output<(typeof requestSchemas)[C]>;

export interface Suggestion {
  /** What goes into the search box. */
  text: string;
  kind: 'label' | 'family' | 'indoor' | 'outdoor';
  name: string;
  count: number;
}

export interface SearchResult {
  query: ParsedQuery;
  total: number;
  /** Best match first (by `match.prob`). */
  items: SearchHitSummary[];
  /** Plain sentences about how the query was read, e.g. `car: showing Transport (34 scenes)`. */
  notices: string[];
  tookMs: number;
}

/** A bulk correction: how many photos changed, how many could not take it, and the token that undoes it all. */
export interface BulkCorrectionResult {
  changed: number;
  skipped: number;
  undo: string;
}

export interface Responses {
  'app.info': { name: string; version: string; mode: 'desktop' | 'browser'; platform: string };
  'library.status': LibraryStatus;
  'folders.list': FolderInfo[];
  'folders.add': FolderInfo;
  'folders.remove': { removed: boolean };
  'folders.pick': FolderInfo | null;
  'folders.browse': FolderBrowse;
  /** `count`: all the watched folder's photos; `children`: its subfolders by name. */
  'folders.tree': { folderId: number; count: number; children: FolderTreeNode[] };
  'photos.list': { total: number; items: PhotoSummary[] };
  /**
   * Newest month first; `month` is `YYYY-MM` in the camera's local time; `undated`: photos without a date taken.
   * Asked with `days`: each month's days too, newest first, as [day of the month, photos].
   */
  'photos.months': { months: { month: string; count: number; days?: [number, number][] }[]; undated: number };
  /** `ids` in the view's order; `total`: how many match (more than `ids` only past `limit`). */
  'photos.ids': { total: number; ids: number[] };
  'photos.get': PhotoDetail;
  'photos.similar': { items: (PhotoSummary & { similarity: number })[] };
  'photos.explain': PhotoExplanation;
  'photos.setScene': PhotoDetail;
  'photos.rejectScene': PhotoDetail;
  'photos.clearCorrection': PhotoDetail;
  'photos.setSceneMany': BulkCorrectionResult;
  'photos.rejectSceneMany': BulkCorrectionResult;
  /** `kept`: photos of the batch corrected again since, which keep that later correction. */
  'corrections.undo': { restored: number; kept: number };
  'photos.displayPaths': { paths: string[] };
  'photos.showInFolder': { ok: boolean };
  'photos.openExternal': { ok: boolean };
  'scenes.groups': { threshold: number; groups: SceneGroup[] };
  'scenes.vocabulary': { entries: SceneVocabularyEntry[]; families: string[] };
  'search.run': SearchResult;
  'search.suggest': { items: Suggestion[] };
  'settings.setThreshold': { threshold: number };
  'settings.keywords': KeywordState;
  'settings.setKeywords': KeywordState;
  'keywords.remove': KeywordState;
  'keywords.cancel': KeywordState;
  'indexing.status': IndexingProgress;
  'indexing.pause': IndexingProgress;
  'indexing.resume': IndexingProgress;
  'indexing.retryFailed': { requeued: number };
  'model.status': ModelState;
  'model.fetch': ModelState;
  'model.pauseFetch': ModelState;
  'model.import': ModelState;
  'model.pickAndImport': ModelState;
  'model.list': { models: ModelInfo[]; active: string | null };
  'model.use': ModelState;
  'model.useInt8': ModelState;
  'personal.list': { scenes: PersonalScene[]; notice: string | null };
  'personal.create': PersonalScene;
  'personal.answer': PersonalScene;
  'personal.forget': PersonalScene;
  'personal.rename': PersonalScene;
  'personal.remove': { removed: boolean };
  'personal.suggestions': { items: (PhotoSummary & { score: number })[] };
}

export type Response<C extends Command> = Responses[C];

export interface Events {
  'indexing.progress': IndexingProgress;
  'photo.added': { photo: PhotoSummary };
  'photo.updated': { photo: PhotoSummary };
  'photo.removed': { id: number };
  'folders.changed': { folders: FolderInfo[] };
  'model.status': ModelState;
  /** Personal scenes or their members changed (retrained, renamed, new photos scored). */
  'personal.changed': { scenes: PersonalScene[] };
  'keywords.progress': KeywordProgress;
}
export type EventName = keyof Events;
export const eventNames: readonly EventName[] = [
  'indexing.progress',
  'photo.added',
  'photo.updated',
  'photo.removed',
  'folders.changed',
  'model.status',
  'personal.changed',
  'keywords.progress',
];

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ContractErrorBody };

/** What every UI transport (preload bridge, HTTP client) provides. */
export interface SceneryApi {
  call<C extends Command>(command: C, request: Request<C>): Promise<Response<C>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  /** URL of a photo's thumbnail, its image as shown, or its original file as a download; by id only, never by path. */
  mediaUrl(kind: 'thumb' | 'image' | 'original', id: number, version: number): string;
  /** Desktop only: folders dropped on the window (paths are resolved outside the page). */
  addDroppedFolders?(files: File[]): Promise<void>;
  /**
   * Browser only: told false when the server stops answering and true when it
   * answers again (the event stream is then open again, so the UI refreshes).
   */
  onConnection?(listener: (connected: boolean) => void): () => void;
}

/** Channel names used over Electron IPC. */
export const IPC_INVOKE = 'scenery:invoke';
export const IPC_EVENT = 'scenery:event';
