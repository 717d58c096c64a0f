/**
 * The indexing pipeline. Jobs come from the catalog's persistent queue (so a
 * killed process resumes where it stopped), highest priority first: a photo
 * that just arrived jumps the backlog. Each file is read once and decoded
 * once; the thumbnail, the metadata and the model tensor all come from that
 * decode. Classification goes to the model worker in batches. A bad file
 * gets a per-photo error and the queue moves on. A library that cannot be
 * written (full disk, read-only) is not the photo's fault: indexing stalls
 * with the reason and resumes by itself (storage-faults.ts).
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { IndexingProgress, IndexingStall } from '../../shared/domain.js';
import type { Catalog, FileVersion } from '../catalog/catalog.js';
import { Semaphore } from '../concurrency/semaphore.js';
import { DecodeError, decodeOriented, fromPixels, readPhotoFile } from '../imaging/decode.js';
import { contentHash, hashPhotoFile } from '../imaging/photo-file.js';
import { decodeRawPreview } from '../imaging/raw-preview.js';
import { readFileMetadata, readKeywords } from '../metadata/photo-metadata.js';
import { isRawName } from '../scanner/file-types.js';
import { isInside } from '../media/media-files.js';
import { WatchedRoots } from '../scanner/admit.js';
import { cropToTensor, PIXELS, resizeForModel } from '../imaging/model-input.js';
import { interpret, type LabelSet } from '../labels/label-sets.js';
import { ModelFailure } from '../model/runtime/model-errors.js';
import { quantize } from './features.js';
import { probeStorage, storageFault } from './storage-faults.js';
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
  /** The library can be written again after a stall. */
  storageWritable?(): void;
}

export interface IndexerOptions {
  /** Opened by a read-only command: no queue bookkeeping (another process may be indexing). */
  readOnly?: boolean;
  /** Decodes at once (default: cores). */
  decodeConcurrency?: number;
  /** Jobs in flight (decoded or waiting for the model); bounds memory. */
  maxInFlight?: number;
  progressIntervalMs?: number;
  /** A decode failure on a file modified this recently is retried: it may still be being written. */
  freshFileMs?: number;
  maxAttempts?: number;
  /** While stalled on the library's storage, how often to check whether it can be written again. */
  storageProbeMs?: number;
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
  private readonly roots = new WatchedRoots(() => this.catalog.folders());
  /** Why indexing waits for the library's storage, and the photos to queue again when it can write. */
  private stall: IndexingStall | null = null;
  private readonly stalledJobs = new Set<number>();
  private readonly deferredWrites: (() => void)[] = [];
  private probeTimer: NodeJS.Timeout | null = null;
  idleReason: string | null = 'No scene model is installed yet.';

  constructor(
    private readonly catalog: Catalog,
    private readonly thumbs: ThumbnailStore,
    private readonly hooks: IndexerHooks,
    private readonly options: IndexerOptions = {},
  ) {
    this.decodeSlots = new Semaphore(options.decodeConcurrency ?? availableParallelism());
    this.maxInFlight = options.maxInFlight ?? 16;
    // A reader (scenery search/photos, no writer lock) must not touch the queue a running writer is working through.
    if (!options.readOnly) this.queueWrite(() => {
      this.catalog.resetRunningJobs();
      // Photos an older version marked failed because the library could not be written get another go.
      this.catalog.retryStorageFailures();
    });
  }

  /**
   * Queue bookkeeping that must not stop the engine from opening or switching
   * models on a full disk: on a storage fault it is done again, with the
   * stalled jobs, when the probe finds the library writable.
   */
  private queueWrite(write: () => void): void {
    try {
      write();
    } catch (e) {
      const fault = storageFault(e);
      if (!fault) throw e;
      this.deferredWrites.push(write);
      this.enterStall(fault, null);
    }
  }

  /** The scanner's rule for links, on the file actually opened (a root that was offline is looked up again). */
  private readonly mayRead = async (real: string): Promise<boolean> => {
    if ((await this.roots.get()).some((r) => isInside(r, real))) return true;
    this.roots.refresh();
    return (await this.roots.get()).some((r) => isInside(r, real));
  };

