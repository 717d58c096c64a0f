/**
 * Personal scenes (issue 11) in the browser, on real photos with the SqueezeNet test model: a scene made from 3
 * photos appears under "My scenes" in the sidebar and the overview, is found by its name in search (best first,
 * with its score), and its page asks about the photos it is least sure of; each answer retrains it.
 */
import { test, expect, type Page } from '@playwright/test';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, serve, SHARED, SQUEEZENET, thumbsLoaded, type Served } from './serve-fixture';

const haveShared = existsSync(SQUEEZENET);
const shots = join(ROOT, 'test-results', 'screenshots');
mkdirSync(shots, { recursive: true });

// The cabin: one picture and two more shots of it (cropped, mirrored); and 9 other places.
const OTHERS = ['renpy_country_road.jpg', 'gcompris_sydney_harbor.jpg', 'skimage_garage.jpg', 'gcompris_pyramids.jpg', 'sklearn_pagoda.jpg', 'kpa_bar.jpg', 'hugin_forest.jpg', 'digikam_lake.jpg', 'fotoxx_living_room.jpg'];

async function api<T>(page: Page, command: string, body: unknown): Promise<T> {
  return page.evaluate(
    async ([c, b]) => {
      const r = await fetch(`/api/${c}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
      return (await r.json()) as unknown;
    },
    [command, body] as const,
  ) as Promise<T>;
}

test('a personal scene from 3 photos: sidebar, overview, search by name, two suggestions answered', async ({ browser }) => {
  test.skip(!haveShared, `../shared/data not found (${SHARED}): this test needs the SqueezeNet test model and real photos`);
  test.setTimeout(240_000);
  let s: Served | null = null;
  try {
    s = await serve(['--model', SQUEEZENET]);
    const folder = join(s.dir, 'Photos');
    mkdirSync(folder, { recursive: true });
    for (const f of OTHERS) copyFileSync(join(SHARED, 'photos', f), join(folder, f));
    const sharp = (await import('sharp')).default;
    const cabin = join(SHARED, 'photos', 'kpa_billiards.jpg');
    copyFileSync(cabin, join(folder, 'cabin-1.jpg'));
    await sharp(cabin).flop().jpeg({ quality: 80 }).toFile(join(folder, 'cabin-2.jpg'));
    const meta = await sharp(cabin).metadata();
    await sharp(cabin).extract({ left: 0, top: 0, width: Math.round(meta.width! * 0.8), height: Math.round(meta.height! * 0.85) }).modulate({ brightness: 1.15 }).toFile(join(folder, 'cabin-3.jpg'));
    await sharp(cabin).extract({ left: Math.round(meta.width! * 0.15), top: Math.round(meta.height! * 0.1), width: Math.round(meta.width! * 0.8), height: Math.round(meta.height! * 0.8) }).toFile(join(folder, 'cabin-4.jpg'));

    const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const page = await ctx.newPage();
    await page.goto(s.url);
    await api(page, 'folders.add', { path: folder });
    const nav = page.getByRole('navigation', { name: 'Library' });
    await expect(nav.getByRole('button', { name: /^All scenes/ })).toContainText('13', { timeout: 90_000 });
    await expect.poll(async () => (await api<{ value: { done: number; total: number } }>(page, 'indexing.status', {})).value.done, { timeout: 90_000 }).toBe(13);

    // Create it from 3 photos.
    await createFromThree(page);

    // The sidebar: "My scenes", the scene in it.
    await expect(nav.getByRole('button', { name: /My scenes/ })).toBeVisible({ timeout: 20_000 });
    const entry = nav.getByRole('button', { name: /^Our cabin\s*\d+/ });
    await expect(entry).toBeVisible();
    // The overview: a "My scenes" section first.
    await page.getByRole('button', { name: 'By scene' }).click();
    await expect(page.locator('.overview .family').first().getByRole('heading')).toContainText('My scenes');
    await thumbsLoaded(page, 'main img', { atLeastOne: false });
    await page.screenshot({ path: join(shots, 'personal-overview-1920.png') });

    // Search by its name: its photos, best first, captioned with the scene and score.
    const box = page.getByRole('combobox', { name: 'Search photos by scene' });
    await box.fill('Our cabin');
    await box.press('Enter');
    await expect(page.getByRole('status').filter({ hasText: 'Our cabin: your personal scene' })).toBeVisible();
    await expect(page.getByRole('button', { name: /cabin-1\.jpg, matched Our cabin, \d+%/ })).toBeVisible();
    const captions = await page.locator('.cell .caption').evaluateAll((els) => els.map((e) => e.textContent?.trim() ?? ''));
    const pct = captions.map((c) => Number(/(\d+)%/.exec(c)?.[1]));
    expect(pct).toEqual([...pct].sort((a, b) => b - a));
    await thumbsLoaded(page, 'main img', { atLeastOne: false });
    await page.screenshot({ path: join(shots, 'personal-search-1920.png') });
    await box.fill('');
    await box.press('Escape');

    // Its page: the suggestions strip; two answers, each retrains and the strip moves on.
    await entry.click();
    const strip = page.getByRole('region', { name: 'Is this also Our cabin?' });
    await expect(strip).toBeVisible();
    await expect(strip.getByRole('listitem').first()).toBeVisible({ timeout: 20_000 });
    await thumbsLoaded(page, 'main img', { atLeastOne: false });
    await page.screenshot({ path: join(shots, 'personal-scene-1920.png') });
    const first = (await strip.getByRole('listitem').first().locator('.name').textContent())!.trim();
    await strip.getByRole('button', { name: `No, ${first} is not Our cabin` }).click();
    await expect(strip.getByRole('button', { name: `No, ${first} is not Our cabin` })).toHaveCount(0, { timeout: 20_000 });
    const second = (await strip.getByRole('listitem').first().locator('.name').textContent())!.trim();
    expect(second).not.toBe(first);
    await strip.getByRole('button', { name: `Yes, ${second} is Our cabin` }).click();
    await expect(strip.getByRole('button', { name: `Yes, ${second} is Our cabin` })).toHaveCount(0, { timeout: 20_000 });
    const scenes = await api<{ value: { scenes: { name: string; examples: number; rejected: number }[] } }>(page, 'personal.list', {});
    expect(scenes.value.scenes).toMatchObject([{ name: 'Our cabin', examples: 4, rejected: 1 }]);
    // The "yes" photo is in the scene's grid; the "no" photo is not.
    await expect(page.locator('.cell').filter({ hasText: second }).or(page.getByRole('button', { name: new RegExp(`^${second.replace('.', '\\.')}`) })).first()).toBeVisible();
    await expect(page.getByRole('button', { name: new RegExp(`^${first.replace('.', '\\.')},`) })).toHaveCount(0);

    // Bulk "Not this scene" on the scene's page: a "no" answer for the selected photo, undone by Ctrl-Z.
    const yesCell = page.locator('button.cell').and(page.getByRole('button', { name: new RegExp(`^(Selected: )?${second.replace('.', '\\.')},`) }));
    await yesCell.hover();
    await yesCell.locator('.check').click();
    const bar = page.getByRole('toolbar', { name: 'Selected photos' });
    await bar.getByRole('button', { name: 'Not Our cabin' }).click();
    await expect(yesCell).toHaveCount(0, { timeout: 20_000 });
    await expect(page.locator('.undo-toast')).toBeVisible();
    await page.keyboard.press('Control+z');
    await expect(yesCell).toHaveCount(1, { timeout: 20_000 });
    const after = await api<{ value: { scenes: { examples: number; rejected: number }[] } }>(page, 'personal.list', {});
    expect(after.value.scenes[0]).toMatchObject({ examples: 4, rejected: 1 });

    await page.setViewportSize({ width: 800, height: 600 });
    await thumbsLoaded(page, 'main img', { atLeastOne: false });
    await page.screenshot({ path: join(shots, 'personal-scene-800.png') });
    await page.getByRole('button', { name: 'By scene' }).click();
    await thumbsLoaded(page, 'main img', { atLeastOne: false });
    await page.screenshot({ path: join(shots, 'personal-overview-800.png') });
    await ctx.close();
  } finally {
    await s?.stop();
  }
});

/** Selects cabin-1..3 in the grid (By date), and makes "Our cabin" from them with the selection bar. */
async function createFromThree(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'By date' }).click();
  await page.waitForTimeout(1500); // the grid settles after the last indexing events
  const cell = (n: string) => page.locator('button.cell').and(page.getByRole('button', { name: new RegExp(`^(Selected: )?${n.replace('.', '\\.')},`) }));
  await cell('cabin-1.jpg').hover();
  await cell('cabin-1.jpg').locator('.check').click();
  await cell('cabin-2.jpg').click({ modifiers: ['Control'] });
  await cell('cabin-3.jpg').click({ modifiers: ['Control'] });
  const bar = page.getByRole('toolbar', { name: 'Selected photos' });
  await expect(bar).toContainText('3 selected');
  await page.screenshot({ path: join(shots, 'personal-selected-1920.png') });
  await page.setViewportSize({ width: 800, height: 600 });
  await page.screenshot({ path: join(shots, 'personal-selected-800.png') });
  await page.setViewportSize({ width: 1920, height: 1080 });
  await bar.getByRole('button', { name: 'New scene from these…' }).click();
  const form = page.getByRole('form', { name: 'New scene' });
  await form.getByLabel('Name the scene these 3 photos show').fill('Our cabin');
  await page.screenshot({ path: join(shots, 'personal-naming-1920.png') });
  await form.getByRole('button', { name: 'Create scene' }).click();
  // The new scene opens.
  await expect(page.getByRole('navigation', { name: 'Breadcrumb' })).toContainText('Our cabin', { timeout: 30_000 });
}
