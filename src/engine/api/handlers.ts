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
    const f = lib.photoFile(id);
    if (!f) throw new ContractError('not_found', `no photo with id ${id}`);
    return f.path;
  };
  return {
    'app.info': () => ({ name: 'Scenery', version: ENGINE_VERSION, mode: platform.mode, platform: process.platform }),
    'library.status': () => lib.status(),
    'folders.list': () => lib.folders(),
    'folders.add': (r) => lib.addFolder(r.path),
    'folders.remove': async (r) => ({ removed: await lib.removeFolder(r.id) }),
    'folders.pick': async () => {
      if (!platform.pickFolder) unsupported('The folder picker');
      const path = await platform.pickFolder();
      return path ? lib.addFolder(path) : null;
    },
    'folders.browse': (r) => {
      // The desktop app chooses folders with the native dialog, and its renderer sees no paths at all.
      if (platform.mode !== 'browser') throw new ContractError('unsupported', 'The folder browser is only used in browser mode; the desktop app uses the system’s folder dialog');
      return browseFolders(r.path, { showHidden: r.showHidden });
    },
    'folders.tree': (r) => lib.folderTree(r.folderId),
    'photos.list': (r) => lib.listPhotos(r),
    'photos.ids': (r) => lib.photoIds(r),
    'photos.months': (r) => lib.monthCounts(r.days === true),
    'photos.get': (r) => lib.photo(r.id),
    'photos.similar': (r) => lib.similar(r.id, r.limit),
    'photos.explain': (r) => lib.explain(r.id, r.label),
    // A personal scene's key (my:<id>) instead of a Places365 label: a yes/no answer that retrains it.
    'photos.setScene': (r) => (r.label.startsWith('my:') ? lib.personalCorrection(r.id, r.label, true) : lib.setScene(r.id, r.label)),
    'photos.rejectScene': (r) => (r.label.startsWith('my:') ? lib.personalCorrection(r.id, r.label, false) : lib.rejectScene(r.id, r.label)),
    'photos.clearCorrection': (r) => lib.clearCorrection(r.id),
    // With a personal scene's key (my:<id>): yes/no answers for it, retrained once, undone by the same token path.
    'photos.setSceneMany': (r) => (r.label.startsWith('my:') ? lib.personalAnswerMany(r.ids, r.label, true) : lib.setSceneMany(r.ids, r.label)),
    'photos.rejectSceneMany': (r) => (r.label?.startsWith('my:') ? lib.personalAnswerMany(r.ids, r.label, false) : lib.rejectSceneMany(r.ids, r.label)),
    'corrections.undo': async (r) => (await lib.undoPersonalAnswers(r.token)) ?? lib.undoCorrections(r.token),
    'photos.displayPaths': (r) => lib.displayPaths(r.ids),
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
    'scenes.groups': () => lib.sceneGroups(),
    'scenes.vocabulary': () => lib.vocabulary(),
    'search.run': (r) => lib.search(r.q, r.offset, r.limit),
    'search.suggest': (r) => lib.suggest(r.prefix, r.limit),
    'settings.setThreshold': (r) => ({ threshold: lib.setThreshold(r.threshold) }),
    'settings.keywords': () => lib.keywordState(),
    'settings.setKeywords': (r) => lib.setKeywordSettings(r),
    'keywords.remove': () => lib.removeKeywords(),
    'keywords.cancel': () => {
      lib.keywordJobs.cancel();
      return lib.keywordState();
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
    'indexing.retryFailed': () => ({ requeued: lib.retryFailed() }),
    'model.status': () => lib.model,
    'model.fetch': (r) => {
      lib.startModelFetch(r.name);
      return lib.model;
    },
    'model.pauseFetch': () => {
      lib.pauseFetch();
      return lib.model;
    },
    'model.import': async (r) => {
      await lib.importModel(r.path);
      return lib.model;
    },
    'model.pickAndImport': async () => {
      if (!platform.pickModelFile) unsupported('The file picker');
      const path = await platform.pickModelFile();
      if (path) await lib.importModel(path);
      return lib.model;
    },
    'model.list': () => lib.installedModels(),
    'model.use': async (r) => {
      await lib.useModel(r.name);
      return lib.model;
    },
    'model.useInt8': async (r) => {
      await lib.useInt8(r.use);
      return lib.model;
    },
    'personal.list': () => ({ scenes: lib.personal.list(), notice: lib.personal.notice }),
    'personal.create': (r) => lib.personal.create(r.name, r.photoIds),
    'personal.answer': (r) => lib.personal.answer(r.id, r.photoIds, r.answer === 'yes', r.source ?? r.answer),
    'personal.forget': (r) => lib.personal.forget(r.id, r.photoIds),
    'personal.rename': (r) => lib.personal.rename(r.id, r.name),
    'personal.remove': (r) => ({ removed: lib.personal.remove(r.id) }),
    'personal.suggestions': (r) => lib.personalSuggestions(r.id, r.limit),
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
