/**
 * The engine's handle on the model worker: a priority queue of single-image
 * requests, dispatched in batches (up to `maxBatch` for a backlog, alone for
 * a lone new photo), one batch in flight at a time. The worker is started on
 * first use and terminated after `idleMs` without work, releasing the model's
 * memory.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { PIXELS } from '../../imaging/model-input.js';
import { ModelRunError, ModelUnavailableError, WorkerCrashedError } from './model-errors.js';
import type { FromWorker, ToWorker } from './protocol.js';
import type { ProviderChoice } from './providers.js';
import { builtEntry } from '../../built-entry.js';

export interface ImageResult {
  prob: Float32Array;
  features: Float32Array;
  classes: number;
}

interface Pending {
  pixels: Float32Array;
  resolve: (r: ImageResult) => void;
  reject: (e: Error) => void;
}

export interface ExplainResult {
  /** The softmax of this forward pass (all outputs). */
  prob: Float32Array;
  /** Model output indices, one 14x14 map each in `cams`. */
  classes: number[];
  cams: Float32Array;
}

/** The model cannot be explained (not a Scenery-converted VGG16); the message says why. */
export class ExplainUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExplainUnavailable';
  }
}

interface PendingExplain {
  pixels: Float32Array;
  top: number;
  classes: number[];
  resolve: (r: ExplainResult) => void;
  reject: (e: Error) => void;
}

export interface ModelWorkerOptions {
  threads?: number;
  maxBatch?: number;
  idleMs?: number;
  workerPath?: string;
  /** 'auto' (default), 'cpu', or an onnxruntime provider name. */
  accelerator?: string;
  /** Called each time the worker has loaded the model (with the provider it chose). */
  onLoaded?: (provider: ProviderChoice) => void;
}

/** The bundled worker sits next to the bundle; from sources (tests), use the built one in out/cli. */
export function defaultWorkerPath(): string {
  return builtEntry('model-worker.js');
}

export class ModelWorkerClient {
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private readonly high: Pending[] = [];
  private readonly low: Pending[] = [];
  private inFlight = new Map<number, Pending[]>();
  /** Explanations go before any batch: a user is waiting for them. One in flight at a time, like batches. */
  private readonly explainQueue: PendingExplain[] = [];
  private explainInFlight = new Map<number, PendingExplain>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;
  /** Batch input buffers handed back by the worker, reused for the next batch of that size (4.8 MB at 8). */
  private readonly spare = new Map<number, Float32Array>();
  private closed = false;
  readonly threads: number;
  readonly maxBatch: number;
  private readonly idleMs: number;
  metadata: Record<string, string> = {};
  loadSeconds = 0;
  batchesRun = 0;
  provider: ProviderChoice | null = null;

  constructor(
    readonly modelPath: string,
    private readonly options: ModelWorkerOptions = {},
  ) {
    this.threads = options.threads ?? availableParallelism();
    this.maxBatch = options.maxBatch ?? 8;
    this.idleMs = options.idleMs ?? 60_000;
  }

  get queued(): number {
    return this.high.length + this.low.length + this.explainQueue.length;
  }

  get busy(): boolean {
    return this.inFlight.size > 0 || this.explainInFlight.size > 0;
  }

  /** Grad-CAM maps for the image's top `top` scenes plus `classes` (model output indices). */
  explain(pixels: Float32Array, top: number, classes: number[]): Promise<ExplainResult> {
    if (this.closed) return Promise.reject(new ModelUnavailableError('model worker is closed'));
    if (pixels.length !== 3 * PIXELS) return Promise.reject(new Error('expected one 3x224x224 image'));
    return new Promise((resolve, reject) => {
      this.explainQueue.push({ pixels, top, classes, resolve, reject });
      this.clearIdle();
      void this.pump();
    });
  }

  /** Loads the model now (otherwise it loads on the first classify). */
  async warm(): Promise<void> {
    await this.ensureWorker();
  }

  classify(pixels: Float32Array, priority: 'high' | 'low' = 'low'): Promise<ImageResult> {
    if (this.closed) return Promise.reject(new ModelUnavailableError('model worker is closed'));
    if (pixels.length !== 3 * PIXELS) return Promise.reject(new Error('expected one 3x224x224 image'));
    return new Promise((resolve, reject) => {
      (priority === 'high' ? this.high : this.low).push({ pixels, resolve, reject });
      this.clearIdle();
      void this.pump();
    });
  }

