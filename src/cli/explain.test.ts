/** `scenery explain` as a user runs it, on the `tiny` conformance network converted by Scenery. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { hasShared, REPO_ROOT, shared, SQUEEZENET } from '../test-support/shared-data.js';
import { tempDir } from '../test-support/harness.js';
import { convertModel } from '../engine/model/convert.js';
import { readNpy } from '../engine/model/npy.js';

const run = (...args: string[]) => spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'scenery.mjs'), ...args], { encoding: 'utf8', env: { ...process.env, SCENERY_MODELS_DIR: tempDir('models').path } });

interface Out {
  file?: string;
  index?: number;
  error?: string;
  explanations?: { label: string; index: number; prob: number; cam: number[][] }[];
}

describe.skipIf(!hasShared)('scenery explain', () => {
  const dir = tempDir('explain-cli').path;
  const model = join(dir, 'tiny.onnx');
  beforeAll(async () => {
    await convertModel(shared('reference', 'tiny', 'model.caffemodel'), model);
  });

  it('--tensor --json --top 2: the raw maps of the PyTorch reference', () => {
    const r = run('explain', '--json', '--top', '2', '--model', model, '--tensor', shared('reference', 'images_rgb_u8.npy'));
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Out[];
    const ref = readNpy(shared('reference', 'gradcam', 'gradcam_tiny.npy')).data as Float32Array;
    const json = JSON.parse(readFileSync(shared('reference', 'gradcam', 'gradcam_tiny.json'), 'utf8')) as { classes: number[][] };
    expect(out.map((e) => e.index)).toEqual([0, 1, 2, 3]);
    out.forEach((e, i) => {
      expect(e.explanations!.map((x) => x.index)).toEqual(json.classes[i]);
      e.explanations!.forEach((x, j) => {
        expect(x.cam).toHaveLength(14);
        const refMap = ref.subarray((i * 2 + j) * 196, (i * 2 + j + 1) * 196);
        const max = Math.max(...refMap);
        const err = Math.max(...x.cam.flat().map((v, k) => Math.abs(v - refMap[k]!)));
        expect(err / max).toBeLessThanOrEqual(1e-3);
      });
    });
  });

  it('--class by label or index, --out writes PNG overlays at the photo’s oriented size, errors per file', async () => {
    const out = join(dir, 'png');
    const photo = shared('photos', 'kpa_bar.jpg');
    const r = run('explain', '--json', '--class', 'pub/indoor', '--out', out, '--model', model, photo, '/no/such.jpg');
    expect(r.status).toBe(1);
    const res = JSON.parse(r.stdout) as Out[];
    expect(res[0]!.explanations!.map((x) => [x.label, x.index])).toEqual([['pub/indoor', 274]]);
    expect(res[1]!.error).toBeTruthy();
    const png = join(out, 'kpa_bar.pub_indoor.png');
    expect(existsSync(png)).toBe(true);
    const meta = await sharp(png).metadata();
    const src = await sharp(photo).rotate().metadata();
    const long = Math.max(src.width!, src.height!);
    const k = Math.min(1, 1600 / long);
    expect([meta.width, meta.height]).toEqual([Math.round(src.width! * k), Math.round(src.height! * k)]);
    const byIndex = run('explain', '--json', '--class', '274', '--model', model, photo);
    expect((JSON.parse(byIndex.stdout) as Out[])[0]!.explanations![0]!.cam).toEqual(res[0]!.explanations![0]!.cam);
    const bad = run('explain', '--class', 'moon base', '--model', model, photo);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/not a Places365 scene/);
  });

  it('a SqueezeNet model: says plainly that explanations need VGG16', () => {
    const r = run('explain', '--model', SQUEEZENET, shared('photos', 'kpa_bar.jpg'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/need a VGG16 scene model/);
  });
});
