/**
 * By date on real photos (EXIF dates 2002–2021, some with none): a heading per
 * month, newest first, "No date" last, and the scrubber along the right edge,
 * used by keyboard; screenshots at 800x600 and 1920x1080 in both themes.
 */
import { test, expect, type Page } from '@playwright/test';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, serve, SHARED, SQUEEZENET, thumbsLoaded, type Served } from './serve-fixture';

const shots = join(ROOT, 'test-results', 'screenshots');
mkdirSync(shots, { recursive: true });

/** The camera's month of each photo (DateTimeOriginal), newest first; three photos have no date at all. */
const MONTHS: [string, string[]][] = [
  ['November 2021', ['digikam_lake.jpg']],
  ['August 2016', ['renpy_country_road.jpg']],
  ['January 2012', ['sddm_maldives_pier.jpg']],
  ['July 2008', ['lxqt_mountains.jpg']],
  ['February 2006', ['kpa_snowy_airport.jpg', 'kpa_bar.jpg']],
  ['May 2005', ['kpa_billiards.jpg']],
  ['January 2003', ['kpa_grand_canyon.jpg']],
  ['January 2002', ['palapeli_bridge.jpg']],
];
const UNDATED = ['sklearn_pagoda.jpg', 'hugin_forest.jpg', 'skimage_garage.jpg'];

async function call<T>(s: Served, command: string, body: object = {}): Promise<T> {
  const r = await fetch(`${new URL(s.url).origin}/api/${command}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const env = (await r.json()) as { ok: boolean; value: T; error?: { message: string } };
  if (!env.ok) throw new Error(`${command}: ${env.error?.message}`);
  return env.value;
}

/** The headings in the grid from top to bottom (those rendered: the grid is virtualized). */
const headings = (page: Page): Promise<string[]> =>
  page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.scroller .header')]
      .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
      .map((h) => h.querySelector('h2')!.textContent!),
  );

test.skip(!existsSync(SQUEEZENET), `needs ${SQUEEZENET} (the shared test data)`);

test('By date: month headings newest first, "No date" last, a scrubber that works by keyboard', async ({ page }) => {
  test.setTimeout(180_000);
  const s = await serve(['--model', SQUEEZENET]);
  try {
    const folder = join(s.dir, 'Years');
    mkdirSync(folder);
    const all = [...MONTHS.flatMap(([, f]) => f), ...UNDATED];
    for (const f of all) copyFileSync(join(SHARED, 'photos', f), join(folder, f));
    await call(s, 'folders.add', { path: folder });
    const deadline = Date.now() + 90_000;
    while ((await call<{ indexedCount: number }>(s, 'library.status')).indexedCount < all.length) {
      if (Date.now() > deadline) throw new Error('library not indexed');
      await new Promise((r) => setTimeout(r, 300));
    }
    // The engine's month counts: the camera's months, undated photos apart.
    expect(await call<{ months: { month: string; count: number }[]; undated: number }>(s, 'photos.months')).toEqual({
      months: [
        { month: '2021-11', count: 1 },
        { month: '2016-08', count: 1 },
        { month: '2012-01', count: 1 },
        { month: '2008-07', count: 1 },
        { month: '2006-02', count: 2 },
        { month: '2005-05', count: 1 },
        { month: '2003-01', count: 1 },
        { month: '2002-01', count: 1 },
      ],
      undated: 3,
    });

    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto(s.url);
    await page.getByRole('button', { name: 'By date' }).click();
    const grid = page.getByRole('region', { name: /^12 photos/ });
    await expect(grid).toBeVisible();
    await thumbsLoaded(page, '.cell img');
    const shown = await headings(page);
    expect(shown.length).toBeGreaterThan(3);
    expect(shown).toEqual([...MONTHS.map(([m]) => m), 'No date'].slice(0, shown.length));
    // Each month holds its photos, and says how many.
    const feb = page.locator('.header', { has: page.getByRole('heading', { name: 'February 2006' }) });
    await expect(feb.locator('.n')).toHaveText('2');

    // The scrubber: Tab from the grid reaches it; arrows go a month, Page Up/Down a year, Home/End the ends.
    const scrubber = page.getByRole('slider', { name: /Jump to a date/ });
    await grid.focus();
    await page.keyboard.press('Tab');
    await expect(scrubber).toBeFocused();
    await expect(scrubber).toHaveAttribute('aria-valuetext', 'November 2021');
    await page.keyboard.press('End');
    await expect(scrubber).toHaveAttribute('aria-valuetext', 'No date');
    await expect(page.getByRole('heading', { name: 'No date' })).toBeInViewport();
    for (const f of UNDATED) await expect(page.getByRole('button', { name: new RegExp(`^${f.replace('.', '\\.')}`) })).toBeInViewport();
    await page.keyboard.press('PageUp');
    await expect(scrubber).toHaveAttribute('aria-valuetext', 'January 2002');
    await page.keyboard.press('ArrowUp');
    await expect(scrubber).toHaveAttribute('aria-valuetext', 'January 2003');
    await expect(page.getByRole('heading', { name: 'January 2003' })).toBeInViewport();
    await page.keyboard.press('Home');
    await expect(scrubber).toHaveAttribute('aria-valuetext', 'November 2021');
    await page.keyboard.press('ArrowDown');
    await expect(scrubber).toHaveAttribute('aria-valuetext', 'August 2016');
    // The jump puts the month's heading at the top of the grid.
    await expect.poll(async () => (await headings(page)).find((h) => h !== 'November 2021')).toBe('August 2016');
    const top = await page.evaluate(() => {
      const sc = document.querySelector<HTMLElement>('.scroller')!.getBoundingClientRect().top;
      const h = [...document.querySelectorAll<HTMLElement>('.scroller .header')].find((x) => x.textContent!.includes('August 2016'))!;
      return h.getBoundingClientRect().top - sc;
    });
    expect(Math.abs(top)).toBeLessThan(4);
    // A photo without a date says so in the viewer too.
    await page.keyboard.press('End');
    await page.getByRole('button', { name: /^hugin_forest\.jpg/ }).click();
    await expect(page.getByRole('dialog')).toContainText('No date');
    await page.keyboard.press('Escape');

    for (const [w, h] of [
      [800, 600],
      [1920, 1080],
    ] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.setViewportSize({ width: w, height: h });
        await scrubber.focus();
        await page.keyboard.press('Home');
        await expect(scrubber).toHaveAttribute('aria-valuetext', 'November 2021');
        await thumbsLoaded(page, '.cell img');
        // Nothing scrolls sideways; the scrubber sits inside the window.
        expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
        const box = (await scrubber.boundingBox())!;
        expect(box.x + box.width).toBeLessThanOrEqual(w);
        await page.screenshot({ path: join(shots, `timeline-${w}x${h}-${scheme}.png`) });
      }
    }
    // Hovering the scrubber names the month under the pointer.
    const box = (await scrubber.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.5);
    await expect(page.locator('.scrubber .tip')).toHaveText(/^(\w+ \d{4}|No date)$/);
    await page.screenshot({ path: join(shots, 'timeline-1920x1080-dark-hover.png') });
  } finally {
    await s.stop();
  }
});
