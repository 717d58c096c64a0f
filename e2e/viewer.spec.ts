/**
 * The viewer at full resolution: Fit by default, 1 → 100 % (one photo pixel per device pixel), the wheel zooms at
 * the cursor, a drag pans, 0 → Fit, double-click toggles; the next photo's image is fetched before → is pressed;
 * the details panel collapses (remembered; collapsed by default under 900 px); browser mode offers the original as
 * a download. Real engine, SqueezeNet test model, real photos. Screenshots at 800x600 and 1920x1080, light and dark.
 */
import { test, expect, type Page, type Locator } from '@playwright/test';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, servePhotos, SHARED, SQUEEZENET, type Served } from './serve-fixture';

const haveShared = existsSync(SQUEEZENET);
const shots = join(ROOT, 'test-results', 'screenshots');
mkdirSync(shots, { recursive: true });
// Large enough that Fit shrinks them at 1920x1080 (1600 px wide), in date order or not: any of them is fine.
const PHOTOS = ['sddm_maldives_pier.jpg', 'lxqt_mountains.jpg', 'digikam_lake.jpg'];

interface Shown {
  left: number;
  top: number;
  width: number;
  height: number;
  naturalWidth: number;
  naturalHeight: number;
  dpr: number;
  src: string;
}
const shown = (img: Locator): Promise<Shown> =>
  img.evaluate((el) => {
    const i = el as HTMLImageElement;
    const r = i.getBoundingClientRect();
    return { left: r.left, top: r.top, width: r.width, height: r.height, naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight, dpr: window.devicePixelRatio, src: i.src };
  });

async function library(page: Page): Promise<Served> {
  const { s } = await servePhotos(page, PHOTOS);
  await page.getByRole('button', { name: 'By date' }).click();
  await expect(page.locator('button.cell')).toHaveCount(PHOTOS.length, { timeout: 60_000 });
  await expect(page.locator('button.cell', { hasText: /not tagged yet/ })).toHaveCount(0, { timeout: 60_000 });
  await expect(page.getByRole('button', { name: /not tagged yet/ })).toHaveCount(0);
  return s;
}

async function openFirst(page: Page): Promise<Locator> {
  await page.locator('button.cell').first().click();
  const viewer = page.getByRole('dialog', { name: /^Photo / });
  await expect(viewer.locator('.stage img')).toHaveJSProperty('complete', true);
  await expect(viewer.locator('.toolbar .level')).toContainText('Fit');
  return viewer;
}

