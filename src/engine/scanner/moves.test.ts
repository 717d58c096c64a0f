/**
 * A renamed or moved folder or file keeps everything it had (tags, predictions, features, thumbnails,
 * corrections) and is not decoded or classified again: live (the watcher sees unlink + add) and found at the
 * next start. The model is the FakeClassifier, whose calls are counted.
 */
import { mkdirSync, renameSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../../test-support/harness.js';
import { Library } from '../library.js';

const N = 12;

interface Row {
  id: number;
  folder_id: number;
  rel_path: string;
  status: string;
  hash: string;
  thumb_key: string;
  corrected: number;
  scene_index: number;
}

describe('moves and renames', () => {
  const tmp = tempDir('moves');
  const photos = join(tmp.path, 'Photos');
  const other = join(tmp.path, 'Other');
  const libDir = join(tmp.path, 'lib');
  let lib: Library;
  let classifier: FakeClassifier;
  const jpegs: Buffer[] = [];

  const open = async (): Promise<void> => {
    classifier = new FakeClassifier();
    lib = await Library.open({ dir: libDir, classifier: { name: 'fake', classifier }, writeFinishMs: 300 });
  };
  const rows = (): Row[] => lib.catalog.db.prepare('SELECT * FROM photos ORDER BY id').all() as Row[];
  const settled = async (what: string, ok: (r: Row[]) => boolean): Promise<Row[]> => {
    await waitFor(what, () => ok(rows()), 30_000, 50);
    await lib.indexer.whenIdle();
    return rows();
  };

  beforeAll(async () => {
    mkdirSync(join(photos, 'trip'), { recursive: true });
    mkdirSync(other);
    for (let i = 0; i < N; i++) {
      jpegs.push(await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: (i * 41) % 256, g: (i * 97) % 256, b: (i * 13) % 256 } } }).jpeg().toBuffer());
      const file = join(photos, 'trip', `img${i}.jpg`);
      writeFileSync(file, jpegs[i]!);
      // Taken an hour ago: as a camera import or a copy with preserved times would be.
      utimesSync(file, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000 + i * 1000));
    }
    await open();
    lib.folders.add(photos);
    lib.folders.add(other);
    await settled(`${N} indexed`, (r) => r.length === N && r.every((x) => x.status === 'indexed'));
  });
  afterAll(async () => {
    await lib?.close();
    tmp.cleanup();
  });

  it('a folder renamed while watching keeps ids, tags and corrections: no model call', async () => {
    const before = rows();
    const corrected = before[3]!.id;
    lib.corrections.setScene(corrected, 'desert/sand');
    const calls = classifier.calls;
    renameSync(join(photos, 'trip'), join(photos, 'trip 2024'));
    const after = await settled('all renamed', (r) => r.length === N && r.every((x) => x.rel_path.startsWith('trip 2024/') && x.status === 'indexed'));
    expect(classifier.calls - calls).toBe(0);
    expect(after.map((r) => r.id)).toEqual(before.map((r) => r.id));
    expect(after.map((r) => [r.rel_path, r.hash, r.thumb_key])).toEqual(before.map((r) => [r.rel_path.replace('trip/', 'trip 2024/'), r.hash, r.thumb_key]));
    expect(lib.browse.photo(corrected).scene?.label).toBe('desert/sand');
    expect(lib.browse.photo(corrected).corrected).toBe(true);
    expect(lib.status().indexedCount).toBe(N);
  });

  it('a single file moved between two watched folders keeps its record: no model call', async () => {
    const before = rows().find((r) => r.rel_path === 'trip 2024/img5.jpg')!;
    const calls = classifier.calls;
    renameSync(join(photos, 'trip 2024', 'img5.jpg'), join(other, 'moved.jpg'));
    const otherId = lib.catalog.folderByPath(other)!.id;
    const after = await settled('moved', (r) => r.some((x) => x.id === before.id && x.folder_id === otherId && x.rel_path === 'moved.jpg' && x.status === 'indexed'));
    expect(classifier.calls - calls).toBe(0);
    expect(after).toHaveLength(N);
    expect(after.filter((r) => r.status !== 'indexed')).toEqual([]);
    expect(lib.catalog.prediction(before.id, 'fake')).toBeDefined();
  });

  it('a file copied elsewhere (new mtime) after its original was deleted takes the original record back: no model call', async () => {
    const before = rows().find((r) => r.rel_path === 'trip 2024/img7.jpg')!;
    const calls = classifier.calls;
    unlinkSync(join(photos, 'trip 2024', 'img7.jpg'));
    await waitFor('missing', () => lib.catalog.photo(before.id)?.status === 'missing');
    const added: number[] = [];
    const removed: number[] = [];
    const offAdded = lib.events.on('photo.added', (e) => added.push(e.photo.id));
    const offRemoved = lib.events.on('photo.removed', (e) => removed.push(e.id));
    writeFileSync(join(other, 'restored.jpg'), jpegs[7]!);
    const after = await settled('adopted', (r) => r.length === N && r.every((x) => x.status === 'indexed') && r.some((x) => x.id === before.id && x.rel_path === 'restored.jpg'));
    expect(classifier.calls - calls).toBe(0);
    expect(after.find((x) => x.id === before.id)!.hash).toBe(before.hash);
    expect(lib.catalog.jobCounts().running).toBe(0);
    // The record made for the new path and then dropped is removed from the UI, and not left in search.
    offAdded();
    offRemoved();
    expect(added).toHaveLength(1);
    expect(removed).toContain(added[0]);
    expect(lib.search.run('indoor OR outdoor', 0, 100).items.map((p) => p.id).sort((x, y) => x - y)).toEqual(after.map((r) => r.id));
  });

  it('a copy is a new photo: the original keeps its record', async () => {
    const calls = classifier.calls;
    writeFileSync(join(other, 'copy.jpg'), jpegs[0]!);
    const after = await settled('copy indexed', (r) => r.length === N + 1 && r.every((x) => x.status === 'indexed'));
    expect(classifier.calls - calls).toBe(1);
    expect(after.filter((r) => r.hash === after.find((x) => x.rel_path === 'copy.jpg')!.hash)).toHaveLength(2);
  });
});

