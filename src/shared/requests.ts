/**
 * The runtime schemas of the contract's requests (zod). Only receivers import
 * this module (the engine's dispatch); UIs use the types in contract.ts and
 * so do not ship a schema library.
 */
import { z } from 'zod';
import { ContractError } from './errors.js';

const id = z.number().int().positive();
const page = {
  offset: z.number().int().min(0).max(10_000_000).default(0),
  limit: z.number().int().min(1).max(5000).default(500),
};
const label = z.string().min(1).max(80);
const personalName = z.string().trim().min(1, 'a personal scene needs a name').max(60);
/** A selection: up to 100,000 photos. */
const manyIds = z.array(id).min(1, 'select at least one photo').max(100_000, 'at most 100,000 photos at once');

/** What photos.list (and photos.ids) filter by. */
const listFilters = z.object({
  order: z.enum(['date', 'scene']).default('date'),
  scene: z.string().max(80).nullable().default(null),
  folderId: id.nullable().default(null),
  /** With folderId: only the photos under this folder below it (`2019/Trips`, as folders.tree names it), at any depth. */
  subfolder: z
    .string()
    .min(1)
    .max(4096)
    .refine((p) => !p.startsWith('/') && !p.endsWith('/') && !p.includes('//') && !p.includes('\0'), 'a subfolder is a path below the watched folder, like "2019/Trips"')
    .nullable()
    .default(null),
  status: z.enum(['failed']).nullable().default(null),
  /** true: only photos with a date taken; false: only those without one (By date lists them last, as "No date"). */
  dated: z.boolean().nullable().default(null),
  /** `YYYY-MM`: only photos taken in that month, in the camera's local time (as the viewer shows it); implies dated. */
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month is written YYYY-MM').nullable().default(null),
  ...page,
});

