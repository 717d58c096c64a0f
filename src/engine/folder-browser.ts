/**
 * Browser mode's folder picker: lists the folders inside one folder of the server's disk, so a person using
 * `scenery serve` can choose a folder by clicking through names instead of typing a path.
 *
 * Why paths and not opaque tokens: the desktop rule "the renderer never sees a file path" is about photo files
 * (media goes by id, so a page can never ask for an arbitrary file). Here the person is choosing a folder on the
 * server's disk by its location; they see it in the breadcrumb and could type it in the path field anyway, and
 * `folders.add` already takes a path from them. A token table would hide nothing from a caller who may call
 * `folders.add` with any path, and would add server state that expires under the person. So the picker hands back
 * only folder paths the person navigated to (never a file's name), and the command is refused in desktop mode,
 * where the native dialog is used and the renderer sees no paths at all.
 *
 * What it does and does not do: read-only (readdir and stat only, never open a file); only folders are listed,
 * photos directly inside are counted, not named; hidden folders (dot names, and the OS bookkeeping folders the
 * scanner skips) are left out unless asked for; a symlink is listed only if it leads to a folder, with its real
 * target as its path (a loop or a dangling link is left out); devices, FIFOs and sockets are never opened. The
 * listing is capped (sorted first, then cut) and the per-folder look inside (has folders? how many photos?) is
 * bounded in entries per folder and in total time, so a folder of 100,000 entries or a slow mount answers promptly.
 */
import { lstat, opendir, readdir, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, parse, resolve, sep } from 'node:path';
import type { Dirent } from 'node:fs';
import type { FolderBrowse, FolderBrowseEntry } from '../shared/domain.js';
import { ContractError } from '../shared/contract.js';
import { isIgnoredDir, isPhotoName } from './scanner/file-types.js';

export const BROWSE_LIMIT = 2000;
/** Entries read inside each listed folder to learn whether it has folders and how many photos. */
export const PEEK_ENTRIES = 5000;
const PEEK_BUDGET_MS = 1500;
const PEEK_CONCURRENCY = 8;

export interface BrowseOptions {
  showHidden?: boolean;
  home?: string;
  limit?: number;
  peekEntries?: number;
  peekBudgetMs?: number;
}

/** `~` and `~/x` (and `~\x` on Windows) relative to `home`; anything else unchanged. `~user` is not expanded. */
export function expandHome(input: string, home: string = homedir()): string {
  if (input === '~') return home;
  if (input.startsWith('~/') || (sep === '\\' && input.startsWith('~\\'))) return join(home, input.slice(2));
  return input;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function plain(path: string, e: unknown): ContractError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new ContractError('not_found', `${path} does not exist`);
  if (code === 'ENOTDIR') return new ContractError('invalid_request', `${path} is not a folder`);
  if (code === 'EACCES' || code === 'EPERM') return new ContractError('invalid_request', `${path} cannot be opened (permission denied)`);
  if (code === 'ELOOP') return new ContractError('invalid_request', `${path} is a symlink loop`);
  return new ContractError('invalid_request', `${path} cannot be opened: ${(e as Error).message}`);
}

interface Peek {
  readable: boolean;
  hasChildren: boolean | null;
  photoCount: number | null;
  photoCountCapped: boolean;
}

