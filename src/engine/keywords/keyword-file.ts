/**
 * Reading and editing the keyword lists of one file (a photo or an XMP
 * sidecar) through the engine's one ExifTool pool (metadata/exiftool.ts).
 *
 * Edits are list edits (`-XMP-dc:Subject-=old`, `+=new`): ExifTool rewrites
 * only those entries and copies every other tag of the file (ratings, labels,
 * develop settings, a person's own keywords) as it was. Writes are atomic:
 * ExifTool writes `FILE_exiftool_tmp` and renames it over FILE
 * (`-overwrite_original`, never `_in_place`); a new sidecar is written by
 * ExifTool under a hidden temporary name and then linked to its real name,
 * so another tool never reads half a file. Embedded writes never re-encode
 * the image data (ExifTool copies it), and `-P` keeps the file's
 * modification time (ExifTool keeps whole seconds; the fraction is put back
 * here, so that tools comparing times to the millisecond see no change).
 */
import { existsSync, linkSync, renameSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { exiftool } from '../metadata/exiftool.js';

export interface KeywordLists {
  subject: string[];
  hierarchy: string[];
  iptc: string[];
}

export interface ListEdit {
  add: string[];
  remove: string[];
}

export interface KeywordEdit {
  subject: ListEdit;
  hierarchy: ListEdit;
  /** Embedded in JPEG/TIFF only. */
  iptc?: ListEdit;
}

const TAGS = { subject: 'XMP-dc:Subject', hierarchy: 'XMP-lr:HierarchicalSubject', iptc: 'IPTC:Keywords' } as const;

function list(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => String(x));
}

/** The file's keyword lists (empty lists for a file that has none). */
export async function readKeywordLists(file: string): Promise<KeywordLists> {
  const raw = (await exiftool().readRaw(file, { readArgs: ['-G1', `-${TAGS.subject}`, `-${TAGS.hierarchy}`, `-${TAGS.iptc}`] })) as Record<string, unknown>;
  return { subject: list(raw[TAGS.subject]), hierarchy: list(raw[TAGS.hierarchy]), iptc: list(raw[TAGS.iptc]) };
}

/** Every XMP tag of a file (group-1 names), for deciding whether a sidecar holds anything but Scenery's keywords. */
export async function readXmpTags(file: string): Promise<Record<string, unknown>> {
  const raw = (await exiftool().readRaw(file, { readArgs: ['-G1', '-XMP:all'] })) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (k.startsWith('XMP-')) out[k] = v;
  return out;
}

export function isEmptyEdit(e: KeywordEdit): boolean {
  return [e.subject, e.hierarchy, e.iptc].every((l) => !l || (l.add.length === 0 && l.remove.length === 0));
}

function editTags(e: KeywordEdit): Record<string, string[]> {
  const tags: Record<string, string[]> = {};
  for (const key of ['subject', 'hierarchy', 'iptc'] as const) {
    const l = e[key];
    if (!l) continue;
    // Removals first: ExifTool applies `-=` and `+=` of one tag in the order given.
    if (l.remove.length) tags[`${TAGS[key]}-`] = l.remove;
    if (l.add.length) tags[`${TAGS[key]}+`] = l.add;
  }
  return tags;
}

/** Applies a list edit to an existing file, in place and atomically. */
export async function editKeywords(file: string, e: KeywordEdit, options: { keepModifiedTime: boolean }): Promise<void> {
  if (isEmptyEdit(e)) return;
  const before = options.keepModifiedTime ? statSync(file) : null;
  await exiftool().write(file, editTags(e) as never, { writeArgs: ['-overwrite_original', ...(before ? ['-P'] : [])] });
  if (before) utimesSync(file, before.atimeMs / 1000, before.mtimeMs / 1000);
}

/** A sidecar that another tool created meanwhile: the caller edits that one instead. */
export class SidecarExistsError extends Error {}

/**
 * Creates the sidecar `path` holding only `e`'s additions. ExifTool creates it under a hidden name in the same
 * folder (the watcher ignores hidden names) and it is then hard-linked to `path`, which fails rather than
 * replaces a sidecar that appeared meanwhile; on file systems without hard links it is renamed.
 */
export async function createSidecar(path: string, e: KeywordEdit): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.scenery-${process.pid}-${randomBytes(4).toString('hex')}.xmp`);
  const adds: KeywordEdit = { subject: { add: e.subject.add, remove: [] }, hierarchy: { add: e.hierarchy.add, remove: [] } };
  try {
    await exiftool().write(tmp, editTags(adds) as never, { writeArgs: ['-overwrite_original'] });
    try {
      linkSync(tmp, path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new SidecarExistsError(`${path} appeared while Scenery was writing it`);
      if (existsSync(path)) throw new SidecarExistsError(`${path} appeared while Scenery was writing it`);
      renameSync(tmp, path);
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // Already renamed, or never created.
    }
  }
}
