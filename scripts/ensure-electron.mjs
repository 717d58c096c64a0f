// Runs before electron-vite in `npm start` / `npm run dev`: makes sure the Electron binary is installed.
// Why: Electron 45 no longer downloads its binary at `npm install`; it does so lazily when `require('electron')`
// runs. electron-vite does not require it: it reads node_modules/electron/path.txt, which only that download
// writes, and on a fresh machine fails at once with "Error: Electron uninstall". So the first start fetches the
// binary here, with Electron's own code (@electron/get's downloadArtifact with Electron's checksums, then
// Electron's install.js, which extracts the cached archive and writes path.txt), showing progress, and stops
// with one line saying what is missing and how to fix it when it cannot.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Is the Electron binary installed (as electron-vite and Electron's own index.js look for it)?
 * @param {string} electronDir node_modules/electron
 * @param {{ existsSync(p: string): boolean; readFileSync(p: string, enc: 'utf8'): string }} fs
 * @param {Record<string, string | undefined>} env
 * @returns {boolean}
 */
export function electronInstalled(electronDir, fs, env) {
  if (env.ELECTRON_EXEC_PATH) return true; // electron-vite uses it instead of path.txt
  const pathFile = join(electronDir, 'path.txt');
  if (!fs.existsSync(pathFile)) return false;
  const exe = fs.readFileSync(pathFile, 'utf8').trim();
  if (!exe) return false;
  return fs.existsSync(join(env.ELECTRON_OVERRIDE_DIST_PATH || join(electronDir, 'dist'), exe));
}

/**
 * The decision, with everything it touches injected (tested in ensure-electron.test.ts).
 * @param {{
 *   electronDir: string;
 *   version: string;
 *   fs: { existsSync(p: string): boolean; readFileSync(p: string, enc: 'utf8'): string };
 *   env: Record<string, string | undefined>;
 *   download: () => Promise<void>;
 *   log: (line: string) => void;
 * }} o
 * @returns {Promise<number>} the exit code: 0 when Electron is (now) installed, 1 when it could not be
 */
export async function ensureElectron(o) {
  if (electronInstalled(o.electronDir, o.fs, o.env)) return 0;
  o.log(`Electron ${o.version} is not installed yet (its binary is fetched once, on the first start, about 100 MB): downloading it with Electron's installer…`);
  let reason;
  try {
    await o.download();
    if (electronInstalled(o.electronDir, o.fs, o.env)) return 0;
    reason = `the installer finished but ${join(o.electronDir, 'path.txt')} or the binary it names is still missing`;
  } catch (e) {
    reason = describe(e);
  }
  const dist = o.env.ELECTRON_OVERRIDE_DIST_PATH || join(o.electronDir, 'dist');
  o.log(
    `scenery: the Electron ${o.version} binary is missing (${dist}) and could not be downloaded: ${reason.replace(/\.+$/, '')}. ` +
      'Fix: connect to the internet and run `npm start` again, or set ELECTRON_MIRROR=<a reachable mirror URL> ' +
      '(or ELECTRON_EXEC_PATH=<an installed Electron ' + o.version.split('.')[0] + ' binary>). The CLI and `scenery serve` need no Electron.',
  );
  return 1;
}

/**
 * One line for an error, with its cause (fetch says only "fetch failed"; the cause says ENOTFOUND github.com).
 * @param {unknown} e
 * @returns {string}
 */
function describe(e) {
  if (!(e instanceof Error)) return firstLine(String(e));
  const c = /** @type {{ code?: string; message?: string } | undefined} */ (e.cause);
  const cause = c ? ` (${[c.code, c.message].filter(Boolean).join(': ')})` : '';
  return firstLine(e.message) + cause;
}

/** @param {string} s */
function firstLine(s) {
  return (s.split('\n').find((l) => l.trim()) ?? s).trim();
}

/**
 * Electron's own download: @electron/get (resolved from Electron's package, as its install.js does) with the
 * checksums Electron ships, progress on stderr; then install.js, which finds the archive in @electron/get's cache,
 * extracts it into node_modules/electron/dist and writes path.txt.
 * @param {string} electronDir
 * @param {string} version
 * @returns {Promise<void>}
 */
async function downloadWithElectronsInstaller(electronDir, version) {
  const req = createRequire(join(electronDir, 'package.json'));
  const { downloadArtifact } = await import(pathToFileURL(req.resolve('@electron/get')).href);
  // The same choices as node_modules/electron/install.js, so that its own call finds this download in the cache.
  const env = process.env;
  const platform = env.ELECTRON_INSTALL_PLATFORM || env.npm_config_platform || process.platform;
  const arch = env.ELECTRON_INSTALL_ARCH || env.npm_config_arch || process.arch;
  const tty = process.stderr.isTTY;
  let shown = -1;
  await downloadArtifact({
    version,
    artifactName: 'electron',
    force: env.force_no_cache === 'true',
    cacheRoot: env.electron_config_cache,
    checksums: env.electron_use_remote_checksums || env.npm_config_electron_use_remote_checksums ? undefined : req('./checksums.json'),
    platform,
    arch,
    downloadOptions: {
      quiet: true,
      /** @param {{ transferred: number; total: number | null; percent: number }} p */
      getProgressCallback: (p) => {
        const pct = Math.floor(p.percent * 100);
        if (pct === shown || (!tty && pct % 10 !== 0)) return;
        shown = pct;
        const mb = (n) => Math.round(n / 1e6);
        const line = `Downloading Electron ${version} (${platform}-${arch}): ${pct} %${p.total ? ` of ${mb(p.total)} MB` : ` (${mb(p.transferred)} MB)`}`;
        process.stderr.write(tty ? `\r${line}   ` : `${line}\n`);
      },
    },
  });
  if (tty && shown >= 0) process.stderr.write('\n');
  const r = spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) {
    const err = (r.stderr || '').split('\n').find((l) => /error/i.test(l)) ?? r.error?.message ?? `exit code ${r.status}`;
    throw new Error(`Electron's install.js failed: ${err.trim()}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const req = createRequire(import.meta.url);
  const electronDir = dirname(req.resolve('electron/package.json'));
  const version = /** @type {{ version: string }} */ (req('electron/package.json')).version;
  process.exitCode = await ensureElectron({
    electronDir,
    version,
    fs: { existsSync, readFileSync },
    env: process.env,
    download: () => downloadWithElectronsInstaller(electronDir, version),
    log: (line) => console.error(line),
  });
}