/** Reads at most `max` names of a folder: does it have (visible) folders, how many photos. Never opens a file. */
async function peek(dir: string, max: number, showHidden: boolean): Promise<Peek> {
  let handle;
  try {
    handle = await opendir(dir, { bufferSize: 256 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { readable: !(code === 'EACCES' || code === 'EPERM'), hasChildren: null, photoCount: null, photoCountCapped: false };
  }
  let seen = 0;
  let photos = 0;
  let children = false;
  let capped = false;
  try {
    for await (const d of handle) {
      if (++seen > max) {
        capped = true;
        break;
      }
      if (d.isFile() && isPhotoName(d.name)) photos++;
      else if (!children && (d.isDirectory() || d.isSymbolicLink()) && (showHidden || !isIgnoredDir(d.name))) children = true;
    }
  } catch {
    return { readable: true, hasChildren: children || null, photoCount: null, photoCountCapped: false };
  } finally {
    // Breaking out of the iterator closes the handle already; closing twice throws ERR_DIR_CLOSED.
    await handle.close().catch(() => {});
  }
  return { readable: true, hasChildren: children || (capped ? null : false), photoCount: photos, photoCountCapped: capped };
}

/** A folder entry's real target if it is a folder (directly or through a symlink), else null. */
async function folderTarget(dir: string, d: Dirent): Promise<{ path: string; link: boolean } | null> {
  const full = join(dir, d.name);
  let isDir = d.isDirectory();
  let isLink = d.isSymbolicLink();
  if (!isDir && !isLink) {
    if (d.isFile() || d.isFIFO() || d.isSocket() || d.isBlockDevice() || d.isCharacterDevice()) return null;
    // Type not reported by this file system: look without following.
    const s = await lstat(full).catch(() => null);
    isDir = s?.isDirectory() ?? false;
    isLink = s?.isSymbolicLink() ?? false;
  }
  if (isDir) return { path: full, link: false };
  if (!isLink) return null;
  try {
    const s = await stat(full); // follows: a link to a FIFO or device is only "not a folder"; nothing is opened
    if (!s.isDirectory()) return null;
    return { path: await realpath(full), link: true };
  } catch {
    return null; // dangling, a loop (ELOOP) or not permitted
  }
}

function crumbsOf(path: string): { name: string; path: string }[] {
  const root = parse(path).root;
  const out = [{ name: root, path: root }];
  let acc = root;
  for (const part of path.slice(root.length).split(sep).filter(Boolean)) {
    acc = join(acc, part);
    out.push({ name: part, path: acc });
  }
  return out;
}

async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/**
 * Lists the folders inside `input` (null: the home folder, or the root when there is no usable home, as for a
 * service account). Throws a ContractError with a plain sentence.
 */
export async function browseFolders(input: string | null, options: BrowseOptions = {}): Promise<FolderBrowse> {
  const home = options.home ?? homedir();
  if (input === null || input.trim() === '') {
    try {
      return await list(home, home, options);
    } catch {
      return list(parse(resolve(home)).root, home, options);
    }
  }
  return list(input, home, options);
}

async function list(input: string, home: string, options: BrowseOptions): Promise<FolderBrowse> {
  const showHidden = options.showHidden ?? false;
  const limit = options.limit ?? BROWSE_LIMIT;
  const typed = expandHome(input.trim(), home);
  if (!isAbsolute(typed)) throw new ContractError('invalid_request', `"${typed}" is not an absolute path (start with / or ~)`);
  let path: string;
  let dirents: Dirent[];
  try {
    path = await realpath(resolve(typed));
    const s = await stat(path);
    if (!s.isDirectory()) throw new ContractError('invalid_request', `${typed} is a file, not a folder`);
    dirents = await readdir(path, { withFileTypes: true });
  } catch (e) {
    if (e instanceof ContractError) throw e;
    throw plain(typed, e);
  }

  let hidden = 0;
  let photoCount = 0;
  const candidates: Dirent[] = [];
  for (const d of dirents) {
    if (d.isFile()) {
      if (isPhotoName(d.name)) photoCount++;
      continue;
    }
    if (d.isFIFO() || d.isSocket() || d.isBlockDevice() || d.isCharacterDevice()) continue;
    if (!showHidden && isIgnoredDir(d.name)) {
      hidden++;
      continue;
    }
    candidates.push(d);
  }
  candidates.sort((a, b) => collator.compare(a.name, b.name) || (a.name < b.name ? -1 : 1));

  // Resolve in sorted order until the cap is full; what remains is counted, not resolved.
  const folders: { name: string; path: string; link: boolean }[] = [];
  let i = 0;
  for (; i < candidates.length && folders.length < limit; i++) {
    const t = await folderTarget(path, candidates[i]!);
    if (t) folders.push({ name: candidates[i]!.name, ...t });
  }
  const more = candidates.length - i;

  const deadline = Date.now() + (options.peekBudgetMs ?? PEEK_BUDGET_MS);
  const max = options.peekEntries ?? PEEK_ENTRIES;
  const entries: FolderBrowseEntry[] = await pool(folders, PEEK_CONCURRENCY, async (f) => {
    const p: Peek = Date.now() < deadline ? await peek(f.path, max, showHidden) : { readable: true, hasChildren: null, photoCount: null, photoCountCapped: false };
    return { name: f.name, path: f.path, link: f.link, ...p };
  });

  const parent = dirname(path) === path ? null : dirname(path);
  const roots = [{ name: 'Home', path: home }];
  const root = parse(home).root;
  if (root !== home) roots.push({ name: 'Computer', path: root });
  return { path, parent, crumbs: crumbsOf(path), entries, more, hidden, photoCount, roots };
}