export const requestSchemas = {
  'app.info': z.object({}).strict(),
  'library.status': z.object({}).strict(),
  'folders.list': z.object({}).strict(),
  'folders.add': z.object({ path: z.string().min(1).max(4096) }).strict(),
  'folders.remove': z.object({ id }).strict(),
  /** Desktop only: the native folder picker. Browser mode answers `unsupported`. */
  'folders.pick': z.object({}).strict(),
  /**
   * Browser only: the folders inside `path` on the server's disk (null: the home folder; `~` and `~/x` expand),
   * for the folder picker. Read-only; desktop mode answers `unsupported` (it has the native dialog).
   */
  'folders.browse': z
    .object({
      path: z.string().min(1).max(4096).refine((p) => !p.includes('\0'), 'a path cannot contain NUL').nullable().default(null),
      showHidden: z.boolean().default(false),
    })
    .strict(),
  /** The folders below a watched folder (nested), each with how many photos it holds at any depth. */
  'folders.tree': z.object({ folderId: id }).strict(),
  'photos.list': listFilters.strict(),
  /** The ids of a photos.list view in its order (the same filters; up to 100,000 per call): "Select all" without summaries. */
  'photos.ids': listFilters.extend({ limit: z.number().int().min(1).max(100_000).default(100_000) }).strict(),
  'photos.get': z.object({ id }).strict(),
  'photos.similar': z.object({ id, limit: z.number().int().min(1).max(200).default(24) }).strict(),
  /** Grad-CAM "why this scene": for `label` (a Places365 label), else the network's top scene. On demand only. */
  'photos.explain': z.object({ id, label: label.optional() }).strict(),
  'photos.setScene': z.object({ id, label }).strict(),
  'photos.rejectScene': z.object({ id, label }).strict(),
  'photos.clearCorrection': z.object({ id }).strict(),
  /**
   * Bulk corrections (the grid's selection bar): one batch, one transaction, one undo token. rejectSceneMany without
   * a label rejects the scene each photo shows. Photos that cannot take the change (missing, unreadable) are skipped.
   */
  'photos.setSceneMany': z.object({ ids: manyIds, label }).strict(),
  'photos.rejectSceneMany': z.object({ ids: manyIds, label: label.nullable().default(null) }).strict(),
  /** Restores exactly the corrections a bulk batch replaced; each token once. */
  'corrections.undo': z.object({ token: z.string().min(1).max(100) }).strict(),
  /** The paths a person sees (as PhotoDetail's folderDisplayPath + relativeDir + name), for "Copy paths". */
  'photos.displayPaths': z.object({ ids: manyIds }).strict(),
  /** Desktop only. */
  'photos.showInFolder': z.object({ id }).strict(),
  'photos.openExternal': z.object({ id }).strict(),
  /** By date: how many photos each month holds (newest first; undated photos counted apart); with `days`, each day too. */
  'photos.months': z.object({ days: z.boolean().optional() }).strict(),
  'scenes.groups': z.object({}).strict(),
  'scenes.vocabulary': z.object({}).strict(),
  'search.run': z.object({ q: z.string().max(500), ...page }).strict(),
  'search.suggest': z.object({ prefix: z.string().max(80), limit: z.number().int().min(1).max(50).default(8) }).strict(),
  'settings.setThreshold': z.object({ threshold: z.number().min(0).max(1) }).strict(),
  /** Writing scene keywords into the photos' metadata for other apps: the setting and the background writer's progress. */
  'settings.keywords': z.object({}).strict(),
  /**
   * Chooses where scene keywords are written (off, XMP sidecars, or embedded in the photo files) and writes every
   * photo's keywords in the background; fields left out keep their value.
   */
  'settings.setKeywords': z
    .object({
      mode: z.enum(['off', 'sidecar', 'embedded']).optional(),
      sidecarName: z.enum(['basename', 'filename']).optional(),
      keepModifiedTime: z.boolean().optional(),
    })
    .strict(),
  /** Takes Scenery's keywords out of every file it wrote them to (everything else stays) and turns writing off. */
  'keywords.remove': z.object({}).strict(),
  /** Stops the background keyword writer after the files in flight. */
  'keywords.cancel': z.object({}).strict(),
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
  'model.list': z.object({}).strict(),
  /** Switches to an installed model (and makes it the one used next time). */
  'model.use': z.object({ name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/i, 'an installed model name') }).strict(),
  /** Switch to (making it first if needed) or away from the int8 variant of the installed model. */
  'model.useInt8': z.object({ use: z.boolean() }).strict(),
  /** Personal scenes (scenes taught by example); `notice` says which were retrained after a model switch. */
  'personal.list': z.object({}).strict(),
  /** A new personal scene from example photos (the UI asks for 3 or more); trained at once. */
  'personal.create': z.object({ name: personalName, photoIds: z.array(id).min(1).max(10_000) }).strict(),
  /**
   * Answers: `yes` (also one of these) or `no` (not this scene), with where they were given (the suggestions strip,
   * "Not this", "Set scene"...). Retrains.
   */
  'personal.answer': z
    .object({ id, photoIds: z.array(id).min(1).max(10_000), answer: z.enum(['yes', 'no']), source: z.enum(['example', 'yes', 'no', 'not-this', 'set-scene']).optional() })
    .strict(),
  /** Takes answers back (undo). Retrains. */
  'personal.forget': z.object({ id, photoIds: z.array(id).min(1).max(10_000) }).strict(),
  'personal.rename': z.object({ id, name: personalName }).strict(),
  'personal.remove': z.object({ id }).strict(),
  /** The photos the scene is least sure about, for "Is this also …? yes / no". */
  'personal.suggestions': z.object({ id, limit: z.number().int().min(1).max(50).default(6) }).strict(),
} as const;

// The same as contract.ts's Command and ParsedRequest, written here so that this module does not import contract.ts (which imports it).
type Command = keyof typeof requestSchemas;
type ParsedRequest<C extends Command> = z.output<(typeof requestSchemas)[C]>;

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

