/** `scenery classify` as a user runs it. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasShared, REPO_ROOT, shared, SQUEEZENET } from '../test-support/shared-data.js';
import { tempDir } from '../test-support/harness.js';
import { openImage } from '../engine/imaging/decode.js';
import { resizeForModel } from '../engine/imaging/model-input.js';
import { OnnxModel } from '../engine/model/runtime/onnx-model.js';

const run = (...args: string[]) => spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'scenery.mjs'), ...args], { encoding: 'utf8', env: { ...process.env, SCENERY_MODELS_DIR: tempDir('models').path } });

describe.skipIf(!hasShared)('scenery classify', () => {
  it('prints the CSAIL example format', () => {
    const r = run('classify', '--model', SQUEEZENET, shared('photos', 'kpa_bar.jpg'));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/kpa_bar\.jpg\n--TYPE OF ENVIRONMENT: indoor\n--SCENE CATEGORIES:\n0\.\d{3} -> pub\/indoor\n/);
  });

  it('--json: one object per input, errors per file, exit 1 if any failed', () => {
    const r = run('classify', '--json', '--top', '3', '--model', SQUEEZENET, shared('photos', 'sklearn_pagoda.jpg'), '/no/such.jpg', shared('photos', 'labels.tsv'));
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout) as { file: string; top?: { label: string; index: number; prob: number }[]; indoor?: boolean; error?: string }[];
    expect(out).toHaveLength(3);
    expect(out[0]!.top![0]).toMatchObject({ label: 'pagoda', index: 251 });
    expect(out[0]!.top).toHaveLength(3);
    expect(out[0]!.indoor).toBe(false);
    expect(out[1]!.error).toBe('no such file');
    expect(out[2]!.error).toMatch(/not an image/);
  });

  it('classifies a RAW through its embedded preview, and exits (ExifTool ended)', () => {
    const r = run('classify', '--json', '--top', '1', '--model', SQUEEZENET, shared('raw', 'pentax_k-3ii_trunc.pef'));
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { top?: { label: string }[]; indoor?: boolean; error?: string }[];
    expect(out[0]!.error).toBeUndefined();
    expect(out[0]!.top![0]!.label).toBe('mountain_snowy');
    expect(out[0]!.indoor).toBe(false);
  });

  it('says "not a model file" for --model photo.jpg', () => {
    const r = run('classify', '--model', shared('photos', 'kpa_bar.jpg'), shared('photos', 'kpa_bar.jpg'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not a model file: .*kpa_bar\.jpg \(expected \.onnx, \.caffemodel or \.h5\)/);
  });

  it('--tensor feeds a NumPy array without resizing', () => {
    const r = run('classify', '--json', '--model', SQUEEZENET, '--tensor', shared('reference', 'images_rgb_u8.npy'));
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as unknown[]).length).toBe(4);
    const bad = run('classify', '--model', SQUEEZENET, '--tensor', shared('reference', 'micro', 'caffe_prob.npy'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/uint8 \[N,224,224,3\]/);
  });

  it('--ten-crop averages ten views', async () => {
    const photo = shared('photos', 'sklearn_pagoda.jpg');
    // The whole distribution (--top 365), as printed, index → probability.
    const probs = (...flags: string[]): number[] => {
      const r = run('classify', '--json', '--top', '365', ...flags, '--model', SQUEEZENET, photo);
      expect(r.status, r.stderr).toBe(0);
      const out = new Array<number>(365).fill(NaN);
      for (const t of (JSON.parse(r.stdout) as { top: { index: number; prob: number }[] }[])[0]!.top) out[t.index] = t.prob;
      return out;
    };
    const tenCrop = probs('--ten-crop');
    const centre = probs();

    // Expected, computed here: the 4 corner and the centre 224 crops of the 256x256 image, and their
    // mirror images, each run through the model on its own; then the mean of the 10 distributions.
    const rgb = await resizeForModel(await openImage(photo));
    const crop = (x0: number, y0: number, mirror: boolean): Float32Array => {
      const t = new Float32Array(3 * 224 * 224);
      for (let y = 0; y < 224; y++) {
        for (let x = 0; x < 224; x++) {
          const s = ((y0 + y) * 256 + (mirror ? x0 + 223 - x : x0 + x)) * 3;
          for (let c = 0; c < 3; c++) t[c * 224 * 224 + y * 224 + x] = rgb[s + c]!;
        }
      }
      return t;
    };
    const model = await OnnxModel.load(SQUEEZENET, { threads: 1 });
    const views: Float32Array[] = [];
    try {
      for (const [x0, y0] of [[0, 0], [32, 0], [0, 32], [32, 32], [16, 16]] as const) {
        for (const mirror of [false, true]) views.push(Float32Array.from((await model.run(crop(x0, y0, mirror), 1)).prob));
      }
    } finally {
      await model.release();
    }
    const mean = Array.from({ length: 365 }, (_, k) => views.reduce((s, v) => s + v[k]!, 0) / 10);
    // NaN (a class missing from the output) fails every comparison below.
    const maxDiff = (a: number[], b: ArrayLike<number>) => Math.max(...a.map((v, k) => Math.abs(v - b[k]!)));

    expect(maxDiff(centre, views[8]!)).toBeLessThan(1e-4); // the plain run is the centre crop alone
    expect(maxDiff(tenCrop, mean)).toBeLessThan(1e-4);
    // ... and the ten views do differ from it (measured: by 0.027), so the flag changed what was printed.
    expect(maxDiff(tenCrop, centre)).toBeGreaterThan(1e-3);
    expect(tenCrop.indexOf(Math.max(...tenCrop))).toBe(251); // pagoda
  }, 60_000);

  it('says what to do when no model is installed', () => {
    const r = run('classify', shared('photos', 'kpa_bar.jpg'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/scenery model fetch vgg16-places365.*scenery model import FILE/s);
  });
});
