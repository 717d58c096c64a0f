/**
 * Watched folders: the engine's own initial scan (streamed, in batches),
 * reconciled with the catalog on every start, then live watching with
 * chokidar. A folder whose drive is unreachable is shown offline and keeps
 * every tag; it is checked again periodically. Both the scan and the watcher
 * decide what is a photo with admit.ts; a refused entry is recorded as a
 * failed photo with its reason and never queued for indexing.
 */
import { stat } from 'node:fs/promises';
import { basename, relative, sep } from 'node:path';
import chokidar, { type FSWatcher } from 'chokidar';
import type { Catalog } from '../catalog/catalog.js';
import { admitFile, WatchedRoots } from './admit.js';
import { isIgnoredDir, isIgnoredName, isPhotoName } from './file-types.js';
import { walkPhotos, type Admitted } from './walk.js';
import { WriteFinishGate } from './write-finish.js';

export const PRIORITY_BACKLOG = 0;
export const PRIORITY_LIVE = 10;
const BATCH = 500;

export interface ScannerHooks {
  /** New work was queued. */
  queued(): void;
  photoAdded(id: number): void;
  photoChanged(id: number): void;
  photoRemoved(id: number): void;
  foldersChanged(): void;
}

export interface ScannerOptions {
  watch: boolean;
  /** How long a file still being written must stay unchanged (write-finish.ts); moved-in files do not wait. */
  writeFinishMs?: number;
  offlineRecheckMs?: number;
  /** Period of the rescans that replace live watching when the OS runs out of watches. */
  rescanMs?: number;
}

export class Scanner {
  private readonly watchers = new Map<number, FSWatcher>();
  private readonly gates = new Map<number, WriteFinishGate>();
  private readonly offlineTimers = new Map<number, NodeJS.Timeout>();
  private readonly scans = new Map<number, Promise<void>>();
  private closed = false;
  private readonly roots = new WatchedRoots(() => this.catalog.folders());

  constructor(
    private readonly catalog: Catalog,
    private readonly hooks: ScannerHooks,
    private readonly options: ScannerOptions,
  ) {}

  /** Scans (and watches) every folder of the library. */
  async startAll(): Promise<void> {
    await Promise.all(this.catalog.folders().map((f) => this.start(f.id)));
  }

  start(folderId: number): Promise<void> {
    const running = this.scans.get(folderId);
    if (running) return running;
    const p = this.scanAndWatch(folderId).finally(() => this.scans.delete(folderId));
    this.scans.set(folderId, p);
    return p;
  }

