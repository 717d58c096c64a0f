/** `scenery classify` as a user runs it. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasShared, REPO_ROOT, shared, SQUEEZENET } from '../test-support/shared-data.js';
import { tempDir } from '../test-support/harness.js';

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

  it('--ten-crop averages ten views', () => {
    const r = run('classify', '--json', '--ten-crop', '--model', SQUEEZENET, shared('photos', 'sklearn_pagoda.jpg'));
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { top: { label: string }[] }[])[0]!.top[0]!.label).toBe('pagoda');
  });

  it('says what to do when no model is installed', () => {
    const r = run('classify', shared('photos', 'kpa_bar.jpg'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/scenery model fetch vgg16-places365.*scenery model import FILE/s);
  });
});
