/** shared/data/raw/manifest.tsv: the six real RAW files and what ExifTool read from them. */
import { readFileSync } from 'node:fs';
import { shared } from './shared-data.js';

export interface RawManifestRow {
  file: string;
  /** `2007:10:18 13:44:32` */
  date: string;
  orientation: number;
  previewWidth: number;
  previewHeight: number;
}

const ORIENTATIONS: Record<string, number> = { 'Horizontal (normal)': 1, 'Rotate 90 CW': 6, 'Rotate 180': 3, 'Rotate 270 CW': 8 };

/** shared/data/raw/manifest.tsv; a CRW records its rotation apart ("none (CRW Rotation=0)"): 1. */
export function rawManifest(): RawManifestRow[] {
  const lines = readFileSync(shared('raw', 'manifest.tsv'), 'utf8').trim().split('\n');
  const head = lines[0]!.split('\t');
  const col = (c: string[], name: string) => c[head.indexOf(name)]!;
  return lines.slice(1).map((l) => {
    const c = l.split('\t');
    return {
      file: col(c, 'file'),
      date: col(c, 'datetime_original'),
      orientation: ORIENTATIONS[col(c, 'orientation')] ?? 1,
      previewWidth: Number(col(c, 'preview_width')),
      previewHeight: Number(col(c, 'preview_height')),
    };
  });
}

/** `2007:10:18 13:44:32` → `2007-10-18T13:44:32` (what the catalog's taken_at starts with). */
export const isoOf = (exif: string): string => exif.replace(/^(\d{4}):(\d{2}):(\d{2}) /, '$1-$2-$3T');
