/**
 * The indexing pipeline. Jobs come from the catalog's persistent queue (so a
 * killed process resumes where it stopped), highest priority first: a photo
 * that just arrived jumps the backlog. Each file is read once and decoded
 * once; the thumbnail, the metadata and the model tensor all come from that
 * decode. Classification goes to the model worker in batches. A bad file
 * gets a per-photo error and the queue moves on.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { IndexingProgress } from '../../shared/domain.js';
import type { Catalog } from '../catalog/catalog.js';
import { DecodeError, decodeOriented, fromPixels, readPhotoFile } from '../imaging/decode.js';
import { readPhotoFacts } from '../imaging/metadata.js';
import { cropToTensor, PIXELS, resizeForModel } from '../imaging/model-input.js';
import { interpret, type LabelSet } from '../labels/label-sets.js';
import { quantize } from './features.js';
import type { ThumbnailStore } from './thumbnails.js';

export interface Classifier {
  classify(pixels: Float32Array, priority: 'high' | 'low'): Promise<{ prob: Float32Array; features: Float32Array; classes: number }>;
  readonly maxBatch: number;
}

export interface ActiveModel {
  name: string;
  labels: LabelSet;
  classifier: Classifier;
}

export interface IndexerHooks {
  photoUpdated(id: number): void;
  progress(p: IndexingProgress): void;
}

export interface IndexerOptions {
  /** Decodes at once (default: cores). */
  decodeConcurrency?: number;
  /** Jobs in flight (decoded or waiting for the model); bounds memory. */
  maxInFlight?: number;
  progressIntervalMs?: number;
  /** A decode failure on a file modified this recently is retried: it may still be being written. */
  freshFileMs?: number;
  maxAttempts?: number;
}

class Semaphore {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

export class Indexer {
  private model: ActiveModel | null = null;
  private paused = false;
  private inFlight = 0;
  private pumping = false;
  private wakeTimer: NodeJS.Timeout | null = null;
  private readonly decodeSlots: Semaphore;
  private readonly maxInFlight: number;
  private readonly completions: number[] = [];
  private lastProgressAt = 0;
  private progressTimer: NodeJS.Timeout | null = null;
  private currentFile: string | null = null;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private folderPaths = new Map<number, string>();
  idleReason: string | null = 'No scene model is installed yet.';

  constructor(
    private readonly catalog: Catalog,
    private readonly thumbs: ThumbnailStore,
    private readonly hooks: IndexerHooks,
    private readonly options: IndexerOptions = {},
  ) {
    this.decodeSlots = new Semaphore(options.decodeConcurrency ?? availableParallelism());
    this.maxInFlight = options.maxInFlight ?? 16;
    this.catalog.resetRunningJobs();
  }

  setModel(model: ActiveModel | null): void {
    this.model = model;
    this.idleReason = model ? null : 'No scene model is installed yet.';
    if (model) {
      this.catalog.unblockJobs();
      this.catalog.enqueueMissingPredictions(model.name);
    }
    this.kick();
  }

  pause(): void {
    this.paused = true;
    this.emitProgress(true);
  }

  resume(): void {
    this.paused = false;
    this.kick();
    this.emitProgress(true);
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Wake the pipeline: new jobs were queued. */
  kick(): void {
    if (this.closed) return;
    queueMicrotask(() => {
      this.pump().catch((e: unknown) => {
        // Only reachable while closing (the catalog is gone); anything else is a bug worth seeing.
        if (!this.closed) console.error('scenery indexer:', e);
      });
    });
  }

  /** Resolves when no job is runnable or running. */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private isIdle(): boolean {
    if (this.inFlight > 0) return false;
    const c = this.catalog.jobCounts();
    return c.running === 0 && (this.paused || c.pending === 0);
  }

  private checkIdle(): void {
    if (this.idleWaiters.length && this.isIdle()) {
      const w = this.idleWaiters.splice(0);
      w.forEach((f) => f());
    }
  }

  private folderPath(folderId: number): string | null {
    let p = this.folderPaths.get(folderId);
    if (p === undefined) {
      const f = this.catalog.folder(folderId);
      if (!f) return null;
      p = f.path;
      this.folderPaths.set(folderId, p);
    }
    return p;
  }

  private async pump(): Promise<void> {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    try {
      while (!this.paused && !this.closed && this.inFlight < this.maxInFlight) {
        const jobs = this.catalog.claimJobs(this.maxInFlight - this.inFlight);
        if (!jobs.length) break;
        for (const job of jobs) {
          this.inFlight++;
          void this.process(job.photo_id, job.attempts + 1, job.priority).finally(() => {
            this.inFlight--;
            this.kick();
            this.checkIdle();
          });
        }
      }
    } finally {
      this.pumping = false;
    }
    this.scheduleDelayed();
    this.emitProgress(false);
    this.checkIdle();
  }

  private scheduleDelayed(): void {
    if (this.wakeTimer || this.closed) return;
    const row = this.catalog.db.prepare("SELECT MIN(not_before_ts) AS t FROM jobs WHERE state = 'pending' AND not_before_ts > ?").get(Date.now()) as { t: number | null };
    if (row.t === null) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.kick();
    }, Math.max(50, row.t - Date.now()));
    this.wakeTimer.unref();
  }

