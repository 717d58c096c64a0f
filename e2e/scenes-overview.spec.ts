/**
 * The scenes overview (issue 12): "By scene" is a grid of scene cards grouped
 * by family, dense enough to see dozens of scenes at once; a family opens all
 * its scenes' photos, a card opens its scene, and Back/Esc/the breadcrumb
 * return. Density and layout on a synthetic library (every scene present);
 * covers, photos and the screenshots on real photos with the SqueezeNet model.
 */
import { test, expect, type Page } from '@playwright/test';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeSyntheticCatalog } from '../src/test-support/synthetic-catalog';
import { ROOT, serve, SHARED, SQUEEZENET, type Served } from './serve-fixture';

const haveShared = existsSync(SQUEEZENET);
const shots = join(ROOT, 'test-results', 'screenshots');
mkdirSync(shots, { recursive: true });

const overview = (p: Page) => p.locator('.overview');
const cards = (p: Page) => p.locator('.overview button.card');
const trail = (p: Page) => p.getByRole('navigation', { name: 'Breadcrumb' });

/** Cards wholly inside the window and the overview's visible area (not scrolled to). */
async function cardsInView(page: Page): Promise<number> {
  return page.evaluate(() => {
    const box = document.querySelector('.overview')!.getBoundingClientRect();
    const bottom = Math.min(box.bottom, innerHeight);
    return [...document.querySelectorAll('.overview button.card')].filter((c) => {
      const r = c.getBoundingClientRect();
      return r.top >= box.top - 1 && r.bottom <= bottom + 1 && r.left >= 0 && r.right <= innerWidth + 1 && r.width > 0;
    }).length;
  });
}

/** Nothing wider than the window: neither the page nor the view scrolls sideways. */
async function noSidewaysScroll(page: Page): Promise<void> {
  const m = await page.evaluate(() => {
    const els = [document.documentElement, ...document.querySelectorAll<HTMLElement>('main, .overview, .scroller')];
    return els.map((e) => ({ what: e.className || e.tagName, over: e.scrollWidth - e.clientWidth }));
  });
  for (const x of m) expect(x.over, `${x.what} scrolls sideways`).toBeLessThanOrEqual(0);
}