  private async scanAndWatch(folderId: number): Promise<void> {
    const folder = this.catalog.folder(folderId);
    if (!folder || this.closed) return;
    try {
      const st = await stat(folder.path);
      if (!st.isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    } catch (e) {
      this.goOffline(folderId, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'The folder is not reachable (drive disconnected, renamed or deleted).' : (e as Error).message);
      return;
    }
    this.roots.refresh(); // a folder that was offline may resolve now
    this.catalog.setFolderStatus(folderId, 'scanning');
    this.hooks.foldersChanged();
    // Watch first, so nothing created during the scan is missed.
    if (this.options.watch) this.watch(folderId, folder.path);
    try {
      await this.reconcile(folderId, folder.path);
      if (this.closed) return;
      this.catalog.setFolderStatus(folderId, 'watching');
    } catch (e) {
      this.catalog.setFolderStatus(folderId, 'error', `scan failed: ${(e as Error).message}`);
    }
    this.hooks.foldersChanged();
  }

  /** Brings the catalog in line with the disk: added, changed, deleted or moved while closed. */
  async reconcile(folderId: number, root: string): Promise<{ added: number; changed: number; missing: number }> {
    const known = this.catalog.folderFiles(folderId);
    const seen = new Set<string>();
    let batch: Admitted[] = [];
    let added = 0;
    let changed = 0;
    const roots = await this.roots.get();
    const flush = (): void => {
      const results = this.catalog.transaction(() => batch.map((a) => this.record(folderId, a, PRIORITY_BACKLOG)));
      for (const r of results) {
        if (r.change === 'added') {
          added++;
          this.hooks.photoAdded(r.id);
        } else if (r.change !== 'unchanged') {
          changed++;
          this.hooks.photoChanged(r.id);
        }
      }
      if (results.some((r) => r.queued)) this.hooks.queued();
      batch = [];
    };
    for await (const f of walkPhotos(root, roots)) {
      if (this.closed) return { added, changed, missing: 0 };
      seen.add(f.facts.relPath);
      batch.push(f);
      if (batch.length >= BATCH) flush();
    }
    if (batch.length) flush();
    const gone = [...known].filter(([rel, r]) => !seen.has(rel) && r.status !== 'missing').map(([, r]) => r.id);
    if (gone.length) {
      this.catalog.markMissing(gone);
      gone.forEach((id) => this.hooks.photoRemoved(id));
    }
    return { added, changed, missing: gone.length };
  }

  private relPath(root: string, path: string): string {
    return relative(root, path).split(sep).join('/');
  }

  /** Records an admitted entry: a photo is queued (when new or changed); a refused one is failed with its reason, never queued. */
  private record(folderId: number, a: Admitted, priority: number): { id: number; change: 'added' | 'changed' | 'restored' | 'unchanged'; queued: boolean } {
    return this.catalog.transaction(() => {
      const r = this.catalog.upsertFile(folderId, a.facts, priority);
      if (a.kind === 'refused') {
        if (r.change !== 'unchanged') this.catalog.setFailed(r.id, a.error.message, a.error.kind);
        return { ...r, queued: false };
      }
      return { ...r, queued: r.change !== 'unchanged' };
    });
  }

  private watch(folderId: number, root: string): void {
    if (this.watchers.has(folderId)) return;
    const watcher = chokidar.watch(root, {
      ignoreInitial: true,
      persistent: true,
      followSymlinks: false,
      atomic: true,
      alwaysStat: true,
      ignored: (path: string, stats?: { isFile(): boolean; isDirectory(): boolean }) => {
        if (path === root) return false;
        const name = basename(path);
        if (stats?.isDirectory()) return isIgnoredDir(name);
        if (stats?.isFile()) return !isPhotoName(name);
        return isIgnoredName(name);
      },
    });
    const store = (a: Admitted): void => {
      if (this.closed || this.gates.get(folderId) !== gate) return;
      const r = this.record(folderId, a, PRIORITY_LIVE);
      if (r.change === 'added') this.hooks.photoAdded(r.id);
      else if (r.change !== 'unchanged') this.hooks.photoChanged(r.id);
      if (r.queued) this.hooks.queued();
    };
    // The same admission as the first scan, when the event arrives and again when the write has finished.
    const admit = async (path: string): Promise<Admitted | null> => {
      if (!isPhotoName(basename(path))) return null;
      const a = await admitFile(root, this.relPath(root, path), await this.roots.get());
      return a.kind === 'ignored' ? null : a;
    };
    const gate = new WriteFinishGate(
      (path) =>
        void admit(path).then((a) => a && store(a), () => {}),
      { stableMs: this.options.writeFinishMs ?? 800 },
    );
    this.gates.set(folderId, gate);
    const onEvent = (kind: 'add' | 'change', path: string): void => {
      void admit(path).then(
        (a) => {
          if (!a) return;
          // A pipe or device is never "being written": refuse it now. A photo waits until its write has finished.
          if (a.kind === 'refused') store(a);
          else gate.event(kind, path, a.facts);
        },
        () => {},
      );
    };
    watcher.on('add', (path) => onEvent('add', path));
    watcher.on('change', (path) => onEvent('change', path));
    watcher.on('unlink', (path) => {
      gate.forget(path);
      const p = this.catalog.photoByPath(folderId, this.relPath(root, path));
      if (p && p.status !== 'missing') {
        this.catalog.markMissing([p.id]);
        this.hooks.photoRemoved(p.id);
      }
    });
    watcher.on('unlinkDir', (path) => {
      const prefix = `${this.relPath(root, path)}/`;
      if (path === root) {
        this.goOffline(folderId, 'The folder was removed or its drive disconnected.');
        return;
      }
      const gone = [...this.catalog.folderFiles(folderId)].filter(([rel, r]) => rel.startsWith(prefix) && r.status !== 'missing').map(([, r]) => r.id);
      this.catalog.markMissing(gone);
      gone.forEach((id) => this.hooks.photoRemoved(id));
    });
    watcher.on('error', (e) => {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EMFILE' || code === 'ENFILE') this.degradeToRescans(folderId, code);
      else {
        this.catalog.setFolderStatus(folderId, 'error', `watching failed: ${(e as Error).message}`);
        this.hooks.foldersChanged();
      }
    });
    this.watchers.set(folderId, watcher);
  }

  /** The chokidar watcher of a folder (tests). */
  watcherFor(folderId: number): FSWatcher | undefined {
    return this.watchers.get(folderId);
  }

  /**
   * chokidar holds one inotify watch per file and per folder on Linux (measured: 101,001 watches for
   * 100,000 photos in 1,000 folders). When the system limit is reached, live watching of this folder
   * stops and it is rescanned periodically instead; the folder says why and how to raise the limit.
   */
  private degradeToRescans(folderId: number, code: string): void {
    void this.unwatch(folderId);
    const reason =
      code === 'ENOSPC'
        ? 'Live watching is off: the system limit of file watches is too low for this folder (raise it with `sudo sysctl fs.inotify.max_user_watches=524288`). Scenery rescans the folder every 10 minutes instead.'
        : 'Live watching is off: too many open files. Scenery rescans the folder every 10 minutes instead.';
    this.catalog.setFolderStatus(folderId, 'watching', reason);
    this.hooks.foldersChanged();
    const timer = setInterval(() => {
      const f = this.catalog.folder(folderId);
      if (!f || this.closed) {
        clearInterval(timer);
        return;
      }
      void this.reconcile(folderId, f.path).then(() => this.hooks.queued(), () => {});
    }, this.options.rescanMs ?? 600_000);
    timer.unref();
    this.offlineTimers.set(folderId, timer);
  }

  private goOffline(folderId: number, reason: string): void {
    void this.unwatch(folderId);
    this.catalog.setFolderStatus(folderId, 'offline', reason);
    this.hooks.foldersChanged();
    if (this.closed || this.offlineTimers.has(folderId)) return;
    const timer = setInterval(() => {
      const f = this.catalog.folder(folderId);
      if (!f) {
        clearInterval(timer);
        this.offlineTimers.delete(folderId);
        return;
      }
      stat(f.path).then(
        (st) => {
          if (!st.isDirectory()) return;
          clearInterval(timer);
          this.offlineTimers.delete(folderId);
          void this.start(folderId);
        },
        () => {},
      );
    }, this.options.offlineRecheckMs ?? 30_000);
    timer.unref();
    this.offlineTimers.set(folderId, timer);
  }

  async unwatch(folderId: number): Promise<void> {
    const w = this.watchers.get(folderId);
    this.watchers.delete(folderId);
    this.gates.get(folderId)?.close();
    this.gates.delete(folderId);
    const t = this.offlineTimers.get(folderId);
    if (t) clearInterval(t);
    this.offlineTimers.delete(folderId);
    if (w) await w.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.watchers.keys()].map((id) => this.unwatch(id)));
    for (const t of this.offlineTimers.values()) clearInterval(t);
    await Promise.allSettled([...this.scans.values()]);
  }
}
