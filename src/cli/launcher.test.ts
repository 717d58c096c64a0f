/** bin/scenery.mjs is never "not built": a checkout without out/cli builds the bundle on first use, then runs. */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/harness.js';

const REPO = join(__dirname, '..', '..');
const tmp = tempDir('launcher');
afterAll(() => tmp.cleanup());

describe('bin/scenery.mjs', () => {
  it('builds the CLI when the bundle is missing, prints only the answer on stdout, and keeps its shebang', () => {
    const copy = join(tmp.path, 'scenery');
    for (const p of ['bin', 'src', 'scripts', 'package.json', 'tsconfig.base.json']) cpSync(join(REPO, p), join(copy, p), { recursive: true });
    symlinkSync(realpathSync(join(REPO, 'node_modules')), join(copy, 'node_modules'));
    expect(existsSync(join(copy, 'out'))).toBe(false);

    const r = spawnSync(process.execPath, [join(copy, 'bin', 'scenery.mjs'), '--help'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).not.toMatch(/not built yet/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^scenery \d+\.\d+\.\d+: scene recognition/);
    expect(existsSync(join(copy, 'out', 'cli', 'scenery.js'))).toBe(true);
    expect(existsSync(join(copy, 'out', 'cli', 'model-worker.js'))).toBe(true);

    // The second run uses the bundle and says nothing about building.
    const again = spawnSync(process.execPath, [join(copy, 'bin', 'scenery.mjs'), '--version'], { encoding: 'utf8', timeout: 60_000 });
    expect(again.status).toBe(0);
    expect(again.stderr).toBe('');

    expect(readFileSync(join(REPO, 'bin', 'scenery.mjs'), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node');
  });

  it('is built at install time too (prepare runs in npm install and npm ci, after devDependencies are in)', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['prepare']).toBe('node scripts/build-cli.mjs --if-possible');
  });
});
