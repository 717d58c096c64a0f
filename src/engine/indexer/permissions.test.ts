/**
 * A photo Scenery may not read is marked with a clear error, and the rest are
 * indexed. Root reads every file, so as root the indexer runs without the
 * DAC-override capabilities (util-linux `setpriv`), where mode 000 denies it
 * exactly as it denies a normal user.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test-support/harness.js';
import { hasShared, REPO_ROOT, shared, SQUEEZENET } from '../../test-support/shared-data.js';

describe.skipIf(!hasShared)('unreadable files', () => {
  const tmp = tempDir('perms');
  afterAll(() => tmp.cleanup());

  it('marks a photo it may not read and indexes the rest', () => {
    const folder = join(tmp.path, 'photos');
    mkdirSync(folder);
    copyFileSync(shared('photos', 'kpa_bar.jpg'), join(folder, 'readable.jpg'));
    copyFileSync(shared('photos', 'hugin_forest.jpg'), join(folder, 'locked.jpg'));
    chmodSync(join(folder, 'locked.jpg'), 0o000);
    const libDir = join(tmp.path, 'lib');
    const cli = [join(REPO_ROOT, 'bin', 'scenery.mjs'), 'index', folder, '--library', libDir, '--model', SQUEEZENET, '--json'];
    const asRoot = process.getuid?.() === 0;
    const r = asRoot
      ? spawnSync('setpriv', ['--bounding-set', '-dac_override,-dac_read_search', '--inh-caps', '-dac_override,-dac_read_search', process.execPath, ...cli], { encoding: 'utf8' })
      : spawnSync(process.execPath, cli, { encoding: 'utf8' });
    expect(r.error, 'setpriv (util-linux) is needed to drop root’s read-anything capability').toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toMatchObject({ indexed: 1, failed: 1 });
    const db = new Database(join(libDir, 'catalog.sqlite'), { readonly: true });
    try {
      expect(db.prepare("SELECT status, error FROM photos WHERE name = 'locked.jpg'").get()).toEqual({
        status: 'failed',
        error: 'permission denied: Scenery cannot read this file',
      });
      expect(db.prepare("SELECT status FROM photos WHERE name = 'readable.jpg'").pluck().get()).toBe('indexed');
    } finally {
      db.close();
      chmodSync(join(folder, 'locked.jpg'), 0o644);
    }
  });
});
