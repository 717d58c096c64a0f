/**
 * Search as a new user meets it: each tile says which scene it matched by, a
 * word widened to a family says so, and a file that could not be read stays
 * out of the results, the scene groups and "All scenes", shown only in
 * "Could not be read" with a plain reason. Real engine, SqueezeNet test model,
 * real photos; screenshots at 800x600 and 1920x1080, light and dark.
 */
import { test, expect, type Page } from '@playwright/test';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, serve, SHARED, SQUEEZENET, type Served } from './serve-fixture';

const haveShared = existsSync(SQUEEZENET);
const shots = join(ROOT, 'test-results', 'screenshots');
mkdirSync(shots, { recursive: true });

const PHOTOS = ['renpy_country_road.jpg', 'gcompris_sydney_harbor.jpg', 'skimage_garage.jpg', 'gcompris_pyramids.jpg', 'sklearn_pagoda.jpg', 'kpa_bar.jpg'];

async function search(page: Page, q: string): Promise<void> {
  const box = page.getByRole('combobox', { name: 'Search photos by scene' });
  await box.fill(q);
  await box.press('Enter');
}

test('search tiles show why they matched; unreadable files stay in "Could not be read"', async ({ browser }) => {
  test.skip(!haveShared, `../shared/data not found (${SHARED}): this test needs the SqueezeNet test model and real photos`);
  test.setTimeout(180_000);
  let s: Served | null = null;
  try {
    s = await serve(['--model', SQUEEZENET]);
    const folder = join(s.dir, 'Photos');
    mkdirSync(join(folder, '2018', 'Trip'), { recursive: true });
    for (const f of PHOTOS) copyFileSync(join(SHARED, 'photos', f), join(folder, f));
    copyFileSync(join(SHARED, 'photos', 'hugin_forest.jpg'), join(folder, '2018', 'Trip', 'forest.jpg'));
    writeFileSync(join(folder, 'text.jpg'), 'this is a text file with a .jpg name');
    const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const page = await ctx.newPage();
    await page.goto(s.url);
    const added = await page.evaluate(async (path) => (await fetch('/api/folders.add', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path }) })).status, folder);
    expect(added).toBe(200);

    // Everything settles: 7 photos tagged, 1 file that could not be read.
    const nav = page.getByRole('navigation', { name: 'Library' });
    await expect(nav.getByRole('button', { name: /Could not be read/ })).toContainText('1', { timeout: 60_000 });
    await expect(nav.getByRole('button', { name: /^All scenes/ })).toContainText('7', { timeout: 60_000 });
    // No broken tile among all the photos (By date), nor in the scenes overview.
    await page.getByRole('button', { name: 'By date' }).click();
    await expect(page.locator('.cell').first()).toBeVisible();
    await expect(page.locator('.broken')).toHaveCount(0);

    // `car` is widened to the Transport family, and says so; each tile names the transport scene it matched by.
    await search(page, 'car');
    await expect(page.getByRole('status').filter({ hasText: /car: showing Transport \(\d+ scenes\)/ })).toBeVisible();
    await expect(page.getByLabel('Search terms')).toContainText('car → transport');
    await expect(page.getByRole('button', { name: /renpy_country_road\.jpg, field road, 68%/ })).toBeVisible();
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.cell img')].every((i) => i.complete && i.naturalWidth > 0));
    const captions = await page.locator('.cell .caption').evaluateAll((els) => els.map((e) => e.textContent?.trim() ?? ''));
    const pct = captions.map((c) => Number(/(\d+)%/.exec(c)?.[1]));
    expect(pct.length).toBeGreaterThan(2);
    expect(pct).toEqual([...pct].sort((a, b) => b - a)); // best match first, by the number shown
    await page.screenshot({ path: join(shots, 'search-1920-light.png') });

    // A photo found through a scene that is not its top one says which scene matched.
    await search(page, 'countryside');
    await expect(page.getByRole('button', { name: /gcompris_pyramids\.jpg, matched oast house, 2\d%/ })).toBeVisible();
    await expect(page.getByRole('button', { name: /gcompris_pyramids\.jpg/ })).toHaveAttribute('title', /the photo’s own scene: butte/);
    await page.screenshot({ path: join(shots, 'search-matched-1920-light.png') });

    // folder: matches a folder below the watched one.
    await search(page, 'folder:2018');
    await expect(page.getByRole('heading', { name: '1 photo' })).toBeVisible();
    await expect(page.getByRole('button', { name: /forest\.jpg/ })).toBeVisible();

    // The unreadable file is in no result, even a search that matches everything else.
    await search(page, 'indoor OR outdoor');
    await expect(page.getByRole('heading', { name: '7 photos' })).toBeVisible();
    await expect(page.getByRole('button', { name: /text\.jpg/ })).toHaveCount(0);

    // ...and in "Could not be read", with a plain sentence.
    await page.getByRole('combobox', { name: 'Search photos by scene' }).fill('');
    await page.getByRole('combobox', { name: 'Search photos by scene' }).press('Escape');
    await nav.getByRole('button', { name: /Could not be read/ }).click();
    await expect(page.locator('.broken')).toContainText('This file is not a picture Scenery can open');
    await expect(page.locator('.broken')).not.toContainText(/vips|buffer|format\)$/i);
    await page.screenshot({ path: join(shots, 'could-not-be-read-1920-light.png') });
    await page.getByRole('button', { name: /text\.jpg, could not be read/ }).click();
    const viewer = page.getByRole('dialog', { name: /text\.jpg/ });
    await expect(viewer).toContainText('This file is not a picture Scenery can open.');
    await expect(viewer.getByRole('button', { name: 'Set scene…' })).toHaveCount(0);
    await page.screenshot({ path: join(shots, 'could-not-be-read-photo-1920-light.png') });
    await page.keyboard.press('Escape');

    // Screenshots: small window, dark.
    await search(page, 'car');
    await page.setViewportSize({ width: 800, height: 600 });
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.cell img')].every((i) => i.complete && i.naturalWidth > 0));
    await page.screenshot({ path: join(shots, 'search-800-light.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(shots, 'search-800-dark.png') });
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.screenshot({ path: join(shots, 'search-1920-dark.png') });
    await ctx.close();
  } finally {
    await s?.stop();
  }
});
