/**
 * When a file the watcher reported may be read. chokidar's awaitWriteFinish
 * holds EVERY file back until its size has not changed for the whole
 * threshold (0.8 s), which was most of the time between a photo arriving and
 * it being tagged. Here only files that may still be being written wait:
 *  - a file that appears with a modification time older than `settledAgeMs`
 *    was renamed or moved into place (an atomic appearance: nothing is
 *    writing it), so it is passed on at once;
 *  - a fresh file, or any `change`, waits until size and mtime have stayed
 *    the same for `stableMs`, as before.
 * A half-written file that slips through anyway (a writer that pauses longer
 * than that) fails to decode and is retried by the indexer while it is fresh.
 */
import { stat } from 'node:fs/promises';

export interface FileStat {
  size: number;
  mtimeMs: number;
}

export interface WriteFinishOptions {
  /** Size and mtime unchanged this long: the write is over. */
  stableMs?: number;
  pollMs?: number;
  /** A file that appears with an mtime at least this old was moved into place. */
  settledAgeMs?: number;
  now?: () => number;
}

export class WriteFinishGate {
  private readonly pending = new Map<string, { timer: NodeJS.Timeout; last: FileStat; since: number }>();
  private closed = false;
  private readonly stableMs: number;
  private readonly pollMs: number;
  private readonly settledAgeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly ready: (path: string, st: FileStat) => void,
    options: WriteFinishOptions = {},
  ) {
    this.stableMs = options.stableMs ?? 800;
    this.pollMs = options.pollMs ?? 100;
    this.settledAgeMs = options.settledAgeMs ?? 2000;
    this.now = options.now ?? Date.now;
  }

  /** A watcher event with the file's stat. */
  event(kind: 'add' | 'change', path: string, st: FileStat): void {
    if (this.closed) return;
    const waiting = this.pending.get(path);
    if (waiting) {
      // Still being written: restart the stability clock if it moved.
      if (st.size !== waiting.last.size || st.mtimeMs !== waiting.last.mtimeMs) {
        waiting.last = { size: st.size, mtimeMs: st.mtimeMs };
        waiting.since = this.now();
      }
      return;
    }
    if (kind === 'add' && st.size > 0 && this.now() - st.mtimeMs >= this.settledAgeMs) {
      this.ready(path, st);
      return;
    }
    const entry = { timer: setTimeout(() => void this.poll(path), this.pollMs), last: { size: st.size, mtimeMs: st.mtimeMs }, since: this.now() };
    entry.timer.unref?.();
    this.pending.set(path, entry);
  }

  /** The file went away (unlink): stop waiting for it. */
  forget(path: string): void {
    const p = this.pending.get(path);
    if (p) clearTimeout(p.timer);
    this.pending.delete(path);
  }

  get waiting(): number {
    return this.pending.size;
  }

  private async poll(path: string): Promise<void> {
    const entry = this.pending.get(path);
    if (!entry || this.closed) return;
    let st: FileStat;
    try {
      const s = await stat(path);
      st = { size: s.size, mtimeMs: s.mtimeMs };
    } catch {
      this.forget(path);
      return;
    }
    if (this.closed || this.pending.get(path) !== entry) return;
    if (st.size !== entry.last.size || st.mtimeMs !== entry.last.mtimeMs) {
      entry.last = st;
      entry.since = this.now();
    } else if (this.now() - entry.since >= this.stableMs) {
      this.pending.delete(path);
      this.ready(path, st);
      return;
    }
    entry.timer = setTimeout(() => void this.poll(path), this.pollMs);
    entry.timer.unref?.();
  }

  close(): void {
    this.closed = true;
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }
}
