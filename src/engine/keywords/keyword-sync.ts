/**
 * Brings one photo's files in line with the keywords it should carry.
 *
 * The rule that loses nothing of a person's (documented in the README,
 * "Keywords in other apps"):
 *  - Hierarchy (lr:hierarchicalSubject): Scenery removes only entries it can
 *    write itself (scenery-keywords.ts isSceneryHierarchy: `Scenery|...|<one of
 *    the 365 scenes>`) or that it recorded writing; everything else stays.
 *  - Flat keywords (dc:subject, IPTC Keywords) carry no mark of who wrote them,
 *    so Scenery records in the catalog (catalog/keyword-records.ts) the ones it
 *    added itself: those absent from the file when it added them. It removes
 *    only those. A keyword the person already had ("outdoor", "beach") is
 *    never recorded as Scenery's, so it survives a scene change and `remove`.
 *    Without a record (a lost catalog) no flat keyword is removed.
 *  - A sidecar Scenery created and that holds nothing else once its keywords
 *    are removed is deleted again; any other file is only edited.
 *
 * Where: `sidecar` mode writes the sidecar (sidecar-path.ts); `embedded` writes
 * into JPEG, TIFF, PNG, WebP and DNG files, and every other format (RAW files
 * in particular) gets a sidecar instead. When the place changes (another mode
 * or naming), Scenery's keywords are first taken out of the old place.
 */
import { existsSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KeywordSettings } from '../../shared/domain.js';
import type { KeywordRecord, KeywordRecords, OwnedKeywords } from '../catalog/keyword-records.js';
import { hashPhotoFile } from '../imaging/photo-file.js';
import { extensionOf } from '../scanner/file-types.js';
import { createSidecar, editKeywords, isEmptyEdit, readKeywordLists, readXmpTags, SidecarExistsError, type KeywordEdit, type ListEdit } from './keyword-file.js';
import { isSceneryHierarchy, keywordsFor, NO_KEYWORDS, withPersonalScenes, type SceneryKeywords } from './scenery-keywords.js';
import { sidecarPath } from './sidecar-path.js';

/** Formats whose keywords may be written into the file itself (ExifTool writes XMP there without touching the image data). */
const EMBEDDABLE = new Set(['jpg', 'jpeg', 'jpe', 'tif', 'tiff', 'png', 'webp', 'dng']);
/** Formats that also get IPTC Keywords (older tools, Windows Explorer read only those). */
const IPTC_FORMATS = new Set(['jpg', 'jpeg', 'jpe', 'tif', 'tiff']);

export function canEmbed(photo: string): boolean {
  return EMBEDDABLE.has(extensionOf(photo));
}

export interface Target {
  path: string;
  embedded: boolean;
  iptc: boolean;
}

/** Where `photo`'s keywords go under `settings` (null: mode off). */
export function targetFor(photo: string, settings: KeywordSettings): Target | null {
  if (settings.mode === 'off') return null;
  if (settings.mode === 'embedded' && canEmbed(photo)) return { path: photo, embedded: true, iptc: IPTC_FORMATS.has(extensionOf(photo)) };
  return { path: sidecarPath(photo, settings.sidecarName), embedded: false, iptc: false };
}

export type SyncResult = 'written' | 'unchanged' | 'skipped';

const uniq = (a: string[]): string[] => [...new Set(a)];
const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
const minus = (a: string[], b: string[]): string[] => a.filter((x) => !b.includes(x));

/** The edit of one flat list, and which of its entries Scenery owns afterwards. */
export function flatEdit(current: string[], wanted: string[], owned: string[]): { edit: ListEdit; owned: string[] } {
  const remove = uniq(owned.filter((k) => current.includes(k) && !wanted.includes(k)));
  const add = uniq(minus(wanted, current));
  const stillOwned = owned.filter((k) => wanted.includes(k) && current.includes(k));
  return { edit: { add, remove }, owned: uniq([...stillOwned, ...add]) };
}

/** The edit of the hierarchy list: Scenery's own entries out (see the header), the wanted ones in. */
export function hierarchyEdit(current: string[], wanted: string[], recorded: string[]): ListEdit {
  const ours = (h: string): boolean => isSceneryHierarchy(h) || recorded.includes(h);
  return { add: uniq(minus(wanted, current)), remove: uniq(current.filter((h) => ours(h) && !wanted.includes(h))) };
}

interface Applied {
  changed: boolean;
  owned: OwnedKeywords;
  created: boolean;
}

