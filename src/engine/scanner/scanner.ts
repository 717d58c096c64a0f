/**
 * Watched folders: the engine's own initial scan (streamed, in batches),
 * reconciled with the catalog on every start, then live watching with
 * chokidar. A folder whose drive is unreachable is shown offline and keeps
 * every tag; it is checked again periodically.
 *
 * An unmounted drive usually leaves its mount point behind as an empty folder
 * (and chokidar reports every file as deleted). So a root that had photos and
 * is now empty, or now sits on another device, is "offline", never "every
 * photo deleted": its photos stay as they are, and when the root is back it is
 * scanned again, which finds them unchanged and runs no model. Watched roots
 * are checked every 10 s (rootCheckMs) as well as on every deletion event.
 *
 * Both the scan and the watcher decide what is a photo with admit.ts; a
 * refused entry (a pipe, a device, a link out of the watched folders) is
 * recorded as a failed photo with its reason and never queued or hashed.
 */
import { existsSync, opendirSync, statSync } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import chokidar, { type FSWatcher } from 'chokidar';
import type { Catalog, FileFacts } from '../catalog/catalog.js';
import { Semaphore } from '../concurrency/semaphore.js';
import { hashPhotoFile } from '../imaging/photo-file.js';
import { storageFault } from '../indexer/storage-faults.js';
import { admitFile, WatchedRoots } from './admit.js';
import { isIgnoredDir, isIgnoredName, isPhotoName, isSidecarName } from './file-types.js';
import { skippedNotice, walkPhotos, type Admitted, type Skipped } from './walk.js';
import { WriteFinishGate } from './write-finish.js';

export const PRIORITY_BACKLOG = 0;
export const PRIORITY_LIVE = 10;
const BATCH = 500;
/** Files hashed at once to confirm moves: enough to overlap reads, few enough for any open-files limit. */
const HASH_CONCURRENCY = 4;

type MoveCandidate = ReturnType<Catalog['moveCandidates']>[number];

export interface ScannerHooks {
  /** New work was queued. */
  queued(): void;
  photoAdded(id: number): void;
  photoChanged(id: number): void;
  photoRemoved(id: number): void;
  foldersChanged(): void;
  /** The catalog could not be written (full disk...): indexing stalls, and rescanAfterStall() is called once it can write. */
  storageFault?(e: unknown): void;
  /**
   * An XMP sidecar (`rel` below the watched folder `root`) was created, changed or deleted, and its write has
   * settled: its photos' keywords are read again. A sidecar is never a photo itself.
   */
  sidecarChanged?(folderId: number, root: string, rel: string): void;
}

export interface ScannerOptions {
  watch: boolean;
  /** How long a file still being written must stay unchanged (write-finish.ts); moved-in files do not wait. */
  writeFinishMs?: number;
  offlineRecheckMs?: number;
  /** Period of the check that a watched root is still there, on the same device, and not emptied (default 10 s). */
  rootCheckMs?: number;
  /** Period of the rescans that replace live watching when the OS runs out of watches. */
  rescanMs?: number;
}

const ROOT_EMPTIED =
  'The folder is empty now: its drive is probably not mounted. Its photos keep their tags and come back when it is; if you deleted them, remove the folder from the library.';
const ROOT_MOVED = 'The folder’s drive was unmounted or replaced. Its photos keep their tags and come back when the drive is mounted again.';

function isEmptyDir(dir: string): boolean {
  const d = opendirSync(dir);
  try {
    return d.readSync() === null;
  } finally {
    d.closeSync();
  }
}

function isEmptyDirQuiet(dir: string): boolean {
  try {
    return isEmptyDir(dir);
  } catch {
    return false;
  }
}