test('zoom, pan, preload, details panel and download', async ({ page }) => {
  test.skip(!haveShared, `../shared/data not found (${SHARED}): this test needs the SqueezeNet test model and real photos`);
  test.setTimeout(180_000);
  let s: Served | null = null;
  try {
    await page.setViewportSize({ width: 1920, height: 1080 });
    s = await library(page);
    const requested: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/media/image/')) requested.push(r.url());
    });

    const viewer = await openFirst(page);
    const img = viewer.locator('.stage img');
    const level = viewer.locator('.toolbar .level');
    const first = await shown(img);
    expect(first.naturalWidth).toBe(1600);
    expect(first.width).toBeLessThan(first.naturalWidth); // Fit shrinks a 1600 px photo into a ~1530 px stage
    // Fit keeps the aspect ratio and centres the photo in the stage.
    expect(first.width / first.height).toBeCloseTo(first.naturalWidth / first.naturalHeight, 2);
    await page.screenshot({ path: join(shots, 'viewer-1920-fit-light.png') });

    // The next photo's image is asked for before → is pressed, and is what → then shows.
    await expect.poll(() => requested.filter((u) => u !== first.src).length, { timeout: 10_000 }).toBeGreaterThan(0);
    const before = [...requested];
    await page.keyboard.press('ArrowRight'); // at Fit, the arrows change photo
    await expect.poll(async () => (await shown(img)).src).not.toBe(first.src);
    const second = await shown(img);
    expect(before).toContain(second.src);
    await expect(img).toHaveJSProperty('complete', true);
    await expect(level).toContainText('Fit');

    // 1 → 100 %: one photo pixel per device pixel.
    await page.keyboard.press('1');
    await expect(level).toHaveText('100 %');
    const actual = await shown(img);
    expect(actual.width * actual.dpr).toBeCloseTo(actual.naturalWidth, 0);
    expect(actual.height * actual.dpr).toBeCloseTo(actual.naturalHeight, 0);
    await expect(viewer.getByRole('button', { name: '100 %' })).toHaveAttribute('aria-pressed', 'true');
    await page.screenshot({ path: join(shots, 'viewer-1920-100-light.png') });

    // The wheel zooms in at the cursor: the photo point under it stays under it.
    const stage = await viewer.locator('.stage').boundingBox();
    const at = { x: stage!.x + stage!.width * 0.3, y: stage!.y + stage!.height * 0.6 };
    const frac = (r: Shown): { fx: number; fy: number } => ({ fx: (at.x - r.left) / r.width, fy: (at.y - r.top) / r.height });
    const f0 = frac(actual);
    await page.mouse.move(at.x, at.y);
    await page.mouse.wheel(0, -400);
    await expect.poll(async () => (await shown(img)).width).toBeGreaterThan(actual.width * 1.5);
    const zoomedIn = await shown(img);
    const f1 = frac(zoomedIn);
    expect(f1.fx).toBeCloseTo(f0.fx, 2);
    expect(f1.fy).toBeCloseTo(f0.fy, 2);
    expect(Number((await level.textContent())!.replace(/\D/g, ''))).toBeGreaterThan(150);

    // A drag pans by exactly the distance dragged (well inside the edges at this zoom).
    await page.mouse.down();
    await page.mouse.move(at.x + 120, at.y + 70, { steps: 5 });
    await page.mouse.up();
    const dragged = await shown(img);
    expect(dragged.left - zoomedIn.left).toBeCloseTo(120, 0);
    expect(dragged.top - zoomedIn.top).toBeCloseTo(70, 0);
    expect(dragged.width).toBeCloseTo(zoomedIn.width, 0);

    // Zoomed in, the arrows pan instead of changing photo.
    const name = await viewer.getAttribute('aria-label');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(async () => (await shown(img)).left).toBeGreaterThan(dragged.left + 10);
    await expect(viewer).toHaveAttribute('aria-label', name!);
    // A drag cannot pull the photo off the stage: its edge stops at the stage's edge.
    await page.mouse.move(at.x, at.y);
    await page.mouse.down();
    await page.mouse.move(at.x + 5000, at.y + 5000, { steps: 4 });
    await page.mouse.up();
    const clamped = await shown(img);
    expect(clamped.left).toBeCloseTo(stage!.x, 0);
    expect(clamped.top).toBeCloseTo(stage!.y, 0);

    // A trackpad pinch arrives as ctrl+wheel: it zooms the photo, not the page.
    await page.keyboard.press('0');
    await expect(level).toContainText('Fit');
    await page.mouse.move(at.x, at.y);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -40);
    await page.keyboard.up('Control');
    await expect.poll(async () => (await shown(img)).width).toBeGreaterThan(second.width * 1.2);
    expect(await page.evaluate(() => window.visualViewport?.scale ?? 1)).toBe(1);

    // 0 → Fit again; double-click → 100 % at the cursor; again → Fit.
    await page.keyboard.press('0');
    await expect(level).toContainText('Fit');
    expect((await shown(img)).width).toBeCloseTo(second.width, 0);
    await page.mouse.dblclick(at.x, at.y);
    await expect(level).toHaveText('100 %');
    await page.mouse.dblclick(at.x, at.y);
    await expect(level).toContainText('Fit');
    // The buttons do the same.
    await viewer.getByRole('button', { name: '100 %' }).click();
    await expect(level).toHaveText('100 %');
    await viewer.getByRole('button', { name: 'Fit' }).click();
    await expect(level).toContainText('Fit');

    // Browser mode: the original, by id, as a download (byte for byte the file).
    const download = viewer.getByRole('link', { name: 'Download' });
    const photoName = (await viewer.getByRole('heading', { level: 2 }).textContent())!;
    await expect(download).toHaveAttribute('download', photoName);
    const href = (await download.getAttribute('href'))!;
    expect(href).toMatch(/\/media\/original\/\d+\?v=/);
    const got = await page.request.get(new URL(href, page.url()).href);
    expect(got.headers()['content-disposition']).toContain(`filename="${photoName}"`);
    const body = await got.body();
    expect(body.equals(readFileSync(join(s.dir, 'Photos', photoName)))).toBe(true);

    // The details panel: open at 1920, the toggle hides it (the photo gets the room) and it is remembered.
    const details = viewer.getByRole('button', { name: 'Details' });
    await expect(details).toHaveAttribute('aria-expanded', 'true');
    await expect(viewer.getByRole('button', { name: 'Set scene…' })).toBeVisible();
    await details.click();
    await expect(viewer.getByRole('button', { name: 'Set scene…' })).toHaveCount(0);
    await expect(viewer.getByRole('button', { name: 'Details' })).toHaveAttribute('aria-expanded', 'false');
    await expect(viewer.getByRole('meter').first()).toBeVisible(); // the top scene stays in the strip
    // The stage takes the panel's width (the photo, height-limited here, stays whole at Fit).
    await expect.poll(async () => (await viewer.locator('.stage').boundingBox())!.width).toBeGreaterThan(stage!.width + 300);
    await page.keyboard.press('Escape');
    await openFirst(page);
    await expect(viewer.getByRole('button', { name: 'Details' })).toHaveAttribute('aria-expanded', 'false');
    await viewer.getByRole('button', { name: 'Details' }).click();
    await expect(viewer.getByRole('button', { name: 'Set scene…' })).toBeVisible();
    await page.keyboard.press('Escape');

    // Screenshots: 1920x1080 dark, then 800x600 (no remembered choice: the panel starts collapsed) light and dark.
    await page.emulateMedia({ colorScheme: 'dark' });
    await openFirst(page);
    await page.screenshot({ path: join(shots, 'viewer-1920-fit-dark.png') });
    await page.keyboard.press('1');
    await page.screenshot({ path: join(shots, 'viewer-1920-100-dark.png') });
    await page.keyboard.press('Escape');
    await page.evaluate(() => localStorage.removeItem('scenery.viewer.details'));
    await page.setViewportSize({ width: 800, height: 600 });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await openFirst(page);
      await expect(viewer.getByRole('button', { name: 'Details' })).toHaveAttribute('aria-expanded', 'false');
      const fit = await shown(img);
      expect(fit.width).toBeLessThanOrEqual(800);
      await page.screenshot({ path: join(shots, `viewer-800-fit-${scheme}.png`) });
      await page.keyboard.press('1');
      await expect(level).toHaveText('100 %');
      await page.screenshot({ path: join(shots, `viewer-800-100-${scheme}.png`) });
      // Nothing scrolls sideways at any zoom.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
      await page.keyboard.press('Escape');
    }
  } finally {
    await s?.stop();
  }
});

