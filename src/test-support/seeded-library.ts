/**
 * Fills a library's catalog with photos whose predictions a test chooses (no
 * files, no model, no decoding), for tests of what search, groups and counts
 * make of them.
 */
import { join } from 'node:path';
import { Library } from '../engine/library.js';
import { placesLabelIndex } from '../engine/labels/label-sets.js';

export interface Seed {
  /** Path below the watched folder, `/`-separated. */
  rel: string;
  top: [string, number][];
  /** The model's top-10 indoor vote. */
  vote?: boolean;
  failed?: { message: string; kind: 'corrupt' | 'unsupported' | 'empty' };
  /** Keywords found in the file or its sidecars. */
  keywords?: string[];
}

export function seedLibrary(lib: Library, root: string, seeds: Seed[]): { id: (rel: string) => number } {
  const folder = lib.catalog.folderByPath(root) ?? lib.catalog.addFolder(root);
  const ids = new Map<string, number>();
  for (const s of seeds) {
    const name = s.rel.split('/').pop()!;
    const { id } = lib.catalog.upsertFile(folder.id, { relPath: s.rel, name, size: 100, mtimeMs: 1 }, 0);
    lib.catalog.setMetadata(id, { hash: s.rel, width: 40, height: 30, takenAt: null, takenTs: null, camera: null, gpsLat: null, gpsLon: null, thumbKey: s.rel, ...(s.keywords ? { keywords: s.keywords } : {}) });
    lib.catalog.savePrediction(id, {
      model: 'test',
      labels: 'places365',
      topIndex: s.top.map(([l]) => placesLabelIndex(l)!),
      topProb: s.top.map(([, p]) => p),
      objects: [],
      indoor: s.vote ?? false,
      features: new Uint8Array(4),
      featureDim: 4,
    });
    if (s.failed) lib.catalog.setFailed(id, s.failed.message, s.failed.kind);
    ids.set(s.rel, id);
  }
  return { id: (rel) => ids.get(rel)! };
}

/** A closed library at `<base>/<name>` holding two tagged photos (sunny.jpg: beach; kitchen.jpg: kitchen) of `<base>/Photos`; returns its folder. */
export async function seededLibrary(base: string, name: string): Promise<string> {
  const dir = join(base, name);
  const lib = await Library.open({ dir, start: false });
  seedLibrary(lib, join(base, 'Photos'), [
    { rel: 'sunny.jpg', top: [['beach', 0.9]] },
    { rel: 'kitchen.jpg', top: [['kitchen', 0.8]] },
  ]);
  await lib.close();
  return dir;
}
