/**
 * The messages between a shell (the Electron main process, a test, the
 * bench) and the engine running in its own process. The engine process owns
 * the catalog, the scanner, the indexer and the model worker, so the shell's
 * thread never runs SQL or a search; the shell only relays contract calls
 * and events, and answers the few requests only it can serve (native dialogs,
 * the OS file manager). Messages are structured-cloned by the transport
 * (Electron's utilityProcess, or Node's fork with advanced serialization).
 */
import type { Envelope, EventName, Events } from '../../shared/contract.js';
import type { MediaKind } from '../media/media-files.js';

/** What the shell can do for the engine; the engine offers the matching contract commands only when present. */
export type PlatformOp = 'pickFolder' | 'pickModelFile' | 'showInFolder' | 'openExternal';

export interface EngineHostOptions {
  dir: string;
  modelsDir?: string;
  model?: string | null;
  workerPath?: string;
  mode: 'desktop' | 'browser';
  platform: PlatformOp[];
  /** What the library's writer lock names as its holder (`scenery serve --library …`, the app): the engine process's own argv says only "engine-process". */
  lockCommand?: string;
}

export type ToEngine =
  | { t: 'open'; options: EngineHostOptions }
  | { t: 'call'; id: number; command: string; payload: unknown }
  | { t: 'media'; id: number; kind: MediaKind; photoId: number }
  | { t: 'platform-reply'; id: number; ok: true; value: string | null }
  | { t: 'platform-reply'; id: number; ok: false; message: string }
  | { t: 'close' };

export type MediaAnswer = { ok: true; path: string; contentType: string; download?: string } | { ok: false; status: 403 | 404 | 415 | 500; message: string };

export type FromEngine =
  | { t: 'ready'; pid: number }
  | { t: 'open-failed'; message: string }
  | { t: 'result'; id: number; envelope: Envelope<unknown> }
  | { t: 'media-result'; id: number; answer: MediaAnswer }
  | { t: 'event'; name: EventName; payload: Events[EventName] }
  /** `watched`: the real paths of the watched folders, so the shell can refuse a path outside them. */
  | { t: 'platform'; id: number; op: PlatformOp; path?: string; watched?: string[] }
  /** The engine's ExifTool processes now, for the shell to end if the engine dies without closing (helper-processes.ts). */
  | { t: 'helpers'; pids: number[] }
  | { t: 'closed' };
