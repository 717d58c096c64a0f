/**
 * The shell side of the engine process: starts it, relays contract calls and
 * media lookups to it, hands its events to listeners, and answers its
 * platform requests. Used by the Electron main process (with a
 * utilityProcess) and by tests and the bench (with a Node child process).
 * A call to an engine that has stopped answers `unavailable`, never hangs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { ContractError, type Command, type Envelope, type EventName, type Events, type Request, type Response } from '../../shared/contract.js';
import { MediaError, type MediaKind } from '../media/media-files.js';
import type { EngineHostOptions, FromEngine, MediaAnswer, PlatformOp, ToEngine } from './engine-protocol.js';
import { builtEntry } from '../built-entry.js';
import { endOrphanedHelpers } from './helper-processes.js';

/** A started engine process, whatever runs it. */
export interface EngineChild {
  post(msg: ToEngine): void;
  onMessage(listener: (msg: FromEngine) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

export type PlatformHandler = (op: PlatformOp, path: string | undefined, watched: string[]) => Promise<string | null>;

export class EngineStoppedError extends Error {
  constructor(readonly code: number | null) {
    super(`the Scenery engine stopped unexpectedly (exit code ${code ?? 'none'})`);
    this.name = 'EngineStoppedError';
  }
}

type EventListener = <E extends EventName>(name: E, payload: Events[E]) => void;

export class EngineClient {
  private nextId = 1;
  private readonly calls = new Map<number, (e: Envelope<unknown>) => void>();
  private readonly media = new Map<number, (a: MediaAnswer) => void>();
  private readonly listeners = new Set<EventListener>();
  private readonly exitListeners = new Set<(err: EngineStoppedError | null) => void>();
  private exited = false;
  private closing: Promise<void> | null = null;
  private closedAnswered = false;
  private helperPids: number[] = [];
  readonly pid: number;

  private constructor(
    private readonly child: EngineChild,
    pid: number,
  ) {
    this.pid = pid;
  }

  /** Starts the engine on `child` and resolves once its library is open (rejects with the reason it could not). */
  static start(child: EngineChild, options: EngineHostOptions, platform: PlatformHandler | null, timeoutMs = 120_000): Promise<EngineClient> {
    return new Promise((resolve, reject) => {
      let client: EngineClient | null = null;
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error(`the Scenery engine did not start within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      child.onMessage((msg) => {
        if (msg.t === 'ready') {
          clearTimeout(timer);
          client = new EngineClient(child, msg.pid);
          resolve(client);
        } else if (msg.t === 'open-failed') {
          clearTimeout(timer);
          reject(new Error(msg.message));
        } else if (client) client.receive(msg, platform);
      });
      child.onExit((code) => {
        clearTimeout(timer);
        if (client) client.stopped(code);
        else reject(new EngineStoppedError(code));
      });
      child.post({ t: 'open', options });
    });
  }

  /** Relays one contract call; the engine validates it. Never throws: failures are error envelopes. */
  call(command: string, payload: unknown): Promise<Envelope<unknown>> {
    if (this.exited || this.closing) return Promise.resolve(unavailable(this.exited ? 'the Scenery engine has stopped' : 'the Scenery engine is closing'));
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.calls.set(id, resolve);
      this.child.post({ t: 'call', id, command, payload });
    });
  }

  /** A typed call that throws the contract error it receives. */
  async request<C extends Command>(command: C, request: Request<C>): Promise<Response<C>> {
    const env = await this.call(command, request);
    if (!env.ok) throw new ContractError(env.error.code, env.error.message, env.error.issues);
    return env.value as Response<C>;
  }

  /** The file behind a media URL (thumbnail or photo, by id), checked by the engine; throws MediaError. */
  resolveMedia(kind: MediaKind, photoId: number): Promise<{ path: string; contentType: string; download?: string }> {
    if (this.exited || this.closing) return Promise.reject(new MediaError(500, 'the Scenery engine is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.media.set(id, (a) => (a.ok ? resolve({ path: a.path, contentType: a.contentType, ...(a.download ? { download: a.download } : {}) }) : reject(new MediaError(a.status, a.message))));
      this.child.post({ t: 'media', id, kind, photoId });
    });
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called once when the engine process ends: with an error when it was not asked to. */
  onExit(listener: (err: EngineStoppedError | null) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  /** The engine's ExifTool processes, as it last reported them. */
  get helpers(): readonly number[] {
    return this.helperPids;
  }

  get running(): boolean {
    return !this.exited;
  }

  /** Closes the library (the indexer finishes its batch) and waits for the process to end; kills it after `graceMs`. */
  close(graceMs = 15_000): Promise<void> {
    if (this.exited) return Promise.resolve();
    this.closing ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.child.kill(), graceMs);
      this.exitListeners.add(() => {
        clearTimeout(timer);
        resolve();
      });
      this.child.post({ t: 'close' });
    });
    return this.closing;
  }

  private receive(msg: FromEngine, platform: PlatformHandler | null): void {
    switch (msg.t) {
      case 'result': {
        const done = this.calls.get(msg.id);
        this.calls.delete(msg.id);
        done?.(msg.envelope);
        break;
      }
      case 'media-result': {
        const done = this.media.get(msg.id);
        this.media.delete(msg.id);
        done?.(msg.answer);
        break;
      }
      case 'event':
        for (const l of this.listeners) l(msg.name, msg.payload);
        break;
      case 'platform': {
        const answer = platform ? platform(msg.op, msg.path, msg.watched ?? []) : Promise.reject(new Error(`${msg.op} is not available here`));
        answer.then(
          (value) => this.child.post({ t: 'platform-reply', id: msg.id, ok: true, value }),
          (e: unknown) => this.child.post({ t: 'platform-reply', id: msg.id, ok: false, message: (e as Error).message }),
        );
        break;
      }
      case 'helpers':
        this.helperPids = msg.pids;
        break;
      case 'closed':
        this.closedAnswered = true;
        break;
      default:
        break;
    }
  }

  private stopped(code: number | null): void {
    if (this.exited) return;
    this.exited = true;
    const expected = this.closing !== null && (this.closedAnswered || code === 0);
    const err = expected ? null : new EngineStoppedError(code);
    // A graceful close ended the engine's ExifTool processes; a crash or a kill left them running.
    if (err) endOrphanedHelpers(this.helperPids);
    for (const done of this.calls.values()) done(unavailable(err?.message ?? 'the Scenery engine has stopped'));
    this.calls.clear();
    for (const done of this.media.values()) done({ ok: false, status: 500, message: 'the Scenery engine has stopped' });
    this.media.clear();
    for (const l of this.exitListeners) l(err);
  }
}

function unavailable(message: string): Envelope<never> {
  return { ok: false, error: { code: 'unavailable', message } };
}

/** The built engine entry: beside this bundle (out/main, out/cli), else out/cli from the repository root. */
export function defaultEngineEntry(): string {
  return builtEntry('engine-process.js');
}

/** The engine in a Node child process (tests, the bench, a headless shell). */
export function forkEngine(entry = defaultEngineEntry(), execArgv: string[] = []): EngineChild {
  const cp: ChildProcess = fork(entry, [], { serialization: 'advanced', execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    post: (msg) => {
      if (cp.connected) cp.send(msg);
    },
    onMessage: (fn) => cp.on('message', (m) => fn(m as FromEngine)),
    onExit: (fn) => cp.on('exit', (code) => fn(code)),
    kill: () => cp.kill('SIGKILL'),
  };
}
