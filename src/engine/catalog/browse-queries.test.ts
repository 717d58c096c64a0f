/**
 * The scene groups' covers: each scene card shows the photo that shows the
 * scene most surely, and a person's correction counts as that scene, certain.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from './catalog.js';
import { GROUP_PENDING, GROUP_UNCERTAIN } from '../labels/shown-scene.js';
import { tempDir } from '../../test-support/harness.js';

const BEACH = 48;
const PAGODA = 251;
const FOREST = 150;

describe('scene group covers', () => {
  let tmp: ReturnType<typeof tempDir>;
  let cat: Catalog;

  beforeEach(() => {
    tmp = tempDir('covers');
    cat = new Catalog(tmp.path);
    cat.db.prepare("INSERT INTO folders(id, path, added_at, status) VALUES (1, '/photos', '2026-01-01', 'watching')").run();
  });
  afterEach(() => {
    cat.close();
    tmp.cleanup();
  });

  /** A tagged photo: the model's labels best first (or none: not tagged yet). */
  function photo(id: number, top: [number, number][], status = 'indexed'): void {
    const tagged = top.length > 0;
    cat.db
      .prepare(
        "INSERT INTO photos(id, folder_id, rel_path, name, size, mtime_ms, status, added_ts, model, scene_index, scene_prob, version) VALUES (?, 1, ?, ?, 1, 0, ?, 0, ?, ?, ?, 3)",
      )
      .run(id, `${id}.jpg`, `${id}.jpg`, status, tagged ? 'm' : null, tagged ? top[0]![0] : null, tagged ? top[0]![1] : null);
    if (tagged)
      cat.db
        .prepare("INSERT INTO predictions(photo_id, model, labels, top_index, top_prob, objects, indoor, indexed_at) VALUES (?, 'm', 'places365', ?, ?, NULL, 0, '2026-01-01')")
        .run(id, Buffer.from(Uint16Array.from(top.map((t) => t[0])).buffer), Buffer.from(Float32Array.from(top.map((t) => t[1])).buffer));
  }

  const groups = (t = 0.1) => new Map(cat.browse.groupCounts(t).map((r) => [r.g, r]));

  it('is the photo with the highest probability of the scene', () => {
    photo(1, [[BEACH, 0.5]]);
    photo(2, [[BEACH, 0.8]]);
    photo(3, [[BEACH, 0.7]]);
    photo(4, [[PAGODA, 0.9]]);
    const g = groups();
    expect(g.get(BEACH)).toEqual({ g: BEACH, n: 3, cover: 2, cover_version: 3 });
    expect(g.get(PAGODA)).toMatchObject({ n: 1, cover: 4 });
  });

  it('counts a correction as the shown scene, certain', () => {
    photo(1, [[BEACH, 0.95]]);
    photo(2, [[PAGODA, 0.99], [BEACH, 0.01]]);
    photo(3, [[PAGODA, 0.6]]);
    cat.setCorrection(2, BEACH, []); // the person says: a beach
    const g = groups();
    expect(g.get(BEACH)).toMatchObject({ n: 2, cover: 2 });
    // The pagoda group no longer has photo 2, not even as its cover.
    expect(g.get(PAGODA)).toMatchObject({ n: 1, cover: 3 });
  });

  it('a rejected label no longer counts: the next label is the shown scene', () => {
    photo(1, [[PAGODA, 0.97], [FOREST, 0.02]]);
    photo(2, [[PAGODA, 0.5]]);
    cat.setCorrection(1, null, [PAGODA]);
    const g = groups(0.01);
    expect(g.get(PAGODA)).toMatchObject({ n: 1, cover: 2 });
    expect(g.get(FOREST)).toMatchObject({ n: 1, cover: 1 });
  });

  it('among equally sure photos, the newest; special groups get a cover too; failed and missing files never', () => {
    photo(1, [[BEACH, 0.5]]);
    photo(2, [[BEACH, 0.5]]);
    photo(3, [[BEACH, 0.99]], 'failed');
    photo(4, [[BEACH, 0.99]], 'missing');
    photo(5, [[FOREST, 0.05]]);
    photo(6, [[FOREST, 0.08]]);
    photo(7, []);
    const g = groups();
    expect(g.get(BEACH)).toMatchObject({ n: 2, cover: 2 });
    expect(g.get(GROUP_UNCERTAIN)).toMatchObject({ n: 2, cover: 6 });
    expect(g.get(GROUP_PENDING)).toMatchObject({ n: 1, cover: 7 });
    expect(g.get(FOREST)).toBeUndefined();
  });
});
