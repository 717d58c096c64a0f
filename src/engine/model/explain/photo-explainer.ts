/**
 * "Why this scene" for a photo of the library: decodes it as the indexer
 * does, asks the model worker for Grad-CAM maps, and keeps them in a small
 * in-memory cache per photo version and class. The first request computes
 * the maps of the photo's top 5 scenes and of the asked-for one in a single
 * pass (one forward, one backward), so picking another of the top 5 is a
 * cache hit. Only on demand: nothing here runs while indexing. The cache is
 * in memory because a map costs under a second to recompute and must never
 * outlive the photo or model it describes (the key holds both).
 */
import { fromPixels } from '../../imaging/decode.js';
import { decodePhotoFile } from '../../imaging/raw-preview.js';
import { cropToTensor, PIXELS, resizeForModel } from '../../imaging/model-input.js';
import type { LabelSet } from '../../labels/label-sets.js';
import { CAM_SIDE, MODEL_CROP, type PhotoExplanation } from '../../../shared/heatmap.js';
import type { ExplainResult } from '../runtime/model-worker-client.js';

const CELLS = CAM_SIDE * CAM_SIDE;
const MAX_PHOTOS = 64;

interface Entry {
  prob: Float32Array;
  cams: Map<number, Float32Array>;
}

export interface ExplainSource {
  /** Cache identity: the model file. */
  modelKey: string;
  labels: LabelSet;
  explain(pixels: Float32Array, top: number, classes: number[]): Promise<ExplainResult>;
}

export class PhotoExplainer {
  private readonly cache = new Map<string, Entry>();
  computed = 0;

  /** `version` changes whenever the photo's file does (so a stale map is never shown). */
  async explain(source: ExplainSource, photo: { id: number; path: string; name: string; version: string }, label?: string): Promise<PhotoExplanation> {
    const t0 = performance.now();
    const set = source.labels;
    const off = set.placesOffset;
    let wanted: number | null = null;
    if (label !== undefined) {
      const i = set.labels.indexOf(label);
      if (i < off || i >= off + 365) throw new RangeError(`"${label}" is not a Places365 scene`);
      wanted = i;
    }
    const key = `${source.modelKey}\0${photo.id}\0${photo.version}`;
    let entry = this.cache.get(key);
    let cached = true;
    if (!entry || (wanted !== null && !entry.cams.has(wanted))) {
      cached = false;
      // A RAW is explained on the embedded preview it was classified from.
      const rgb = await resizeForModel(fromPixels(await decodePhotoFile(photo.path, photo.name)));
      const pixels = new Float32Array(3 * PIXELS);
      cropToTensor(rgb, pixels, 0);
      const r = await source.explain(pixels, 5, wanted === null ? [] : [wanted]);
      entry ??= { prob: r.prob, cams: new Map() };
      r.classes.forEach((c, j) => entry!.cams.set(c, r.cams.slice(j * CELLS, (j + 1) * CELLS)));
      this.computed++;
    }
    this.cache.delete(key);
    this.cache.set(key, entry);
    while (this.cache.size > MAX_PHOTOS) this.cache.delete(this.cache.keys().next().value!);

    const ranked = Array.from({ length: 365 }, (_, k) => k + off).sort((a, b) => entry.prob[b]! - entry.prob[a]! || a - b);
    const c = wanted ?? ranked[0]!;
    const cam = entry.cams.get(c)!;
    let max = 0;
    for (const v of cam) max = Math.max(max, v);
    return {
      id: photo.id,
      label: set.labels[c]!,
      name: set.names[c]!,
      prob: entry.prob[c]!,
      cam: Array.from(cam),
      side: CAM_SIDE,
      max,
      crop: MODEL_CROP,
      scenes: ranked.slice(0, 5).map((i) => ({ label: set.labels[i]!, name: set.names[i]!, prob: entry.prob[i]! })),
      ms: Math.round(performance.now() - t0),
      cached,
    };
  }
}
