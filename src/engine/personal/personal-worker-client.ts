/**
 * The engine's handle on the personal-scenes worker (personal-worker.ts).
 * Requests are answered in the order they were sent (the worker handles one
 * message at a time), each by its number.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FromPersonalWorker, ToPersonalWorker } from './protocol.js';
import type { SceneScores, TrainSpec } from './scene-trainer.js';
import type { LinearModel } from './train.js';

/** The bundled worker sits next to the bundle; from sources (tests), use the built one in out/cli. */
export function personalWorkerPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const sibling = join(here, 'personal-worker.js');
  if (existsSync(sibling)) return sibling;
  let dir = here;
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'out', 'cli', 'personal-worker.js');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('personal-worker.js not found: run `npm run build:cli`');
}

type Waiting = { resolve: (m: FromPersonalWorker) => void; reject: (e: Error) => void };
type Body<T> = T extends unknown ? Omit<T, 'req'> : never;

export class PersonalWorkerClient {
  private worker: Worker | null = null;
  private next = 1;
  private readonly waiting = new Map<number, Waiting>();

  constructor(private readonly path = personalWorkerPath()) {}

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.path);
    w.unref();
    w.on('message', (m: FromPersonalWorker) => {
      const h = this.waiting.get(m.req);
      this.waiting.delete(m.req);
      if (!h) return;
      if (m.type === 'error') h.reject(new Error(m.message));
      else h.resolve(m);
    });
    const fail = (e: Error): void => {
      this.worker = null;
      for (const h of this.waiting.values()) h.reject(e);
      this.waiting.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`the personal-scenes worker stopped (exit ${code})`)));
    this.worker = w;
    return w;
  }

  private ask(msg: Body<ToPersonalWorker>, transfer: ArrayBuffer[] = []): Promise<FromPersonalWorker> {
    const w = this.start();
    const req = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(req, { resolve, reject });
      w.postMessage({ ...msg, req }, transfer);
    });
  }

  async reset(): Promise<void> {
    await this.ask({ type: 'reset' });
  }

  async upsert(ids: number[], vecs: Int8Array, dim: number): Promise<{ n: number; bytes: number }> {
    const m = await this.ask({ type: 'upsert', ids: Int32Array.from(ids), vecs, dim }, [vecs.buffer as ArrayBuffer]);
    return m.type === 'done' ? { n: m.n, bytes: m.bytes } : { n: 0, bytes: 0 };
  }

  async remove(ids: number[]): Promise<void> {
    await this.ask({ type: 'remove', ids });
  }

  async train(spec: TrainSpec): Promise<SceneScores> {
    const m = await this.ask({ type: 'train', spec });
    if (m.type !== 'trained') throw new Error('unexpected answer from the personal-scenes worker');
    return m;
  }

  async score(model: LinearModel, ids: number[]): Promise<{ id: number; score: number }[]> {
    const m = await this.ask({ type: 'score', model, ids });
    return m.type === 'scored' ? m.items : [];
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
