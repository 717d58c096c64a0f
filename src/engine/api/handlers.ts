/**
 * The engine's handler table: one function per contract command. Typed as a
 * complete map, so a command added to the contract and not handled here is a
 * compile error. `dispatch` validates every request at runtime and turns any
 * failure into a typed error; it never throws.
 */
import { isCommand, parseRequest } from '../../shared/requests.js';
import {
  ContractError,
  type Command,
  type Envelope,
  type ParsedRequest,
  type Response,
} from '../../shared/contract.js';
import { toErrorBody } from '../../shared/errors.js';
import type { Library } from '../library.js';
import { ENGINE_VERSION } from '../version.js';
import { browseFolders } from '../folder-browser.js';

export type HandlerTable = { [C in Command]: (req: ParsedRequest<C>) => Promise<Response<C>> | Response<C> };

/** What only a desktop shell can do (native dialogs, the OS file manager). */
export interface PlatformHooks {
  mode: 'desktop' | 'browser';
  pickFolder?(): Promise<string | null>;
  pickModelFile?(): Promise<string | null>;
  showInFolder?(path: string): Promise<void> | void;
  openExternal?(path: string): Promise<void> | void;
}

function unsupported(what: string): never {
  throw new ContractError('unsupported', `${what} is only available in the desktop app`);
}

