/**
 * Personal scenes through the Library and the contract: trained in the worker on the catalog's stored descriptors
 * (no model runs), shown as a scene (photos.list, scenes.groups, search by name), corrected by answers, new photos
 * scored as they are indexed, retrained when the library's model changes.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PersonalWorkerClient } from './personal-worker-client.js';
import { FakeClassifier, tempDir, waitFor } from '../../test-support/harness.js';
import { hasShared, shared } from '../../test-support/shared-data.js';
import { createHandlers, dispatch } from '../api/handlers.js';
import { Library } from '../library.js';
import type { PersonalScene } from '../../shared/domain.js';

const DIM = 96;

function rng(seed: number): () => number {
  let s = seed;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}
const rand = rng(5);
const cabinCentre = new Int8Array(DIM).map(() => (rand() < 0.6 ? 0 : Math.floor(rand() * 127)));

/** An fc7-like descriptor: random, or near the cabin's. */
function descriptor(cabin: boolean): Uint8Array {
  const v = new Int8Array(DIM);
  for (let k = 0; k < DIM; k++) {
    const noise = rand() < 0.5 ? 0 : Math.floor(rand() * 100);
    v[k] = cabin ? Math.min(127, Math.round(cabinCentre[k]! * 0.8 + noise * 0.3)) : noise;
  }
  return new Uint8Array(v.buffer);
}

function addPhoto(lib: Library, root: string, name: string, model: string, features: Uint8Array): number {
  const folder = lib.catalog.folderByPath(root) ?? lib.catalog.addFolder(root);
  const { id } = lib.catalog.upsertFile(folder.id, { relPath: name, name, size: 100, mtimeMs: 1 }, 0);
  lib.catalog.setMetadata(id, { hash: name, width: 40, height: 30, takenAt: null, takenTs: null, camera: null, gpsLat: null, gpsLon: null, thumbKey: name });
  predict(lib, id, model, features);
  return id;
}

function predict(lib: Library, id: number, model: string, features: Uint8Array): void {
  lib.catalog.savePrediction(id, { model, labels: 'places365', topIndex: [0], topProb: [0.5], objects: [], indoor: false, features, featureDim: DIM });
}

