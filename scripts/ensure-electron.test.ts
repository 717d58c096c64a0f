/** The first `npm start` downloads Electron's binary when it is missing, and says clearly when it cannot. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ensureElectron, electronInstalled } from './ensure-electron.mjs';

const dir = '/nm/electron';

/** An in-memory node_modules/electron: the files present, and what a download would add. */
function fakeFs(files: Record<string, string>) {
  return {
    files,
    existsSync: (p: string) => p in files,
    readFileSync: (p: string) => {
      if (!(p in files)) throw new Error(`ENOENT ${p}`);
      return files[p]!;
    },
  };
}

function run(files: Record<string, string>, download: () => Promise<void>, env: Record<string, string> = {}) {
  const fs = fakeFs(files);
  const lines: string[] = [];
  const dl = vi.fn(download);
  return ensureElectron({ electronDir: dir, version: '45.5.0', fs, env, download: dl, log: (l) => lines.push(l) }).then((code) => ({ code, lines, dl, fs }));
}

const installed = { [join(dir, 'path.txt')]: 'electron', [join(dir, 'dist', 'electron')]: '' };

describe('ensure-electron (npm start / npm run dev)', () => {
  it('does nothing when path.txt and the binary it names are present', async () => {
    const r = await run(installed, async () => {});
    expect(r.code).toBe(0);
    expect(r.dl).not.toHaveBeenCalled();
    expect(r.lines).toEqual([]);
  });

  it('downloads when path.txt is missing (a fresh npm install of Electron 45), then succeeds', async () => {
    const files: Record<string, string> = {};
    const r = await run(files, async () => {
      Object.assign(files, installed);
    });
    expect(r.dl).toHaveBeenCalledOnce();
    expect(r.code).toBe(0);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/downloading it with Electron's installer/);
  });

  it('downloads when path.txt names a binary that is not there', async () => {
    const r = await run({ [join(dir, 'path.txt')]: 'electron' }, async () => {});
    expect(r.dl).toHaveBeenCalledOnce();
    expect(r.code).toBe(1);
  });

  it('a failed download: one clear line (what is missing, why, how to fix) and exit code 1', async () => {
    const r = await run({}, async () => {
      throw new Error('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND github.com'), { code: 'ENOTFOUND' }) });
    });
    expect(r.code).toBe(1);
    const err = r.lines.at(-1)!;
    expect(err.split('\n')).toHaveLength(1);
    expect(err).toMatch(/Electron 45\.5\.0 binary is missing/);
    expect(err).toMatch(/ENOTFOUND github\.com/);
    expect(err).toMatch(/ELECTRON_MIRROR=/);
  });

  it('an installer that exits without installing is a failure too, not a silent success', async () => {
    const r = await run({}, async () => {});
    expect(r.code).toBe(1);
    expect(r.lines.at(-1)).toMatch(/still missing/);
  });

  it('ELECTRON_EXEC_PATH (what electron-vite uses instead of path.txt) counts as installed', () => {
    expect(electronInstalled(dir, fakeFs({}), { ELECTRON_EXEC_PATH: '/opt/electron/electron' })).toBe(true);
  });

  it('npm start and npm run dev run it before electron-vite', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['start']).toMatch(/^node scripts\/ensure-electron\.mjs && electron-vite preview/);
    expect(pkg.scripts['dev']).toMatch(/^node scripts\/ensure-electron\.mjs && electron-vite dev/);
  });
});
