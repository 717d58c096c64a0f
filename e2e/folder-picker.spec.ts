/**
 * Browser mode's folder picker, end to end: `scenery serve` with HOME set to a temporary home folder, and a person
 * who clicks (and keys) their way to a folder of photos instead of typing its path.
 */
import { test, expect, type Page } from '@playwright/test';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, serve, SHARED, type Served } from './serve-fixture';

const PHOTOS = ['kpa_bar.jpg', 'hugin_forest.jpg', 'sklearn_pagoda.jpg', 'digikam_lake.jpg'];
const haveShared = PHOTOS.every((f) => existsSync(join(SHARED, 'photos', f)));
const shots = join(ROOT, 'test-results', 'screenshots');
mkdirSync(shots, { recursive: true });

const SIZES = [
  { width: 800, height: 600 },
  { width: 1920, height: 1080 },
] as const;

async function shootAll(page: Page, what: string): Promise<void> {
  for (const size of SIZES) {
    await page.setViewportSize(size);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      // Nothing scrolls sideways at any size.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await page.screenshot({ path: join(shots, `picker-${what}-${size.width}x${size.height}-${scheme}.png`) });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

test('browse to a folder of photos by name, with the keyboard, and add it', async ({ page }) => {
  test.skip(!haveShared, `../shared/data not found (${SHARED}): this test needs real photos`);
  test.setTimeout(120_000);
  const home = realpathSync(mkdtempSync(join(tmpdir(), 'scenery-picker-home-')));
  for (const d of ['Desktop', 'Documents', 'Downloads', 'Music', 'Videos', '.config', 'Pictures/Holidays/Trip 2024', 'Pictures/Scans', 'Old phone backup from the summer holidays in Brittany and Normandy, 2019 (all of it)']) mkdirSync(join(home, d), { recursive: true });
  const trip = join(home, 'Pictures', 'Holidays', 'Trip 2024');
  for (const f of PHOTOS) copyFileSync(join(SHARED, 'photos', f), join(trip, f));
  copyFileSync(join(SHARED, 'photos', 'kpa_bar.jpg'), join(home, 'Pictures', 'cover.jpg'));
  let s: Served | null = null;
  try {
    s = await serve([], { HOME: home });
    await page.setViewportSize({ width: 1360, height: 860 });
    await page.goto(s.url);

    // The typed field stays, and ~ expands in it.
    await page.getByLabel('Folder on the computer running Scenery').fill('~/Nope');
    await page.getByRole('button', { name: 'Add folder', exact: true }).click();
    await expect(page.getByRole('alert')).toHaveText(`${join(home, 'Nope')} does not exist`);
    await page.getByLabel('Folder on the computer running Scenery').fill('');

    await page.getByRole('button', { name: 'Browse folders…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Choose a folder' });
    await expect(dialog).toBeVisible();
    // It starts at home, lists folders only (no file names), and leaves hidden ones out.
    const folders = dialog.getByRole('list', { name: /^Folders in / });
    await expect(folders.locator('.name')).toHaveText(['Desktop', 'Documents', 'Downloads', 'Music', /^Old phone backup/, 'Pictures', 'Videos']);
    await expect(folders.getByRole('button', { name: /^Pictures/ })).toContainText('1 photo');
    await expect(dialog.getByRole('checkbox', { name: 'Show hidden folders (1)' })).toBeVisible();
    await expect(dialog.getByRole('navigation', { name: 'Current folder' }).locator('[aria-current]')).toHaveText(home.split('/').pop()!);

    await dialog.getByRole('checkbox', { name: /Show hidden folders/ }).check();
    await expect(folders.locator('.name').first()).toHaveText('.config');
    await dialog.getByRole('checkbox', { name: /Show hidden folders/ }).uncheck();
    await expect(folders.locator('.name').first()).toHaveText('Desktop');
    // Keyboard: the first folder has focus; End, then Up to Pictures, Enter opens it.
    await expect(folders.getByRole('button').first()).toBeFocused();
    await shootAll(page, 'home');
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowUp');
    await expect(folders.getByRole('button', { name: /^Pictures/ })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(dialog.getByText('1 photo directly in Pictures')).toBeVisible();
    await expect(folders.locator('.name')).toHaveText(['Holidays', 'Scans']);
    await expect(folders.getByRole('button', { name: /^Holidays/ })).toContainText('›');
    await page.keyboard.press('Enter');
    await expect(folders.getByRole('button', { name: /Trip 2024/ })).toContainText('4 photos');

    // Backspace goes up and keeps the place; the breadcrumb goes anywhere above.
    await page.keyboard.press('Backspace');
    await expect(folders.getByRole('button', { name: /^Holidays/ })).toBeFocused();
    await dialog.getByRole('navigation', { name: 'Current folder' }).getByRole('button', { name: home.split('/').pop()! }).click();
    await expect(folders.getByRole('button', { name: /^Desktop/ })).toBeFocused();
    await folders.getByRole('button', { name: /^Pictures/ }).click();
    await folders.getByRole('button', { name: /^Holidays/ }).click();
    await folders.getByRole('button', { name: /Trip 2024/ }).click();
    await expect(dialog.getByText('4 photos directly in Trip 2024')).toBeVisible();
    await expect(dialog.getByText('No folders in here.')).toBeVisible();

    await dialog.getByRole('button', { name: 'Add this folder' }).click();
    await expect(dialog).toBeHidden();
    await page.getByRole('button', { name: 'By date' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('.cell img').length === n && [...document.querySelectorAll<HTMLImageElement>('.cell img')].every((i) => i.complete && i.naturalWidth > 0), PHOTOS.length, { timeout: 60_000 });
    await expect(page.getByText('Trip 2024').first()).toBeVisible();
    await page.screenshot({ path: join(shots, 'picker-added.png') });

    // Adding the same folder again says so in the dialog and keeps it open.
    await page.getByRole('button', { name: '+ Add folder' }).click();
    await page.getByLabel('Folder on the computer running Scenery').fill('~/Pictures/Holidays/Trip 2024');
    await page.screenshot({ path: join(shots, 'picker-sidebar-form.png') });
    await page.getByRole('button', { name: 'Browse folders…' }).click();
    await expect(dialog.getByText('4 photos directly in Trip 2024')).toBeVisible();
    await dialog.getByRole('button', { name: 'Add this folder' }).click();
    await expect(dialog.getByRole('alert')).toContainText('already in the library');
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
  } finally {
    await s?.stop();
    rmSync(home, { recursive: true, force: true });
  }
});
