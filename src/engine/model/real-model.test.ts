/**
 * The real SqueezeNet-Places365 test model (shared/data/models, test use
 * only) on the real photos of shared/data/photos, through the same decode and
 * preprocessing the app uses, and through the model worker.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { hasShared, shared, SQUEEZENET } from '../../test-support/shared-data.js';
import { openImage } from '../imaging/decode.js';
import { cropToTensor, PIXELS, resizeForModel } from '../imaging/model-input.js';
import { interpret, LABEL_SETS } from '../labels/label-sets.js';
import { ModelWorkerClient } from './runtime/model-worker-client.js';

interface LabelRow {
  file: string;
  expected: string;
  acceptable: string[];
  io: 'indoor' | 'outdoor';
}

function labels(): LabelRow[] {
  return readFileSync(shared('photos', 'labels.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'))
    .map((c) => ({ file: c[0]!, expected: c[1]!, acceptable: c[2]!.split('|'), io: c[3] as 'indoor' | 'outdoor' }));
}

async function tensorOf(file: string): Promise<Float32Array> {
  const rgb = await resizeForModel(await openImage(shared('photos', file)));
  const t = new Float32Array(3 * PIXELS);
  cropToTensor(rgb, t, 0);
  return t;
}

describe.skipIf(!hasShared)('real model on real photos', () => {
  const client = hasShared ? new ModelWorkerClient(SQUEEZENET, { threads: 2, maxBatch: 8 }) : null;
  afterAll(() => client?.close());

  it('top-5 contains an acceptable label, and indoor/outdoor agrees (reported)', async () => {
    const rows = labels();
    const results = await Promise.all(rows.map(async (r) => ({ r, out: await client!.classify(await tensorOf(r.file)) })));
    let top5 = 0;
    let top1 = 0;
    let io = 0;
    for (const { r, out } of results) {
      const i = interpret(out.prob, LABEL_SETS.places365, 5);
      const hit5 = i.scenes.some((s) => r.acceptable.includes(s.label));
      if (hit5) top5++;
      if (r.acceptable.includes(i.scenes[0]!.label)) top1++;
      if ((i.indoor ? 'indoor' : 'outdoor') === r.io) io++;
      console.log(`${r.file.padEnd(28)} ${hit5 ? 'ok ' : 'MISS'} ${i.indoor ? 'indoor ' : 'outdoor'} ${i.scenes.map((s) => `${s.label} ${s.prob.toFixed(2)}`).join(', ')}`);
    }
    console.log(`SqueezeNet-Places365 on ${rows.length} photos: top-1 acceptable ${top1}/${rows.length}, top-5 ${top5}/${rows.length}, indoor/outdoor ${io}/${rows.length}`);
    // A weak model (top-5 ≈ 71 % on Places365 val): these bounds fail on any preprocessing bug.
    expect(top5).toBeGreaterThanOrEqual(Math.ceil(rows.length * 0.75));
    expect(io).toBeGreaterThanOrEqual(Math.ceil(rows.length * 0.85));
    expect(client!.batchesRun).toBeLessThan(rows.length);
  });

  it('decodes the PNG and WebP copies to the same scenes as their JPEGs', async () => {
    for (const [a, b] of [['sklearn_pagoda.jpg', 'sklearn_pagoda.png'], ['palapeli_bridge.jpg', 'palapeli_bridge.webp'], ['skimage_garage.jpg', 'skimage_garage.png']]) {
      const [pa, pb] = await Promise.all([client!.classify(await tensorOf(a!)), client!.classify(await tensorOf(b!))]);
      expect(interpret(pa.prob, LABEL_SETS.places365, 1).scenes[0]!.label).toBe(interpret(pb.prob, LABEL_SETS.places365, 1).scenes[0]!.label);
    }
  });

  it('a high-priority photo overtakes the backlog', async () => {
    const t = await tensorOf('kpa_bar.jpg');
    const order: string[] = [];
    const backlog = Array.from({ length: 12 }, (_, i) => client!.classify(t, 'low').then(() => order.push(`low${i}`)));
    const urgent = client!.classify(t, 'high').then(() => order.push('high'));
    await Promise.all([...backlog, urgent]);
    expect(order.indexOf('high')).toBeLessThan(order.length - 1);
    expect(order.indexOf('high')).toBeLessThanOrEqual(8);
  });
});