test('synthetic library: ≥ 24 cards at 1920x1080, family and scene pages, back, keyboard, no sideways scroll', async ({ page }) => {
  test.setTimeout(120_000);
  const s = await serve([], {}, (dir) => writeSyntheticCatalog(join(dir, 'lib'), 5_000, [join(dir, 'Photos')]));
  try {
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto(s.url);
    await expect(page.getByRole('heading', { name: 'Scenes', level: 1 })).toBeVisible({ timeout: 60_000 });
    await expect(cards(page).first()).toBeVisible();
    const n = await cardsInView(page);
    console.log(`1920x1080: ${n} scene cards visible without scrolling (${await cards(page).count()} in all)`);
    expect(n).toBeGreaterThanOrEqual(24);
    await page.screenshot({ path: join(shots, 'overview-synthetic-1920x1080-light.png') });

    // A family heading opens all its scenes' photos, in one grid.
    const water = page.getByRole('button', { name: /^Water: all [\d,]+ photos in \d+ scenes/ });
    const waterLabel = (await water.getAttribute('aria-label'))!;
    const waterCount = Number(/all ([\d,]+) photos/.exec(waterLabel)![1]!.replace(/,/g, ''));
    await water.click();
    await expect(trail(page)).toHaveText(/Scenes\s*›?\s*Water/);
    await expect(page.getByRole('region', { name: new RegExp(`^${waterCount.toLocaleString('en')} photos`) })).toBeVisible();
    await expect(page.locator('.scroller .header .title').first()).toBeVisible();
    await noSidewaysScroll(page);
    // Esc goes back to the overview, focus on the family it opened.
    await page.keyboard.press('Escape');
    await expect(overview(page)).toBeVisible();
    await expect(water).toBeFocused();

    // A scene card opens that scene; the breadcrumb names its family; Back returns.
    const card = cards(page).nth(3);
    const cardLabel = (await card.getAttribute('aria-label'))!;
    const [, sceneName, sceneCount] = /^(.*), ([\d,]+) photos?$/.exec(cardLabel)!;
    await card.click();
    await expect(trail(page).locator('[aria-current="page"]')).toHaveText(sceneName!);
    await expect(page.getByRole('region', { name: new RegExp(`^${sceneCount} photos?`) })).toBeVisible();
    await expect(page.getByRole('heading', { name: sceneName, exact: true })).toBeVisible();
    await page.getByRole('button', { name: 'Back' }).click();
    await expect(overview(page)).toBeVisible();
    await expect(card).toBeFocused();

    // Scene → its family (breadcrumb) → back to the overview (breadcrumb).
    await card.click();
    const familyStep = trail(page).getByRole('button').nth(1);
    const familyName = (await familyStep.textContent())!.trim();
    await familyStep.click();
    await expect(trail(page).locator('[aria-current="page"]')).toHaveText(familyName);
    await trail(page).getByRole('button', { name: 'Scenes' }).click();
    await expect(overview(page)).toBeVisible();

    // Keyboard: the cards are one Tab stop; arrows move; Enter opens; Esc returns to the same card.
    await page.getByRole('button', { name: 'By date' }).click();
    await page.getByRole('button', { name: 'By scene' }).click();
    await expect(overview(page)).toBeVisible();
    const first = cards(page).first();
    await first.focus();
    await page.keyboard.press('ArrowRight');
    const second = cards(page).nth(1);
    await expect(second).toBeFocused();
    await page.keyboard.press('ArrowDown');
    const below = await page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
    expect(below).not.toBe(await second.getAttribute('aria-label'));
    const focusedBox = await page.evaluate(() => document.activeElement!.getBoundingClientRect().top);
    const secondBox = (await second.boundingBox())!;
    expect(focusedBox).toBeGreaterThan(secondBox.y + secondBox.height - 1);
    await page.keyboard.press('Enter');
    await expect(trail(page)).toBeVisible();
    await expect(page.locator('#photos .scroller')).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(page.locator(`.overview [aria-label="${below}"]`)).toBeFocused();
    const tabStops = await page.evaluate(() => [...document.querySelectorAll('.overview [tabindex="0"]')].length);
    expect(tabStops).toBe(1);

    // Every size from 800x600 to 2560x1440: no sideways scrolling, in the overview and in a scene.
    for (const [w, h] of [[800, 600], [2560, 1440]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await expect(overview(page)).toBeVisible();
      await noSidewaysScroll(page);
      console.log(`${w}x${h}: ${await cardsInView(page)} scene cards visible without scrolling`);
      await cards(page).first().click();
      await expect(trail(page)).toBeVisible();
      await noSidewaysScroll(page);
      await page.keyboard.press('Escape');
    }
  } finally {
    await s.stop();
  }
});

test('real photos: covers, family and scene pages, the special groups; screenshots in both themes', async ({ page }) => {
  test.skip(!haveShared, `../shared/data not found (${SHARED}): this test needs the SqueezeNet test model and real photos`);
  test.setTimeout(180_000);
  let s: Served | null = null;
  try {
    s = await serve(['--model', SQUEEZENET]);
    const folder = join(s.dir, 'Photos');
    mkdirSync(folder);
    const photos = readdirSync(join(SHARED, 'photos')).filter((f) => /\.jpe?g$/i.test(f));
    for (const f of photos) copyFileSync(join(SHARED, 'photos', f), join(folder, f));
    // A file that cannot be read: "Could not be read" stays reachable from the overview.
    copyFileSync(join(SHARED, 'photos', 'labels.tsv'), join(folder, 'broken.jpg'));
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(s.url);
    await page.getByLabel('Folder on the computer running Scenery').fill(folder);
    await page.getByRole('button', { name: 'Add folder', exact: true }).click();
    const pagoda = page.getByRole('button', { name: /^pagoda, \d+ photos?$/ });
    await expect(pagoda).toBeVisible({ timeout: 60_000 });
    await expect(page.getByRole('button', { name: /^Not yet tagged,/ })).toHaveCount(0, { timeout: 90_000 });
    await expect(page.getByRole('button', { name: /^Could not be read, 1 file/ })).toBeVisible({ timeout: 30_000 });

    // Every card but "Could not be read" shows its cover photo.
    const coversLoaded = async (): Promise<void> => {
      await page.waitForFunction(() => {
        const imgs = [...document.querySelectorAll<HTMLImageElement>('.overview .card img')];
        return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
      });
    };
    await coversLoaded();
    // The pagoda card's cover is the pagoda photo (the only one).
    const src = await pagoda.locator('img').getAttribute('src');
    await pagoda.click();
    await expect(page.getByRole('button', { name: /sklearn_pagoda\.jpg, pagoda/ })).toBeVisible();
    expect(src).toContain(`/media/thumb/${await page.evaluate(async () => ((await (await fetch('/api/photos.list', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ order: 'date', scene: 'pagoda', offset: 0, limit: 1 }) })).json()) as { value: { items: { id: number }[] } }).value.items[0]!.id)}?`);
    await expect(trail(page)).toContainText('Religion');
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.cell img')].every((i) => i.complete && i.naturalWidth > 0));
    await page.screenshot({ path: join(shots, 'overview-scene-1440x900-light.png') });
    await page.keyboard.press('Escape');

    // A family: all its scenes' photos.
    const fam = page.getByRole('button', { name: /^Religion: all/ });
    await fam.click();
    await expect(page.getByRole('heading', { name: 'pagoda', exact: true })).toBeVisible();
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.cell img')].every((i) => i.complete && i.naturalWidth > 0));
    await page.getByRole('button', { name: 'Back' }).click();

    // The special groups are still reachable.
    await page.getByRole('button', { name: /^Could not be read, 1 file/ }).click();
    await expect(page.getByRole('heading', { name: 'Photos that could not be read' })).toBeVisible();
    await page.getByRole('button', { name: 'By scene' }).click();

    await expect(page.locator('.toast')).toHaveCount(0, { timeout: 15_000 }); // "17 photos found" would cover cards
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const [w, h] of [[800, 600], [1440, 900], [1920, 1080]] as const) {
        await page.setViewportSize({ width: w, height: h });
        await expect(overview(page)).toBeVisible();
        await coversLoaded();
        await noSidewaysScroll(page);
        await page.screenshot({ path: join(shots, `overview-${w}x${h}-${scheme}.png`) });
      }
    }
    // The focus ring on a card, seen (dark theme, 1440x900).
    await page.setViewportSize({ width: 1440, height: 900 });
    await cards(page).first().focus();
    await page.keyboard.press('ArrowRight');
    await page.screenshot({ path: join(shots, 'overview-focus-1440x900-dark.png') });
  } finally {
    await s?.stop();
  }
});
