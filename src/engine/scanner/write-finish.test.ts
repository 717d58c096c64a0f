/**
 * A photo moved into a watched folder is picked up at once; one still being
 * written waits until it has stopped changing (write-finish.ts), unit by unit
 * and through the Library.
 */
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../../test-support/harness.js';
import { hasShared, shared } from '../../test-support/shared-data.js';
import { Library } from '../library.js';
import { WriteFinishGate, type FileStat } from './write-finish.js';

describe('write-finish gate', () => {
  const tmp = tempDir('write-finish');
  afterAll(() => tmp.cleanup());

  it('passes a file that appears with an old mtime (moved into place) on at once', () => {
    const ready: string[] = [];
    const gate = new WriteFinishGate((p) => ready.push(p), { stableMs: 800 });
    gate.event('add', '/x/moved.jpg', { size: 1000, mtimeMs: Date.now() - 60_000 });
    expect(ready).toEqual(['/x/moved.jpg']);
    gate.close();
  });

  it('holds a fresh file until its size and mtime stop changing, then passes its final size', async () => {
    const path = join(tmp.path, 'growing.jpg');
    writeFileSync(path, Buffer.alloc(1000, 1));
    const ready: [string, FileStat][] = [];
    const gate = new WriteFinishGate((p, st) => ready.push([p, st]), { stableMs: 300, pollMs: 50 });
    const t0 = Date.now();
    gate.event('add', path, { size: 1000, mtimeMs: Date.now() });
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 120));
      appendFileSync(path, Buffer.alloc(1000, 2));
      expect(ready).toEqual([]);
    }
    await waitFor('ready', () => ready.length === 1, 3000);
    expect(ready[0]![1].size).toBe(5000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4 * 120 + 300 - 20);
    gate.close();
  });

  it('a change event always waits, even on an old file, and a deleted file is forgotten', async () => {
    const ready: string[] = [];
    const gate = new WriteFinishGate((p) => ready.push(p), { stableMs: 100, pollMs: 20 });
    gate.event('change', join(tmp.path, 'nope.jpg'), { size: 10, mtimeMs: Date.now() - 60_000 });
    expect(ready).toEqual([]);
    expect(gate.waiting).toBe(1);
    await waitFor('forgotten', () => gate.waiting === 0, 2000);
    expect(ready).toEqual([]);
    gate.close();
  });

  it('an empty file that appears does not count as moved into place', () => {
    const ready: string[] = [];
    const gate = new WriteFinishGate((p) => ready.push(p));
    gate.event('add', '/x/empty.jpg', { size: 0, mtimeMs: Date.now() - 60_000 });
    expect(ready).toEqual([]);
    gate.close();
  });
});

describe.skipIf(!hasShared)('watching: moved-in photos at once, half-written ones never read', () => {
  const tmp = tempDir('watch-latency');
  const folder = join(tmp.path, 'photos');
  const outside = join(tmp.path, 'staging');
  let lib: Library;
  beforeAll(async () => {
    mkdirSync(folder);
    mkdirSync(outside);
    // The default write-finish wait (800 ms), as the app runs.
    lib = await Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier: new FakeClassifier() } });
    lib.folders.add(folder);
    await waitFor('watching', () => lib.folders.list()[0]?.status === 'watching');
  });
  afterAll(async () => {
    await lib.close();
    tmp.cleanup();
  });

  it('a photo moved into the folder is indexed well inside the 800 ms write-finish wait', async () => {
    const staged = join(outside, 'moved.jpg');
    copyFileSync(shared('photos', 'kpa_bar.jpg'), staged);
    const old = new Date(Date.now() - 3600_000);
    utimesSync(staged, old, old);
    const t0 = performance.now();
    renameSync(staged, join(folder, 'moved.jpg'));
    await waitFor('indexed', () => lib.status().indexedCount === 1, 5000);
    const ms = performance.now() - t0;
    console.log(`moved in → indexed (fake model): ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(600);
  });

  it('a photo written slowly into the folder is indexed once, complete, and never fails', async () => {
    const bytes = readFileSync(shared('photos', 'hugin_forest.jpg'));
    const target = join(folder, 'slow.jpg');
    const parts = 5;
    const step = Math.ceil(bytes.length / parts);
    for (let i = 0; i < parts; i++) {
      appendFileSync(target, bytes.subarray(i * step, (i + 1) * step));
      await new Promise((r) => setTimeout(r, 300));
      if (i < parts - 1) expect(lib.status().photoCount, 'not catalogued while being written').toBe(1);
    }
    await waitFor('indexed', () => lib.status().indexedCount === 2, 10_000);
    expect(lib.status().failedCount).toBe(0);
    const row = lib.catalog.db.prepare("SELECT size FROM photos WHERE name = 'slow.jpg'").get() as { size: number };
    expect(row.size).toBe(bytes.length);
  });
});