export function createHandlers(lib: Library, platform: PlatformHooks): HandlerTable {
  const photoPath = (id: number): string => {
    const f = lib.folders.photoFile(id);
    if (!f) throw new ContractError('not_found', `no photo with id ${id}`);
    return f.path;
  };
  return {
    'app.info': () => ({ name: 'Scenery', version: ENGINE_VERSION, mode: platform.mode, platform: process.platform }),
    'library.status': () => lib.status(),
    'folders.list': () => lib.folders.list(),
    'folders.add': (r) => lib.folders.add(r.path),
    'folders.remove': async (r) => ({ removed: await lib.folders.remove(r.id) }),
    'folders.pick': async () => {
      if (!platform.pickFolder) unsupported('The folder picker');
      const path = await platform.pickFolder();
      return path ? lib.folders.add(path) : null;
    },
    'folders.browse': (r) => {
      // The desktop app chooses folders with the native dialog, and its renderer sees no paths at all.
      if (platform.mode !== 'browser') throw new ContractError('unsupported', 'The folder browser is only used in browser mode; the desktop app uses the system’s folder dialog');
      return browseFolders(r.path, { showHidden: r.showHidden });
    },
    'folders.tree': (r) => lib.folders.tree(r.folderId),
    'photos.list': (r) => lib.browse.listPhotos(r),
    'photos.ids': (r) => lib.browse.photoIds(r),
    'photos.months': (r) => lib.browse.monthCounts(r.days === true),
    'photos.get': (r) => lib.browse.photo(r.id),
    'photos.similar': (r) => lib.search.similar(r.id, r.limit),
    'photos.explain': (r) => lib.models.explain(r.id, r.label),
    // A personal scene's key (my:<id>) instead of a Places365 label: a yes/no answer that retrains it.
    'photos.setScene': (r) => (r.label.startsWith('my:') ? lib.corrections.personalCorrection(r.id, r.label, true) : lib.corrections.setScene(r.id, r.label)),
    'photos.rejectScene': (r) => (r.label.startsWith('my:') ? lib.corrections.personalCorrection(r.id, r.label, false) : lib.corrections.rejectScene(r.id, r.label)),
    'photos.clearCorrection': (r) => lib.corrections.clearCorrection(r.id),
    // With a personal scene's key (my:<id>): yes/no answers for it, retrained once, undone by the same token path.
    'photos.setSceneMany': (r) => (r.label.startsWith('my:') ? lib.corrections.personalAnswerMany(r.ids, r.label, true) : lib.corrections.setSceneMany(r.ids, r.label)),
    'photos.rejectSceneMany': (r) => (r.label?.startsWith('my:') ? lib.corrections.personalAnswerMany(r.ids, r.label, false) : lib.corrections.rejectSceneMany(r.ids, r.label)),
    'corrections.undo': async (r) => (await lib.corrections.undoPersonalAnswers(r.token)) ?? lib.corrections.undoCorrections(r.token),
    'photos.displayPaths': (r) => lib.browse.displayPaths(r.ids),
    'photos.showInFolder': async (r) => {
      if (!platform.showInFolder) unsupported('Show in folder');
      await platform.showInFolder(photoPath(r.id));
      return { ok: true };
    },
    'photos.openExternal': async (r) => {
      if (!platform.openExternal) unsupported('Open with the default app');
      await platform.openExternal(photoPath(r.id));
      return { ok: true };
    },
    'scenes.groups': () => lib.browse.sceneGroups(),
    'scenes.vocabulary': () => lib.browse.vocabulary(),
    'search.run': (r) => lib.search.run(r.q, r.offset, r.limit),
    'search.suggest': (r) => lib.search.suggest(r.prefix, r.limit),
    'settings.setThreshold': (r) => ({ threshold: lib.setThreshold(r.threshold) }),
    'settings.keywords': () => lib.keywords.state(),
    'settings.setKeywords': (r) => lib.keywords.setSettings(r),
    'keywords.remove': () => lib.keywords.remove(),
    'keywords.cancel': () => {
      lib.keywords.jobs.cancel();
      return lib.keywords.state();
    },
    'indexing.status': () => lib.progress(),
    'indexing.pause': () => {
      lib.indexer.pause();
      return lib.progress();
    },
    'indexing.resume': () => {
      lib.indexer.resume();
      return lib.progress();
    },
    'indexing.retryFailed': () => ({ requeued: lib.folders.retryFailed() }),
    'model.status': () => lib.models.state,
    'model.fetch': (r) => {
      lib.models.startFetch(r.name);
      return lib.models.state;
    },
    'model.pauseFetch': () => {
      lib.models.pauseFetch();
      return lib.models.state;
    },
    'model.import': async (r) => {
      await lib.models.import(r.path);
      return lib.models.state;
    },
    'model.pickAndImport': async () => {
      if (!platform.pickModelFile) unsupported('The file picker');
      const path = await platform.pickModelFile();
      if (path) await lib.models.import(path);
      return lib.models.state;
    },
    'model.list': () => lib.models.installed(),
    'model.use': async (r) => {
      await lib.models.use(r.name);
      return lib.models.state;
    },
    'model.useInt8': async (r) => {
      await lib.models.useInt8(r.use);
      return lib.models.state;
    },
    'personal.list': () => ({ scenes: lib.personal.list(), notice: lib.personal.notice }),
    'personal.create': (r) => lib.personal.create(r.name, r.photoIds),
    'personal.answer': (r) => lib.personal.answer(r.id, r.photoIds, r.answer === 'yes', r.source ?? r.answer),
    'personal.forget': (r) => lib.personal.forget(r.id, r.photoIds),
    'personal.rename': (r) => lib.personal.rename(r.id, r.name),
    'personal.remove': (r) => ({ removed: lib.personal.remove(r.id) }),
    'personal.suggestions': (r) => lib.browse.personalSuggestions(r.id, r.limit),
  };
}

/** Validates and runs one command; every failure becomes an error envelope. */
export async function dispatch(table: HandlerTable, command: unknown, payload: unknown): Promise<Envelope<unknown>> {
  try {
    if (!isCommand(command)) throw new ContractError('unknown_command', `unknown command ${JSON.stringify(command)?.slice(0, 80)}`);
    const req = parseRequest(command, payload);
    const handler = table[command] as (r: typeof req) => unknown;
    return { ok: true, value: await handler(req) };
  } catch (e) {
    return { ok: false, error: toErrorBody(e) };
  }
}
