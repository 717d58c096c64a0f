/**
 * The browser-mode folder picker's listing: folders only, sorted and capped, hidden ones left out, symlinks
 * resolved safely, `~` expanded, and plain sentences for folders that are missing, files or not permitted.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ContractError } from '../shared/contract.js';
import { tempDir } from '../test-support/harness.js';
import { browseFolders, expandHome } from './folder-browser.js';
import { REPO_ROOT } from '../test-support/shared-data.js';

const tmp = tempDir('browse');
afterAll(() => tmp.cleanup());

function tree(): string {
  const home = join(tmp.path, `home-${Math.random().toString(36).slice(2)}`);
  mkdirSync(join(home, 'Pictures', 'Holidays 2023'), { recursive: true });
  mkdirSync(join(home, 'Pictures', 'Holidays 10'));
  mkdirSync(join(home, 'Pictures', 'holidays 9'));
  mkdirSync(join(home, '.cache', 'thumbs'), { recursive: true });
  mkdirSync(join(home, 'node_modules'));
  mkdirSync(join(home, 'Documents'));
  writeFileSync(join(home, 'Pictures', 'a.jpg'), 'x');
  writeFileSync(join(home, 'Pictures', 'b.PNG'), 'x');
  writeFileSync(join(home, 'Pictures', 'notes.txt'), 'x');
  writeFileSync(join(home, 'Pictures', '.hidden.jpg'), 'x');
  writeFileSync(join(home, 'secret-plans.jpg'), 'x');
  writeFileSync(join(home, 'report.pdf'), 'x');
  return home;
}

async function refused(p: Promise<unknown>): Promise<ContractError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(ContractError);
  return e as ContractError;
}

describe('browseFolders', () => {
  it('starts at home and lists folders only, sorted naturally, with counts; never a file name', async () => {
    const home = tree();
    const r = await browseFolders(null, { home });
    expect(r.path).toBe(home);
    expect(r.entries.map((e) => e.name)).toEqual(['Documents', 'Pictures']);
    expect(r.photoCount).toBe(1);
    expect(r.hidden).toBe(2); // .cache and node_modules
    const pics = r.entries.find((e) => e.name === 'Pictures')!;
    expect(pics).toMatchObject({ path: join(home, 'Pictures'), link: false, readable: true, hasChildren: true, photoCount: 2, photoCountCapped: false });
    expect(r.entries.find((e) => e.name === 'Documents')).toMatchObject({ hasChildren: false, photoCount: 0 });
    expect(JSON.stringify(r)).not.toMatch(/secret-plans|report\.pdf/);
    const inside = await browseFolders(pics.path, { home });
    expect(inside.entries.map((e) => e.name)).toEqual(['holidays 9', 'Holidays 10', 'Holidays 2023']);
    expect(inside.parent).toBe(home);
    expect(inside.crumbs.at(-1)).toEqual({ name: 'Pictures', path: pics.path });
    expect(inside.crumbs[0]!.path).toBe('/');
    expect(JSON.stringify(inside)).not.toMatch(/a\.jpg|notes\.txt/);
  });

  it('starts at the root when the home folder cannot be listed', async () => {
    const r = await browseFolders(null, { home: join(tmp.path, 'no-such-home'), peekBudgetMs: 0 });
    expect(r.path).toBe('/');
    expect(r.parent).toBeNull();
    expect(r.crumbs).toEqual([{ name: '/', path: '/' }]);
  });

  it('shows hidden folders when asked', async () => {
    const home = tree();
    const r = await browseFolders(null, { home, showHidden: true });
    expect(r.entries.map((e) => e.name)).toEqual(['.cache', 'Documents', 'node_modules', 'Pictures']);
    expect(r.hidden).toBe(0);
  });

  it('expands ~ and ~/x, in the browser and in typed paths', async () => {
    const home = tree();
    expect(expandHome('~', home)).toBe(home);
    expect(expandHome('~/Pictures', home)).toBe(join(home, 'Pictures'));
    expect(expandHome('~other/x', home)).toBe('~other/x');
    expect(expandHome('/a/~/b', home)).toBe('/a/~/b');
    expect((await browseFolders('~', { home })).path).toBe(home);
    expect((await browseFolders('~/Pictures', { home })).path).toBe(join(home, 'Pictures'));
    expect((await browseFolders('  ~/Pictures/  ', { home })).path).toBe(join(home, 'Pictures'));
  });

  it('answers a missing folder, a file, a relative path and a dangling path with a plain sentence', async () => {
    const home = tree();
    const missing = await refused(browseFolders(join(home, 'nope'), { home }));
    expect(missing.code).toBe('not_found');
    expect(missing.message).toBe(`${join(home, 'nope')} does not exist`);
    expect((await refused(browseFolders(join(home, 'report.pdf'), { home }))).message).toMatch(/is a file, not a folder/);
    expect((await refused(browseFolders(join(home, 'report.pdf', 'x'), { home }))).message).toMatch(/is not a folder$/);
    expect((await refused(browseFolders('Pictures', { home }))).message).toMatch(/not an absolute path/);
  });

  it('lists a symlink to a folder with its real target, and leaves out dangling, looping and file links', async () => {
    const home = tree();
    const elsewhere = join(tmp.path, `elsewhere-${Math.random().toString(36).slice(2)}`);
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(home, 'Linked'));
    symlinkSync(join(home, 'gone'), join(home, 'Dangling'));
    symlinkSync(join(home, 'Loop'), join(home, 'Loop'));
    symlinkSync(join(home, 'report.pdf'), join(home, 'FileLink'));
    const r = await browseFolders(null, { home });
    expect(r.entries.map((e) => e.name)).toEqual(['Documents', 'Linked', 'Pictures']);
    expect(r.entries[1]).toMatchObject({ name: 'Linked', link: true, path: elsewhere });
    // Opening through the link shows where one really is.
    expect((await browseFolders(join(home, 'Linked'), { home })).path).toBe(elsewhere);
  });

  it('caps the listing after sorting and says how many more there are', async () => {
    const home = join(tmp.path, 'many');
    for (let i = 0; i < 30; i++) mkdirSync(join(home, `d${i}`), { recursive: true });
    const r = await browseFolders(home, { home, limit: 10 });
    expect(r.entries).toHaveLength(10);
    expect(r.entries[0]!.name).toBe('d0');
    expect(r.entries[9]!.name).toBe('d9');
    expect(r.more).toBe(20);
  });

  it('caps the look inside each folder and the time spent on it', async () => {
    const home = tree();
    const r = await browseFolders(home, { home, peekEntries: 2 });
    const pics = r.entries.find((e) => e.name === 'Pictures')!;
    expect(pics.photoCountCapped).toBe(true);
    expect(pics.photoCount).toBeLessThanOrEqual(2);
    const slow = await browseFolders(home, { home, peekBudgetMs: 0 });
    expect(slow.entries.every((e) => e.photoCount === null && e.hasChildren === null)).toBe(true);
  });

  it('skips FIFOs without opening them', async () => {
    const home = tree();
    const made = spawnSync('mkfifo', [join(home, 'pipe')]);
    expect(made.status, 'mkfifo is needed').toBe(0);
    symlinkSync(join(home, 'pipe'), join(home, 'PipeLink'));
    const r = await browseFolders(home, { home });
    expect(r.entries.map((e) => e.name)).toEqual(['Documents', 'Pictures']);
  });

  // Root reads everything, so the not-permitted case runs in a child without the DAC-override capabilities.
  it('marks a folder it may not open, and refuses to open it with a plain sentence', () => {
    const home = tree();
    const locked = join(home, 'Locked');
    mkdirSync(locked);
    chmodSync(locked, 0o000);
    try {
      const script = `import { browseFolders } from ${JSON.stringify(join(REPO_ROOT, 'src/engine/folder-browser.ts'))};
        const home = ${JSON.stringify(home)};
        const r = await browseFolders(home, { home });
        let err = null;
        try { await browseFolders(home + '/Locked', { home }); } catch (e) { err = e.message; }
        console.log(JSON.stringify({ locked: r.entries.find((e) => e.name === 'Locked'), err }));`;
      const file = join(tmp.path, `probe-${Math.random().toString(36).slice(2)}.mts`);
      writeFileSync(file, script);
      const args = [join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), file];
      const asRoot = process.getuid?.() === 0;
      const out = asRoot
        ? spawnSync('setpriv', ['--bounding-set', '-dac_override,-dac_read_search', '--inh-caps', '-dac_override,-dac_read_search', process.execPath, ...args], { encoding: 'utf8' })
        : spawnSync(process.execPath, args, { encoding: 'utf8' });
      expect(out.error, 'setpriv (util-linux) is needed to drop root’s read-anything capability').toBeUndefined();
      expect(out.status, out.stderr).toBe(0);
      const got = JSON.parse(out.stdout.trim().split('\n').pop()!);
      expect(got.locked).toMatchObject({ readable: false, hasChildren: null, photoCount: null });
      expect(got.err).toBe(`${locked} cannot be opened (permission denied)`);
    } finally {
      chmodSync(locked, 0o755);
    }
  });
});
