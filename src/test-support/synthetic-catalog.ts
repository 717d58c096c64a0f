/**
 * A synthetic library of N indexed photos written straight into a catalog,
 * for scale tests and benchmarks (1,000,000 photos in about 20 s). Labels and
 * probabilities are pseudo-random but shaped like real softmax outputs.
 */
import { Catalog } from '../engine/catalog/catalog.js';

/** `model`: the name the photos were indexed with (a library opened with another model re-indexes them all). */
export function writeSyntheticCatalog(dir: string, n: number, folders: string[] = ['/photos', '/trips'], model = 'vgg16-places365'): void {
  const cat = new Catalog(dir);
  try {
    const addFolder = cat.db.prepare("INSERT INTO folders(id, path, added_at, status) VALUES (?, ?, '2026-01-01', 'watching')");
    folders.forEach((f, i) => addFolder.run(i + 1, f));
    const ins = cat.db.prepare(
      "INSERT INTO photos(id, folder_id, rel_path, name, size, mtime_ms, status, added_ts, taken_ts, taken_at, width, height, hash, model, scene_index, scene_prob, indoor, version) VALUES (?, ?, ?, ?, 1000, 0, 'indexed', 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
    );
    const pred = cat.db.prepare("INSERT INTO predictions(photo_id, model, labels, top_index, top_prob, objects, indoor, indexed_at) VALUES (?, ?, 'places365', ?, ?, NULL, ?, '2026-01-01')");
    let s = 7;
    const rnd = (): number => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
    cat.transaction(() => {
      for (let id = 1; id <= n; id++) {
        const top = Array.from({ length: 10 }, () => Math.floor(rnd() * 365));
        const probs = [0.3 + rnd() * 0.6];
        for (let k = 1; k < 10; k++) probs.push(probs[k - 1]! * (0.2 + rnd() * 0.6));
        const indoor = rnd() < 0.4 ? 1 : 0;
        const ts = Date.UTC(2000 + (id % 25), id % 12, 1 + (id % 28));
        // Camera shapes, as a justified grid meets them: mostly landscape, a third portrait, the odd panorama.
        const [w, h] = id % 13 === 0 ? [6000, 2000] : id % 3 === 0 ? [3000, 4000] : [4000, 3000];
        ins.run(id, (id % folders.length) + 1, `p/${id}.jpg`, `IMG_${id}.jpg`, ts, new Date(ts).toISOString().slice(0, 19), w, h, `synthetic-${id}`, model, top[0], probs[0], indoor);
        pred.run(id, model, Buffer.from(Uint16Array.from(top).buffer), Buffer.from(Float32Array.from(probs).buffer), indoor);
      }
    });
  } finally {
    cat.close();
  }
}
