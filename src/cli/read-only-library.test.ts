/**
 * Read-only commands work on a library Scenery may not write (a read-only folder and catalog, as on a backup
 * disk or another user's library), and a damaged catalog is named with its path and what to do. Root writes
 * anything, so as root the CLI runs as `nobody` (util-linux `setpriv`).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/harness.js';
import { seededLibrary } from '../test-support/seeded-library.js';
import { REPO_ROOT } from '../test-support/shared-data.js';

const tmp = tempDir('cli-readonly');
// `nobody` must reach the library through the temporary folder.
chmodSync(tmp.path, 0o755);
afterAll(() => tmp.cleanup());

function scenery(args: string[], asNobody: boolean): { status: number | null; stdout: string; stderr: string } {
  const cli = [join(REPO_ROOT, 'bin', 'scenery.mjs'), ...args];
  const env = { ...process.env, HOME: tmp.path, XDG_DATA_HOME: join(tmp.path, 'xdg') };
  const r =
    asNobody && process.getuid?.() === 0
      ? spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...cli], { encoding: 'utf8', env })
      : spawnSync(process.execPath, cli, { encoding: 'utf8', env });
  expect(r.error, 'setpriv (util-linux) is needed to run as a user who may not write the library').toBeUndefined();
  return r;
}

describe('a library Scenery may not write', () => {
  it('search and photos work on a read-only folder (555) and catalog (444)', async () => {
    const dir = await seededLibrary(tmp.path, 'readonly');
    const files = ['catalog.sqlite', 'catalog.sqlite-wal', 'catalog.sqlite-shm'].filter((f) => existsSync(join(dir, f)));
    const before = files.map((f) => statSync(join(dir, f)).mtimeMs);
    chmodSync(join(dir, 'catalog.sqlite'), 0o444);
    chmodSync(dir, 0o555);
    try {
      const s = scenery(['search', 'beach', '--library', dir, '--json'], true);
      expect(s.stderr).toBe('');
      expect(s.status).toBe(0);
      expect((JSON.parse(s.stdout) as { results: { path: string }[] }).results.map((r) => r.path.split('/').pop())).toEqual(['sunny.jpg']);
      const p = scenery(['photos', '--library', dir, '--json'], true);
      expect(p.status, p.stderr).toBe(0);
      expect((JSON.parse(p.stdout) as unknown[]).length).toBe(2);
      // Nothing in the library was touched.
      expect(['catalog.sqlite', 'catalog.sqlite-wal', 'catalog.sqlite-shm'].filter((f) => existsSync(join(dir, f)))).toEqual(files);
      expect(files.map((f) => statSync(join(dir, f)).mtimeMs)).toEqual(before);
      // Indexing needs to write: it says so, with the folder.
      const i = scenery(['index', join(tmp.path, 'Photos'), '--library', dir], true);
      expect(i.status).toBe(1);
      expect(i.stderr).toMatch(new RegExp(`cannot write the library ${dir} .*Read-only commands \\(scenery search, scenery photos\\) work`, 's'));
    } finally {
      chmodSync(dir, 0o755);
      chmodSync(join(dir, 'catalog.sqlite'), 0o644);
    }
  });
});

describe('a damaged catalog', () => {
  it('not a database at all: names the file and the way out', async () => {
    const dir = await seededLibrary(tmp.path, 'notadb');
    const fd = openSync(join(dir, 'catalog.sqlite'), 'r+');
    writeSync(fd, Buffer.alloc(100, 0x41), 0, 100, 0);
    closeSync(fd);
    for (const cmd of [['search', 'beach'], ['photos']]) {
      const r = scenery([...cmd, '--library', dir], false);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`the catalog ${join(dir, 'catalog.sqlite')} is damaged (SQLITE_NOTADB`);
      expect(r.stderr).toMatch(/Move it aside .* run `scenery index FOLDER` to rebuild it; your photos are untouched/);
    }
  });

  it('a damaged page found by a query: names the file and the way out', async () => {
    const dir = await seededLibrary(tmp.path, 'corrupt');
    // Every page after the schema (page 1) overwritten: the catalog opens, its tables cannot be read.
    const size = statSync(join(dir, 'catalog.sqlite')).size;
    const fd = openSync(join(dir, 'catalog.sqlite'), 'r+');
    writeSync(fd, Buffer.alloc(size - 4096, 0xa5), 0, size - 4096, 4096);
    closeSync(fd);
    const r = scenery(['photos', '--library', dir], false);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`the catalog ${join(dir, 'catalog.sqlite')} is damaged (SQLITE_CORRUPT`);
    expect(r.stderr).toMatch(/your photos are untouched/);
  });
});
