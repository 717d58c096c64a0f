/**
 * What a shell (the desktop app, the browser server) needs from the engine:
 * contract calls, media lookups by id, and events. The engine process's
 * client provides it across a process boundary; `inProcessEngine` provides it
 * on the caller's own thread (tests, tools that already hold a Library).
 */
import type { Envelope, EventName, Events } from '../../shared/contract.js';
import { createHandlers, dispatch, type PlatformHooks } from '../api/handlers.js';
import type { Library } from '../library.js';
import { resolveMedia, type MediaKind } from '../media/media-files.js';

export interface EngineHandle {
  call(command: string, payload: unknown): Promise<Envelope<unknown>>;
  /** Throws MediaError (403/404/415/500) when the id does not lead to a file it may serve. */
  /** `download`: the name to save an `original` under (sent as Content-Disposition). */
  resolveMedia(kind: MediaKind, photoId: number): Promise<{ path: string; contentType: string; download?: string }>;
  onEvent(listener: <E extends EventName>(name: E, payload: Events[E]) => void): () => void;
}

export function inProcessEngine(lib: Library, platform: PlatformHooks): EngineHandle {
  const table = createHandlers(lib, platform);
  return {
    call: (command, payload) => dispatch(table, command, payload),
    resolveMedia: (kind, id) => resolveMedia(lib, kind, id),
    onEvent: (listener) => lib.events.onAny(listener),
  };
}