/** The record's own notes: whether Scenery created the sidecar (kept with the owned lists). */
type OwnedWithNotes = OwnedKeywords & { createdSidecar?: boolean };

/**
 * A file or folder the person made read-only (no write permission for anyone) is left alone: ExifTool writes a
 * temporary file and renames it over the original, which a writable folder allows even for a read-only file, so
 * without this check a read-only photo or sidecar would be rewritten. (Permissions as the mode bits say; on Windows
 * Node maps the read-only attribute to them.)
 */
function refuseReadOnly(path: string, what: 'file' | 'folder'): void {
  if ((statSync(path).mode & 0o222) === 0) throw new Error(`${path} is read-only: Scenery does not change a read-only ${what} (make it writable to let Scenery write keywords)`);
}

async function applyTo(target: Target, wanted: SceneryKeywords, prior: KeywordRecord | null, keepModifiedTime: boolean): Promise<Applied> {
  const owned: OwnedWithNotes = prior && prior.target === target.path ? (prior.owned as OwnedWithNotes) : { subject: [], iptc: [] };
  const recordedHierarchy = prior && prior.target === target.path ? prior.hierarchy : [];
  if (!existsSync(target.path)) {
    if (!wanted.flat.length && !wanted.hierarchy.length) return { changed: false, owned: { subject: [], iptc: [] }, created: false };
    if (target.embedded) throw new Error(`${target.path} is not there`);
    refuseReadOnly(dirname(target.path), 'folder');
    try {
      await createSidecar(target.path, { subject: { add: wanted.flat, remove: [] }, hierarchy: { add: wanted.hierarchy, remove: [] } });
      return { changed: true, owned: { subject: [...wanted.flat], iptc: [] }, created: true };
    } catch (e) {
      if (!(e instanceof SidecarExistsError)) throw e;
      // Another tool made it meanwhile: edit that one like any existing sidecar (below).
    }
  }
  const current = await readKeywordLists(target.path);
  const subject = flatEdit(current.subject, wanted.flat, owned.subject);
  const iptc = target.iptc ? flatEdit(current.iptc, wanted.flat, owned.iptc) : null;
  const edit: KeywordEdit = { subject: subject.edit, hierarchy: hierarchyEdit(current.hierarchy, wanted.hierarchy, recordedHierarchy), ...(iptc ? { iptc: iptc.edit } : {}) };
  const next: OwnedWithNotes = { subject: subject.owned, iptc: iptc?.owned ?? [], ...(owned.createdSidecar ? { createdSidecar: true } : {}) };
  if (isEmptyEdit(edit)) return { changed: false, owned: next, created: !!owned.createdSidecar };
  refuseReadOnly(target.path, 'file');
  refuseReadOnly(dirname(target.path), 'folder');
  await editKeywords(target.path, edit, { keepModifiedTime: target.embedded ? keepModifiedTime : false });
  return { changed: true, owned: next, created: !!owned.createdSidecar };
}

/** Deletes a sidecar Scenery created once nothing but ExifTool's own toolkit note is left in it. */
async function dropIfEmpty(path: string): Promise<void> {
  const left = Object.keys(await readXmpTags(path)).filter((k) => k !== 'XMP-x:XMPToolkit');
  if (!left.length) unlinkSync(path);
}

export interface SyncContext {
  records: KeywordRecords;
  settings: KeywordSettings;
  threshold: number;
  /** The names of the personal scenes that claim photo `id` (none when absent). */
  personalScenes?(id: number): string[];
}

/**
 * Writes (`write`) or takes out (`remove`) Scenery's keywords for photo `id`. An embedded write tells the catalog
 * the file's new size, time and hash before the watcher looks, so the photo is not read or classified again.
 */
export async function syncPhotoKeywords(ctx: SyncContext, id: number, action: 'write' | 'remove'): Promise<SyncResult> {
  const photo = ctx.records.photo(id);
  // Two photos may share one sidecar (IMG_0001.jpg and IMG_0001.png with basename naming): one write at a time per sidecar.
  const prior = ctx.records.get(id);
  const sidecar = photo && action === 'write' ? targetFor(photo.path, ctx.settings) : prior ? { path: prior.target, embedded: prior.embedded } : null;
  const key = sidecar && !sidecar.embedded ? sidecar.path : null;
  if (!key) return syncOne(ctx, id, action);
  const before = sidecarLocks.get(key) ?? Promise.resolve();
  const mine = before.then(() => syncOne(ctx, id, action));
  const settled = mine.then(
    () => {},
    () => {},
  );
  sidecarLocks.set(key, settled);
  void settled.then(() => {
    if (sidecarLocks.get(key) === settled) sidecarLocks.delete(key);
  });
  return mine;
}

