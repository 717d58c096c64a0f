/**
 * Bulk selection and correction in the grid: the check circle and Shift-click
 * select three photos, "Set scene…" tags them all, the Undo toast and
 * Ctrl-Z each restore what they showed before, Esc clears; then the same with
 * the keyboard alone (Space, Shift+arrows, Tab to the bar). A plain click with
 * nothing selected still opens the viewer. Real engine, SqueezeNet test model,
 * real photos. Screenshots of the selection bar at 800x600 and 1920x1080.
 */
import { test, expect, type Page, type Locator } from '@playwright/test';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, servePhotos, SHARED, SQUEEZENET, type Served } from './serve-fixture';

const haveShared = existsSync(SQUEEZENET);
const shots = join(ROOT, 'test-results', 'screenshots');
mkdirSync(shots, { recursive: true });
const PHOTOS = ['digikam_lake.jpg', 'fotoxx_living_room.jpg', 'hugin_church.jpg', 'kpa_bar.jpg', 'lxqt_mountains.jpg'];

async function library(page: Page): Promise<Served> {
  const { s } = await servePhotos(page, PHOTOS);
  await page.getByRole('button', { name: 'By date' }).click();
  await expect(page.locator('button.cell')).toHaveCount(PHOTOS.length, { timeout: 60_000 });
  await expect(page.locator('button.cell', { hasText: /not tagged yet/ })).toHaveCount(0, { timeout: 60_000 });
  await expect(page.getByRole('button', { name: /not tagged yet/ })).toHaveCount(0);
  // Settled: every photo classified, and the grid no longer rebuilt by the last indexing events (a rebuilt cell loses focus).
  await expect
    .poll(async () => page.evaluate(async () => (await (await fetch('/api/indexing.status', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as unknown), { timeout: 60_000 })
    .toMatchObject({ value: { done: PHOTOS.length, currentFile: null } });
  await page.waitForTimeout(1500);
  await expect(page.locator('button.cell .scene.pending')).toHaveCount(0);
  return s;
}

const scenes = (page: Page): Promise<string[]> => page.locator('button.cell .scene').allTextContents();
const chooser = (page: Page): Locator => page.getByRole('combobox', { name: /^Set the scene of/ });
const bar = (page: Page): Locator => page.getByRole('toolbar', { name: 'Selected photos' });

async function setScene(page: Page, typed: string): Promise<void> {
  await bar(page).getByRole('button', { name: 'Set scene…' }).click();
  await chooser(page).fill(typed);
  await chooser(page).press('Enter');
}

test('select with the check circle and Shift-click, Set scene, undo by the toast and by Ctrl-Z, Esc clears', async ({ page }) => {
  test.skip(!haveShared, `../shared/data not found (${SHARED}): this test needs the SqueezeNet test model and real photos`);
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  const s = await library(page);
  try {
    const cells = page.locator('button.cell');
    const before = await scenes(page);
    expect(before.every((x) => x !== 'kitchen')).toBe(true);

    // The check circle selects (no viewer); Shift-click extends to a range of 3.
    await cells.nth(0).hover();
    await cells.nth(0).locator('.check').click();
    await expect(page.getByRole('dialog')).toHaveCount(0);
    await expect(bar(page)).toContainText('1 selected');
    await cells.nth(2).click({ modifiers: ['Shift'] });
    await expect(bar(page)).toContainText('3 selected');
    await expect(page.locator('button.cell.selected')).toHaveCount(3);
    // Once a selection exists a plain click toggles instead of opening.
    await cells.nth(4).click();
    await expect(bar(page)).toContainText('4 selected');
    await cells.nth(4).click({ modifiers: ['Control'] });
    await expect(bar(page)).toContainText('3 selected');
    await expect(page.getByRole('dialog')).toHaveCount(0);

    await setScene(page, 'kitch');
    await expect(page.locator('.undo-toast')).toContainText('3 photos set to kitchen');
    await expect(bar(page)).toHaveCount(0);
    await expect.poll(() => scenes(page)).toEqual(['kitchen', 'kitchen', 'kitchen', before[3], before[4]]);

    // Undo from the toast: exactly what they showed before.
    await page.locator('.undo-toast').getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => scenes(page)).toEqual(before);

    // Again, undone with Ctrl-Z.
    for (const k of [1, 3]) await cells.nth(k).click({ modifiers: ['Control'] });
    await expect(bar(page)).toContainText('2 selected');
    await setScene(page, 'beach');
    await expect(page.locator('.undo-toast')).toContainText('2 photos set to beach');
    await expect.poll(() => scenes(page)).toEqual([before[0], 'beach', before[2], 'beach', before[4]]);
    await page.keyboard.press('Control+z');
    await expect.poll(() => scenes(page)).toEqual(before);

    // "Select all" on a section's heading selects that section (By date: the 2 photos without a date).
    const heading = page.locator('.header', { hasText: 'No date' });
    await heading.hover();
    await heading.getByRole('button', { name: /^Select all \d+ in No date$/ }).click();
    await expect(page.locator('button.cell.selected')).toHaveCount(2);
    await expect(bar(page)).toContainText('2 selected');
    await page.keyboard.press('Escape');
    await expect(bar(page)).toHaveCount(0);

    // Esc clears the selection; with nothing selected a click opens the viewer as before.
    await cells.nth(1).click({ modifiers: ['Control'] });
    await expect(bar(page)).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(bar(page)).toHaveCount(0);
    await expect(page.locator('button.cell.selected')).toHaveCount(0);
    await cells.nth(1).click();
    await expect(page.getByRole('dialog', { name: /^Photo / })).toBeVisible();
  } finally {
    await s.stop();
  }
});

test('keyboard alone: Space and Shift+arrows select, Tab reaches the bar, Set scene, Ctrl-Z undoes; screenshots', async ({ page }) => {
  test.skip(!haveShared, `../shared/data not found (${SHARED}): this test needs the SqueezeNet test model and real photos`);
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1920, height: 1080 });
  const s = await library(page);
  try {
    const before = await scenes(page);
    // From the first link of the page, "Skip to photos", which puts focus on the first photo.
    // (Again if the grid was refreshed meanwhile: the last indexing events rebuild it, and a rebuilt cell has no focus.)
    await expect(async () => {
      await page.getByRole('link', { name: 'Skip to photos' }).focus();
      await page.keyboard.press('Enter');
      await expect(page.locator('button.cell').first()).toBeFocused({ timeout: 1000 });
    }).toPass();
    await page.keyboard.press('Space');
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Shift+ArrowRight');
    await expect(bar(page)).toContainText('3 selected');
    await expect(page.locator('button.cell.selected')).toHaveCount(3);
    await expect(page.locator('button.cell').nth(2)).toBeFocused();
    await page.screenshot({ path: join(shots, 'selection-bar-1920x1080.png') });

    // Tab from the photos reaches the bar: Clear, Select all, Set scene….
    await page.keyboard.press('Tab');
    await expect(bar(page).getByRole('button', { name: 'Clear selection' })).toBeFocused();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await expect(bar(page).getByRole('button', { name: 'Set scene…' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(chooser(page)).toBeFocused();
    await page.keyboard.type('forest p');
    await page.keyboard.press('Enter');
    await expect(page.locator('.undo-toast')).toContainText('3 photos set to forest path');
    await expect.poll(() => scenes(page)).toEqual(['forest path', 'forest path', 'forest path', before[3], before[4]]);
    await page.keyboard.press('Control+z');
    await expect.poll(() => scenes(page)).toEqual(before);

    // Ctrl-A selects the whole view; Esc clears it.
    await page.locator('button.cell').first().focus();
    await page.keyboard.press('Control+a');
    await expect(bar(page)).toContainText(`${PHOTOS.length} selected`);
    await page.setViewportSize({ width: 800, height: 600 });
    await page.screenshot({ path: join(shots, 'selection-bar-800x600.png') });
    await bar(page).getByRole('button', { name: 'Set scene…' }).click();
    await chooser(page).fill('kitch');
    await page.screenshot({ path: join(shots, 'selection-chooser-800x600.png') });
    await page.keyboard.press('Escape');
    await expect(chooser(page)).toHaveCount(0);
    await expect(bar(page).getByRole('button', { name: 'Set scene…' })).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(bar(page)).toHaveCount(0);
  } finally {
    await s.stop();
  }
});