describe('moves while Scenery was closed', () => {
  const tmp = tempDir('moves-closed');
  const photos = join(tmp.path, 'Photos');
  const other = join(tmp.path, 'Other');
  const libDir = join(tmp.path, 'lib');
  let lib: Library;
  let classifier: FakeClassifier;
  const open = async (): Promise<void> => {
    classifier = new FakeClassifier();
    lib = await Library.open({ dir: libDir, classifier: { name: 'fake', classifier }, writeFinishMs: 300, rootCheckMs: 200 });
  };
  const rows = (): Row[] => lib.catalog.db.prepare('SELECT * FROM photos ORDER BY id').all() as Row[];
  afterAll(async () => {
    await lib?.close();
    tmp.cleanup();
  });

  it('a renamed folder and a file moved to another folder are recognised at the next start', async () => {
    mkdirSync(join(photos, 'trip'), { recursive: true });
    mkdirSync(other);
    for (let i = 0; i < N; i++) {
      const file = join(i === 5 ? other : join(photos, 'trip'), `img${i}.jpg`);
      writeFileSync(file, await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: (i * 29) % 256, g: (i * 71) % 256, b: (i * 17) % 256 } } }).jpeg().toBuffer());
      utimesSync(file, new Date(Date.now() - 7200_000), new Date(Date.now() - 7200_000 + i * 1000));
    }
    await open();
    lib.folders.add(photos);
    lib.folders.add(other);
    await waitFor(`${N} indexed`, () => lib.status().indexedCount === N);
    const before = rows();
    const corrected = before.find((r) => r.rel_path === 'trip/img3.jpg')!.id;
    lib.corrections.setScene(corrected, 'desert/sand');
    await lib.close();

    renameSync(join(photos, 'trip'), join(photos, 'renamed while closed'));
    renameSync(join(other, 'img5.jpg'), join(photos, 'back.jpg'));
    await open();
    await lib.initialScan;
    await lib.indexer.whenIdle();
    const after = rows();
    expect(classifier.calls).toBe(0);
    expect(after.map((r) => r.id)).toEqual(before.map((r) => r.id));
    expect(after.filter((r) => r.status !== 'indexed')).toEqual([]);
    const photosId = lib.catalog.folderByPath(photos)!.id;
    expect(after.filter((r) => r.folder_id === photosId).map((r) => r.rel_path).sort()).toEqual(
      ['back.jpg', ...Array.from({ length: N }, (_, i) => `renamed while closed/img${i}.jpg`).filter((p) => !p.endsWith('/img5.jpg'))].sort(),
    );
    expect(lib.browse.photo(corrected).scene?.label).toBe('desert/sand');
    expect(lib.catalog.jobCounts().pending).toBe(0);
    // The folder its only photo left is empty, like an unmounted drive's mount point; once that photo is
    // recognised elsewhere it has nothing to lose and is watched again, not left "offline".
    await waitFor('the emptied folder watched again', () => lib.catalog.folderByPath(other)?.status === 'watching');
  });
});
