/** Catalog rows → the contract's domain objects (what a UI may see: no file paths). */
import type { FolderInfo, PhotoDetail, PhotoSummary, ScenePrediction } from '../../shared/domain.js';
import { PLACES365_LABELS, humanName } from '../labels/label-sets.js';
import { indoorOf } from '../labels/shown-scene.js';
import { failureReason } from '../imaging/failure-reasons.js';
import { decodeTop, type Catalog, type FolderRow, type PhotoRow } from './catalog.js';

export function scene(index: number, prob: number): ScenePrediction {
  const label = PLACES365_LABELS[index] ?? `#${index}`;
  return { label, name: humanName(label), index, prob };
}

export function photoSummary(p: PhotoRow): PhotoSummary {
  return {
    id: p.id,
    name: p.name,
    width: p.width,
    height: p.height,
    takenAt: p.taken_at,
    status: p.status,
    // A file that cannot be read shows no scene (shown-scene.ts), even one it had or was given before.
    scene: p.scene_index !== null && p.status !== 'failed' ? scene(p.scene_index, p.scene_prob ?? 0) : null,
    corrected: p.corrected === 1 && p.status !== 'failed',
    // What a person reads: a plain sentence for the kind of failure (the technical text is in the detail).
    error: p.status === 'failed' ? failureReason(p.error_kind, p.error) : null,
    version: p.version,
  };
}

export function photoDetail(catalog: Catalog, p: PhotoRow): PhotoDetail {
  const folder = catalog.folder(p.folder_id);
  const pred = p.model ? catalog.prediction(p.id, p.model) : catalog.latestPrediction(p.id);
  const correction = catalog.correction(p.id);
  const rejected = correction ? (JSON.parse(correction.rejected) as number[]) : [];
  const top = pred ? decodeTop(pred) : { index: [], prob: [] };
  const slash = p.rel_path.lastIndexOf('/');
  return {
    ...photoSummary(p),
    folderId: p.folder_id,
    folderDisplayPath: folder?.path ?? '',
    relativeDir: slash >= 0 ? p.rel_path.slice(0, slash) : '',
    size: p.size,
    camera: p.camera,
    gps: p.gps_lat !== null && p.gps_lon !== null ? { lat: p.gps_lat, lon: p.gps_lon } : null,
    model: pred?.model ?? null,
    top: p.status === 'failed' ? [] : top.index.slice(0, 5).map((i, k) => scene(i, top.prob[k]!)),
    objects: pred?.objects ? (JSON.parse(pred.objects) as ScenePrediction[]) : [],
    indoor: p.status === 'failed' ? null : indoorOf(p.scene_index, pred ? pred.indoor === 1 : null, p.corrected === 1),
    rejected: rejected.map((i) => PLACES365_LABELS[i] ?? String(i)),
    errorDetail: p.status === 'failed' ? p.error : null,
    files: [{ name: p.name, size: p.size }, ...catalog.pairedFiles(p.id)],
    keywords: keywordsOf(p),
  };
}

/** The keywords found in the photo's file and sidecars (none until it was read). */
export function keywordsOf(p: Pick<PhotoRow, 'keywords'>): string[] {
  if (!p.keywords) return [];
  try {
    const k = JSON.parse(p.keywords) as unknown;
    return Array.isArray(k) ? k.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function folderInfo(f: FolderRow, counts: { total: number; indexed: number; failed: number } | undefined): FolderInfo {
  return {
    id: f.id,
    displayPath: f.path,
    status: f.status,
    // The folder's readable photos; files that could not be read are counted apart.
    photoCount: (counts?.total ?? 0) - (counts?.failed ?? 0),
    indexedCount: counts?.indexed ?? 0,
    failedCount: counts?.failed ?? 0,
    error: f.error,
  };
}
