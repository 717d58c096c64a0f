/** `scenery model import|list|use|remove` as a user runs them (issue 9, items 8 and 27). */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../test-support/shared-data.js';
import { tempDir } from '../test-support/harness.js';
import { writeFixture } from '../test-support/onnx-fixtures.js';

const dir = tempDir('model-cli');
afterAll(() => dir.cleanup());
const models = join(dir.path, 'models');
const run = (...args: string[]) => spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'scenery.mjs'), 'model', ...args, '--models', models], { encoding: 'utf8' });

describe('scenery model', () => {
  it('import refuses a 0-byte file and a directory with plain messages, installing nothing', () => {
    const empty = join(dir.path, 'empty.onnx');
    writeFileSync(empty, '');
    const r = run('import', empty);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/empty\.onnx is empty \(0 bytes\): not a model file/);
    const d = join(dir.path, 'a-folder');
    mkdirSync(d);
    const r2 = run('import', d);
    expect(r2.status).toBe(1);
    expect(r2.stderr).toMatch(/a-folder is a directory; give the model file itself/);
    expect(r2.stderr).not.toMatch(/EISDIR/);
    expect(run('list').stdout).toMatch(/no models installed/);
  }, 120_000);

  it('import, list, use and remove', () => {
    const a = writeFixture(join(dir.path, 'a', 'scenes.onnx'), { props: { title: 'Scenes A' } });
    const b = writeFixture(join(dir.path, 'b', 'model.onnx'), { classes: 1365 });
    const ia = run('import', a);
    expect(ia.status, ia.stderr).toBe(0);
    expect(ia.stdout).toMatch(/installed custom-scenes \(Scenes A, 1,460 parameters, places365\)/);
    expect(run('import', b, '--name', 'custom-b').status).toBe(0);
    expect(run('list').stdout).toMatch(/^\s+custom-b .*\n\* custom-scenes +Scenes A/m);
    expect(run('use', 'custom-b').status).toBe(0);
    expect(run('list').stdout).toMatch(/^\* custom-b/m);
    const unknown = run('info', 'nosuch');
    expect(unknown.stderr).toMatch(/model "nosuch" is not installed\. Installed: custom-b, custom-scenes/);
    expect(unknown.stderr).not.toMatch(/No scene model is installed/);
    const rm = run('remove', 'custom-b');
    expect(rm.status, rm.stderr).toBe(0);
    expect(rm.stdout).toMatch(/removed custom-b .*the model used now is custom-scenes/);
    expect(run('list').stdout).toMatch(/^\* custom-scenes/m);
  }, 180_000);
});