export class Scanner {
  private readonly watchers = new Map<number, FSWatcher>();
  /** Settles when a folder's watcher has made its first pass (chokidar's 'ready'): from then on every change is seen. */
  private readonly watchersReady = new Map<number, Promise<void>>();
  private readonly gates = new Map<number, WriteFinishGate>();
  /** Per watched folder: sidecars whose events have not settled yet. */
  private readonly sidecarTimers = new Map<number, Map<string, NodeJS.Timeout>>();
  private readonly offlineTimers = new Map<number, NodeJS.Timeout>();
  private readonly scans = new Map<number, Promise<void>>();
  private readonly hashSlots = new Semaphore(HASH_CONCURRENCY);
  /** Device of each root when last seen present; a root that moves to another device while it had photos went offline. */
  private readonly rootDevs = new Map<number, number>();
  /** Device an offline root showed (its bare mount point): it is back only once it shows another. */
  private readonly offlineDevs = new Map<number, number>();
  private rootTimer: NodeJS.Timeout | null = null;
  /** Folders with changes the catalog could not record (full disk...): scanned again when it can. */
  private readonly rescanWhenWritable = new Set<number>();
  private readonly roots = new WatchedRoots(() => this.catalog.folders());
  private closed = false;

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

  /** Never rejects: a catalog that cannot be written (full disk) must not take the process down. */
  private async scanAndWatch(folderId: number): Promise<void> {
    try {
      await this.scanAndWatchOnce(folderId);
    } catch (e) {
      this.writeFailed(folderId, e);
    }
  }

  /**
   * A catalog write failed in a watcher event, a timer or a scan. A storage
   * fault is reported (indexing stalls with the reason) and the folder is
   * scanned again once the library can be written; anything else is logged.
   */
  private writeFailed(folderId: number, e: unknown): void {
    if (this.closed) return;
    if (storageFault(e)) {
      this.rescanWhenWritable.add(folderId);
      this.hooks.storageFault?.(e);
    } else console.error(`scenery scanner: folder ${folderId}:`, e);
  }

  /** The library can be written again: folders whose changes could not be recorded are scanned again. */
  rescanAfterStall(): void {
    const ids = [...this.rescanWhenWritable];
    this.rescanWhenWritable.clear();
    for (const id of ids) void this.start(id).then(() => this.hooks.queued());
  }

