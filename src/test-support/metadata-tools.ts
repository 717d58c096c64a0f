/**
 * The command-line metadata readers other apps rely on (Debian's `exiftool` and
 * `exiv2`), run as child processes, so that tests check what Scenery wrote the
 * way another program reads it. Tests that need them skip with the reason
 * printed when they are absent (CI: apt-get install libimage-exiftool-perl exiv2).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const SYSTEM_EXIFTOOL = process.env.SCENERY_EXIFTOOL ?? '/usr/bin/exiftool';
export const SYSTEM_EXIV2 = process.env.SCENERY_EXIV2 ?? '/usr/bin/exiv2';
export const hasMetadataTools = existsSync(SYSTEM_EXIFTOOL) && existsSync(SYSTEM_EXIV2);
if (!hasMetadataTools) {
  console.warn(`[skip] ${SYSTEM_EXIFTOOL} or ${SYSTEM_EXIV2} not found: keyword read-back tests are skipped (apt-get install libimage-exiftool-perl exiv2).`);
}

/** Every tag ExifTool (the system's, not Scenery's pool) reads from `file`, by group-1 name (`XMP-dc:Subject`). */
export function exiftoolTags(file: string, ...tags: string[]): Record<string, unknown> {
  const out = execFileSync(SYSTEM_EXIFTOOL, ['-j', '-G1', '-struct', ...(tags.length ? tags.map((t) => `-${t}`) : ['-all']), file], { encoding: 'utf8' });
  const [obj] = JSON.parse(out) as Record<string, unknown>[];
  delete obj!.SourceFile;
  return obj!;
}

/** A list tag as ExifTool reads it (always an array of strings). */
export function exiftoolList(file: string, tag: string): string[] {
  const v = exiftoolTags(file, tag)[tag];
  return v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String);
}

/**
 * A list as exiv2 reads it: `Xmp.dc.subject` (an XMP bag: one line, entries joined by ", ") or
 * `Iptc.Application2.Keywords` (one line per entry).
 */
export function exiv2List(file: string, key: string): string[] {
  let out: string;
  try {
    out = execFileSync(SYSTEM_EXIV2, ['-q', '-K', key, '-Pv', file], { encoding: 'utf8' });
  } catch (e) {
    // exiv2 exits 1 when the file has no such key (and prints nothing).
    const stdout = (e as { stdout?: string }).stdout ?? '';
    if (stdout.trim()) throw e;
    return [];
  }
  const lines = out.split('\n').filter((l) => l.length);
  return key.startsWith('Xmp.') ? lines.flatMap((l) => l.split(', ')) : lines;
}
