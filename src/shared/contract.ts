/**
 * The one contract between a UI and the engine. Every command is a request
 * schema (validated at runtime by whoever receives it) and a response type;
 * every event is a payload type. The engine's handler table, the preload
 * bridge and the browser transport are all typed against these maps, so a
 * command that one side lacks is a compile error.
 */
import { z } from 'zod';
import type {
  FolderInfo,
  IndexingProgress,
  LibraryStatus,
  ModelState,
  ParsedQuery,
  PhotoDetail,
  PhotoSummary,
  SceneGroup,
  SceneVocabularyEntry,
} from './domain.js';

const id = z.number().int().positive();
const page = {
  offset: z.number().int().min(0).max(10_000_000).default(0),
  limit: z.number().int().min(1).max(5000).default(500),
};
const label = z.string().min(1).max(80);

export const requestSchemas = {
  'app.info': z.object({}).strict(),
  'library.status': z.object({}).strict(),
  'folders.list': z.object({}).strict(),
  'folders.add': z.object({ path: z.string().min(1).max(4096) }).strict(),
  'folders.remove': z.object({ id }).strict(),
  /** Desktop only: the native folder picker. Browser mode answers `unsupported`. */
  'folders.pick': z.object({}).strict(),
  'photos.list': z
    .object({
      order: z.enum(['date', 'scene']).default('date'),
      scene: z.string().max(80).nullable().default(null),
      folderId: id.nullable().default(null),
      status: z.enum(['failed']).nullable().default(null),
      ...page,
    })
    .strict(),
  'photos.get': z.object({ id }).strict(),
  'photos.similar': z.object({ id, limit: z.number().int().min(1).max(200).default(24) }).strict(),
  'photos.setScene': z.object({ id, label }).strict(),
  'photos.rejectScene': z.object({ id, label }).strict(),
  'photos.clearCorrection': z.object({ id }).strict(),
  /** Desktop only. */
  'photos.showInFolder': z.object({ id }).strict(),
  'photos.openExternal': z.object({ id }).strict(),
  'scenes.groups': z.object({}).strict(),
  'scenes.vocabulary': z.object({}).strict(),
  'search.run': z.object({ q: z.string().max(500), ...page }).strict(),
  'search.suggest': z.object({ prefix: z.string().max(80), limit: z.number().int().min(1).max(50).default(8) }).strict(),
  'settings.setThreshold': z.object({ threshold: z.number().min(0).max(1) }).strict(),
  'indexing.status': z.object({}).strict(),
  'indexing.pause': z.object({}).strict(),
  'indexing.resume': z.object({}).strict(),
  'indexing.retryFailed': z.object({}).strict(),
  'model.status': z.object({}).strict(),
  'model.fetch': z.object({ name: z.enum(['vgg16-places365', 'vgg16-hybrid1365']) }).strict(),
  'model.pauseFetch': z.object({}).strict(),
  'model.import': z.object({ path: z.string().min(1).max(4096) }).strict(),
  /** Desktop only: native file picker, then import. */
  'model.pickAndImport': z.object({}).strict(),
} as const;

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
  items: PhotoSummary[];
  tookMs: number;
}

export interface Responses {
  'app.info': { name: string; version: string; mode: 'desktop' | 'browser'; platform: string };
  'library.status': LibraryStatus;
  'folders.list': FolderInfo[];
  'folders.add': FolderInfo;
  'folders.remove': { removed: boolean };
  'folders.pick': FolderInfo | null;
  'photos.list': { total: number; items: PhotoSummary[] };
  'photos.get': PhotoDetail;
  'photos.similar': { items: (PhotoSummary & { similarity: number })[] };
  'photos.setScene': PhotoDetail;
  'photos.rejectScene': PhotoDetail;
  'photos.clearCorrection': PhotoDetail;
  'photos.showInFolder': { ok: boolean };
  'photos.openExternal': { ok: boolean };
  'scenes.groups': { threshold: number; groups: SceneGroup[] };
  'scenes.vocabulary': { entries: SceneVocabularyEntry[]; families: string[] };
  'search.run': SearchResult;
  'search.suggest': { items: Suggestion[] };
  'settings.setThreshold': { threshold: number };
  'indexing.status': IndexingProgress;
  'indexing.pause': IndexingProgress;
  'indexing.resume': IndexingProgress;
  'indexing.retryFailed': { requeued: number };
  'model.status': ModelState;
  'model.fetch': ModelState;
  'model.pauseFetch': ModelState;
  'model.import': ModelState;
  'model.pickAndImport': ModelState;
}

export type Response<C extends Command> = Responses[C];

export interface Events {
  'indexing.progress': IndexingProgress;
  'photo.added': { photo: PhotoSummary };
  'photo.updated': { photo: PhotoSummary };
  'photo.removed': { id: number };
  'folders.changed': { folders: FolderInfo[] };
  'model.status': ModelState;
}
export type EventName = keyof Events;
export const eventNames: readonly EventName[] = [
  'indexing.progress',
  'photo.added',
  'photo.updated',
  'photo.removed',
  'folders.changed',
  'model.status',
];

export type ErrorCode = 'invalid_request' | 'unknown_command' | 'not_found' | 'unsupported' | 'conflict' | 'internal';

/** The only error shape that crosses the boundary. */
export interface ContractErrorBody {
  code: ErrorCode;
  message: string;
  issues?: { path: string; message: string }[];
}

export class ContractError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'ContractError';
  }
  toBody(): ContractErrorBody {
    return this.issues ? { code: this.code, message: this.message, issues: this.issues } : { code: this.code, message: this.message };
  }
  static fromBody(body: ContractErrorBody): ContractError {
    return new ContractError(body.code, body.message, body.issues);
  }
}

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ContractErrorBody };

export function isCommand(name: unknown): name is Command {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(requestSchemas, name);
}

/** Validates an untrusted request; throws a ContractError naming each bad field. */
export function parseRequest<C extends Command>(command: C, payload: unknown): ParsedRequest<C> {
  const result = requestSchemas[command].safeParse(payload ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
    throw new ContractError('invalid_request', `${command}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  return result.data as ParsedRequest<C>;
}

/** What every UI transport (preload bridge, HTTP client) provides. */
export interface SceneryApi {
  call<C extends Command>(command: C, request: Request<C>): Promise<Response<C>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  /** URL of a photo's thumbnail or full image; by id only, never by path. */
  mediaUrl(kind: 'thumb' | 'image', id: number, version: number): string;
}

/** Channel names used over Electron IPC. */
export const IPC_INVOKE = 'scenery:invoke';
export const IPC_EVENT = 'scenery:event';
