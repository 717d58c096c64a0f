/** Installing the int8 variant of an installed model, and the Library switching to it and back. */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasShared, shared, SQUEEZENET } from '../../../test-support/shared-data.js';
import { installInt8Variant, ModelStore } from './model-store.js';
import { Library } from '../../library.js';

const tmp = mkdtempSync(join(tmpdir(), 'scenery-int8-store-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!hasShared)('int8 variant in the model store', () => {
  it('installs NAME-int8 beside the model, calibrated on the given photos, and refuses to quantize twice', async () => {
    const store = new ModelStore(join(tmp, 'models'));
    const base = await store.import(SQUEEZENET);
    const photos = readdirSync(shared('photos')).filter((f) => f.endsWith('.jpg')).map((f) => shared('photos', f));
    const v = await installInt8Variant(store, base.name, { photos });
    expect(v.name).toBe(`${base.name}-int8`);
    expect(v.calibration).toBe('16 of your photos');
    expect(store.get(v.name)?.title).toMatch(/\(int8\)$/);
    await expect(installInt8Variant(store, v.name)).rejects.toThrow(/already an int8 model/);
    await expect(installInt8Variant(store, 'nope')).rejects.toThrow(/not installed/);
  }, 60_000);

  it('the Library switches to the fast model, remembers it at the next start, and switches back', async () => {
    const models = join(tmp, 'models2');
    const store = new ModelStore(models);
    const base = await store.import(SQUEEZENET);
    const libDir = join(tmp, 'lib');
    mkdirSync(libDir);
    let lib = await Library.open({ dir: libDir, modelsDir: models, watch: false, start: true });
    expect(lib.models.state).toMatchObject({ state: 'ready', model: { name: base.name } });
    await lib.models.useInt8(true);
    expect(lib.models.state).toMatchObject({ state: 'ready', model: { name: `${base.name}-int8` } });
    await lib.models.warm();
    expect(lib.models.state).toMatchObject({ provider: { name: 'cpu', label: 'CPU', fallbackReason: null } });
    await lib.close();
    lib = await Library.open({ dir: libDir, modelsDir: models, watch: false, start: true });
    expect(lib.models.state).toMatchObject({ state: 'ready', model: { name: `${base.name}-int8` } });
    await lib.models.useInt8(false);
    expect(lib.models.state).toMatchObject({ state: 'ready', model: { name: base.name } });
    await lib.close();
  }, 60_000);
});
