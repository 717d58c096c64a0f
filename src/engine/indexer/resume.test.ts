/**
 * kill -9 in the middle of `scenery index`, then run it again: nothing
 * finished is redone or duplicated, nothing is lost, corrections survive.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { hasShared, REPO_ROOT, shared, SQUEEZENET } from '../../test-support/shared-data.js';
import { tempDir, waitFor } from '../../test-support/harness.js';
import { Library } from '../library.js';

const CLI = join(REPO_ROOT, 'bin', 'scenery.mjs');

describe.skipIf(!hasShared)('resumable indexing', () => {
  const tmp = tempDir('resume');
  afterAll(() => tmp.cleanup());

  it('resumes after kill -9 without losing or redoing finished work', async () => {
    const folder = join(tmp.path, 'photos');
    const libDir = join(tmp.path, 'lib');
    mkdirSync(folder);
    const sources = readdirSync(shared('photos')).filter((f) => /\.(jpg|png|webp)$/.test(f));
    const N = 150;
    for (let i = 0; i < N; i++) copyFileSync(shared('photos', sources[i % sources.length]!), join(folder, `p${String(i).padStart(3, '0')}-${sources[i % sources.length]}`));

    const child = spawn(process.execPath, [CLI, 'index', folder, '--library', libDir, '--model', SQUEEZENET, '--threads', '1'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.on('exit', (code, signal) => r(signal ? -1 : code)));
    const db = () => new Database(join(libDir, 'catalog.sqlite'), { readonly: true, fileMustExist: true });
    const doneSoFar = await waitFor(
      'some photos indexed',
      () => {
        try {
          const d = db();
          try {
            const n = d.prepare("SELECT COUNT(*) FROM photos WHERE status = 'indexed'").pluck().get() as number;
            return n >= 20 ? n : 0;
          } finally {
            d.close();
          }
        } catch {
          return 0;
        }
      },
      60_000,
      20,
    );
    child.kill('SIGKILL');
    expect(await exited).toBe(-1);

    const before = db();
    const indexedIds = before.prepare("SELECT id FROM photos WHERE status = 'indexed'").pluck().all() as number[];
    const stamps = new Map((before.prepare('SELECT photo_id, indexed_at FROM predictions').all() as { photo_id: number; indexed_at: string }[]).map((r) => [r.photo_id, r.indexed_at]));
    before.close();
    expect(indexedIds.length).toBeGreaterThanOrEqual(doneSoFar);
    expect(indexedIds.length).toBeLessThan(N);

    // The person corrects a photo between runs.
    const lib = await Library.open({ dir: libDir, start: false });
    lib.corrections.setScene(indexedIds[0]!, 'bamboo_forest');
    await lib.close();

    const r = spawnSync(process.execPath, [CLI, 'index', folder, '--library', libDir, '--model', SQUEEZENET, '--json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as { indexed: number; failed: number; skipped: number };
    const check = db();
    const notIndexed = check.prepare("SELECT p.name, p.status, p.error, j.state, j.attempts, j.not_before_ts FROM photos p LEFT JOIN jobs j ON j.photo_id = p.id WHERE p.status != 'indexed'").all();
    check.close();
    expect(notIndexed, JSON.stringify(notIndexed)).toEqual([]);
    expect(summary.indexed + summary.skipped).toBe(N);
    expect(summary.failed).toBe(0);

    const after = db();
    expect(after.prepare('SELECT COUNT(*) FROM photos').pluck().get()).toBe(N);
    expect(after.prepare("SELECT COUNT(*) FROM photos WHERE status = 'indexed'").pluck().get()).toBe(N);
    expect(after.prepare('SELECT COUNT(*) FROM predictions').pluck().get()).toBe(N);
    expect(after.prepare("SELECT COUNT(*) FROM jobs WHERE state IN ('running', 'pending')").pluck().get()).toBe(0);
    // Finished work was not redone: the first run's predictions are untouched.
    const redone = [...stamps].filter(([id, at]) => after.prepare('SELECT indexed_at FROM predictions WHERE photo_id = ?').pluck().get(id) !== at);
    expect(redone).toEqual([]);
    expect(after.prepare('SELECT scene_index, corrected FROM photos WHERE id = ?').get(indexedIds[0])).toEqual({ scene_index: 36, corrected: 1 });
    after.close();
  }, 180_000);
});
