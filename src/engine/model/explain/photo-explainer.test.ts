/**
 * "Why this scene" through the Library, the handler table and the model worker, on the `tiny` conformance network
 * converted by Scenery (a VGG16 shape; its weights are synthetic, so the maps mean nothing, but they are the
 * network's exact Grad-CAM, checked against PyTorch in grad-cam.test.ts).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasShared, shared, SQUEEZENET } from '../../../test-support/shared-data.js';
import { tempDir, waitFor } from '../../../test-support/harness.js';
import { Library } from '../../library.js';
import { convertModel } from '../convert.js';
import { createHandlers, dispatch } from '../../api/handlers.js';
import { CAM_SIDE, MODEL_CROP } from '../../../shared/heatmap.js';

describe.skipIf(!hasShared)('photos.explain', () => {
  const tmp = tempDir('explain-lib');
  let lib: Library;
  let id: number;

  beforeAll(async () => {
    const folder = join(tmp.path, 'Photos');
    mkdirSync(folder, { recursive: true });
    copyFileSync(shared('photos', 'kpa_bar.jpg'), join(folder, 'kpa_bar.jpg'));
    const model = join(tmp.path, 'tiny.onnx');
    await convertModel(shared('reference', 'tiny', 'model.caffemodel'), model);
    lib = await Library.open({ dir: join(tmp.path, 'lib'), model, modelsDir: join(tmp.path, 'models'), threads: 1, watch: false });
    lib.folders.add(folder);
    await waitFor('indexed', () => lib.status().indexedCount === 1);
    id = (lib.catalog.db.prepare('SELECT id FROM photos').pluck().get() as number);
  }, 60_000);
  afterAll(async () => {
    await lib?.close();
    tmp.cleanup();
  });

  it('answers the top scene, then any of the top 5 from the cache, through the validated contract', async () => {
    const h = createHandlers(lib, { mode: 'browser' });
    const first = await dispatch(h, 'photos.explain', { id });
    expect(first.ok).toBe(true);
    const a = (first as { value: Awaited<ReturnType<Library['models']['explain']>> }).value;
    expect(a.cam).toHaveLength(CAM_SIDE * CAM_SIDE);
    expect(a.crop).toEqual(MODEL_CROP);
    expect(a.scenes).toHaveLength(5);
    expect(a.label).toBe(a.scenes[0]!.label);
    expect(a.cached).toBe(false);
    expect(a.max).toBe(Math.max(...a.cam));
    // The network's own ranking agrees with the indexer's.
    expect(lib.browse.photo(id).top[0]!.label).toBe(a.label);

    const other = await lib.models.explain(id, a.scenes[1]!.label);
    expect(other.cached).toBe(true);
    expect(other.label).toBe(a.scenes[1]!.label);
    expect(other.cam).not.toEqual(a.cam);

    const outside = ['ocean', 'beach', 'forest_path'].find((l) => !a.scenes.some((x) => x.label === l))!;
    const far = await lib.models.explain(id, outside);
    expect(far.cached).toBe(false);
    expect((await lib.models.explain(id, outside)).cached).toBe(true);

    const bad = await dispatch(h, 'photos.explain', { id, label: 'moon base' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await dispatch(h, 'photos.explain', { id: 99999 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await dispatch(h, 'photos.explain', { id, extra: 1 })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });

  it('never runs while indexing: the explain sessions start only when asked', () => {
    // The indexer classified the photo above before any explain call; only explain() computes maps.
    expect((lib.models as unknown as { explainer: { computed: number } }).explainer.computed).toBe(2);
  });
});

describe.skipIf(!hasShared)('photos.explain with a SqueezeNet model', () => {
  it('says plainly that explanations need a VGG16 model', async () => {
    const tmp = tempDir('explain-squeeze');
    const folder = join(tmp.path, 'Photos');
    mkdirSync(folder, { recursive: true });
    copyFileSync(shared('photos', 'kpa_bar.jpg'), join(folder, 'kpa_bar.jpg'));
    const lib = await Library.open({ dir: join(tmp.path, 'lib'), model: SQUEEZENET, modelsDir: join(tmp.path, 'models'), threads: 1, watch: false });
    try {
      lib.folders.add(folder);
      await waitFor('indexed', () => lib.status().indexedCount === 1);
      const id = lib.catalog.db.prepare('SELECT id FROM photos').pluck().get() as number;
      const r = await dispatch(createHandlers(lib, { mode: 'browser' }), 'photos.explain', { id });
      expect(r).toMatchObject({ ok: false, error: { code: 'unsupported' } });
      expect((r as { error: { message: string } }).error.message).toMatch(/need a VGG16 scene model/);
    } finally {
      await lib.close();
      tmp.cleanup();
    }
  }, 60_000);
});

describe.skipIf(!hasShared)('photos.explain on a RAW', () => {
  const tmp = tempDir('explain-raw');
  afterAll(() => tmp.cleanup());

  it('explains the embedded preview the RAW was classified from', async () => {
    const folder = join(tmp.path, 'Photos');
    mkdirSync(folder, { recursive: true });
    copyFileSync(shared('raw', 'pentax_k-3ii_trunc.pef'), join(folder, 'lake.pef'));
    const model = join(tmp.path, 'tiny.onnx');
    await convertModel(shared('reference', 'tiny', 'model.caffemodel'), model);
    const lib = await Library.open({ dir: join(tmp.path, 'lib'), model, modelsDir: join(tmp.path, 'models'), threads: 1, watch: false });
    try {
      lib.folders.add(folder);
      await waitFor('indexed', () => lib.status().indexedCount === 1);
      const id = lib.catalog.db.prepare('SELECT id FROM photos').pluck().get() as number;
      const r = await dispatch(createHandlers(lib, { mode: 'browser' }), 'photos.explain', { id });
      expect(r.ok, JSON.stringify(r)).toBe(true);
      expect((r as { value: Awaited<ReturnType<Library['models']['explain']>> }).value.label).toBe(lib.browse.photo(id).top[0]!.label);
    } finally {
      await lib.close();
    }
  }, 60_000);
});
