/**
 * The desktop app, end to end, wherever the Electron binary is installed.
 * Electron 45 downloads its binary on first launch; on machines that cannot
 * (like this project's CI) the suite is reported as skipped, with the reason.
 */
import { test, expect, _electron as electron } from '@playwright/test';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT, SHARED, SQUEEZENET } from './serve-fixture';

function electronBinary(): { path: string | null; why: string } {
  const dir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  const pathTxt = join(dir, 'path.txt');
  if (!existsSync(pathTxt)) return { path: null, why: `the Electron binary is not installed (${pathTxt} is missing: Electron 45 downloads it on first launch, and this machine has no internet). Run \`npm start\` once on a connected machine.` };
  const bin = join(process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(dir, 'dist'), readFileSync(pathTxt, 'utf8'));
  return existsSync(bin) ? { path: bin, why: '' } : { path: null, why: `the Electron binary ${bin} is not downloaded (no internet here).` };
}

const bin = electronBinary();
if (!bin.path) console.log(`[skip] Electron suite: ${bin.why}`);

test.describe('desktop app', () => {
  test.skip(!bin.path, bin.why);

  test('launches securely, adds a folder, shows tagged photos', async () => {
    test.skip(!existsSync(SQUEEZENET), `../shared/data not found (${SHARED})`);
    const data = mkdtempSync(join(tmpdir(), 'scenery-electron-'));
    const folder = join(data, 'Holiday');
    mkdirSync(folder);
    for (const f of ['sklearn_pagoda.jpg', 'kpa_bar.jpg']) copyFileSync(join(SHARED, 'photos', f), join(folder, f));
    const app = await electron.launch({
      executablePath: bin.path!,
      args: [join(ROOT, 'out', 'main', 'index.js'), '--no-sandbox'],
      env: { ...process.env, SCENERY_USER_DATA: data, SCENERY_MODEL: SQUEEZENET },
    });
    try {
      const page = await app.firstWindow();
      await expect(page.getByRole('heading', { name: /grouped by the kind of place they show/ })).toBeVisible();
      // The renderer has the contract and nothing else.
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
      const prefs = await app.evaluate(({ BrowserWindow }) => {
        const wc = BrowserWindow.getAllWindows()[0]!.webContents as unknown as { getLastWebPreferences(): { sandbox?: boolean; contextIsolation?: boolean; nodeIntegration?: boolean } | null };
        const wp = wc.getLastWebPreferences();
        return { sandbox: wp?.sandbox, contextIsolation: wp?.contextIsolation, nodeIntegration: wp?.nodeIntegration };
      });
      expect(prefs).toEqual({ sandbox: true, contextIsolation: true, nodeIntegration: false });
      expect(page.url()).toMatch(/^app:\/\/renderer\//);
      await page.evaluate((p) => (window as unknown as { scenery: { call(c: string, r: unknown): Promise<unknown> } }).scenery.call('folders.add', { path: p }), folder);
      // By scene: the pagoda's scene card, then its page with the photo.
      await page.getByRole('button', { name: /^pagoda, 1 photo/ }).click({ timeout: 60_000 });
      await expect(page.getByRole('button', { name: /sklearn_pagoda\.jpg, pagoda/ })).toBeVisible();
      const blocked = await page.evaluate(async () => (await fetch('scenery-media://media/thumb/..%2f..%2fetc%2fpasswd')).status);
      expect(blocked).toBe(403);
      await page.screenshot({ path: join(ROOT, 'test-results', 'screenshots', 'electron-library.png') });
    } finally {
      await app.close();
      rmSync(data, { recursive: true, force: true });
    }
  });
});
