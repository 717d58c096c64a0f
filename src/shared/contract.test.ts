import { describe, expect, it } from 'vitest';
import { ContractError, eventNames, type Command, type EventName, type Responses } from './contract.js';
import { isCommand, parseRequest, requestSchemas } from './requests.js';

/**
 * The contract's commands, written out. A command added to, renamed in or dropped from the schemas or the
 * response types fails this file (the runtime check below, and the type check under `tsc`) until it is listed here.
 */
const COMMANDS = [
  'app.info', 'library.status',
  'folders.list', 'folders.add', 'folders.remove', 'folders.pick', 'folders.browse', 'folders.tree',
  'photos.list', 'photos.ids', 'photos.months', 'photos.get', 'photos.similar', 'photos.explain', 'photos.setScene', 'photos.rejectScene', 'photos.clearCorrection', 'photos.setSceneMany', 'photos.rejectSceneMany', 'corrections.undo', 'photos.displayPaths', 'photos.showInFolder', 'photos.openExternal',
  'scenes.groups', 'scenes.vocabulary', 'search.run', 'search.suggest', 'settings.setThreshold',
  'settings.keywords', 'settings.setKeywords', 'keywords.remove', 'keywords.cancel',
  'indexing.status', 'indexing.pause', 'indexing.resume', 'indexing.retryFailed',
  'model.status', 'model.fetch', 'model.pauseFetch', 'model.import', 'model.pickAndImport', 'model.list', 'model.use', 'model.useInt8',
  'personal.list', 'personal.create', 'personal.answer', 'personal.forget', 'personal.rename', 'personal.remove', 'personal.suggestions',
] as const;
const EVENTS = ['indexing.progress', 'photo.added', 'photo.updated', 'photo.removed', 'folders.changed', 'model.status', 'keywords.progress', 'personal.changed'] as const;

// Both directions, at compile time: nothing in the contract is missing from the lists, nothing listed is not in it.
type Listed = (typeof COMMANDS)[number];
type Same<A, B> = [Exclude<A, B>, Exclude<B, A>] extends [never, never] ? true : false;
const schemasMatchList: Same<Command, Listed> = true;
const responsesMatchList: Same<keyof Responses, Listed> = true;
const eventsMatchList: Same<EventName, (typeof EVENTS)[number]> = true;

describe('contract validation', () => {
  it('accepts a valid request and fills defaults', () => {
    expect(parseRequest('photos.list', {})).toEqual({ order: 'date', scene: null, folderId: null, subfolder: null, status: null, dated: null, month: null, offset: 0, limit: 500 });
    expect(parseRequest('search.run', { q: 'beach', limit: 10 })).toEqual({ q: 'beach', offset: 0, limit: 10 });
  });

  it('answers bad input with a typed error naming each field', () => {
    try {
      parseRequest('photos.get', { id: -3 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ContractError);
      expect((e as ContractError).code).toBe('invalid_request');
      expect((e as ContractError).issues?.[0]?.path).toBe('id');
    }
    expect(() => parseRequest('photos.get', { id: '1' })).toThrow(/id/);
    expect(() => parseRequest('photos.get', { id: 1, extra: true })).toThrow(/extra|Unrecognized/i);
    expect(() => parseRequest('photos.list', { limit: 1e9 })).toThrow(/limit/);
    expect(() => parseRequest('folders.add', { path: '' })).toThrow(/path/);
    expect(() => parseRequest('model.fetch', { name: 'resnet' })).toThrow(/name/);
    expect(() => parseRequest('app.info', null)).not.toThrow();
  });

  it('validates the folder browser request: a path or null (home), nothing else', () => {
    expect(parseRequest('folders.browse', {})).toEqual({ path: null, showHidden: false });
    expect(parseRequest('folders.browse', { path: '~/Pictures', showHidden: true })).toEqual({ path: '~/Pictures', showHidden: true });
    expect(() => parseRequest('folders.browse', { path: '' })).toThrow(/path/);
    expect(() => parseRequest('folders.browse', { path: 'a'.repeat(4097) })).toThrow(/path/);
    expect(() => parseRequest('folders.browse', { path: '/tmp/\0x' })).toThrow(/NUL/);
    expect(() => parseRequest('folders.browse', { path: 7 })).toThrow(/path/);
    expect(() => parseRequest('folders.browse', { path: '/', files: true })).toThrow(/files|Unrecognized/i);
  });

  it('knows its commands and only those', () => {
    expect(isCommand('photos.get')).toBe(true);
    expect(isCommand('constructor')).toBe(false);
    expect(isCommand('__proto__')).toBe(false);
    expect(isCommand(42)).toBe(false);
    expect([schemasMatchList, responsesMatchList, eventsMatchList]).toEqual([true, true, true]);
    expect(new Set(COMMANDS).size).toBe(COMMANDS.length);
    expect(Object.keys(requestSchemas).sort()).toEqual([...COMMANDS].sort());
    for (const c of COMMANDS) expect(isCommand(c), c).toBe(true);
    expect([...eventNames].sort()).toEqual([...EVENTS].sort());
    expect(new Set(eventNames).size).toBe(eventNames.length);
  });

  it('round-trips errors through their wire form', () => {
    const e = new ContractError('not_found', 'no photo with id 9');
    expect(ContractError.fromBody(JSON.parse(JSON.stringify(e.toBody())))).toMatchObject({ code: 'not_found', message: 'no photo with id 9' });
  });
});
