/**
 * Files Scenery cannot catalogue are reported, not silently left out: a name that is not valid UTF-8 (Linux
 * allows any byte) and a path beyond the system's limit (PATH_MAX, 4096 bytes). The folder's notice says how
 * many and what to do; the rest of the folder is indexed.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../../test-support/harness.js';
import { Library } from '../library.js';
import { showBytes, skippedNotice } from './walk.js';

describe('names and paths Scenery cannot use', () => {
  const tmp = tempDir('bad-names');
  afterAll(() => {
    // Node's recursive rm cannot reach below PATH_MAX; rm(1) walks relative to each directory.
    execFileSync('rm', ['-rf', tmp.path]);
  });

  it.skipIf(process.platform !== 'linux')('reports a name with byte 0xff and a path longer than 4096 bytes, and indexes the rest', async () => {
    const folder = join(tmp.path, 'Photos');
    mkdirSync(folder);
    const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 30, g: 160, b: 60 } } }).jpeg().toBuffer();
    writeFileSync(join(folder, 'good.jpg'), jpeg);
    writeFileSync(Buffer.concat([Buffer.from(`${folder}/caf`), Buffer.from([0xff]), Buffer.from('.jpg')]), jpeg);
    copyFileSync(join(folder, 'good.jpg'), join(folder, 'source.jpg.txt'));
    // 18 levels of 250-byte names: 4,518 bytes below the folder; made relative to each level, as no absolute path can.
    const level = 'd'.repeat(250);
    execFileSync('sh', ['-c', `cd "$1" && for i in $(seq 1 18); do mkdir "$2" && cd -P "$2" || exit 1; done && cp "$1/source.jpg.txt" deep.jpg`, 'sh', folder, level]);

    const lib = await Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier: new FakeClassifier() }, writeFinishMs: 200 });
    try {
      lib.folders.add(folder);
      await lib.initialScan;
      await waitFor('scanned', () => lib.folders.list()[0]!.status === 'watching');
      await waitFor('good.jpg indexed', () => lib.status().indexedCount === 1);
      const f = lib.folders.list()[0]!;
      expect(f.error).toMatch(/^Some files could not be read: 1 photo with a name that is not valid UTF-8 \(caf\\xff\.jpg\): rename them to include them; /);
      expect(f.error).toMatch(/1 folder with a path longer than the system allows \(d{40}…d+\/\): move them higher up to include them\.$/);
      expect(lib.catalog.db.prepare('SELECT rel_path FROM photos').pluck().all()).toEqual(['good.jpg']);
    } finally {
      await lib.close();
    }
  });
});

describe('the notice', () => {
  it('counts photos and folders per reason and shows at most three of each', () => {
    expect(skippedNotice([])).toBeNull();
    const n = skippedNotice([
      ...['a', 'b', 'c', 'd'].map((x) => ({ relPath: `${x}\\xff.jpg`, kind: 'invalid-name' as const, folder: false })),
      { relPath: 'sub\\xfe', kind: 'invalid-name', folder: true },
      { relPath: 'locked', kind: 'unreadable', folder: true, message: 'EACCES: permission denied' },
    ]);
    expect(n).toBe(
      'Some files could not be read: 4 photos and 1 folder with a name that is not valid UTF-8 (a\\xff.jpg, b\\xff.jpg, c\\xff.jpg, and 2 more): rename them to include them; 1 folder that could not be opened (locked/: EACCES: permission denied).',
    );
    expect(showBytes(Buffer.from([0x63, 0x61, 0x66, 0xc3, 0xa9, 0xff, 0x2e]))).toBe('café\\xff.');
  });
});
