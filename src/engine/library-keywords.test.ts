/**
 * Keywords other apps wrote, through the whole library: indexing reads them from the file and both sidecar
 * names; a sidecar created, changed or deleted in a watched folder updates its photo and is never catalogued
 * itself; closing the library ends every ExifTool process. Fixtures are written with the system's exiftool.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../test-support/harness.js';
import { hasShared, shared } from '../test-support/shared-data.js';
import { Library } from './library.js';
import { exiftoolPids } from './metadata/exiftool.js';

const EXIFTOOL = '/usr/bin/exiftool';
const hasExiftool = existsSync(EXIFTOOL);
if (!hasExiftool) console.warn(`[skip] ${EXIFTOOL} not found: the keyword fixtures are written with the system's exiftool.`);

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(!hasShared || !hasExiftool)('keywords in the library', () => {
  let tmp: ReturnType<typeof tempDir>;
  let folder: string;
  let lib: Library;

  beforeEach(async () => {
    tmp = tempDir('library-keywords');
    folder = join(tmp.path, 'Photos');
    mkdirSync(folder, { recursive: true });
    copyFileSync(shared('exif', 'ianare_Canon_40D.jpg'), join(folder, 'IMG_1.JPG'));
    execFileSync(EXIFTOOL, ['-q', '-overwrite_original', '-IPTC:Keywords=Grandma', '-XPKeywords=Birthday', join(folder, 'IMG_1.JPG')]);
    execFileSync(EXIFTOOL, ['-q', '-XMP-lr:HierarchicalSubject=Places|France|Paris', '-o', join(folder, 'IMG_1.xmp')]);
    copyFileSync(shared('exif', 'ianare_Reconyx_HC500_Hyperfire.jpg'), join(folder, 'trail.jpg'));
    copyFileSync(shared('photos', 'palapeli_bridge.webp'), join(folder, 'bridge.webp'));
    lib = await Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier: new FakeClassifier() }, writeFinishMs: 300 });
    lib.folders.add(folder);
    await waitFor('3 indexed and watching', () => lib.status().indexedCount === 3 && lib.folders.list()[0]?.status === 'watching');
  });
  afterEach(async () => {
    await lib?.close();
    tmp.cleanup();
  });

  const row = (name: string) => lib.catalog.db.prepare('SELECT * FROM photos WHERE name = ?').get(name) as { id: number; taken_at: string | null } | undefined;

  it('indexing reads keywords from the file and its sidecar, maker-note and WebP dates; sidecars are no photos', async () => {
    const names = (lib.catalog.db.prepare('SELECT rel_path FROM photos').pluck().all() as string[]).sort();
    expect(names).toEqual(['IMG_1.JPG', 'bridge.webp', 'trail.jpg']);
    expect(lib.browse.photo(row('IMG_1.JPG')!.id).keywords).toEqual(['Grandma', 'Birthday', 'Places|France|Paris']);
    expect(row('trail.jpg')!.taken_at).toBe('2020-03-16T10:00:00');
    expect(row('bridge.webp')!.taken_at).toBe('2002-01-01T02:05:06');
    expect(lib.search.run('keyword:paris', 0, 10).items.map((p) => p.name)).toEqual(['IMG_1.JPG']);
  });

  it('a sidecar created, changed or deleted in the watched folder updates its photo', async () => {
    const id = row('trail.jpg')!.id;
    const keywords = () => lib.browse.photo(id).keywords;
    // darktable/digiKam naming: trail.jpg.xmp
    execFileSync(EXIFTOOL, ['-q', '-XMP-dc:Subject=Deer', '-o', join(folder, 'trail.jpg.xmp')]);
    await waitFor('the new sidecar read', () => keywords().join() === 'Deer', 15_000);
    expect(lib.search.run('deer', 0, 10).items.map((p) => p.name)).toEqual(['trail.jpg']);
    execFileSync(EXIFTOOL, ['-q', '-overwrite_original', '-XMP-dc:Subject+=Fox', join(folder, 'trail.jpg.xmp')]);
    await waitFor('the changed sidecar read', () => keywords().join() === 'Deer,Fox', 15_000);
    unlinkSync(join(folder, 'trail.jpg.xmp'));
    await waitFor('the deleted sidecar forgotten', () => keywords().length === 0, 15_000);
    expect(lib.search.run('keyword:deer', 0, 10).total).toBe(0);
    expect((lib.catalog.db.prepare('SELECT COUNT(*) FROM photos').pluck().get() as number)).toBe(3);
  });

  it('photos indexed before Scenery read keywords get them (and a maker-note date) at the next open, without decoding', async () => {
    lib.catalog.db.exec("UPDATE photos SET keywords = NULL; UPDATE photos SET taken_at = NULL, taken_ts = NULL WHERE name = 'trail.jpg'");
    const libDir = lib.dir;
    await lib.close();
    const classifier = new FakeClassifier();
    lib = await Library.open({ dir: libDir, classifier: { name: 'fake', classifier }, writeFinishMs: 300 });
    await waitFor('the keywords read again', () => lib.browse.photo(row('IMG_1.JPG')!.id).keywords.length === 3, 20_000);
    await waitFor('every photo read again', () => (lib.catalog.db.prepare('SELECT COUNT(*) FROM photos WHERE keywords IS NULL').pluck().get() as number) === 0, 20_000);
    expect(lib.browse.photo(row('IMG_1.JPG')!.id).keywords).toEqual(['Grandma', 'Birthday', 'Places|France|Paris']);
    expect(row('trail.jpg')!.taken_at).toBe('2020-03-16T10:00:00');
    expect(lib.search.run('grandma', 0, 10).items.map((p) => p.name)).toEqual(['IMG_1.JPG']);
    expect(classifier.calls).toBe(0);
  });

  it('closing the library ends every ExifTool process', async () => {
    const pids = exiftoolPids();
    expect(pids.length).toBeGreaterThan(0);
    await lib.close();
    expect(exiftoolPids()).toEqual([]);
    await waitFor('no ExifTool process left', () => pids.every((p) => !alive(p)), 5_000);
  });
});