test('100 % on a 2x screen is one photo pixel per device pixel', async ({ browser }) => {
  test.skip(!haveShared, `../shared/data not found (${SHARED}): this test needs the SqueezeNet test model and real photos`);
  test.setTimeout(120_000);
  const context = await browser.newContext({ deviceScaleFactor: 2, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  let s: Served | null = null;
  try {
    s = await library(page);
    const viewer = await openFirst(page);
    await page.keyboard.press('1');
    await expect(viewer.locator('.toolbar .level')).toHaveText('100 %');
    const r = await shown(viewer.locator('.stage img'));
    expect(r.dpr).toBe(2);
    expect(r.width).toBeCloseTo(r.naturalWidth / 2, 0); // 1600 photo pixels on 1600 device pixels = 800 CSS px
  } finally {
    await s?.stop();
    await context.close();
  }
});

test('two fingers pinch to zoom on a touch screen, between the fingers', async ({ browser }) => {
  test.skip(!haveShared, `../shared/data not found (${SHARED}): this test needs the SqueezeNet test model and real photos`);
  test.setTimeout(120_000);
  const context = await browser.newContext({ hasTouch: true, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  let s: Served | null = null;
  try {
    s = await library(page);
    const viewer = await openFirst(page);
    const img = viewer.locator('.stage img');
    const before = await shown(img);
    const box = (await viewer.locator('.stage').boundingBox())!;
    const mid = { x: box.x + box.width * 0.4, y: box.y + box.height * 0.5 };
    const f0 = { fx: (mid.x - before.left) / before.width, fy: (mid.y - before.top) / before.height };
    const cdp = await context.newCDPSession(page);
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', d: number): Promise<unknown> =>
      cdp.send('Input.dispatchTouchEvent', {
        type,
        touchPoints: type === 'touchEnd' ? [] : [{ x: mid.x - d, y: mid.y, id: 1 }, { x: mid.x + d, y: mid.y, id: 2 }],
      });
    await touch('touchStart', 40);
    for (const d of [60, 80, 100, 120]) await touch('touchMove', d);
    await touch('touchEnd', 0);
    // Fingers 80 px apart, then 240: three times the size, the point between them still between them.
    await expect.poll(async () => (await shown(img)).width).toBeGreaterThan(before.width * 2.5);
    const after = await shown(img);
    expect((mid.x - after.left) / after.width).toBeCloseTo(f0.fx, 2);
    expect((mid.y - after.top) / after.height).toBeCloseTo(f0.fy, 2);
    await expect(viewer.locator('.toolbar .level')).not.toContainText('Fit');
  } finally {
    await s?.stop();
    await context.close();
  }
});
