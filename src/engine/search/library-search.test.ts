/**
 * Search, scene groups, counts and corrections over a catalog seeded with
 * chosen predictions (no model, no decoding): what a person sees for files
 * that could not be read, why a photo matched, indoor/outdoor, `folder:`.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test-support/harness.js';
import { seedLibrary, type Seed } from '../../test-support/seeded-library.js';
import { Library } from '../library.js';
import { placesLabelIndex } from '../labels/label-sets.js';
import { FAMILIES } from './families.js';

const opened: { lib: Library; cleanup(): void }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.lib.close();
    o.cleanup();
  }
});

/** A library whose watched folder is `<tmp>/Photos`, holding the seeded photos. */
async function library(seeds: Seed[]): Promise<{ lib: Library; id: (rel: string) => number; root: string }> {
  const tmp = tempDir('search');
  const lib = await Library.open({ dir: join(tmp.path, 'lib'), start: false });
  opened.push({ lib, cleanup: tmp.cleanup });
  const root = join(tmp.path, 'Photos');
  return { lib, ...seedLibrary(lib, root, seeds), root };
}

const names = (r: { items: { name: string }[] }): string[] => r.items.map((p) => p.name);

describe('files that could not be read', () => {
  // good.jpg and text.jpg were both tagged as beaches once; text.jpg has since become unreadable.
  const seeds: Seed[] = [
    { rel: 'good.jpg', top: [['beach', 0.7], ['coast', 0.2]] },
    { rel: 'text.jpg', top: [['beach', 0.9], ['coast', 0.05]], failed: { message: 'text.jpg is damaged or incomplete: VipsJpeg: Premature end of input file', kind: 'corrupt' } },
  ];

  it('are in no search result, scene group or count, only in "Could not be read"', async () => {
    const { lib } = await library(seeds);
    expect(names(lib.search.run('beach', 0, 10))).toEqual(['good.jpg']);
    expect(names(lib.search.run('-kitchen', 0, 10))).toEqual(['good.jpg']);
    expect(names(lib.search.run('folder:Photos', 0, 10))).toEqual(['good.jpg']);
    const groups = lib.browse.sceneGroups().groups;
    // Nor the cover of its scene, surer (0.9) than good.jpg as it once was.
    const good = lib.browse.listPhotos({ order: 'date', scene: null, folderId: null, status: null, offset: 0, limit: 10 }).items.find((p) => p.name === 'good.jpg')!;
    expect(groups).toEqual([{ key: 'beach', name: 'beach', family: expect.any(String), count: 1, cover: { id: good.id, version: good.version } }]);
    expect(lib.status()).toMatchObject({ photoCount: 1, failedCount: 1 });
    expect(lib.folders.list()[0]).toMatchObject({ photoCount: 1, failedCount: 1 });
    expect(names(lib.browse.listPhotos({ order: 'date', scene: null, folderId: null, status: null, offset: 0, limit: 10 }))).toEqual(['good.jpg']);
    expect(names(lib.browse.listPhotos({ order: 'scene', scene: 'beach', folderId: null, status: null, offset: 0, limit: 10 }))).toEqual(['good.jpg']);
    const failed = lib.browse.listPhotos({ order: 'date', scene: null, folderId: null, status: 'failed', offset: 0, limit: 10 });
    expect(failed.total).toBe(1);
    expect(failed.items[0]).toMatchObject({ name: 'text.jpg', scene: null, corrected: false });
  });

  it('say why in a plain sentence, not the decoder’s text (which stays in the detail)', async () => {
    const { lib, id } = await library(seeds);
    const summary = lib.browse.listPhotos({ order: 'date', scene: null, folderId: null, status: 'failed', offset: 0, limit: 10 }).items[0]!;
    expect(summary.error).toBe('The file is damaged or incomplete.');
    const detail = lib.browse.photo(id('text.jpg'));
    expect(detail).toMatchObject({ scene: null, top: [], indoor: null, error: summary.error });
    expect(detail.errorDetail).toMatch(/VipsJpeg/);
    // the readable photo has no error at all
    expect(lib.browse.photo(id('good.jpg')).error).toBeNull();
  });

  it('cannot be given a scene; a correction made while readable is kept, hidden, and shows again once readable', async () => {
    const { lib, id } = await library([{ rel: 'a.jpg', top: [['beach', 0.7]] }]);
    const a = id('a.jpg');
    lib.corrections.setScene(a, 'kitchen');
    lib.catalog.setFailed(a, 'a.jpg is not an image Scenery can read (unknown format)', 'unsupported');
    expect(() => lib.corrections.setScene(a, 'forest_path')).toThrow(/could not be read/);
    expect(() => lib.corrections.rejectScene(a, 'beach')).toThrow(/could not be read/);
    expect(lib.browse.photo(a)).toMatchObject({ scene: null, corrected: false, error: 'This file is not a picture Scenery can open.' });
    expect(lib.search.run('kitchen', 0, 10).total).toBe(0);
    expect(lib.browse.sceneGroups().groups).toEqual([]);
    expect(lib.catalog.correction(a)?.label_index).toBe(placesLabelIndex('kitchen'));
    // the file is fixed and read again
    lib.catalog.savePrediction(a, { model: 'test', labels: 'places365', topIndex: [placesLabelIndex('beach')!], topProb: [0.7], objects: [], indoor: false, features: new Uint8Array(4), featureDim: 4 });
    expect(lib.browse.photo(a)).toMatchObject({ scene: { label: 'kitchen', prob: 1 }, corrected: true, error: null });
  });
});

