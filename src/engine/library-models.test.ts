/**
 * Switching and importing models in a running library (issue 9, item 8): a
 * refused import leaves the loaded model and the photos alone; the switcher
 * commands list and choose installed models, never exposing a path.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasShared, REPO_ROOT, shared } from '../test-support/shared-data.js';
import { tempDir, waitFor } from '../test-support/harness.js';
import { writeFixture } from '../test-support/onnx-fixtures.js';
import { createHandlers, dispatch } from './api/handlers.js';
import { ModelStore } from './model/store/model-store.js';
import { Library } from './library.js';

describe.skipIf(!hasShared)('models in a running library', () => {
  // Every test gets its own store, folder and library, so each one passes alone (`vitest run -t NAME`) and in any order.
  let tmp: ReturnType<typeof tempDir>;
  let modelsDir: string;
  let folder: string;
  let lib: Library;

  beforeEach(async () => {
    tmp = tempDir('library-models');
    modelsDir = join(tmp.path, 'models');
    folder = join(tmp.path, 'Photos');
    const store = new ModelStore(modelsDir);
    await store.import(writeFixture(join(tmp.path, 'src', 'first.onnx'), { props: { title: 'First model' } }), { name: 'custom-first' });
    await store.import(writeFixture(join(tmp.path, 'src', 'second.onnx'), { classes: 1365, props: { title: 'Second model' } }), { name: 'custom-second' });
    mkdirSync(folder, { recursive: true });
    copyFileSync(shared('photos', 'kpa_bar.jpg'), join(folder, 'bar.jpg'));
    lib = await Library.open({ dir: join(tmp.path, 'lib'), modelsDir, writeFinishMs: 200, threads: 1 });
  });
  afterEach(async () => {
    await lib?.close();
    tmp.cleanup();
  });

  it('opens with the current model of the store', () => {
    expect(lib.models.state).toMatchObject({ state: 'ready', model: { name: 'custom-first', title: 'First model' } });
    expect(JSON.stringify(lib.models.state)).not.toMatch(/onnxPath|model\.onnx/);
  });

  it('a refused import (0-byte file) keeps the loaded model, and photos are still tagged with it', async () => {
    const empty = join(tmp.path, 'empty.onnx');
    writeFileSync(empty, '');
    const table = createHandlers(lib, { mode: 'browser' });
    const r = await dispatch(table, 'model.import', { path: empty });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringMatching(/empty \(0 bytes\)/) } });
    expect(lib.models.state).toMatchObject({ state: 'ready', model: { name: 'custom-first' } });
    expect(new ModelStore(modelsDir).list().map((m) => m.name)).toEqual(['custom-first', 'custom-second']);
    lib.folders.add(folder);
    await waitFor('the photo indexed', () => lib.status().indexedCount === 1);
    expect(lib.catalog.db.prepare("SELECT COUNT(*) FROM photos WHERE status = 'failed'").pluck().get()).toBe(0);
  });

  it('model.list and model.use switch models and remember the choice', async () => {
    const table = createHandlers(lib, { mode: 'browser' });
    const list = await dispatch(table, 'model.list', {});
    expect(list).toMatchObject({ ok: true, value: { active: 'custom-first', models: [{ name: 'custom-first' }, { name: 'custom-second' }] } });
    expect(JSON.stringify(list)).not.toMatch(/onnxPath|\/models\//);
    const used = await dispatch(table, 'model.use', { name: 'custom-second' });
    expect(used).toMatchObject({ ok: true, value: { state: 'ready', model: { name: 'custom-second', labels: 'hybrid1365' } } });
    expect(new ModelStore(modelsDir).current()).toBe('custom-second');
    expect(await dispatch(table, 'model.use', { name: 'custom-nope' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await dispatch(table, 'model.use', { name: '../x' })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(lib.models.state).toMatchObject({ state: 'ready', model: { name: 'custom-second' } });
  });

  it('`scenery model remove` in another process refuses the model this library runs, and removes another', async () => {
    // The library switched models: the claim follows the switch.
    expect(await dispatch(createHandlers(lib, { mode: 'browser' }), 'model.use', { name: 'custom-second' })).toMatchObject({ ok: true });
    const cli = (...args: string[]) => spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'scenery.mjs'), 'model', ...args, '--models', modelsDir], { encoding: 'utf8' });
    const refused = cli('remove', 'custom-second');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`"custom-second" is in use by a running Scenery \\(process ${process.pid}\\)`));
    expect(new ModelStore(modelsDir).get('custom-second')).toBeDefined();
    const removed = cli('remove', 'custom-first');
    expect(removed.status, removed.stderr).toBe(0);
    expect(new ModelStore(modelsDir).list().map((m) => m.name)).toEqual(['custom-second']);
  });
});
