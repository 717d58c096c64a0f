/**
 * Model import is validated before anything is installed (issue 9, items 8
 * and 27): every broken model below is built in code, refused with a
 * specific reason, and leaves the installed model exactly as it was.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasShared, shared, SQUEEZENET } from '../../../test-support/shared-data.js';
import { writeFixture, type FixtureOptions } from '../../../test-support/onnx-fixtures.js';
import { probeModelInWorker } from '../runtime/probe.js';
import { checkImportName, customName, ModelStore, officialMismatch, type Prober } from './model-store.js';
import { KNOWN_MODELS } from '../known-models.js';
import { VGG16_WIDTHS } from '../vgg16.js';
import type { OnnxSummary } from '../onnx/onnx-summary.js';
import { convertModel } from '../convert.js';


const tmp = mkdtempSync(join(tmpdir(), 'scenery-import-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

/** A store holding one good custom model, the one every failed import must leave in place. */
async function storeWithGoodModel(prober?: Prober): Promise<{ store: ModelStore; before: string }> {
  const store = new ModelStore(join(tmp, `store-${++n}`), prober);
  const good = writeFixture(join(tmp, `good-${n}`, 'good.onnx'), { props: { name: 'good', title: 'A good test model' } });
  await store.import(good, { name: 'custom-good' });
  store.use('custom-good');
  return { store, before: snapshot(store) };
}

function snapshot(store: ModelStore): string {
  const files = store.list().map((m) => [m.name, readFileSync(m.onnxPath).toString('base64').length, readFileSync(join(store.dir, m.name, 'model.json'), 'utf8')]);
  return JSON.stringify({ files, current: store.current(), entries: existsSync(store.dir) ? readdirSync(store.dir).sort() : [] });
}

function fixture(name: string, o: FixtureOptions): string {
  return writeFixture(join(tmp, `fx-${++n}`, name), o);
}

