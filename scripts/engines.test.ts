/**
 * The Node versions package.json and the README promise are the ones the dependencies declare: the whole project
 * (desktop app, installers, lint) on package.json's `engines`; the CLI, `scenery serve` and the tests also on Node
 * 20.19+, where only Electron's own tooling declares a newer Node (README, "Set up and run").
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const semver = createRequire(join(root, 'package.json'))('semver') as {
  satisfies(v: string, r: string): boolean;
  minVersion(r: string): { version: string } | null;
};
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string }; optional?: boolean; dev?: boolean }>;
};
/** Every installed package that declares a Node range, optional platform-specific builds (wasm, win32-ia32) aside. */
const declared = Object.entries(lock.packages)
  .filter(([k, p]) => k && p.engines?.node && !p.optional)
  .map(([k, p]) => ({ name: k.slice(k.lastIndexOf('node_modules/') + 13), range: p.engines!.node!, dev: !!p.dev }));

/** Only these need a newer Node than the CLI's 20.19: Electron's download/rebuild tooling (npm start, dev, dist). */
const ELECTRON_TOOLING = ['@electron-internal/extract-zip', '@electron/get', '@electron/rebuild', 'electron', 'node-abi'];

describe('engines', () => {
  it("the oldest Node of each line package.json's engines allows satisfies every dependency", () => {
    const lines = pkg.engines.node.split('||').map((r) => semver.minVersion(r.trim())!.version);
    expect(lines.length).toBeGreaterThan(0);
    for (const v of lines) {
      const unmet = declared.filter((d) => !semver.satisfies(v, d.range)).map((d) => `${d.name} ${d.range}`);
      expect(unmet, `Node ${v}`).toEqual([]);
    }
  });

  it('on Node 20.19 only the Electron tooling declares a newer Node, so the CLI, serve and the tests run there', () => {
    const unmet = declared.filter((d) => !semver.satisfies('20.19.0', d.range)).map((d) => d.name).sort();
    expect(unmet).toEqual(ELECTRON_TOOLING);
    expect(semver.satisfies(process.versions.node, '>=20.19')).toBe(true);
  });

  it('the README states both', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain('Node 22.13+ (or 24+)');
    expect(readme).toContain('Node 20.19+');
    expect(readme).not.toMatch(/npm install {6}# Node 20\.19\+; installs everything/);
  });
});