  private async process(id: number, attempt: number, priority: number): Promise<void> {
    const photo = this.catalog.photo(id);
    if (!photo) return;
    const root = this.folderPath(photo.folder_id);
    if (!root) return;
    const path = join(root, ...photo.rel_path.split('/'));
    this.currentFile = photo.name;
    let photoId = id;
    try {
      const model = this.model;
      await this.decodeSlots.acquire();
      let classified: Promise<{ prob: Float32Array; features: Float32Array; classes: number }> | null = null;
      try {
        const job = { photoId: id };
        try {
          ({ classified } = await this.prepare(job, path, photo.name, priority, model));
        } finally {
          photoId = job.photoId;
        }
      } finally {
        this.decodeSlots.release();
      }
      this.hooks.photoUpdated(photoId);
      if (!model || !classified) {
        this.catalog.blockJob(photoId);
        return;
      }
      const out = await classified;
      const r = interpret(out.prob, model.labels, 10);
      this.catalog.savePrediction(photoId, {
        model: model.name,
        labels: model.labels.kind,
        topIndex: r.scenes.map((s) => s.index),
        topProb: r.scenes.map((s) => s.prob),
        objects: r.objects,
        indoor: r.indoor,
        features: new Uint8Array(quantize(out.features).buffer),
        featureDim: out.features.length,
      });
      this.completions.push(Date.now());
      this.hooks.photoUpdated(photoId);
    } catch (e) {
      await this.handleFailure(photoId, path, e as Error, attempt);
    } finally {
      this.currentFile = null;
    }
  }

  /**
   * Reads and decodes the photo, starts its classification, and writes its
   * thumbnail and metadata. A function of its own so that the file's bytes
   * and the decoded pixels (several MB for a 12 MP photo) are garbage once it
   * returns: the caller then waits for the model, behind up to maxInFlight
   * other photos, holding only the 600 KB model input.
   */
  private async prepare(
    job: { photoId: number },
    path: string,
    name: string,
    priority: number,
    model: ActiveModel | null,
  ): Promise<{ classified: Promise<{ prob: Float32Array; features: Float32Array; classes: number }> | null }> {
    const buf = await readPhotoFile(path);
    const hash = createHash('sha256').update(buf).digest('hex');
    // A photo moved from elsewhere in the library keeps its catalog entry (job.photoId tells the caller which).
    const photoId = (job.photoId = this.catalog.adoptMovedPhoto(job.photoId, hash) ?? job.photoId);
    const pixels = await decodeOriented(buf, name);
    // The model input first, so that the model runs while the thumbnail and metadata are written
    // (a new photo's time to being tagged is decode + inference, not decode + thumbnail + EXIF + inference).
    const rgb = await resizeForModel(fromPixels(pixels));
    const tensor = new Float32Array(3 * PIXELS);
    cropToTensor(rgb, tensor, 0);
    const classified = model ? model.classifier.classify(tensor, priority > 0 ? 'high' : 'low') : null;
    // Handled by the caller; this keeps a failure while the thumbnail is written from being reported as unhandled.
    classified?.catch(() => {});
    if (!this.thumbs.hasThumb(hash)) await this.thumbs.writeThumb(hash, pixels);
    const facts = await readPhotoFacts(buf);
    this.catalog.setMetadata(photoId, { ...facts, hash, width: pixels.fullWidth, height: pixels.fullHeight, thumbKey: hash });
    // Wrapped: an async function returning the promise itself would wait for it.
    return { classified };
  }

  private async handleFailure(id: number, path: string, e: Error, attempt: number): Promise<void> {
    if (this.closed) return;
    const maxAttempts = this.options.maxAttempts ?? 3;
    if (e instanceof DecodeError) {
      if (e.kind === 'vanished') {
        // Deleted while queued: the watcher marks it missing; nothing to report.
        this.catalog.markMissing([id]);
        this.hooks.photoUpdated(id);
        return;
      }
      // A file still being written fails to decode; give it time.
      if ((e.kind === 'corrupt' || e.kind === 'empty') && attempt < maxAttempts) {
        const fresh = await stat(path).then((s) => Date.now() - s.mtimeMs < (this.options.freshFileMs ?? 30_000), () => false);
        if (fresh) {
          this.catalog.retryLater(id, 2000 * attempt);
          return;
        }
      }
      this.catalog.setFailed(id, e.message, e.kind);
    } else if (/model|worker/i.test(e.message) && attempt < maxAttempts) {
      this.catalog.retryLater(id, 5000);
      return;
    } else {
      this.catalog.setFailed(id, `indexing failed: ${e.message}`);
    }
    this.completions.push(Date.now());
    this.hooks.photoUpdated(id);
  }

  progress(): IndexingProgress {
    const counts = this.catalog.photoCounts();
    const total = counts.total - counts.missing;
    const done = counts.indexed + counts.failed;
    const now = Date.now();
    while (this.completions.length && this.completions[0]! < now - 10_000) this.completions.shift();
    const windowS = this.completions.length ? Math.max(1, (now - this.completions[0]!) / 1000) : 0;
    const rate = windowS ? this.completions.length / windowS : 0;
    const remaining = Math.max(0, total - done);
    return {
      done,
      total,
      failed: counts.failed,
      rate: Math.round(rate * 100) / 100,
      etaSeconds: rate > 0 && remaining > 0 ? Math.round(remaining / rate) : remaining === 0 ? 0 : null,
      currentFile: this.currentFile,
      paused: this.paused,
      idleReason: remaining > 0 && !this.model ? this.idleReason : null,
    };
  }

  /** At most about 4 progress events a second. */
  emitProgress(force: boolean): void {
    const now = Date.now();
    const interval = this.options.progressIntervalMs ?? 250;
    if (force || now - this.lastProgressAt >= interval) {
      this.lastProgressAt = now;
      this.hooks.progress(this.progress());
      return;
    }
    if (!this.progressTimer) {
      this.progressTimer = setTimeout(() => {
        this.progressTimer = null;
        this.emitProgress(true);
      }, interval - (now - this.lastProgressAt));
      this.progressTimer.unref();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    if (this.progressTimer) clearTimeout(this.progressTimer);
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
  }
}
