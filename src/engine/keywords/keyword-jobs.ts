/**
 * The background keyword writer's queue. A setting, a correction, a threshold
 * change or a re-index names the photos whose keywords may have changed; they
 * are written in batches (a few ExifTool calls at a time, so indexing and the
 * UI keep their share of the pool), with progress after every batch, and can
 * be cancelled: the batch in flight finishes (every single write is atomic),
 * the rest is dropped. A photo queued twice is written once, with the latest
 * action asked for.
 */
import type { KeywordProgress } from '../../shared/domain.js';

export type KeywordAction = 'write' | 'remove';
export type KeywordJobResult = 'written' | 'unchanged' | 'skipped';

export interface KeywordJobsOptions {
  /** Photos per batch (progress is reported after each). */
  batch?: number;
  /** Photos of a batch written at the same time. */
  concurrency?: number;
}

export class KeywordJobs {
  private readonly queue = new Map<number, KeywordAction>();
  private state: KeywordProgress = { running: false, action: null, done: 0, total: 0, written: 0, failed: 0, lastError: null, cancelled: false };
  private loop: Promise<void> | null = null;
  private cancelled = false;
  private closed = false;

  constructor(
    private readonly run: (id: number, action: KeywordAction) => Promise<KeywordJobResult>,
    private readonly report: (p: KeywordProgress) => void,
    private readonly options: KeywordJobsOptions = {},
  ) {}

  progress(): KeywordProgress {
    return { ...this.state };
  }

  /** Queues photos; a run in progress grows (its total too), an idle queue starts a new run. */
  enqueue(ids: Iterable<number>, action: KeywordAction): void {
    if (this.closed) return;
    let added = 0;
    for (const id of ids) {
      if (!this.queue.has(id)) added++;
      this.queue.set(id, action);
    }
    if (!added && !this.queue.size) return;
    if (!this.loop) {
      this.cancelled = false;
      this.state = { running: true, action, done: 0, total: this.queue.size, written: 0, failed: 0, lastError: null, cancelled: false };
      this.loop = this.drain().finally(() => {
        this.loop = null;
      });
    } else {
      this.state.total += added;
      if (action === 'remove') this.state.action = 'remove';
    }
    this.report(this.progress());
  }

  /** Drops what is queued; the batch being written finishes. */
  cancel(): void {
    if (!this.loop) return;
    this.cancelled = true;
    this.queue.clear();
  }

  /** Settles when nothing is queued or being written. */
  async whenIdle(): Promise<void> {
    while (this.loop) await this.loop;
  }

  /** Cancels and waits; nothing is queued afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancel();
    await this.whenIdle();
  }

  private async drain(): Promise<void> {
    const batch = Math.max(1, this.options.batch ?? 16);
    const width = Math.max(1, this.options.concurrency ?? 2);
    while (this.queue.size && !this.cancelled) {
      // The oldest `batch` entries (a Map iterates in insertion order), without copying a queue of a million photos.
      const items: [number, KeywordAction][] = [];
      for (const entry of this.queue) {
        items.push(entry);
        if (items.length >= batch) break;
      }
      for (const [id] of items) this.queue.delete(id);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < items.length) {
          const [id, action] = items[next++]!;
          try {
            if ((await this.run(id, action)) === 'written') this.state.written++;
          } catch (e) {
            this.state.failed++;
            this.state.lastError = (e as Error).message;
          }
          this.state.done++;
        }
      };
      await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
      if (this.queue.size && !this.cancelled) this.report(this.progress());
    }
    this.state.running = false;
    this.state.cancelled = this.cancelled;
    this.report(this.progress());
  }
}
