/**
 * `npm install` must not download onnxruntime-node's CUDA/TensorRT extras, and npm must not warn on every command
 * about an unknown `.npmrc` key (the old `onnxruntime-node-install=skip` did both).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const require = createRequire(join(root, 'package.json'));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };

describe('install configuration', () => {
  it('npm reads the project config without a warning (no unknown .npmrc keys)', () => {
    const r = spawnSync('npm', ['config', 'list'], { cwd: root, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'warn' } });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/Unknown project config/i);
    if (existsSync(join(root, '.npmrc'))) expect(readFileSync(join(root, '.npmrc'), 'utf8')).not.toMatch(/onnxruntime/);
  });

  it("onnxruntime-node's install script would fetch nothing but CUDA/TensorRT provider libraries, and npm is told not to run it", () => {
    // script/install.js downloads exactly the files of INSTALL_METADATA.requirements[platform/arch] (when no flag is
    // given and they are missing): on linux/x64 the cuda12 manifest, elsewhere nothing. So denying the script loses
    // nothing else; the CPU binaries ship inside the npm package.
    const meta = require('onnxruntime-node/script/install-metadata.js') as {
      requirements: Record<string, string[]>;
      manifests: Record<string, Record<string, unknown>>;
    };
    const fetched = Object.entries(meta.requirements).flatMap(([platform, names]) => names.flatMap((n) => Object.keys(meta.manifests[`${platform}:${n}`] ?? {})));
    expect(meta.requirements['linux/x64']).toEqual(['cuda12']);
    expect(fetched.length).toBeGreaterThan(0);
    for (const file of fetched) expect(file).toMatch(/libonnxruntime_providers_(cuda|tensorrt|shared)\.so$/);
    expect(pkg.allowScripts?.['onnxruntime-node']).toBe(false);
  });

  it('the CI fallback for npm without allowScripts (ONNXRUNTIME_NODE_INSTALL=skip, set by .ci/run) is what the script honours', () => {
    const { parseInstallFlag } = require('onnxruntime-node/script/install-utils.js') as { parseInstallFlag(): unknown };
    const saved = process.env.ONNXRUNTIME_NODE_INSTALL;
    process.env.ONNXRUNTIME_NODE_INSTALL = 'skip';
    try {
      expect(parseInstallFlag()).toBe(false); // install.js exits at once on false
    } finally {
      if (saved === undefined) delete process.env.ONNXRUNTIME_NODE_INSTALL;
      else process.env.ONNXRUNTIME_NODE_INSTALL = saved;
    }
    expect(readFileSync(join(root, '.ci', 'run'), 'utf8')).toMatch(/^export ONNXRUNTIME_NODE_INSTALL=skip$/m);
  });

  it('every dependency with an install script has an explicit allowScripts decision (npm will block unlisted ones)', () => {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
    const withScripts = Object.entries(lock.packages)
      .filter(([, p]) => p.hasInstallScript)
      .map(([k]) => k.slice(k.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts.length).toBeGreaterThan(0);
    for (const name of withScripts) expect(typeof pkg.allowScripts?.[name], name).toBe('boolean');
  });
});
