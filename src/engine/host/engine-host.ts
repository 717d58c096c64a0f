/**
 * The engine side of the engine process: opens the library, answers contract
 * calls and media lookups, forwards every engine event, and asks the shell
 * for what only it can do. Free of Electron and of any transport: the entry
 * (engine-process.ts) hands it a port, and tests hand it an in-memory one.
 */
import { realpathSync } from 'node:fs';
import { createHandlers, dispatch, type PlatformHooks } from '../api/handlers.js';
import { Library } from '../library.js';
import { MediaError, resolveMedia } from '../media/media-files.js';
import { exiftoolPids } from '../metadata/exiftool.js';
import type { EngineHostOptions, FromEngine, PlatformOp, ToEngine } from './engine-protocol.js';

export interface HostPort {
  post(msg: FromEngine): void;
  onMessage(listener: (msg: ToEngine) => void): void;
}

/** Serves one library over `port` until the shell sends `close`; resolves when the library is closed. */
export function runEngineHost(port: HostPort, open: (o: EngineHostOptions) => Promise<Library> = openLibrary): Promise<void> {
  let lib: Library | null = null;
  let opening: Promise<void> | null = null;
  let nextId = 1;
  const waiting = new Map<number, { resolve(v: string | null): void; reject(e: Error): void }>();
  // Calls that arrive while the library opens wait for it, in order.
  const queue: ToEngine[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));

  const askShell = (op: PlatformOp, path?: string): Promise<string | null> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      port.post({ t: 'platform', id, op, path, watched: path ? watchedReal(lib!) : undefined });
    });

  const serve = (msg: ToEngine, l: Library, table: ReturnType<typeof createHandlers>): void => {
    if (msg.t === 'call') {
      void dispatch(table, msg.command, msg.payload).then((envelope) => port.post({ t: 'result', id: msg.id, envelope }));
    } else if (msg.t === 'media') {
      resolveMedia(l, msg.kind, msg.photoId).then(
        (f) => port.post({ t: 'media-result', id: msg.id, answer: { ok: true, path: f.path, contentType: f.contentType, ...(f.download ? { download: f.download } : {}) } }),
        (e: unknown) =>
          port.post({ t: 'media-result', id: msg.id, answer: { ok: false, status: e instanceof MediaError ? e.status : 500, message: (e as Error).message } }),
      );
    }
  };

  let table: ReturnType<typeof createHandlers> | null = null;
  let helpers: NodeJS.Timeout | null = null;
  port.onMessage((msg) => {
    if (msg.t === 'platform-reply') {
      const w = waiting.get(msg.id);
      waiting.delete(msg.id);
      if (msg.ok) w?.resolve(msg.value);
      else w?.reject(new Error(msg.message));
      return;
    }
    if (msg.t === 'open' && !opening) {
      opening = open(msg.options).then(
        (l) => {
          lib = l;
          table = createHandlers(l, platformHooks(msg.options, askShell));
          l.events.onAny((name, payload) => port.post({ t: 'event', name, payload }));
          port.post({ t: 'ready', pid: process.pid });
          helpers = reportHelpers(port);
          for (const m of queue.splice(0)) handle(m);
        },
        (e: unknown) => {
          port.post({ t: 'open-failed', message: (e as Error).message });
          done();
        },
      );
      return;
    }
    handle(msg);
  });

  function handle(msg: ToEngine): void {
    if (!lib || !table) {
      queue.push(msg);
      return;
    }
    if (msg.t === 'close') {
      const l = lib;
      lib = null;
      if (helpers) clearInterval(helpers);
      for (const w of waiting.values()) w.reject(new Error('the engine is closing'));
      void l.close().finally(() => {
        port.post({ t: 'closed' });
        done();
      });
      return;
    }
    serve(msg, lib, table);
  }
  return finished;
}

/** Tells the shell which ExifTool processes run, whenever that changes (checked every 500 ms). */
function reportHelpers(port: HostPort, everyMs = 500): NodeJS.Timeout {
  let last = '';
  const timer = setInterval(() => {
    const pids = exiftoolPids();
    const key = pids.join(',');
    if (key === last) return;
    last = key;
    port.post({ t: 'helpers', pids });
  }, everyMs);
  timer.unref();
  return timer;
}

function openLibrary(o: EngineHostOptions): Promise<Library> {
  return Library.open({ dir: o.dir, modelsDir: o.modelsDir, model: o.model ?? null, workerPath: o.workerPath, lockCommand: o.lockCommand });
}

function watchedReal(lib: Library): string[] {
  const out: string[] = [];
  for (const f of lib.catalog.folders()) {
    try {
      out.push(realpathSync(f.path));
    } catch {
      // offline: nothing in it can be shown
    }
  }
  return out;
}

function platformHooks(o: EngineHostOptions, ask: (op: PlatformOp, path?: string) => Promise<string | null>): PlatformHooks {
  const has = (op: PlatformOp): boolean => o.platform.includes(op);
  return {
    mode: o.mode,
    pickFolder: has('pickFolder') ? () => ask('pickFolder') : undefined,
    pickModelFile: has('pickModelFile') ? () => ask('pickModelFile') : undefined,
    showInFolder: has('showInFolder') ? async (p) => void (await ask('showInFolder', p)) : undefined,
    openExternal: has('openExternal') ? async (p) => void (await ask('openExternal', p)) : undefined,
  };
}