describe('model import validation', () => {
  it('installs a good contract model under a custom name with a real title and parameter count', async () => {
    const store = new ModelStore(join(tmp, 'store-ok'));
    const m = await store.import(fixture('scene.onnx', { classes: 1365, props: { name: 'My Scenes', title: 'My scene model' } }));
    expect(m.name).toBe('custom-my-scenes');
    expect(m.title).toBe('My scene model');
    expect(m.labels).toBe('hybrid1365');
    expect(m.parameters).toBe(1365 * 3 + 1365);
    expect(store.list().map((x) => x.name)).toEqual(['custom-my-scenes']);
    // nothing but the model folder is left behind (no staging folders)
    expect(readdirSync(store.dir)).toEqual(['current', 'custom-my-scenes']);
  });

  const broken: [string, () => string, RegExp][] = [
    ['a 0-byte file', () => { const p = join(tmp, `empty-${++n}.onnx`); writeFileSync(p, ''); return p; }, /empty \(0 bytes\)/],
    ['a photo named .onnx', () => { const p = join(tmp, `photo-${++n}.onnx`); writeFileSync(p, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0xff, 0xff, 0xff, 0xff])); return p; }, /not an ONNX model file/],
    ['a model without "features"', () => fixture('nofeat.onnx', { noFeatures: true }), /outputs "prob" and "features"/],
    ['a model with 3 classes', () => fixture('three.onnx', { classes: 3 }), /3 classes; a scene model must have 365/],
    ['a model with NaN outputs', () => fixture('nan.onnx', { nan: true }), /not a probability \(NaN/],
    ['a model with 2,100,000-dimensional features', () => fixture('wide.onnx', { featureDim: 2_100_000 }), /2,100,000 dimensions; Scenery accepts 8 to 4096/],
    ['a model whose "prob" is not a softmax', () => fixture('logits.onnx', { noSoftmax: true }), /not a probability|sums to/],
    ['a model with a fixed batch of 1', () => fixture('fixed.onnx', { fixedBatch: true }), /does not (load or )?run on a batch of images/],
    ['external data at ../../etc/passwd', () => fixture('escape.onnx', { externalLocation: '../../etc/passwd' }), /external data location "..\/..\/etc\/passwd" is not a file inside/],
    ['external data at an absolute path', () => fixture('abs.onnx', { externalLocation: '/etc/passwd' }), /external data location "\/etc\/passwd" is not a file inside/],
    ['external data that is missing', () => { const p = fixture('lost.onnx', { externalLocation: 'w.bin' }); rmSync(join(p, '..', 'w.bin')); return p; }, /external data file "w.bin" is missing/],
    ['a file whose metadata claims vgg16-places365', () => fixture('claims.onnx', { props: { name: 'vgg16-places365' } }), /is not VGG16-Places365: its 0 convolutions are not VGG16's.*Its metadata claims.*--name custom-claims/s],
  ];
  for (const [what, make, message] of broken) {
    it(`refuses ${what} and changes nothing`, async () => {
      const { store, before } = await storeWithGoodModel();
      await expect(store.import(make())).rejects.toThrow(message);
      expect(snapshot(store)).toBe(before);
    });
    // The app probes in a model worker thread (the main thread must not block): same rules, same messages.
    it(`refuses ${what} when probing in the model worker`, async () => {
      const { store, before } = await storeWithGoodModel(probeModelInWorker);
      await expect(store.import(make())).rejects.toThrow(message);
      expect(snapshot(store)).toBe(before);
    });
  }

  it('copies a model\'s own external data file and loads it from the store', async () => {
    const store = new ModelStore(join(tmp, 'store-ext'));
    const m = await store.import(fixture('ext.onnx', { externalLocation: 'ext.weights' }), { name: 'custom-ext' });
    expect(existsSync(join(store.dir, 'custom-ext', 'ext.weights'))).toBe(true);
    expect(m.parameters).toBe(365 * 3 + 365);
  });

  it('refuses an external data file that is a symlink out of the model folder', async () => {
    const p = fixture('link.onnx', { externalLocation: 'link.bin' });
    rmSync(join(p, '..', 'link.bin'));
    const outside = join(tmp, 'outside.bin');
    writeFileSync(outside, Buffer.alloc(365 * 12));
    symlinkSync(outside, join(p, '..', 'link.bin'));
    const { store, before } = await storeWithGoodModel();
    await expect(store.import(p)).rejects.toThrow(/links outside the model's folder/);
    expect(snapshot(store)).toBe(before);
  });

  it('accepts only official names or custom- names', () => {
    for (const bad of ['model', 'vgg16-places365x', 'custom-', 'Custom-X', 'custom-../x', 'user/x']) expect(() => checkImportName(bad)).toThrow(/invalid model name/);
    for (const good of ['vgg16-places365', 'vgg16-hybrid1365', 'custom-mine', 'custom-squeeze_net.v2']) expect(checkImportName(good)).toBe(good);
    expect(customName('VGG16 Places365!')).toBe('custom-vgg16-places365');
    expect(customName('')).toBe('custom-model');
  });

  it('refuses a bad --name before reading the file', async () => {
    const store = new ModelStore(join(tmp, 'store-names'));
    await expect(store.import(fixture('x.onnx', {}), { name: 'vgg16' })).rejects.toThrow(/invalid model name "vgg16"/);
    expect(store.list()).toEqual([]);
  });

  it('says what is wrong with a directory, a missing file or a photo', async () => {
    const store = new ModelStore(join(tmp, 'store-paths'));
    const dir = join(tmp, 'a-dir');
    mkdirSync(dir, { recursive: true });
    await expect(store.import(dir)).rejects.toThrow(/is a directory; give the model file itself/);
    await expect(store.import(join(tmp, 'nope.onnx'))).rejects.toThrow(/^no such file: /);
    const jpg = join(tmp, 'photo.jpg');
    writeFileSync(jpg, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]));
    await expect(store.import(jpg)).rejects.toThrow(/not a model file: .*expected .onnx, .caffemodel or .h5/);
    expect(() => store.resolve(jpg)).toThrow(/not a model file: .*expected .onnx, .caffemodel or .h5/);
    expect(() => store.resolve(dir)).toThrow(/is a directory/);
  });

  it('an unknown name lists what is installed without claiming that nothing is', async () => {
    const { store } = await storeWithGoodModel();
    let message = '';
    try {
      store.resolve('nosuch');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/model "nosuch" is not installed\. Installed: custom-good/);
    expect(message).not.toMatch(/No scene model is installed/);
  });

  it('remove uninstalls a model and never leaves a dangling current model', async () => {
    const { store } = await storeWithGoodModel();
    await store.import(fixture('other.onnx', {}), { name: 'custom-other' });
    expect(store.resolve(null).name).toBe('custom-good');
    store.remove('custom-good');
    expect(store.list().map((m) => m.name)).toEqual(['custom-other']);
    expect(existsSync(join(store.dir, 'current'))).toBe(false);
    expect(store.resolve(null).name).toBe('custom-other');
    expect(() => store.remove('custom-good')).toThrow(/not installed\. Installed: custom-other/);
  });
});

