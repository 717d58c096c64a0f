/** `scenery search` output: each result's matching scene and confidence, best first. */
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../test-support/harness.js';
import { seedLibrary } from '../test-support/seeded-library.js';
import { Library } from '../engine/library.js';
import { libraryCommands } from './commands/library.js';

const tmp = tempDir('cli-search');
afterEach(() => vi.restoreAllMocks());

async function seeded(): Promise<string> {
  const dir = join(tmp.path, 'lib');
  const lib = await Library.open({ dir, start: false });
  seedLibrary(lib, join(tmp.path, 'Photos'), [
    { rel: 'harbor.jpg', top: [['harbor', 0.2], ['beach', 0.15]] },
    { rel: 'sunny.jpg', top: [['beach', 0.9]] },
    // its top scene (0.7) is stronger than its match (coast 0.3): the old output printed 0.7 here, out of order
    { rel: 'hotel.jpg', top: [['hotel/outdoor', 0.7], ['coast', 0.3]] },
    { rel: 'kitchen.jpg', top: [['kitchen', 0.8]] },
  ]);
  await lib.close();
  return dir;
}

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (out += `${a.join(' ')}\n`));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (err += `${a.join(' ')}\n`));
  const code = await fn();
  vi.restoreAllMocks();
  return { code, out, err };
}

describe('scenery search', () => {
  it('--json: match label and confidence per result, sorted by it, and how the word was read', async () => {
    const dir = await seeded();
    const r = await capture(() => libraryCommands.search(['beach', '--library', dir, '--json']));
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { total: number; notices: string[]; results: { path: string; match: { label: string; prob: number }; scene: { label: string } }[] };
    expect(out.total).toBe(3);
    expect(out.notices[0]).toMatch(/^beach: showing Beach \(\d+ scenes\)$/);
    expect(out.results.map((x) => [x.path.split('/').pop(), x.match.label])).toEqual([
      ['sunny.jpg', 'beach'],
      ['hotel.jpg', 'coast'],
      ['harbor.jpg', 'beach'],
    ]);
    const probs = out.results.map((x) => x.match.prob);
    expect(probs).toEqual([...probs].sort((a, b) => b - a));
    expect(out.results[1]!.scene.label).toBe('hotel/outdoor');
  });

  it('text: the printed confidence is the one results are sorted by', async () => {
    const dir = await seeded();
    const r = await capture(() => libraryCommands.search(['beach', '--library', dir]));
    const printed = r.out.trim().split('\n').slice(0, -1).map((l) => Number(l.trim().split(/\s+/)[0]));
    expect(printed).toEqual([0.9, 0.3, 0.15]);
    expect(r.out).toMatch(/coast .*hotel\.jpg {2}\(shows hotel\/outdoor\)/);
    expect(r.err).toMatch(/beach: showing Beach/);
  });
});