describe('search results say why they matched', () => {
  const seeds: Seed[] = [
    // the top scene is not a transport scene; the photo matched `car` through parking_lot
    { rel: 'hospital.jpg', top: [['hospital', 0.5], ['parking_lot', 0.2], ['street', 0.15]] },
    { rel: 'road.jpg', top: [['highway', 0.6], ['desert_road', 0.3]] },
    { rel: 'cemetery.jpg', top: [['cemetery', 0.7], ['field_road', 0.12]] },
    { rel: 'kitchen.jpg', top: [['kitchen', 0.9]] },
    // beach family: top-1 coast vs a stronger beach
    { rel: 'coast.jpg', top: [['coast', 0.35], ['beach', 0.3]] },
    { rel: 'beach.jpg', top: [['beach', 0.8]] },
    { rel: 'house.jpg', top: [['beach_house', 0.95]] },
  ];

  it('each result carries the scene it matched by and its confidence, best first', async () => {
    const { lib } = await library(seeds);
    const r = lib.search.run('car', 0, 10);
    expect(r.items.map((p) => [p.name, p.match?.label, p.match?.prob])).toEqual([
      ['road.jpg', 'highway', expect.closeTo(0.6, 5)],
      ['hospital.jpg', 'parking_lot', expect.closeTo(0.2, 5)],
      ['cemetery.jpg', 'field_road', expect.closeTo(0.12, 5)],
    ]);
    expect(r.items.every((p) => FAMILIES.transport!.includes(p.match!.label))).toBe(true);
    // the photo's own top scene is still there, unchanged
    expect(r.items[1]!.scene?.label).toBe('hospital');
  });

  it('tells when a word was widened to a family', async () => {
    const { lib } = await library(seeds);
    expect(lib.search.run('car', 0, 10).notices).toEqual([`car: showing Transport (${FAMILIES.transport!.length} scenes)`]);
    expect(lib.search.run('beach', 0, 10).notices).toEqual([`beach: showing Beach (${FAMILIES.beach!.length} scenes)`]);
    expect(lib.search.run('-car', 0, 10).notices).toEqual([`car: leaving out Transport (${FAMILIES.transport!.length} scenes)`]);
    expect(lib.search.run('kitchen', 0, 10).notices).toEqual([]);
    expect(lib.search.run('"beach"', 0, 10).notices).toEqual([`beach: showing Beach (${FAMILIES.beach!.length} scenes)`]);
    expect(lib.search.run('water', 0, 10).notices).toEqual([]);
  });

  it('orders `beach` by the confidence of the scene that matched', async () => {
    const { lib } = await library(seeds);
    const r = lib.search.run('beach', 0, 10);
    const probs = r.items.map((p) => p.match!.prob);
    expect(probs).toEqual([...probs].sort((a, b) => b - a));
    expect(r.items.map((p) => p.name)).toEqual(['house.jpg', 'beach.jpg', 'coast.jpg']);
    // indoor/outdoor alone: the match is the photo's own shown scene
    const io = lib.search.run('indoor OR outdoor', 0, 10).items.find((p) => p.name === 'kitchen.jpg')!;
    expect(io.match).toMatchObject({ label: 'kitchen' });
  });
});

