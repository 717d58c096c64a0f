/**
 * The watched folders: add (after checking the path), remove (with the
 * thumbnails only they use), list, the sidebar's folder tree, retrying the
 * files that could not be read, and a photo's file on disk.
 */
import { realpathSync, statSync, accessSync, constants as fsc } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import type { FolderInfo, FolderTreeNode } from '../../shared/domain.js';
import { ContractError } from '../../shared/contract.js';
import type { PhotoRow } from '../catalog/catalog.js';
import { folderInfo } from '../catalog/views.js';
import type { ThumbnailStore } from '../indexer/thumbnails.js';
import type { Scanner } from '../scanner/scanner.js';
import { expandHome } from '../folder-browser.js';
import { buildFolderTree } from '../folder-tree.js';
import type { ServiceContext } from './context.js';

export class FoldersService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly scanner: Scanner,
    private readonly thumbs: ThumbnailStore,
  ) {}

  list(): FolderInfo[] {
    const counts = this.ctx.catalog.folderCounts();
    return this.ctx.catalog.folders().map((f) => folderInfo(f, counts.get(f.id)));
  }

  /** Adds a folder after checking it is a readable directory not already covered. */
  add(typed: string): FolderInfo {
    const input = expandHome(typed);
    if (!isAbsolute(input)) throw new ContractError('invalid_request', `"${input}" is not an absolute path`);
    let real: string;
    try {
      real = realpathSync(input);
      if (!statSync(real).isDirectory()) throw new ContractError('invalid_request', `${input} is a file, not a folder`);
      accessSync(real, fsc.R_OK | fsc.X_OK);
    } catch (e) {
      if (e instanceof ContractError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new ContractError('invalid_request', code === 'ENOENT' ? `${input} does not exist` : code === 'EACCES' ? `${input} cannot be read (permission denied)` : `${input}: ${(e as Error).message}`);
    }
    for (const f of this.ctx.catalog.folders()) {
      if (f.path === real) throw new ContractError('conflict', `${real} is already in the library`);
      if (real.startsWith(f.path + sep)) throw new ContractError('conflict', `${real} is inside ${f.path}, which is already in the library`);
      if (f.path.startsWith(real + sep)) throw new ContractError('conflict', `${real} contains ${f.path}, which is already in the library; remove that one first`);
    }
    const row = this.ctx.catalog.addFolder(real);
    void this.scanner.start(row.id).then(() => this.ctx.indexer.kick());
    this.ctx.events.emit('folders.changed', { folders: this.list() });
    return folderInfo(row, undefined);
  }

  async remove(id: number): Promise<boolean> {
    const { catalog } = this.ctx;
    await this.scanner.unwatch(id);
    const ids = catalog.photoIdsInFolder(id);
    // Its thumbnails and previews go with it, except those a photo of another folder (same content) shows too.
    const thumbs = catalog.thumbKeysOnlyIn(id);
    const removed = catalog.removeFolder(id);
    // Reported at once, so that no search or count sees the rows gone from the catalog while the files are deleted.
    this.ctx.changes.removed(ids);
    await Promise.all(thumbs.map((k) => this.thumbs.remove(k).catch(() => {})));
    this.ctx.events.emit('folders.changed', { folders: this.list() });
    this.ctx.indexer.emitProgress(true);
    return removed;
  }

  /** The sidebar's folder tree: a watched folder's subfolders, nested, each with its photos at any depth. */
  tree(folderId: number): { folderId: number; count: number; children: FolderTreeNode[] } {
    if (!this.ctx.catalog.folders().some((f) => f.id === folderId)) throw new ContractError('not_found', `no watched folder with id ${folderId}`);
    return { folderId, ...buildFolderTree(this.ctx.catalog.browse.dirCounts(folderId)) };
  }

  /** Queues the files that could not be read again (they show as not yet tagged until the indexer has read them). */
  retryFailed(): number {
    const ids = this.ctx.catalog.failedPhotoIds();
    const requeued = this.ctx.catalog.retryFailed();
    this.ctx.changes.changed(ids);
    this.ctx.indexer.kick();
    return requeued;
  }

  /** Absolute path of a photo's file (for the engine's own media serving; never sent to a UI). */
  photoFile(id: number): { path: string; folder: string; row: PhotoRow } | null {
    const p = this.ctx.catalog.photo(id);
    if (!p) return null;
    const f = this.ctx.catalog.folder(p.folder_id);
    if (!f) return null;
    return { path: resolve(f.path, ...p.rel_path.split('/')), folder: f.path, row: p };
  }

  /** The photo a file on disk is in the library as (the CLI names photos by path), or null. */
  photoIdForPath(path: string): number | null {
    const abs = resolve(path);
    let real = abs;
    try {
      real = realpathSync(abs);
    } catch {
      // a path that is gone can still name a catalogued photo
    }
    for (const f of this.ctx.catalog.folders()) {
      for (const p of new Set([abs, real])) {
        if (!p.startsWith(f.path.endsWith(sep) ? f.path : f.path + sep)) continue;
        const rel = p.slice(f.path.length).replace(/^[\\/]+/, '').split(sep).join('/');
        const row = this.ctx.catalog.photoByPath(f.id, rel);
        if (row && row.status !== 'missing') return row.id;
      }
    }
    return null;
  }
}
