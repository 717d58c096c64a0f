/** `scenery scenes` and `scenery search NAME`: personal scenes from the command line, on a library's stored descriptors. */
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../test-support/harness.js';
import { Library } from '../engine/library.js';
import { libraryCommands } from './commands/library.js';
import { scenesCommand } from './commands/scenes.js';

const tmp = tempDir('cli-scenes');
afterAll(() => tmp.cleanup());
const DIM = 64;

function rng(seed: number): () => number {
  let s = seed;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

/** A closed library of 200 photos (descriptors only, test model); every 10th is the cabin. */
let made = 0;
async function library(): Promise<{ dir: string; root: string }> {
  const dir = join(tmp.path, `lib${++made}`);
  const root = join(tmp.path, `Photos${made}`);
  const rand = rng(9);
  const centre = new Int8Array(DIM).map(() => (rand() < 0.6 ? 0 : Math.floor(rand() * 127)));
  const lib = await Library.open({ dir, start: false });
  const folder = lib.catalog.addFolder(root);
  for (let i = 0; i < 200; i++) {
    const name = i % 10 === 0 ? `cabin-${i}.jpg` : `other-${i}.jpg`;
    const { id } = lib.catalog.upsertFile(folder.id, { relPath: name, name, size: 1, mtimeMs: 1 }, 0);
    const v = new Int8Array(DIM).map((_, k) => {
      const noise = rand() < 0.5 ? 0 : Math.floor(rand() * 100);
      return i % 10 === 0 ? Math.min(127, Math.round(centre[k]! * 0.8 + noise * 0.3)) : noise;
    });
    lib.catalog.savePrediction(id, { model: 'test', labels: 'places365', topIndex: [0], topProb: [0.5], objects: [], indoor: false, features: new Uint8Array(v.buffer), featureDim: DIM });
  }
  await lib.close();
  return { dir, root };
}

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  let out = '';
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (out += `${a.join(' ')}\n`));
  try {
    return { code: await fn(), out };
  } finally {
    vi.restoreAllMocks();
  }
}

describe('scenery scenes', () => {
  it('creates a scene from example files, lists it, finds its photos by name best first with scores, corrects and removes it', async () => {
    const { dir, root } = await library();
    const f = (n: string) => join(root, n);
    const made = await capture(() => scenesCommand(['create', 'Our cabin', '--example', f('cabin-0.jpg'), f('cabin-10.jpg'), f('cabin-20.jpg'), '--library', dir]));
    expect(made.code).toBe(0);
    expect(made.out).toMatch(/created "Our cabin" from 3 example\(s\): \d+ photo\(s\)/);

    const listed = await capture(() => scenesCommand(['list', '--json', '--library', dir]));
    const scenes = (JSON.parse(listed.out) as { scenes: { name: string; count: number; model: string; examples: number }[] }).scenes;
    expect(scenes).toMatchObject([{ name: 'Our cabin', model: 'test', examples: 3 }]);

    const found = await capture(() => libraryCommands.search(['Our', 'cabin', '--json', '--library', dir]));
    const r = JSON.parse(found.out) as { total: number; results: { path: string; match: { name: string; prob: number } }[] };
    expect(r.total).toBe(scenes[0]!.count);
    const names = r.results.map((x) => x.path.split('/').pop()!);
    expect(names.filter((n) => n.startsWith('cabin')).length).toBeGreaterThanOrEqual(15); // of 20
    expect(names.filter((n) => n.startsWith('other')).length).toBeLessThan(10);
    expect(r.results[0]!.match.name).toBe('Our cabin');
    const probs = r.results.map((x) => x.match.prob);
    expect(probs).toEqual([...probs].sort((a, b) => b - a));

    const examples = ['cabin-0.jpg', 'cabin-10.jpg', 'cabin-20.jpg'];
    const wrong = r.results.find((x) => !examples.includes(x.path.split('/').pop()!))!.path;
    expect((await capture(() => scenesCommand(['reject', 'our cabin', wrong, '--library', dir]))).out).toMatch(/1 rejected/);
    const again = JSON.parse((await capture(() => libraryCommands.search(['our cabin', '--json', '--library', dir]))).out) as { results: { path: string }[] };
    expect(again.results.map((x) => x.path)).not.toContain(wrong);
    expect((await capture(() => scenesCommand(['add', 'Our cabin', f('other-1.jpg'), '--library', dir]))).out).toMatch(/4 example\(s\)/);

    expect((await capture(() => scenesCommand(['remove', 'Our cabin', '--library', dir]))).out).toMatch(/removed/);
    expect((await capture(() => scenesCommand(['list', '--library', dir]))).out).toMatch(/no personal scenes yet/);
  });

  it('names the files that are not in the library, and the scene that does not exist, creating nothing', async () => {
    const { dir, root } = await library();
    await expect(scenesCommand(['create', 'X', '--example', join(root, 'cabin-0.jpg'), '/nowhere/a.jpg', '--library', dir])).rejects.toThrow(/not in the library .*\/nowhere\/a\.jpg/);
    await expect(scenesCommand(['add', 'Nope', join(root, 'cabin-0.jpg'), '--library', dir])).rejects.toThrow(/no personal scene called "Nope"/);
    await expect(scenesCommand(['create', 'X', '--library', dir])).rejects.toThrow(/at least one example/);
    expect((await capture(() => scenesCommand(['list', '--library', dir]))).out).toMatch(/no personal scenes yet/);
  });
});
