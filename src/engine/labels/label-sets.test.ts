import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test-support/shared-data.js';
import { HYBRID1365_TEXT, IO_PLACES365_TEXT, PLACES365_TEXT } from './label-data.js';
import { humanName, interpret, LABEL_SETS, PLACES365_INDOOR, PLACES365_LABELS } from './label-sets.js';

describe('label sets', () => {
  it('embeds resources/labels unchanged (CSAIL sha256)', () => {
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    expect(sha(PLACES365_TEXT)).toBe('2affba635eb657e7ca95f4e6cc69bd9fac29ef4c32aeb83cafdfcd06ec6a1ea6');
    expect(sha(HYBRID1365_TEXT)).toBe('666b94f303a4439f3628cba34d419ac5a880f3385a653e7631ecbdafca1ec7e6');
    expect(sha(IO_PLACES365_TEXT)).toBe('0a65ceb7264413a15bb069a87be7ecf9ebb572a6803d48de2827a1d25fe287ba');
    expect(PLACES365_TEXT).toBe(readFileSync(join(REPO_ROOT, 'resources', 'labels', 'categories_places365.txt'), 'utf8'));
  });

  it('parses 365 places, 1365 hybrid labels and 160 indoor classes', () => {
    expect(PLACES365_LABELS.length).toBe(365);
    expect(PLACES365_LABELS[0]).toBe('airfield');
    expect(PLACES365_LABELS[364]).toBe('zen_garden');
    expect(LABEL_SETS.hybrid1365.labels.length).toBe(1365);
    expect(LABEL_SETS.hybrid1365.labels[0]).toBe('tench');
    expect(LABEL_SETS.hybrid1365.labels[1000]).toBe('airfield');
    expect(PLACES365_INDOOR.filter(Boolean).length).toBe(160);
  });

  it('gives human names', () => {
    expect(humanName('field/wild')).toBe('field (wild)');
    expect(humanName('airport_terminal')).toBe('airport terminal');
    expect(humanName('underwater/ocean_deep')).toBe('underwater (ocean deep)');
  });

  it('decides indoor/outdoor by the mean over the top-10, as the CSAIL demo does', () => {
    const prob = new Float32Array(365);
    const kitchen = PLACES365_LABELS.indexOf('kitchen');
    prob[kitchen] = 0.9;
    // the other nine of the top-10 are outdoor, by small margins: 9/10 outdoor → outdoor
    const outdoor = PLACES365_LABELS.map((l, i) => i).filter((i) => !PLACES365_INDOOR[i]).slice(0, 9);
    outdoor.forEach((i, k) => (prob[i] = 0.01 - k * 0.0001));
    expect(interpret(prob, LABEL_SETS.places365).indoor).toBe(false);
    expect(interpret(prob, LABEL_SETS.places365).scenes[0]!.label).toBe('kitchen');
  });

  it('splits Hybrid1365 into scenes and objects', () => {
    const prob = new Float32Array(1365);
    prob[1000 + PLACES365_LABELS.indexOf('beach')] = 0.5;
    prob[0] = 0.3;
    const r = interpret(prob, LABEL_SETS.hybrid1365, 5);
    expect(r.scenes[0]).toMatchObject({ label: 'beach', index: PLACES365_LABELS.indexOf('beach') });
    expect(r.objects[0]).toMatchObject({ label: 'tench', index: 0 });
  });
});

describe('platform support', () => {
  it('says plainly that Intel Macs cannot tag', async () => {
    const { runtimeUnsupportedReason } = await import('../services/models-service.js');
    expect(runtimeUnsupportedReason('darwin', 'x64')).toMatch(/Intel Macs.*photo browser/);
    expect(runtimeUnsupportedReason('darwin', 'arm64')).toBeNull();
    expect(runtimeUnsupportedReason('linux', 'x64')).toBeNull();
    expect(runtimeUnsupportedReason('win32', 'x64')).toBeNull();
  });
});