  setModel(model: ActiveModel | null): void {
    this.model = model;
    this.idleReason = model ? null : 'No scene model is installed yet.';
    if (model) {
      this.queueWrite(() => {
        this.catalog.unblockJobs();
        this.catalog.enqueueMissingPredictions(model.name);
      });
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
    // Someone waits for the end (scenery index): a retry timer must keep the process alive until then.
    this.wakeTimer?.ref();
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

  /** Looked up each time (a primary-key read): SQLite reuses a removed folder's id for the next one added. */
  private folderPath(folderId: number): string | null {
    return this.catalog.folder(folderId)?.path ?? null;
  }

  private async pump(): Promise<void> {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    try {
      while (!this.paused && !this.stall && !this.closed && this.inFlight < this.maxInFlight) {
        let jobs: { photo_id: number; attempts: number; priority: number }[];
        try {
          jobs = this.catalog.claimJobs(this.maxInFlight - this.inFlight);
        } catch (e) {
          const fault = storageFault(e);
          if (!fault) throw e;
          this.enterStall(fault, null);
          break;
        }
        if (!jobs.length) break;
        for (const job of jobs) {
          this.inFlight++;
          void this.process(job.photo_id, job.attempts + 1, job.priority)
            .catch((e: unknown) => console.error('scenery indexer:', e))
            .finally(() => {
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
    const t = this.catalog.nextDeferredJobTs(Date.now());
    if (t === null) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.kick();
    }, Math.max(50, t - Date.now()));
    // Otherwise a waiting retry alone does not keep the process alive (the app and serve live on anyway).
    if (!this.idleWaiters.length) this.wakeTimer.unref();
  }

  private async process(id: number, attempt: number, priority: number): Promise<void> {
    const photo = this.catalog.photo(id);
    if (!photo) return;
    const root = this.folderPath(photo.folder_id);
    if (!root) return;
    const path = join(root, ...photo.rel_path.split('/'));
    this.currentFile = photo.name;
    let photoId = id;
    // The file version this job reads: a result is stored only while the row still describes it.
    const read = { size: photo.size, mtimeMs: photo.mtime_ms };
    try {
      const model = this.model;
      await this.decodeSlots.acquire();
      let classified: Promise<{ prob: Float32Array; features: Float32Array; classes: number }> | null = null;
      try {
        const job = { photoId: id };
        let done = false;
        try {
          ({ classified, done } = await this.prepare(job, path, photo.name, priority, model, read));
        } finally {
          photoId = job.photoId;
        }
        if (done) return;
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
      // Deleted while it was being classified (its file is gone, or the watcher already marked it missing): not written back.
      if (!this.stillOnDisk(photoId)) {
        this.catalog.markMissing([photoId]);
        this.hooks.photoUpdated(photoId);
        return;
      }
      const stored = this.catalog.commitPrediction(photoId, {
        model: model.name,
        labels: model.labels.kind,
        topIndex: r.scenes.map((s) => s.index),
        topProb: r.scenes.map((s) => s.prob),
        objects: r.objects,
        indoor: r.indoor,
        features: new Uint8Array(quantize(out.features).buffer),
        featureDim: out.features.length,
      }, read);
      if (!stored) return;
      this.completions.push(Date.now());
      this.hooks.photoUpdated(photoId);
    } catch (e) {
      await this.handleFailure(photoId, path, e as Error, attempt, read);
    } finally {
      this.currentFile = null;
    }
  }

  /** Whether the photo's file is still where its record (which a move may have changed meanwhile) says. */
  private stillOnDisk(id: number): boolean {
    const p = this.catalog.photo(id);
    const root = p && this.catalog.folder(p.folder_id)?.path;
    return !!root && p.status !== 'missing' && existsSync(join(root, ...p.rel_path.split('/')));
  }

  /**
   * Reads and decodes the photo, starts its classification, and writes its
   * thumbnail and metadata. A function of its own so that the file's bytes
   * and the decoded pixels (several MB for a 12 MP photo) are garbage once it
   * returns: the caller then waits for the model, behind up to maxInFlight
   * other photos, holding only the 600 KB model input. `done`: nothing left
   * to do (a moved photo that kept its tags).
   */
  private async prepare(
    job: { photoId: number },
    path: string,
    name: string,
    priority: number,
    model: ActiveModel | null,
    read: FileVersion,
  ): Promise<{ classified: Promise<{ prob: Float32Array; features: Float32Array; classes: number }> | null; done: boolean }> {
    const id = job.photoId;
    // A RAW (tens of MB) is hashed as it streams by; only its embedded preview is decoded (imaging/raw-preview.ts).
    const raw = isRawName(name);
    const buf = raw ? null : await readPhotoFile(path, { mayRead: this.mayRead });
    const hash = buf ? contentHash(buf) : await hashPhotoFile(path, { mayRead: this.mayRead });
    const adopted = this.catalog.adoptMovedPhoto(id, hash);
    if (adopted !== null) {
      job.photoId = adopted;
      this.hooks.photoUpdated(id); // the new record is gone
      // A move the scanner did not recognise: the photo keeps what it had, without decoding or classifying again.
      if (model && this.thumbs.hasThumb(hash) && this.catalog.completeAdopted(adopted, model.name, read)) {
        this.hooks.photoUpdated(adopted);
        return { classified: null, done: true };
      }
    }
    const photoId = job.photoId;
    // ExifTool reads the file's metadata and its sidecars in its own process (metadata/photo-metadata.ts) while sharp
    // decodes and the model runs; it never rejects. A RAW's facts come with its preview (imaging/raw-preview.ts);
    // its keywords (in it, or in a darktable/Lightroom sidecar) are read beside it.
    const metadata = raw ? null : readFileMetadata(path, buf!);
    const rawKeywords = raw ? readKeywords(path) : null;
    const rawDecode = raw ? await decodeRawPreview(path, name) : null;
    const pixels = rawDecode ? rawDecode.pixels : await decodeOriented(buf!, name);
    // The model input first, so that the model runs while the thumbnail and metadata are written
    // (a new photo's time to being tagged is decode + inference, not decode + thumbnail + EXIF + inference).
    const rgb = await resizeForModel(fromPixels(pixels));
    const tensor = new Float32Array(3 * PIXELS);
    cropToTensor(rgb, tensor, 0);
    const classified = model ? model.classifier.classify(tensor, priority > 0 ? 'high' : 'low') : null;
    // Handled by the caller; this keeps a failure while the thumbnail is written from being reported as unhandled.
    classified?.catch(() => {});
    if (!this.thumbs.hasThumb(hash)) await this.thumbs.writeThumb(hash, pixels);
    const { orientation: _orientation, ...facts } = rawDecode
      ? { ...rawDecode.facts, orientation: null, keywords: (await rawKeywords) ?? [] }
      : await metadata!;
    this.catalog.setMetadata(photoId, { ...facts, hash, width: pixels.fullWidth, height: pixels.fullHeight, thumbKey: hash }, read);
    // Wrapped: an async function returning the promise itself would wait for it.
    return { classified, done: false };
  }

  /** Never throws: recording a failure needs the catalog, which may be what failed. */
  private async handleFailure(id: number, path: string, e: Error, attempt: number, read: FileVersion): Promise<void> {
    if (this.closed) return;
    // Writing the thumbnail or the catalog failed: the library's storage, not the photo.
    const fault = e instanceof DecodeError ? null : storageFault(e);
    if (fault) {
      this.enterStall(fault, id);
      return;
    }
    try {
      await this.recordFailure(id, path, e, attempt, read);
    } catch (inner) {
      const f = storageFault(inner);
      if (f) this.enterStall(f, id);
      else if (!this.closed) console.error(`scenery indexer: could not record the failure of photo ${id}:`, inner);
    }
  }

  private async recordFailure(id: number, path: string, e: Error, attempt: number, read: FileVersion): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 3;
    if (e instanceof DecodeError) {
      if (e.kind === 'vanished') {
        // Deleted while queued: the watcher marks it missing; nothing to report.
        this.catalog.markMissing([id]);
        this.hooks.photoUpdated(id);
        return;
      }
      // Refused because reads elsewhere are stuck (another drive): nothing is wrong with this photo, so it is put
      // off without using up an attempt (a dead share must not fail healthy photos in other folders).
      if (e.kind === 'deferred') {
        this.catalog.retryLater(id, 30_000, true);
        return;
      }
      // A drive that stopped answering may come back (a network share reconnecting).
      if (e.kind === 'stalled' && attempt < maxAttempts) {
        this.catalog.retryLater(id, 60_000 * attempt);
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
      if (!this.catalog.commitFailure(id, read, e.message, e.kind)) return;
    } else if (e instanceof ModelFailure && attempt < maxAttempts) {
      // The model or its worker failed, not the photo (typed by the worker client; a message is never parsed).
      this.catalog.retryLater(id, 5000);
      return;
    } else {
      if (!this.catalog.commitFailure(id, read, `indexing failed: ${e.message}`)) return;
    }
    this.completions.push(Date.now());
    this.hooks.photoUpdated(id);
  }

  /** Stops taking jobs until the probe finds the library writable; `id`'s job is queued again then. */
  private enterStall(fault: IndexingStall, id: number | null): void {
    if (id !== null) this.stalledJobs.add(id);
    if (this.stall || this.closed) return;
    this.stall = fault;
    this.scheduleProbe();
    this.emitProgress(true);
  }

  private scheduleProbe(): void {
    if (this.probeTimer || this.closed) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = null;
      this.probe().catch((e: unknown) => {
        if (!this.closed) console.error('scenery indexer: storage probe:', e);
        this.scheduleProbe();
      });
    }, this.options.storageProbeMs ?? 5000);
    this.probeTimer.unref();
  }

  private async probe(): Promise<void> {
    if (this.closed || !this.stall) return;
    let fault = await probeStorage(this.thumbs.libraryDir, () => this.catalog.setSetting('storage.probed', new Date().toISOString()));
    if (this.closed) return;
    if (!fault) {
      try {
        this.catalog.requeueJobs([...this.stalledJobs]);
        // Jobs claimed when the catalog could not record their end are still marked running.
        if (this.inFlight === 0) this.catalog.resetRunningJobs();
        while (this.deferredWrites.length) {
          this.deferredWrites[0]!();
          this.deferredWrites.shift();
        }
      } catch (e) {
        fault = storageFault(e);
        if (!fault) throw e;
      }
    }
    if (fault) {
      if (fault.reason !== this.stall.reason) {
        this.stall = fault;
        this.emitProgress(true);
      }
      this.scheduleProbe();
      return;
    }
    this.stalledJobs.clear();
    this.stall = null;
    this.emitProgress(true);
    this.kick();
    this.hooks.storageWritable?.();
  }

  /** Another part of the engine could not write the library (the scanner, on a full disk): stall until it can. */
  reportStorageFault(e: unknown): void {
    const fault = storageFault(e);
    if (fault) this.enterStall(fault, null);
  }

  get stalled(): IndexingStall | null {
    return this.stall;
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
      stalled: this.stall,
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
    if (this.probeTimer) clearTimeout(this.probeTimer);
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
  }
}