  private ensureWorker(): Promise<void> {
    if (this.ready) return this.ready;
    const worker = new Worker(this.options.workerPath ?? defaultWorkerPath());
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      const onFirst = (msg: FromWorker): void => {
        if (msg.type === 'loaded') {
          this.metadata = msg.metadata;
          this.loadSeconds = msg.loadSeconds;
          this.provider = msg.provider;
          this.options.onLoaded?.(msg.provider);
          resolve();
        } else if (msg.type === 'error' && msg.id === null) {
          reject(new ModelUnavailableError(`cannot load model ${this.modelPath}: ${msg.message}`));
          void this.terminate();
        }
      };
      worker.on('message', (msg: FromWorker) => {
        onFirst(msg);
        this.onMessage(msg);
      });
      worker.on('error', (e) => {
        const crashed = new WorkerCrashedError(`model worker failed: ${e.message}`, { cause: e });
        reject(crashed);
        this.failAll(crashed);
        this.worker = null;
        this.ready = null;
      });
      worker.on('exit', () => {
        if (this.worker === worker) {
          this.worker = null;
          this.ready = null;
          this.failAll(new WorkerCrashedError('model worker exited'));
        }
      });
    });
    const msg: ToWorker = { type: 'load', path: this.modelPath, threads: this.threads, accelerator: this.options.accelerator };
    worker.postMessage(msg);
    return this.ready;
  }

  private onMessage(msg: FromWorker): void {
    if (msg.type === 'loaded') return;
    const id = msg.id;
    if (id === null) return;
    const ex = this.explainInFlight.get(id);
    if (ex) {
      this.explainInFlight.delete(id);
      if (msg.type === 'explained') ex.resolve({ prob: msg.prob, classes: msg.classes, cams: msg.cams });
      else if (msg.type === 'error') ex.reject(msg.code === 'explain_unavailable' ? new ExplainUnavailable(msg.message) : new ModelRunError(msg.message));
      void this.pump();
      return;
    }
    const batch = this.inFlight.get(id);
    if (!batch) return;
    this.inFlight.delete(id);
    if (msg.type === 'result' && msg.pixels?.length === this.maxBatch * 3 * PIXELS) this.spare.set(msg.pixels.length, msg.pixels);
    if (msg.type === 'error') batch.forEach((p) => p.reject(new ModelRunError(msg.message)));
    else if (msg.type === 'result') {
      batch.forEach((p, i) =>
        p.resolve({
          prob: msg.prob.slice(i * msg.classes, (i + 1) * msg.classes),
          features: msg.features.slice(i * msg.featureDim, (i + 1) * msg.featureDim),
          classes: msg.classes,
        }),
      );
    }
    void this.pump();
  }

  private failAll(e: Error): void {
    for (const batch of this.inFlight.values()) batch.forEach((p) => p.reject(e));
    this.inFlight.clear();
    for (const p of [...this.high.splice(0), ...this.low.splice(0)]) p.reject(e);
    for (const p of [...this.explainInFlight.values(), ...this.explainQueue.splice(0)]) p.reject(e);
    this.explainInFlight.clear();
  }

  private async pump(): Promise<void> {
    if (this.busy || this.queued === 0) {
      if (!this.busy && this.queued === 0) this.armIdle();
      return;
    }
    try {
      await this.ensureWorker();
    } catch (e) {
      this.failAll(e instanceof ModelUnavailableError || e instanceof WorkerCrashedError ? e : new ModelUnavailableError(`cannot start the model worker: ${(e as Error).message}`, { cause: e }));
      return;
    }
    if (this.busy || this.queued === 0 || !this.worker) return;
    const ex = this.explainQueue.shift();
    if (ex) {
      const id = this.nextId++;
      this.explainInFlight.set(id, ex);
      const msg: ToWorker = { type: 'explain', id, pixels: ex.pixels, top: ex.top, classes: ex.classes };
      this.worker.postMessage(msg);
      return;
    }
    const source = this.high.length ? this.high : this.low;
    const batch = source.splice(0, this.maxBatch);
    const id = this.nextId++;
    this.inFlight.set(id, batch);
    const size = batch.length * 3 * PIXELS;
    const pixels = this.spare.get(size) ?? new Float32Array(size);
    this.spare.delete(size);
    batch.forEach((p, i) => pixels.set(p.pixels, i * 3 * PIXELS));
    const msg: ToWorker = { type: 'run', id, pixels, n: batch.length };
    this.batchesRun++;
    this.worker.postMessage(msg, [pixels.buffer as ArrayBuffer]);
  }

  private armIdle(): void {
    this.clearIdle();
    if (!this.worker || this.closed) return;
    this.idleTimer = setTimeout(() => void this.terminate(), this.idleMs);
    this.idleTimer.unref();
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private async terminate(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.ready = null;
    if (w) await w.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.clearIdle();
    const closedError = new ModelUnavailableError('model worker is closed');
    for (const p of [...this.high.splice(0), ...this.low.splice(0), ...this.explainQueue.splice(0)]) p.reject(closedError);
    // A batch already running is let finish (up to 15 s): terminating a worker while onnxruntime runs aborts the
    // whole process ("terminate called after throwing an instance of 'Napi::Error'", SIGABRT).
    // The same for a model still loading.
    const until = Date.now() + 15_000;
    if (this.ready) await Promise.race([this.ready.catch(() => {}), new Promise((r) => setTimeout(r, 15_000).unref())]);
    while (this.busy && this.worker && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    this.failAll(closedError);
    await this.terminate();
    this.spare.clear();
  }
}
