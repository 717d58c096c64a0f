/**
 * `scenery index`, `search` and `photos` as a user runs them: they exit as soon as their answer is printed, with a
 * non-zero code and the reason when they cannot do their job, and only writers take the library lock.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLibraryLock } from '../engine/library-lock.js';
import { tempDir } from '../test-support/harness.js';
import { writeFixture } from '../test-support/onnx-fixtures.js';
import { seededLibrary } from '../test-support/seeded-library.js';
import { REPO_ROOT } from '../test-support/shared-data.js';

const tmp = tempDir('cli-run');
afterAll(() => tmp.cleanup());
const BIN = join(REPO_ROOT, 'bin', 'scenery.mjs');

function run(args: string[], timeoutMs = 60_000): { status: number | null; stdout: string; stderr: string; ms: number } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args, '--models', join(tmp.path, 'models')], { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

async function photoFolder(name: string, n: number): Promise<string> {
  const dir = join(tmp.path, name);
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 40 * i, g: 120, b: 200 - 30 * i } } })
      .jpeg()
      .toFile(join(dir, `p${i}.jpg`));
  }
  return dir;
}

describe('read-only commands', () => {
  it('search and photos exit as soon as they have printed (they stayed ~10 s)', async () => {
    const lib = await seededLibrary(tmp.path, 'quick');
    const s = run(['search', 'beach', '--library', lib, '--json']);
    expect(s.status).toBe(0);
    expect(JSON.parse(s.stdout).total).toBe(1);
    const p = run(['photos', '--library', lib, '--json']);
    expect(p.status).toBe(0);
    expect(JSON.parse(p.stdout)).toHaveLength(2);
    // Node and the bundle start in well under a second; the old close() kept every run alive 10 s.
    expect(s.ms).toBeLessThan(5_000);
    expect(p.ms).toBeLessThan(5_000);
  });

  it('a mistyped --library is refused and nothing is created', () => {
    const missing = join(tmp.path, 'no-such-lib');
    for (const cmd of [['search', 'beach'], ['photos']]) {
      const r = run([...cmd, '--library', missing]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`no library at ${missing}; create one with \`scenery index FOLDER --library ${missing}\``);
      expect(existsSync(missing)).toBe(false);
    }
  });

  it('take no lock: they run while a writer holds the library', async () => {
    const lib = await seededLibrary(tmp.path, 'shared-read');
    const release = acquireLibraryLock(lib, 'scenery index (the test)');
    try {
      expect(run(['search', 'kitchen', '--library', lib]).status).toBe(0);
      expect(run(['photos', '--library', lib]).status).toBe(0);
    } finally {
      release();
    }
  });
});

describe('scenery index', () => {
  it('a second writer is refused with a message naming the first (pid and command), and changes nothing', async () => {
    const lib = join(tmp.path, 'locked');
    const photos = await photoFolder('locked-photos', 1);
    const model = writeFixture(join(tmp.path, 'm', 'good.onnx'));
    const release = acquireLibraryLock(lib, 'scenery index ~/Pictures');
    try {
      const r = run(['index', photos, '--library', lib, '--model', model]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`the library ${lib} is in use by another Scenery process (pid ${process.pid}: scenery index ~/Pictures`);
      expect(existsSync(join(lib, 'catalog.sqlite'))).toBe(false);
    } finally {
      release();
    }
    // Once the first is done, the same command runs.
    const ok = run(['index', photos, '--library', lib, '--model', model, '--json']);
    expect(ok.stderr).toBe('');
    expect(JSON.parse(ok.stdout)).toMatchObject({ indexed: 1, failed: 0 });
  });

  it('two scenery index processes on one library: one runs, the other is refused (no SQLITE_BUSY)', async () => {
    const lib = join(tmp.path, 'race');
    const photos = await photoFolder('race-photos', 6);
    const model = writeFixture(join(tmp.path, 'm', 'good.onnx'));
    const start = () =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const c = spawn(process.execPath, [BIN, 'index', photos, '--library', lib, '--model', model, '--json', '--models', join(tmp.path, 'models')]);
        let out = '';
        let err = '';
        c.stdout.on('data', (d: Buffer) => (out += d));
        c.stderr.on('data', (d: Buffer) => (err += d));
        c.on('close', (code) => resolve({ code, out, err }));
      });
    const [a, b] = await Promise.all([start(), start()]);
    const results = [a, b].sort((x, y) => (x.code ?? 9) - (y.code ?? 9));
    expect(results.map((r) => r.code)).toEqual([0, 1]);
    expect(JSON.parse(results[0]!.out)).toMatchObject({ indexed: 6, failed: 0 });
    expect(results[1]!.err).toMatch(/is in use by another Scenery process \(pid \d+: scenery index /);
    expect(a.err + b.err).not.toMatch(/SQLITE_BUSY|database is locked/);
  });

  it('a model that cannot load: exit 1 with the reason (it exited 0 with no summary), no photo marked failed', async () => {
    const lib = join(tmp.path, 'badmodel');
    const photos = await photoFolder('bad-photos', 2);
    // A valid graph whose external weights file is missing: it passes the file checks, onnxruntime cannot load it.
    const model = writeFixture(join(tmp.path, 'bad', 'broken.onnx'), { externalLocation: 'w.bin' });
    unlinkSync(join(tmp.path, 'bad', 'w.bin'));
    const r = run(['index', photos, '--library', lib, '--model', model]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^scenery: the scene model "[^"]+" could not be loaded: .+/m);
    expect(r.stdout).toBe('');
    const read = run(['photos', '--library', lib, '--json']);
    expect((JSON.parse(read.stdout) as { status: string }[]).filter((p) => p.status === 'failed')).toEqual([]);
  });

  it('reads keywords other apps wrote (photos --json lists them) and exits promptly: ExifTool is ended', async () => {
    const lib = join(tmp.path, 'keywords');
    const photos = await photoFolder('keyword-photos', 1);
    execFileSync('/usr/bin/exiftool', ['-q', '-overwrite_original', '-IPTC:Keywords=Grandma', join(photos, 'p0.jpg')]);
    execFileSync('/usr/bin/exiftool', ['-q', '-XMP-dc:Subject=Lightroom pick', '-o', join(photos, 'p0.xmp')]);
    const model = writeFixture(join(tmp.path, 'kw', 'good.onnx'));
    const r = run(['index', photos, '--library', lib, '--model', model, '--json'], 30_000);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ indexed: 1, failed: 0 });
    // Node, the bundle, the model and one photo: seconds. ExifTool's processes left running kept it alive until killed.
    expect(r.ms).toBeLessThan(20_000);
    const listed = run(['photos', '--library', lib, '--json']);
    expect((JSON.parse(listed.stdout) as { keywords: string[] }[]).map((p) => p.keywords)).toEqual([['Grandma', 'Lightroom pick']]);
  });
});