describe('personal scenes', () => {
  let tmp: ReturnType<typeof tempDir>;
  let lib: Library;
  let root: string;
  const cabins: number[] = [];
  const others: number[] = [];

  beforeEach(async () => {
    tmp = tempDir('personal');
    root = join(tmp.path, 'Photos');
    // start: false: no scanning (the photos exist only in the catalog); scenes train on the catalog's model.
    lib = await Library.open({ dir: join(tmp.path, 'lib'), start: false });
    cabins.length = 0;
    others.length = 0;
    for (let i = 0; i < 400; i++) {
      const cabin = i % 20 === 0; // 20 photos of the cabin among 400
      const id = addPhoto(lib, root, `p${i}.jpg`, 'test', descriptor(cabin));
      (cabin ? cabins : others).push(id);
    }
  });
  afterEach(async () => {
    await lib.close();
    tmp.cleanup();
  });

  it('is created from 3 photos and shown as a scene: browse, groups, search by name best first with scores', async () => {
    const h = createHandlers(lib, { mode: 'browser' });
    const made = await dispatch(h, 'personal.create', { name: '  Our cabin ', photoIds: cabins.slice(0, 3) });
    expect(made.ok).toBe(true);
    const s = (made as { value: PersonalScene }).value;
    expect(s).toMatchObject({ name: 'Our cabin', key: `my:${s.id}`, model: 'test', examples: 3, rejected: 0, stale: false });
    // It finds most of the other 17 cabin photos, and not much else.
    const page = lib.browse.listPhotos({ order: 'date', scene: s.key, folderId: null, status: null, offset: 0, limit: 500 });
    const ids = page.items.map((p) => p.id);
    const found = cabins.slice(3).filter((id) => ids.includes(id)).length;
    expect(found).toBeGreaterThanOrEqual(12);
    expect(ids.filter((id) => others.includes(id)).length).toBeLessThan(20);
    expect(page.total).toBe(s.count);
    // Best first, each with the scene's score (what its tiles show).
    const scores = page.items.map((p) => (p as { match?: { name: string; prob: number } }).match!);
    expect(scores.every((m) => m.name === 'Our cabin')).toBe(true);
    expect(scores.map((m) => m.prob)).toEqual(scores.map((m) => m.prob).sort((a, b) => b - a));
    for (const e of cabins.slice(0, 3)) expect(ids).toContain(e);

    const groups = lib.browse.sceneGroups().groups;
    expect(groups[0]).toMatchObject({ key: s.key, name: 'Our cabin', family: 'personal', count: s.count });

    const r = lib.search.run('our cabin', 0, 100);
    expect(r.total).toBe(s.count);
    expect(r.items[0]!.match).toMatchObject({ label: s.key, name: 'Our cabin' });
    const hitScores = r.items.map((i) => i.match!.prob);
    expect(hitScores).toEqual([...hitScores].sort((a, b) => b - a));
    expect(r.items.filter((i) => !cabins.slice(0, 3).includes(i.id)).every((i) => i.match!.prob >= 0.5)).toBe(true);
    // Other searches are untouched.
    expect(lib.search.run('cabin', 0, 10).notices.join(' ')).not.toMatch(/personal/);
  });

  it('learns from answers: suggestions are the least sure unanswered photos; "no" takes a photo out, "yes" puts one in', async () => {
    const s = await lib.personal.create('Our cabin', cabins.slice(0, 3));
    const sug = await lib.browse.personalSuggestions(s.id, 4);
    expect(sug.items.length).toBe(4);
    for (const x of sug.items) expect(cabins.slice(0, 3)).not.toContain(x.id);
    const dist = sug.items.map((x) => Math.abs(x.score - 0.5));
    expect(dist).toEqual([...dist].sort((a, b) => a - b));

    const member = lib.browse.listPhotos({ order: 'date', scene: s.key, folderId: null, status: null, offset: 0, limit: 500 }).items.find((p) => !cabins.slice(0, 3).includes(p.id))!;
    const afterNo = await lib.personal.answer(s.id, [member.id], false, 'not-this');
    expect(afterNo.rejected).toBe(1);
    expect(lib.browse.listPhotos({ order: 'date', scene: s.key, folderId: null, status: null, offset: 0, limit: 500 }).items.map((p) => p.id)).not.toContain(member.id);
    expect((await lib.browse.personalSuggestions(s.id, 10)).items.map((x) => x.id)).not.toContain(member.id);

    const outsider = others[7]!;
    const afterYes = await lib.personal.answer(s.id, [outsider], true, 'yes');
    expect(afterYes.examples).toBe(4);
    expect(lib.browse.listPhotos({ order: 'date', scene: s.key, folderId: null, status: null, offset: 0, limit: 500 }).items.map((p) => p.id)).toContain(outsider);
    // Undo: the answer taken back.
    expect((await lib.personal.forget(s.id, [outsider])).examples).toBe(3);
  });

  it('"Not this scene" and "Set scene" with its key (my:<id>) are answers that retrain it', async () => {
    const h = createHandlers(lib, { mode: 'browser' });
    const s = await lib.personal.create('Our cabin', cabins.slice(0, 3));
    const member = cabins[10]!;
    expect(await dispatch(h, 'photos.rejectScene', { id: member, label: s.key })).toMatchObject({ ok: true });
    expect(lib.browse.listPhotos({ order: 'date', scene: s.key, folderId: null, status: null, offset: 0, limit: 500 }).items.map((p) => p.id)).not.toContain(member);
    expect(await dispatch(h, 'photos.setScene', { id: others[3]!, label: s.key })).toMatchObject({ ok: true });
    expect(lib.catalog.personal.examples(s.id).map((e) => [e.photo_id, e.positive, e.source])).toEqual(
      expect.arrayContaining([[member, 0, 'not-this'], [others[3]!, 1, 'set-scene']]),
    );
    expect(lib.catalog.correction(member)).toBeUndefined();
    expect(await dispatch(h, 'photos.setScene', { id: member, label: 'my:999' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('the selection bar\'s bulk "Not this scene" on a personal scene is one batch of answers, and one undo puts them back', async () => {
    const h = createHandlers(lib, { mode: 'browser' });
    const s = await lib.personal.create('Our cabin', cabins.slice(0, 3));
    const members = () => lib.browse.listPhotos({ order: 'date', scene: s.key, folderId: null, status: null, offset: 0, limit: 500 }).items.map((p) => p.id);
    const some = members().filter((id) => !cabins.slice(0, 3).includes(id)).slice(0, 2);
    expect(some.length).toBe(2);
    const ids = await dispatch(h, 'photos.ids', { scene: s.key });
    expect((ids as { value: { ids: number[] } }).value.ids).toEqual(members());
    const r = (await dispatch(h, 'photos.rejectSceneMany', { ids: [...some, cabins[0]!], label: s.key })) as { ok: true; value: { changed: number; undo: string } };
    expect(r.value.changed).toBe(3);
    for (const id of some) expect(members()).not.toContain(id);
    // The example answered "no" too: the answer wins, so it is out.
    expect(members()).not.toContain(cabins[0]);
    expect(await dispatch(h, 'corrections.undo', { token: r.value.undo })).toMatchObject({ ok: true, value: { restored: 3 } });
    const restored = lib.catalog.personal.examples(s.id).map((e) => [e.photo_id, e.positive, e.source] as const);
    expect(restored.sort((a, b) => a[0] - b[0])).toEqual(cabins.slice(0, 3).map((id) => [id, 1, 'example']));
    for (const id of [...some, cabins[0]!]) expect(members()).toContain(id);
    expect(await dispatch(h, 'corrections.undo', { token: r.value.undo })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('negative control: a scene of unrelated photos does not claim most of the library', async () => {
    const s = await lib.personal.create('Random', [others[1]!, others[100]!, others[200]!, others[300]!]);
    expect(s.count).toBeLessThan(80); // of 400
  });

  it('refuses bad input with a clear error and changes nothing', async () => {
    const h = createHandlers(lib, { mode: 'browser' });
    await lib.personal.create('Our cabin', cabins.slice(0, 3));
    const dup = await dispatch(h, 'personal.create', { name: 'OUR CABIN', photoIds: [cabins[4]!] });
    expect(dup).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await dispatch(h, 'personal.create', { name: '   ', photoIds: [1] })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await dispatch(h, 'personal.create', { name: 'X', photoIds: [] })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await dispatch(h, 'personal.create', { name: 'X', photoIds: [999_999] })).toMatchObject({ ok: false, error: { code: 'not_found', message: 'no photo with id 999999' } });
    expect(await dispatch(h, 'personal.answer', { id: 42, photoIds: [1], answer: 'yes' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    // A built-in scene's or family's name would be hidden behind it in search.
    expect(await dispatch(h, 'personal.create', { name: 'Kitchen', photoIds: [cabins[4]!] })).toMatchObject({ ok: false, error: { code: 'conflict', message: /built-in scene/ } });
    expect(await dispatch(h, 'personal.create', { name: 'water', photoIds: [cabins[4]!] })).toMatchObject({ ok: false, error: { code: 'conflict', message: /family/ } });
    expect(lib.personal.list().map((s) => s.name)).toEqual(['Our cabin']);
  });

  it('scores a photo indexed later as soon as its descriptor exists', async () => {
    const s = await lib.personal.create('Our cabin', cabins.slice(0, 5));
    // Photos reported changed without a new descriptor (a bulk correction of many) are not sent or scored again.
    const upserts = vi.spyOn(PersonalWorkerClient.prototype, 'upsert');
    lib.corrections.setScene(others[0]!, 'kitchen');
    await lib.personal.photosIndexed([...others.slice(0, 200), ...cabins]);
    expect(upserts).not.toHaveBeenCalled();
    const fresh = addPhoto(lib, root, 'new-cabin.jpg', 'test', descriptor(true));
    const plain = addPhoto(lib, root, 'new-other.jpg', 'test', descriptor(false));
    await lib.personal.photosIndexed([fresh, plain]);
    const ids = lib.browse.listPhotos({ order: 'date', scene: s.key, folderId: null, status: null, offset: 0, limit: 500 }).items.map((p) => p.id);
    expect(ids).toContain(fresh);
    expect(ids).not.toContain(plain);
    expect(upserts).toHaveBeenCalledTimes(1);
    expect(upserts.mock.calls[0]![0]).toEqual([fresh, plain]);
    upserts.mockRestore();
  });

  it('is retrained from the same examples when the library runs another model, and says which', async () => {
    const s = await lib.personal.create('Our cabin', cabins.slice(0, 3));
    // Every photo re-indexed by another model (its descriptors differ): the library's model is now "other".
    for (const id of [...cabins, ...others]) predict(lib, id, 'other', descriptor(cabins.includes(id)));
    expect(lib.personal.list()[0]!.stale).toBe(true);
    await lib.personal.modelChanged();
    const after = lib.personal.list()[0]!;
    expect(after).toMatchObject({ id: s.id, model: 'other', examples: 3, stale: false });
    expect(after.count).toBeGreaterThan(10);
    expect(lib.personal.notice).toMatch(/Retrained for other \(they were trained on test\): Our cabin/);
  });
});

describe.skipIf(!hasShared)('personal scenes in a watched folder', () => {
  let tmp: ReturnType<typeof tempDir>;
  let lib: Library | undefined;
  afterEach(async () => {
    await lib?.close();
    tmp.cleanup();
  });

  it('a photo arriving in a watched folder joins the scene once indexed, without retraining', async () => {
    tmp = tempDir('personal-watch');
    const folder = join(tmp.path, 'photos');
    mkdirSync(folder);
    const files = ['kpa_bar.jpg', 'hugin_forest.jpg', 'sklearn_pagoda.jpg', 'kpa_billiards.jpg', 'lxqt_mountains.jpg', 'digikam_lake.jpg', 'kpa_grand_canyon.jpg', 'hugin_church.jpg'];
    for (const f of files) copyFileSync(shared('photos', f), join(folder, f));
    lib = await Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier: new FakeClassifier() }, writeFinishMs: 200 });
    lib.folders.add(folder);
    await waitFor('indexed', () => lib!.status().indexedCount === files.length);
    const bar = lib.folders.photoIdForPath(join(folder, 'kpa_bar.jpg'))!;
    const s = await lib.personal.create('The bar', [bar]);
    const trainedAt = lib.catalog.personal.scene(s.id)!.trained_at;
    copyFileSync(shared('photos', 'kpa_bar.jpg'), join(folder, 'bar-again.jpg'));
    const again = await waitFor('the copy catalogued', () => lib!.folders.photoIdForPath(join(folder, 'bar-again.jpg')));
    await waitFor('the copy in the scene', () =>
      lib!.browse.listPhotos({ order: 'date', scene: s.key, folderId: null, status: null, offset: 0, limit: 50 }).items.some((p) => p.id === again),
    );
    expect(lib.catalog.personal.scene(s.id)!.trained_at).toBe(trainedAt);
  });
});