describe('indoor and outdoor', () => {
  const nine = (indoor: boolean): [string, number][] =>
    (indoor ? ['bedroom', 'kitchen', 'office', 'bathroom', 'classroom', 'lobby', 'corridor', 'pantry', 'attic'] : ['beach', 'coast', 'forest_path', 'street', 'pasture', 'desert/sand', 'ocean', 'river', 'canyon']).map((l) => [l, 0.05]);
  const seeds: Seed[] = [
    // the label says outdoor while most of the top-10 (and so the vote) says indoor
    { rel: 'kennel.jpg', top: [['kennel/outdoor', 0.4], ...nine(true)], vote: true },
    { rel: 'florist.jpg', top: [['florist_shop/indoor', 0.4], ...nine(false)], vote: false },
    { rel: 'balcony.jpg', top: [['balcony/interior', 0.4], ...nine(false)], vote: false },
    // no indoor/outdoor word in the label: the vote decides
    { rel: 'stable.jpg', top: [['stable', 0.4], ...nine(false)], vote: false },
    { rel: 'kitchen.jpg', top: [['kitchen', 0.6], ...nine(true)], vote: true },
  ];

  it('the label wins where it says so; otherwise the top-10 vote, in search and in the photo view', async () => {
    const { lib, id } = await library(seeds);
    expect(names(lib.search.run('indoor', 0, 10)).sort()).toEqual(['balcony.jpg', 'florist.jpg', 'kitchen.jpg']);
    expect(names(lib.search.run('outdoor', 0, 10)).sort()).toEqual(['kennel.jpg', 'stable.jpg']);
    expect(lib.browse.photo(id('kennel.jpg')).indoor).toBe(false);
    expect(lib.browse.photo(id('florist.jpg')).indoor).toBe(true);
    expect(lib.browse.photo(id('stable.jpg')).indoor).toBe(false);
    expect(lib.browse.vocabulary().entries.find((e) => e.label === 'balcony/interior')!.indoor).toBe(true);
  });

  it('follows the shown scene when the person corrects or rejects it', async () => {
    const { lib, id } = await library(seeds);
    const k = id('kennel.jpg');
    expect(lib.corrections.rejectScene(k, 'kennel/outdoor').indoor).toBe(true); // now shows bedroom: no word, the vote (indoor)
    expect(names(lib.search.run('indoor', 0, 10))).toContain('kennel.jpg');
    expect(lib.corrections.setScene(k, 'florist_shop/indoor').indoor).toBe(true);
    expect(lib.corrections.setScene(k, 'pasture').indoor).toBe(false); // corrected, no word: CSAIL's entry for pasture
    expect(names(lib.search.run('outdoor', 0, 10))).toContain('kennel.jpg');
  });
});

describe('scene groups', () => {
  it('show each scene under its primary family (beach under Beach, not Leisure)', async () => {
    const { lib } = await library([
      { rel: 'b.jpg', top: [['beach', 0.7]] },
      { rel: 'k.jpg', top: [['kennel/outdoor', 0.7]] },
      { rel: 'w.jpg', top: [['wave', 0.7]] },
    ]);
    expect(Object.fromEntries(lib.browse.sceneGroups().groups.map((g) => [g.key, g.family]))).toEqual({ beach: 'beach', 'kennel/outdoor': 'animals', wave: 'water' });
  });
});

describe('folder:', () => {
  const seeds: Seed[] = [
    { rel: 'Trips/2018/Paris/eiffel.jpg', top: [['tower', 0.5]] },
    { rel: 'Trips/2019/lake.jpg', top: [['lake/natural', 0.5]] },
    { rel: 'top.jpg', top: [['beach', 0.5]] },
  ];

  it('matches any folder name on the path below the watched folder, and the watched folder’s name', async () => {
    const { lib } = await library(seeds);
    expect(names(lib.search.run('folder:2018', 0, 10))).toEqual(['eiffel.jpg']);
    expect(names(lib.search.run('folder:paris', 0, 10))).toEqual(['eiffel.jpg']);
    expect(names(lib.search.run('folder:trips', 0, 10)).sort()).toEqual(['eiffel.jpg', 'lake.jpg']);
    expect(names(lib.search.run('folder:Photos', 0, 10)).sort()).toEqual(['eiffel.jpg', 'lake.jpg', 'top.jpg']);
    expect(names(lib.search.run('folder:2019 lake', 0, 10))).toEqual(['lake.jpg']);
    expect(lib.search.run('folder:2018', 0, 10).query.errors).toEqual([]);
  });

  it('says so when no folder has that name; folders above the watched one do not count', async () => {
    const { lib, root } = await library(seeds);
    const above = root.split('/').filter(Boolean).at(-2)!; // the temporary directory holding Photos
    const r = lib.search.run(`folder:${above}`, 0, 10);
    expect(r.total).toBe(0);
    expect(r.query.errors).toEqual([`No folder called "${above}" in the library.`]);
    expect(lib.search.run('folder:eiffel.jpg', 0, 10).total).toBe(0); // a file name is not a folder
  });
});