const sidecarLocks = new Map<string, Promise<void>>();

async function syncOne(ctx: SyncContext, id: number, action: 'write' | 'remove'): Promise<SyncResult> {
  const photo = ctx.records.photo(id);
  const prior = ctx.records.get(id);
  if (!photo) {
    if (prior) ctx.records.clear(id);
    return 'skipped';
  }
  if (photo.status === 'missing') {
    // A deleted photo (or one on a drive that is away) is not written; but `remove` still takes Scenery's keywords
    // out of a sidecar left beside it (and deletes the sidecar if Scenery made it). An unreachable one keeps its record.
    if (action === 'write' || !prior || prior.embedded || !existsSync(prior.target)) return 'skipped';
  }
  // Deleted since the catalog last looked (the watcher has not told it yet): no new sidecar beside nothing. Its
  // record stays, so the watcher's "missing" and a restore are handled as for any missing photo.
  if (action === 'write' && !existsSync(photo.path)) return 'skipped';
  const scene = action === 'remove' ? NO_KEYWORDS : keywordsFor(photo, ctx.threshold);
  if (!scene) return 'skipped';
  const wanted = action === 'remove' ? NO_KEYWORDS : withPersonalScenes(scene, ctx.personalScenes?.(id) ?? []);
  const target = action === 'remove' ? null : targetFor(photo.path, ctx.settings);
  // The indexer is about to read (or reading) this photo, e.g. a re-index with another model: rewriting the file now
  // would make its result look stale. Its result reports the photo changed, and it is queued here again then.
  if (photo.queued && (target?.embedded || prior?.embedded)) return 'skipped';
  // Already written with these keywords, to this file, and the file is there: nothing to read or write. (A keyword
  // of Scenery's the person deleted in another app is thus not put back by every threshold change.)
  if (target && prior && prior.target === target.path && sameList(prior.hierarchy, wanted.hierarchy) && wanted.hierarchy.length && existsSync(target.path)) return 'unchanged';
  // Nothing to write and nothing written before (a scene under the threshold): the file is not even read.
  if (!prior && !wanted.hierarchy.length) return 'unchanged';
  let changed = false;

  const writeTo = async (t: Target, w: SceneryKeywords, rec: KeywordRecord | null): Promise<Applied> => {
    const before = t.embedded ? { size: photo.size, mtimeMs: photo.mtime_ms } : null;
    const r = await applyTo(t, w, rec, ctx.settings.keepModifiedTime);
    if (r.changed && before) {
      const st = statSync(t.path);
      ctx.records.recordOwnWrite(id, before, { size: st.size, mtimeMs: st.mtimeMs, hash: await hashPhotoFile(t.path) });
      // The next write of this photo starts from the facts just recorded.
      photo.size = st.size;
      photo.mtime_ms = Math.round(st.mtimeMs);
    }
    changed ||= r.changed;
    return r;
  };

  // Scenery's keywords leave a place it no longer writes to (mode or naming changed, or `remove`).
  if (prior && prior.target !== target?.path) {
    const old: Target = { path: prior.target, embedded: prior.embedded, iptc: prior.embedded && IPTC_FORMATS.has(extensionOf(prior.target)) };
    if (existsSync(old.path)) {
      const r = await writeTo(old, NO_KEYWORDS, prior);
      if (!old.embedded && r.created) await dropIfEmpty(old.path);
    }
    ctx.records.clear(id);
  }
  if (target) {
    const r = await writeTo(target, wanted, prior && prior.target === target.path ? prior : null);
    const nothing = !wanted.flat.length && !wanted.hierarchy.length;
    if (nothing && !target.embedded && r.created && existsSync(target.path)) await dropIfEmpty(target.path);
    if (nothing && !r.owned.subject.length && !r.owned.iptc.length) ctx.records.clear(id);
    else ctx.records.set({ photoId: id, target: target.path, embedded: target.embedded, owned: r.created ? ({ ...r.owned, createdSidecar: true } as OwnedKeywords) : r.owned, hierarchy: wanted.hierarchy });
  }
  return changed ? 'written' : 'unchanged';
}
