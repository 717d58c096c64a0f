/**
 * The library engine on real files in temporary folders: scanning, watching,
 * reconciliation, moves, corrections, search, bad input. The real
 * onnxruntime worker runs the SqueezeNet test model.
 */
import { copyFileSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasShared, shared, SQUEEZENET } from '../test-support/shared-data.js';
import { tempDir, waitFor } from '../test-support/harness.js';
import { Library } from './library.js';

const PHOTOS = ['kpa_bar.jpg', 'sklearn_pagoda.jpg', 'skimage_garage.jpg', 'kpa_grand_canyon.jpg', 'hugin_forest.jpg', 'sddm_maldives_pier.jpg'];

describe.skipIf(!hasShared)('library engine', () => {
  // Every test gets its own folder and library, so each one passes alone (`vitest run -t NAME`) and in any order.
  let tmp: ReturnType<typeof tempDir>;
  let folder: string;
  let libDir: string;
  let lib: Library;

  beforeEach(async () => {
    tmp = tempDir('library');
    folder = join(tmp.path, 'Photos');
    libDir = join(tmp.path, 'lib');
    mkdirSync(join(folder, 'trip'), { recursive: true });
    for (const p of PHOTOS.slice(0, 4)) copyFileSync(shared('photos', p), join(folder, p));
    copyFileSync(shared('photos', 'hugin_forest.jpg'), join(folder, 'trip', 'forest.JPG'));
    writeFileSync(join(folder, '.hidden.jpg'), readFileSync(shared('photos', 'kpa_bar.jpg')));
    writeFileSync(join(folder, 'notes.txt'), 'not a photo');
    writeFileSync(join(folder, 'download.jpg.crdownload'), 'partial');
    lib = await Library.open({ dir: libDir, model: SQUEEZENET, writeFinishMs: 300, threads: 2 });
    lib.folders.add(folder);
    await waitFor('the first scan indexed', () => lib.status().indexedCount >= 5 && lib.folders.list()[0]?.status === 'watching');
    await lib.indexer.whenIdle();
  });
  afterEach(async () => {
    await lib?.close();
    tmp.cleanup();
  });

  const byName = (name: string) => lib.catalog.db.prepare('SELECT * FROM photos WHERE name = ?').get(name) as { id: number; status: string; rel_path: string; scene_index: number | null } | undefined;

  it('scans only photos (any case; not hidden, temporary or partial files) and tags them', async () => {
    await waitFor('5 indexed', () => lib.status().indexedCount === 5);
    const names = (lib.catalog.db.prepare('SELECT rel_path FROM photos').pluck().all() as string[]).sort();
    expect(names).toEqual(['kpa_bar.jpg', 'kpa_grand_canyon.jpg', 'skimage_garage.jpg', 'sklearn_pagoda.jpg', 'trip/forest.JPG']);
    const bar = lib.browse.photo(byName('kpa_bar.jpg')!.id);
    expect(bar.top[0]!.label).toBe('pub/indoor');
    expect(bar.indoor).toBe(true);
    expect(bar.width).toBe(800);
    const folders = lib.folders.list();
    expect(folders[0]).toMatchObject({ status: 'watching', photoCount: 5, indexedCount: 5 });
  });

  it('groups by scene and searches by label, family, indoor and OR', () => {
    const groups = lib.browse.sceneGroups().groups;
    expect(groups.find((g) => g.key === 'pagoda')?.count).toBe(1);
    expect(lib.search.run('pagoda', 0, 10).items.map((p) => p.name)).toEqual(['sklearn_pagoda.jpg']);
    expect(lib.search.run('indoor', 0, 10).items.map((p) => p.name).sort()).toEqual(['kpa_bar.jpg', 'skimage_garage.jpg']);
    expect(lib.search.run('pagoda OR canyon', 0, 10).total).toBe(2);
    // The exclusion is what removes the pagoda: it is an outdoor photo, and the rest of the outdoor ones stay.
    const outdoor = lib.search.run('outdoor', 0, 10).items.map((p) => p.name);
    expect(outdoor).toContain('sklearn_pagoda.jpg');
    const outdoorNotPagoda = lib.search.run('outdoor -pagoda', 0, 10).items.map((p) => p.name);
    expect(outdoorNotPagoda.length).toBeGreaterThan(0);
    expect(outdoorNotPagoda.sort()).toEqual(outdoor.filter((n) => n !== 'sklearn_pagoda.jpg').sort());
    expect(outdoorNotPagoda).not.toContain('sklearn_pagoda.jpg');
    expect(lib.search.run('religion', 0, 10).items.map((p) => p.name)).toContain('sklearn_pagoda.jpg');
    expect(lib.search.run('folder:Photos forest', 0, 10).items.map((p) => p.name)).toEqual(['forest.JPG']);
    expect(lib.search.run('folder:nowhere pagoda', 0, 10).query.errors[0]).toMatch(/No folder called "nowhere"/);
  });

  it('a correction wins over the model and survives re-indexing', async () => {
    const id = byName('kpa_grand_canyon.jpg')!.id;
    const d = lib.corrections.setScene(id, 'desert/sand');
    expect(d.scene).toMatchObject({ label: 'desert/sand', prob: 1 });
    expect(d.corrected).toBe(true);
    expect(lib.search.run('desert', 0, 10).items.map((p) => p.id)).toContain(id);
    // touch the file: it is re-indexed, the correction stays
    const file = join(folder, 'kpa_grand_canyon.jpg');
    const buf = readFileSync(file);
    writeFileSync(file, buf);
    await waitFor('re-indexed', () => lib.catalog.photo(id)!.version > d.version && lib.catalog.photo(id)!.status === 'indexed');
    expect(lib.browse.photo(id).scene?.label).toBe('desert/sand');
    const pagoda = byName('sklearn_pagoda.jpg')!.id;
    const before = lib.browse.photo(pagoda);
    expect(before.scene?.label).toBe('pagoda');
    const runnerUp = before.top.find((t) => t.label !== 'pagoda')!.label;
    const r = lib.corrections.rejectScene(pagoda, 'pagoda');
    // Rejecting the top scene falls back to the model's next one (not to nothing).
    expect(r.scene?.label).toEqual(expect.any(String));
    expect(r.scene!.label).not.toBe('pagoda');
    expect(r.scene!.label).toBe(runnerUp);
    expect(r.rejected).toEqual(['pagoda']);
  });

  it('picks up a new photo within seconds, renames keep tags, deletes mark missing', async () => {
    expect(lib.corrections.setScene(byName('kpa_grand_canyon.jpg')!.id, 'desert/sand').corrected).toBe(true);
    copyFileSync(shared('photos', 'sddm_maldives_pier.jpg'), join(folder, 'pier.jpg'));
    await waitFor('pier indexed', () => byName('pier.jpg')?.status === 'indexed', 15_000);
    const canyon = byName('kpa_grand_canyon.jpg')!;
    renameSync(join(folder, 'kpa_grand_canyon.jpg'), join(folder, 'trip', 'canyon-renamed.jpg'));
    await waitFor('rename adopted', () => {
      const row = lib.catalog.photo(canyon.id);
      return row?.rel_path === 'trip/canyon-renamed.jpg' && row.status === 'indexed';
    }, 15_000);
    expect(lib.browse.photo(canyon.id).scene?.label).toBe('desert/sand');
    expect(lib.catalog.db.prepare("SELECT COUNT(*) FROM photos WHERE name = 'canyon-renamed.jpg'").pluck().get()).toBe(1);
    unlinkSync(join(folder, 'pier.jpg'));
    await waitFor('pier missing', () => byName('pier.jpg')?.status === 'missing', 10_000);
  });

  it('marks each kind of bad file with its own error and goes on', async () => {
    const jpeg = readFileSync(shared('photos', 'kpa_bar.jpg'));
    writeFileSync(join(folder, 'truncated.jpg'), jpeg.subarray(0, 3000));
    writeFileSync(join(folder, 'empty.jpg'), '');
    writeFileSync(join(folder, 'text.png'), 'this is not a png at all, just text');
    copyFileSync(shared('photos', 'hugin_forest.jpg'), join(folder, 'good-after-bad.jpg'));
    await waitFor('bad files settled', () => ['truncated.jpg', 'empty.jpg', 'text.png', 'good-after-bad.jpg'].every((n) => ['failed', 'indexed'].includes(byName(n)?.status ?? '')), 40_000, 100);
    const err = (n: string) => lib.catalog.db.prepare('SELECT error FROM photos WHERE name = ?').pluck().get(n) as string;
    expect(byName('good-after-bad.jpg')!.status).toBe('indexed');
    expect(err('empty.jpg')).toMatch(/empty/);
    expect(err('text.png')).toMatch(/not an image|unknown format|damaged/);
    expect(err('truncated.jpg')).toMatch(/damaged|incomplete|truncated|premature/i);
    expect(lib.browse.listPhotos({ order: 'date', scene: null, folderId: null, status: 'failed', offset: 0, limit: 50 }).total).toBe(3);
  }, 60_000);

  it('reconciles on restart: added, changed and deleted while closed; an offline folder keeps its tags', async () => {
    const canyon = byName('kpa_grand_canyon.jpg')!.id;
    lib.corrections.setScene(canyon, 'desert/sand');
    await lib.close();
    copyFileSync(shared('photos', 'gcompris_pyramids.jpg'), join(folder, 'pyramids.jpg'));
    unlinkSync(join(folder, 'skimage_garage.jpg'));
    const bar = byNameOn(libDir, 'kpa_bar.jpg');
    copyFileSync(shared('photos', 'kpa_billiards.jpg'), join(folder, 'kpa_bar.jpg'));
    lib = await Library.open({ dir: libDir, model: SQUEEZENET, writeFinishMs: 300 });
    await waitFor('pyramids indexed', () => byName('pyramids.jpg')?.status === 'indexed', 20_000);
    await waitFor('bar re-indexed', () => lib.catalog.photo(bar)!.status === 'indexed' && lib.browse.photo(bar).top[0]!.label !== 'pub/indoor', 20_000);
    expect(byName('skimage_garage.jpg')!.status).toBe('missing');

    await lib.close();
    const moved = `${folder}-unplugged`;
    renameSync(folder, moved);
    lib = await Library.open({ dir: libDir, model: SQUEEZENET, writeFinishMs: 300 });
    await waitFor('offline', () => lib.folders.list()[0]!.status === 'offline');
    expect(byName('pyramids.jpg')!.status).toBe('indexed');
    expect(lib.search.run('desert', 0, 10).items.map((p) => p.id)).toContain(canyon);
  }, 60_000);
});

function byNameOn(libDir: string, name: string): number {
  // Read the id straight from the closed catalog.
  const db = new Database(join(libDir, 'catalog.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT id FROM photos WHERE name = ?').pluck().get(name) as number;
  } finally {
    db.close();
  }
}
