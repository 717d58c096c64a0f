/**
 * Keeps an engine process running for a long-lived shell (the desktop app,
 * `scenery serve`). A crashed engine (a native decoder's segfault, the OS
 * killing it for memory) is started again: the catalog is durable and the
 * indexer resumes where it stopped. While it restarts, calls answer
 * `unavailable` rather than hang; listeners stay subscribed across restarts.
 * More than `maxCrashes` crashes within `windowMs` are given up on and
 * reported, since an engine that dies at once would otherwise loop.
 */
import { ContractError, type Command, type Envelope, type EventName, type Events, type Request, type Response } from '../../shared/contract.js';
import { MediaError, type MediaKind } from '../media/media-files.js';
import { EngineClient, EngineStoppedError, type EngineChild, type PlatformHandler } from './engine-client.js';
import type { EngineHandle } from './engine-handle.js';
import type { EngineHostOptions } from './engine-protocol.js';

export interface SupervisorHooks {
  /** A new engine is serving after a crash (a UI should reload what it shows). */
  restarted?(pid: number, cause: EngineStoppedError): void;
  /** Crashed too often, or could not start again: the shell should say so and stop. */
  gaveUp?(err: Error): void;
}

type Listener = <E extends EventName>(name: E, payload: Events[E]) => void;

export class EngineSupervisor implements EngineHandle {
  private client: EngineClient | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly crashes: number[] = [];
  private closing: Promise<void> | null = null;
  /** How many times the engine was started again after a crash. */
  restarts = 0;

  private constructor(
    private readonly spawn: () => EngineChild,
    private readonly options: EngineHostOptions,
    private readonly platform: PlatformHandler | null,
    private readonly hooks: SupervisorHooks,
    private readonly maxCrashes: number,
    private readonly windowMs: number,
  ) {}

  /** Starts the first engine; rejects (as EngineClient.start does) when it cannot open the library. */
  static async start(
    spawn: () => EngineChild,
    options: EngineHostOptions,
    platform: PlatformHandler | null,
    hooks: SupervisorHooks = {},
    limits: { maxCrashes?: number; windowMs?: number } = {},
  ): Promise<EngineSupervisor> {
    const s = new EngineSupervisor(spawn, options, platform, hooks, limits.maxCrashes ?? 3, limits.windowMs ?? 5 * 60_000);
    s.adopt(await EngineClient.start(spawn(), options, platform));
    return s;
  }

  /** The process serving now (null while it restarts). */
  get pid(): number | null {
    return this.client?.pid ?? null;
  }

  call(command: string, payload: unknown): Promise<Envelope<unknown>> {
    if (!this.client) return Promise.resolve({ ok: false, error: { code: 'unavailable', message: 'the Scenery engine is restarting' } });
    return this.client.call(command, payload);
  }

  /** A typed call that throws the contract error it receives. */
  async request<C extends Command>(command: C, request: Request<C>): Promise<Response<C>> {
    const env = await this.call(command, request);
    if (!env.ok) throw new ContractError(env.error.code, env.error.message, env.error.issues);
    return env.value as Response<C>;
  }

  resolveMedia(kind: MediaKind, photoId: number): Promise<{ path: string; contentType: string; download?: string }> {
    if (!this.client) return Promise.reject(new MediaError(500, 'the Scenery engine is restarting'));
    return this.client.resolveMedia(kind, photoId);
  }

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Closes the engine for good (no restart after this). */
  close(): Promise<void> {
    this.closing ??= this.client ? this.client.close() : Promise.resolve();
    return this.closing;
  }

  private adopt(client: EngineClient): void {
    this.client = client;
    client.onEvent((name, payload) => {
      for (const l of this.listeners) l(name, payload);
    });
    client.onExit((err) => {
      if (this.client === client) this.client = null;
      if (err && !this.closing) void this.restart(err);
    });
  }

  private async restart(cause: EngineStoppedError): Promise<void> {
    const now = Date.now();
    this.crashes.push(now);
    while (this.crashes.length && now - this.crashes[0]! > this.windowMs) this.crashes.shift();
    if (this.crashes.length > this.maxCrashes) {
      this.hooks.gaveUp?.(new Error(`${cause.message}; it stopped ${this.crashes.length} times in ${Math.round(this.windowMs / 60_000)} minutes, so it was not started again`));
      return;
    }
    try {
      const client = await EngineClient.start(this.spawn(), this.options, this.platform);
      if (this.closing) {
        await client.close();
        return;
      }
      this.restarts++;
      this.adopt(client);
      this.hooks.restarted?.(client.pid, cause);
    } catch (e) {
      this.hooks.gaveUp?.(e as Error);
    }
  }
}