describe('official structure', () => {
  /** A summary with VGG16's conv kernels (the rest of the graph does not matter to this check). */
  function vggSummary(widths: number[]): OnnxSummary {
    let inC = 3;
    const initializers = widths.map((w, i) => {
      const t = { name: `w${i}`, dims: [w, inC, 3, 3], dataType: 1, location: null };
      inC = w;
      return t;
    });
    return { producer: '', props: {}, inputs: [], outputs: [], nodes: widths.map((_, i) => ({ op: 'Conv', inputs: ['x', `w${i}`] })), initializers, externalLocations: [] };
  }
  const [places, hybrid] = KNOWN_MODELS as [(typeof KNOWN_MODELS)[0], (typeof KNOWN_MODELS)[0]];

  it('accepts exactly VGG16-Places365 and VGG16-Hybrid1365 (positive control)', () => {
    expect(officialMismatch(places, vggSummary(VGG16_WIDTHS), { classes: 365, featureDim: 4096, top1: [] }, places.parameters)).toBeNull();
    expect(officialMismatch(hybrid, vggSummary(VGG16_WIDTHS), { classes: 1365, featureDim: 4096, top1: [] }, hybrid.parameters)).toBeNull();
  });

  it('names what differs', () => {
    const full = vggSummary(VGG16_WIDTHS);
    const ok = { classes: 365, featureDim: 4096, top1: [] };
    expect(officialMismatch(places, vggSummary(VGG16_WIDTHS.map((w) => w / 2)), ok, places.parameters)).toMatch(/not VGG16's 13 3x3 layers/);
    expect(officialMismatch(places, full, { ...ok, classes: 1365 }, places.parameters)).toMatch(/1365 classes, not 365/);
    expect(officialMismatch(places, full, { ...ok, featureDim: 512 }, places.parameters)).toMatch(/512 dimensions, not fc7's 4096/);
    expect(officialMismatch(places, full, ok, places.parameters + 1)).toMatch(/135,755,950 parameters, not 135,755,949/);
  });

  it.skipIf(!hasShared)('reads a converted reduced-width VGG16 .onnx and refuses it as vgg16-places365', async () => {
    const onnx = join(tmp, 'tiny-vgg', 'tiny.onnx');
    mkdirSync(join(tmp, 'tiny-vgg'), { recursive: true });
    await convertModel(shared('reference', 'tiny', 'model.caffemodel'), onnx);
    const store = new ModelStore(join(tmp, 'store-tiny'));
    // its metadata says vgg16-places365 (the converter names it so): refused without --name too
    await expect(store.import(onnx)).rejects.toThrow(/is not VGG16-Places365: its 13 convolutions are not VGG16's/);
    const m = await store.import(onnx, { name: 'custom-tiny-vgg' });
    expect(m.parameters).toBe(619_089);
    expect(existsSync(join(store.dir, 'custom-tiny-vgg', 'tiny.onnx.data'))).toBe(true);
  });
});

describe('after a crash', () => {
  it('the next install removes dead processes\' staging folders and restores a model left moved aside', async () => {
    const { store } = await storeWithGoodModel();
    const dead = 2 ** 22 + 12345; // above Linux's pid_max default; no such process
    mkdirSync(join(store.dir, `.staging-${dead}-1-abc123`, 'sub'), { recursive: true });
    mkdirSync(join(store.dir, `.removing-custom-x-${dead}-1`), { recursive: true });
    // a replace that died between its two renames: custom-good moved aside, nothing in its place
    const { renameSync } = await import('node:fs');
    renameSync(join(store.dir, 'custom-good'), join(store.dir, `.replaced-custom-good-${dead}-1`));
    mkdirSync(join(store.dir, `.staging-${process.pid}-1-live`), { recursive: true });
    expect(store.get('custom-good')).toBeUndefined();
    await store.import(fixture('next.onnx', {}), { name: 'custom-next' });
    expect(readdirSync(store.dir).sort()).toEqual(['.staging-' + process.pid + '-1-live', 'current', 'custom-good', 'custom-next']);
    expect(store.resolve(null).name).toBe('custom-good');
  });
});

describe('removing a model in use', () => {
  it('is refused while a live process holds it, and allowed once that process is gone', async () => {
    const { store } = await storeWithGoodModel();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      mkdirSync(join(store.dir, '.in-use'), { recursive: true });
      writeFileSync(join(store.dir, '.in-use', `custom-good.${child.pid}`), '');
      expect(() => store.remove('custom-good')).toThrow(new RegExp(`in use by a running Scenery \\(process ${child.pid}\\)`));
      expect(store.get('custom-good')).toBeDefined();
      // this process's own claim does not block it
      const release = store.claim('custom-good');
      expect(store.usedBy('custom-good')).toEqual([child.pid]);
      release();
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    expect(store.remove('custom-good').name).toBe('custom-good');
    expect(store.list()).toEqual([]);
  });
});

describe.skipIf(!hasShared)('model import with the real SqueezeNet-Places365', () => {
  it('imports it as a custom model with its title, labels and parameters', async () => {
    const store = new ModelStore(join(tmp, 'store-squeeze'));
    const m = await store.import(SQUEEZENET);
    expect(m.name).toBe('custom-squeezenet_places365');
    expect(m.title).toBe('squeezenet_places365');
    expect(m.parameters).toBeGreaterThan(700_000);
    expect(m.license).toMatch(/test use only|private testing/i);
  });

  it('refuses SqueezeNet under the name vgg16-places365', async () => {
    const { store, before } = await storeWithGoodModel();
    await expect(store.import(SQUEEZENET, { name: 'vgg16-places365' })).rejects.toThrow(/not VGG16-Places365: its 26 convolutions are not VGG16's/);
    expect(snapshot(store)).toBe(before);
    expect(store.get('vgg16-places365')).toBeUndefined();
  });
});