  private async scanAndWatchOnce(folderId: number): Promise<void> {
    const folder = this.catalog.folder(folderId);
    if (!folder || this.closed) return;
    try {
      const st = await stat(folder.path);
      if (!st.isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    } catch (e) {
      this.goOffline(folderId, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'The folder is not reachable (drive disconnected, renamed or deleted).' : (e as Error).message);
      return;
    }
    if (this.checkRoot(folderId, folder.path)) return;
    this.roots.refresh(); // a folder that was offline may resolve now
    this.catalog.setFolderStatus(folderId, 'scanning');
    this.hooks.foldersChanged();
    // Watch first, so nothing created during the scan is missed.
    if (this.options.watch) this.watch(folderId, folder.path);
    try {
      const { skipped } = await this.reconcile(folderId, folder.path);
      // Closed, or the root went away during the scan (goOffline has said so).
      if (this.closed || this.catalog.folder(folderId)?.status === 'offline') return;
      this.catalog.setFolderStatus(folderId, 'watching', skippedNotice(skipped));
    } catch (e) {
      if (storageFault(e)) throw e;
      this.catalog.setFolderStatus(folderId, 'error', `scan failed: ${(e as Error).message}`);
    }
    this.hooks.foldersChanged();
  }

  /** Brings the catalog in line with the disk: added, changed, deleted or moved while closed. */
  async reconcile(folderId: number, root: string): Promise<{ added: number; changed: number; moved: number; missing: number; skipped: Skipped[] }> {
    const known = this.catalog.folderFiles(folderId);
    const seen = new Set<string>();
    const skipped: Skipped[] = [];
    let batch: Admitted[] = [];
    let added = 0;
    let changed = 0;
    let moved = 0;
    const roots = (): Promise<string[]> => this.roots.get();
    const flush = (): void => {
      const results = this.catalog.transaction(() => batch.map((a) => this.recordAdmitted(folderId, a, PRIORITY_BACKLOG)));
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
    const add = (a: Admitted): void => {
      batch.push(a);
      if (batch.length >= BATCH) flush();
    };
    // Moves being confirmed (their content hashed), a few at a time while the walk goes on.
    const confirming = new Set<Promise<void>>();
    for await (const a of walkPhotos(root, roots, (s) => skipped.push(s))) {
      if (this.closed) break;
      const f = a.facts;
      seen.add(f.relPath);
      // A path the catalog does not know may be a photo it knows under another path (renamed or moved while closed).
      const candidates = a.kind === 'photo' && !known.has(f.relPath) ? this.catalog.moveCandidates(f.size, f.mtimeMs) : [];
      if (candidates.length) {
        const p: Promise<void> = this.recognizeMove(folderId, root, f, PRIORITY_BACKLOG, candidates)
          .then(
            (id) => (id === null ? add(a) : void moved++),
            () => add(a),
          )
          .finally(() => confirming.delete(p));
        confirming.add(p);
        if (confirming.size >= HASH_CONCURRENCY) await Promise.race(confirming);
        continue;
      }
      add(a);
    }
    await Promise.all(confirming);
    if (this.closed) return { added, changed, moved, missing: 0, skipped };
    if (batch.length) flush();
    // Only records still at the path they had when the scan began: one moved meanwhile (here or to another folder) is not gone.
    const gone = [...known]
      .filter(([rel, r]) => !seen.has(rel) && r.status !== 'missing')
      .filter(([rel, r]) => {
        const now = this.catalog.photo(r.id);
        return now?.folder_id === folderId && now.rel_path === rel;
      })
      .map(([, r]) => r.id);
    // Not found because the drive went away during the walk: offline, not deleted.
    if (gone.length && this.checkRoot(folderId, root)) return { added, changed, moved, missing: 0, skipped };
    if (gone.length) {
      this.catalog.markMissing(gone);
      gone.forEach((id) => this.hooks.photoRemoved(id));
    }
    return { added, changed, moved, missing: gone.length, skipped };
  }

  /**
   * A file at a path the catalog does not know, with the size and modification time of a known photo whose file
   * is no longer at its path (marked missing or not yet: the watcher's unlink, or the end of the scan, may come
   * after the add), is that photo moved or renamed if their content hashes agree. Its record takes the new path and
   * keeps everything (catalog.relocatePhoto): no decoding, no classifying. Returns its id, or null for a new file.
   * `sameFacts`: catalog.moveCandidates for the file, as the caller found them.
   */
  private async recognizeMove(folderId: number, root: string, f: FileFacts, priority: number, sameFacts: MoveCandidate[]): Promise<number | null> {
    const candidates = sameFacts.filter((c) => !(c.folder_id === folderId && c.rel_path === f.relPath));
    if (!candidates.length) return null;
    const gone: typeof candidates = [];
    for (const c of candidates) {
      const folder = this.catalog.folder(c.folder_id);
      if (!folder || !(await isDirectory(folder.path))) continue;
      // An offline folder's photos are not gone (a copy elsewhere must not take their records), unless its root is
      // there and empty: an unmounted drive cannot hide a file there, and a folder whose photos were all moved
      // out (sorting an import folder) looks just like that until they are recognised here.
      if (folder.status === 'offline' && !isEmptyDirQuiet(folder.path)) continue;
      // Gone from its path (whether or not already marked missing): a file back at its old path makes this a copy.
      if (!(await exists(join(folder.path, ...c.rel_path.split('/'))))) gone.push(c);
    }
    if (!gone.length) return null;
    let hash: string;
    await this.hashSlots.acquire();
    try {
      hash = await hashPhotoFile(join(root, ...f.relPath.split('/')));
    } catch {
      return null;
    } finally {
      this.hashSlots.release();
    }
    for (const c of gone) {
      if (c.hash === hash && this.catalog.relocatePhoto(c.id, { folderId: c.folder_id, relPath: c.rel_path }, folderId, f, priority)) {
        this.hooks.photoChanged(c.id);
        return c.id;
      }
    }
    return null;
  }

  private relPath(root: string, path: string): string {
    return relative(root, path).split(sep).join('/');
  }

  /** Records an admitted entry: a photo is queued (when new or changed); a refused one is failed with its reason, never queued. */
  private recordAdmitted(folderId: number, a: Admitted, priority: number): { id: number; change: 'added' | 'changed' | 'restored' | 'unchanged'; queued: boolean } {
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
        if (stats?.isFile()) return !isPhotoName(name) && !isSidecarName(name);
        return isIgnoredName(name);
      },
    });
    // Sidecars: reported once their events have settled for writeFinishMs (an app writes, renames, then touches).
    const sidecarTimers = new Map<string, NodeJS.Timeout>();
    this.sidecarTimers.set(folderId, sidecarTimers);
    const onSidecar = (path: string): boolean => {
      if (!isSidecarName(basename(path))) return false;
      clearTimeout(sidecarTimers.get(path));
      sidecarTimers.set(
        path,
        setTimeout(() => {
          sidecarTimers.delete(path);
          if (this.closed || this.watchers.get(folderId) !== watcher) return;
          this.hooks.sidecarChanged?.(folderId, root, this.relPath(root, path));
        }, this.options.writeFinishMs ?? 800),
      );
      return true;
    };
    this.watchersReady.set(folderId, new Promise<void>((r) => watcher.once('ready', () => r())));
    const record = (a: Admitted): void => {
      if (this.closed || this.gates.get(folderId) !== gate) return;
      try {
        const r = this.recordAdmitted(folderId, a, PRIORITY_LIVE);
        if (r.change === 'added') this.hooks.photoAdded(r.id);
        else if (r.change !== 'unchanged') this.hooks.photoChanged(r.id);
        if (r.queued) this.hooks.queued();
      } catch (e) {
        this.writeFailed(folderId, e);
      }
    };
    const upsert = (a: Admitted): void => {
      const f = a.facts;
      let candidates: MoveCandidate[];
      try {
        candidates = a.kind === 'refused' || this.catalog.photoByPath(folderId, f.relPath) ? [] : this.catalog.moveCandidates(f.size, f.mtimeMs);
      } catch (e) {
        this.writeFailed(folderId, e);
        return;
      }
      if (!candidates.length) return record(a);
      // A renamed or moved folder or file arrives as unlink + add, in either order: recognised, it keeps everything.
      this.recognizeMove(folderId, root, f, PRIORITY_LIVE, candidates).then(
        (id) => id === null && record(a),
        () => record(a),
      );
    };
    // The same admission as the first scan, when the event arrives and again when the write has finished.
    const admit = async (path: string): Promise<Admitted | null> => {
      if (!isPhotoName(basename(path))) return null;
      const a = await admitFile(root, this.relPath(root, path), () => this.roots.get());
      return a.kind === 'ignored' ? null : a;
    };
    const gate = new WriteFinishGate(
      (path) =>
        void admit(path).then(
          (a) => a && upsert(a),
          () => {},
        ),
      { stableMs: this.options.writeFinishMs ?? 800 },
    );
    this.gates.set(folderId, gate);
    const onEvent = (kind: 'add' | 'change', path: string): void => {
      void admit(path).then(
        (a) => {
          if (!a) return;
          // A pipe or device is never "being written": refuse it now. A photo waits until its write has finished.
          if (a.kind === 'refused') upsert(a);
          else gate.event(kind, path, a.facts);
        },
        () => {},
      );
    };
    watcher.on('add', (path) => onSidecar(path) || onEvent('add', path));
    watcher.on('change', (path) => onSidecar(path) || onEvent('change', path));
    // Events of a watcher already replaced (its root went offline) are not about the folder any more.
    const current = (): boolean => this.watchers.get(folderId) === watcher && !this.closed;
    watcher.on('unlink', (path) => {
      if (onSidecar(path)) return;
      gate.forget(path);
      // A file still there was not deleted (chokidar reports the files of an unmounted drive even if another is mounted at once).
      if (!current() || this.checkRoot(folderId, root) || existsSync(path)) return;
      try {
        const p = this.catalog.photoByPath(folderId, this.relPath(root, path));
        if (p && p.status !== 'missing') {
          this.catalog.markMissing([p.id]);
          this.hooks.photoRemoved(p.id);
        }
      } catch (e) {
        this.writeFailed(folderId, e);
      }
    });
    watcher.on('unlinkDir', (path) => {
      if (!current()) return;
      const prefix = `${this.relPath(root, path)}/`;
      if (path === root) {
        this.goOffline(folderId, 'The folder was removed or its drive disconnected.');
        return;
      }
      if (this.checkRoot(folderId, root)) return;
      try {
        const gone = [...this.catalog.folderFiles(folderId)].filter(([rel, r]) => rel.startsWith(prefix) && r.status !== 'missing').map(([, r]) => r.id);
        this.catalog.markMissing(gone);
        gone.forEach((id) => this.hooks.photoRemoved(id));
      } catch (e) {
        this.writeFailed(folderId, e);
      }
    });
    watcher.on('error', (e) => {
      const code = (e as NodeJS.ErrnoException).code;
      try {
        if (code === 'ENOSPC' || code === 'EMFILE' || code === 'ENFILE') this.degradeToRescans(folderId, code);
        else {
          this.catalog.setFolderStatus(folderId, 'error', `watching failed: ${(e as Error).message}`);
          this.hooks.foldersChanged();
        }
      } catch (err) {
        this.writeFailed(folderId, err);
      }
    });
    this.watchers.set(folderId, watcher);
    this.startRootChecks();
  }

  /**
   * Why a folder's root cannot be trusted to list its photos right now, or
   * null. `dev` is the device the root shows, when that is the reason.
   */
  private rootProblem(folderId: number, root: string): { reason: string; dev?: number; replaced?: boolean } | null {
    let dev: number;
    try {
      const st = statSync(root);
      if (!st.isDirectory()) return { reason: 'The folder is not a folder any more.' };
      dev = st.dev;
      // A folder without photos has nothing to lose: whatever it shows is the truth.
      if (!this.catalog.folderHasPresentPhotos(folderId)) return null;
      const known = this.rootDevs.get(folderId);
      // Another device: offline, unless it holds the photos it held (the same drive, mounted again under a new number:
      // the watcher still watches the old one, so the folder is watched and scanned afresh).
      if (known !== undefined && known !== dev) return this.knownPhotosThere(folderId, root) ? { reason: '', dev, replaced: true } : { reason: ROOT_MOVED, dev };
      if (isEmptyDir(root)) return { reason: ROOT_EMPTIED };
      return null;
    } catch (e) {
      return { reason: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'The folder is not reachable (drive disconnected, renamed or deleted).' : `The folder cannot be read: ${(e as Error).message}` };
    }
  }

  /** Takes the folder offline when its root is not to be trusted; true if it did. Never throws (timers, watcher events). */
  private checkRoot(folderId: number, root: string): boolean {
    try {
      const problem = this.rootProblem(folderId, root);
      if (!problem) {
        this.rootDevs.set(folderId, statSync(root).dev);
        return false;
      }
      if (problem.replaced) {
        this.rootDevs.set(folderId, problem.dev!);
        void this.unwatch(folderId).then(() => this.start(folderId));
        return true;
      }
      try {
        this.goOffline(folderId, problem.reason, problem.dev);
      } catch (e) {
        // The catalog could not record it (full disk...): still not to be trusted, and reported like any failed write.
        this.writeFailed(folderId, e);
      }
      return true;
    } catch {
      return false;
    }
  }

  private startRootChecks(): void {
    if (this.rootTimer || this.closed) return;
    this.rootTimer = setInterval(() => {
      for (const folderId of [...this.watchers.keys()]) {
        const f = this.catalog.folder(folderId);
        if (f && f.status !== 'offline') this.checkRoot(folderId, f.path);
      }
    }, this.options.rootCheckMs ?? 10_000);
    this.rootTimer.unref();
  }

  /** An offline root is back when it is a folder again, not empty (if it had photos) and no longer the bare mount point. */
  private rootIsBack(folderId: number, root: string): boolean {
    try {
      const st = statSync(root);
      if (!st.isDirectory()) return false;
      if (!this.catalog.folderHasPresentPhotos(folderId)) return true;
      if (isEmptyDir(root)) return false;
      // Still on the bare mount point's device: back only if the photos are (mounted again with the same number).
      const bare = this.offlineDevs.get(folderId);
      return bare === undefined || st.dev !== bare || this.knownPhotosThere(folderId, root);
    } catch {
      return false;
    }
  }

  /** Whether any of a few photos the catalog knows in this folder is at its place under `root`. */
  private knownPhotosThere(folderId: number, root: string): boolean {
    return this.catalog.presentPhotoPaths(folderId, 3).some((rel) => {
      try {
        return statSync(join(root, ...rel.split('/'))).isFile();
      } catch {
        return false;
      }
    });
  }

  /** The chokidar watcher of a folder (tests). */
  watcherFor(folderId: number): FSWatcher | undefined {
    return this.watchers.get(folderId);
  }

  /** Settles once the folder's current watcher is ready (tests: a change made after it is seen); undefined while it has none. */
  watcherReady(folderId: number): Promise<void> | undefined {
    return this.watchers.has(folderId) ? this.watchersReady.get(folderId) : undefined;
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
      void this.reconcile(folderId, f.path).then(
        () => this.hooks.queued(),
        (e) => this.writeFailed(folderId, e),
      );
    }, this.options.rescanMs ?? 600_000);
    timer.unref();
    this.offlineTimers.set(folderId, timer);
  }

  private goOffline(folderId: number, reason: string, bareDev?: number): void {
    void this.unwatch(folderId);
    if (bareDev !== undefined) this.offlineDevs.set(folderId, bareDev);
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
      if (!this.rootIsBack(folderId, f.path)) return;
      clearInterval(timer);
      this.offlineTimers.delete(folderId);
      // Back, possibly on another device (a drive plugged in again): that is the one to expect now.
      this.rootDevs.delete(folderId);
      this.offlineDevs.delete(folderId);
      void this.start(folderId);
    }, this.options.offlineRecheckMs ?? this.options.rootCheckMs ?? 10_000);
    timer.unref();
    this.offlineTimers.set(folderId, timer);
  }

  async unwatch(folderId: number): Promise<void> {
    const w = this.watchers.get(folderId);
    this.watchers.delete(folderId);
    this.watchersReady.delete(folderId);
    this.gates.get(folderId)?.close();
    this.gates.delete(folderId);
    for (const t of this.sidecarTimers.get(folderId)?.values() ?? []) clearTimeout(t);
    this.sidecarTimers.delete(folderId);
    const t = this.offlineTimers.get(folderId);
    if (t) clearInterval(t);
    this.offlineTimers.delete(folderId);
    if (w) await w.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.rootTimer) clearInterval(this.rootTimer);
    await Promise.all([...this.watchers.keys()].map((id) => this.unwatch(id)));
    for (const t of this.offlineTimers.values()) clearInterval(t);
    await Promise.allSettled([...this.scans.values()]);
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    (e: NodeJS.ErrnoException) => e.code !== 'ENOENT' && e.code !== 'ENOTDIR',
  );
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
