/** The first `npm start` downloads Electron's binary when it is missing, and says clearly when it cannot. */
import { existsSync, readFileSync } from 'node:fs';
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

describe('ensure-electron with the real downloader (Electron\'s @electron/get), against a local mirror', () => {
  it('shows progress, then refuses a file that fails Electron\'s checksum: one line, exit 1, nothing installed', async () => {
    const { createServer } = await import('node:http');
    const { mkdtempSync, readdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { spawn } = await import('node:child_process');
    const body = Buffer.alloc(2_000_000, 7);
    const asked: string[] = [];
    const server = createServer((req, res) => {
      asked.push(req.url ?? '');
      res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/zip' });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const scratch = mkdtempSync(join(tmpdir(), 'scenery-ensure-electron-'));
    try {
      const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
        const c = spawn(process.execPath, [join(__dirname, 'ensure-electron.mjs')], {
          env: {
            ...process.env,
            ELECTRON_MIRROR: `http://127.0.0.1:${port}/`,
            electron_config_cache: join(scratch, 'cache'),
            // Count Electron as missing even where it is installed: the override dist folder is empty.
            ELECTRON_OVERRIDE_DIST_PATH: join(scratch, 'dist'),
            ELECTRON_EXEC_PATH: '',
          },
        });
        let err = '';
        c.stderr.on('data', (d: Buffer) => (err += d));
        c.on('close', (code) => resolve({ code, err }));
      });
      expect(asked.some((u) => /\/v45\.\d+\.\d+\/electron-v45\.\d+\.\d+-[a-z0-9]+-[a-z0-9]+\.zip$/.test(u))).toBe(true);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/Downloading Electron 45\.\d+\.\d+ \(\w+-\w+\): 100 % of 2 MB/);
      const last = r.err.trim().split('\n').at(-1)!;
      expect(last).toMatch(/^scenery: the Electron 45\.\d+\.\d+ binary is missing \(.*dist\) and could not be downloaded: Generated checksum for "electron-v45[^"]*\.zip" did not match expected checksum\. Fix: .*ELECTRON_MIRROR=/);
      expect(existsSync(join(scratch, 'dist'))).toBe(false);
      expect(existsSync(join(scratch, 'cache')) ? readdirSync(join(scratch, 'cache')).length : 0).toBe(0);
    } finally {
      server.close();
    }
  });
});
