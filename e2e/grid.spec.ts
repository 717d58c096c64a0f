/**
 * The justified photo grid on a synthetic library (landscape, portrait and
 * panorama shapes): rows fill the width with photos at their own shapes; the
 * size zoom (Ctrl/Cmd + and − while in the photos, or the slider) is kept
 * across reloads and leaves Ctrl +/− elsewhere to the browser's page zoom; the
 * arrow keys move by rows; By date has day headings under its months.
 */
import { test, expect, type Page } from '@playwright/test';
import { join } from 'node:path';
import { writeSyntheticCatalog } from '../src/test-support/synthetic-catalog';
import { ROOT, serve } from './serve-fixture';

/** The rows of photos drawn, each as its cells' boxes (relative to the row). */
const rows = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.scroller .row')].map((r) => {
      const rb = r.getBoundingClientRect();
      return [...r.querySelectorAll<HTMLElement>('.cell')].map((c) => {
        const b = c.getBoundingClientRect();
        return { x: b.left - rb.left, w: b.width, h: b.height, right: rb.right - b.right, name: c.getAttribute('aria-label') ?? '' };
      });
    }),
  );

/** The mean height of the rows drawn (each row is justified to its own height, near the target). */
const rowHeight = async (page: Page): Promise<number> => {
  const r = await rows(page);
  return r.reduce((sum, row) => sum + row[0]!.h, 0) / r.length;
};

test('justified rows, size zoom kept across reloads, keyboard by rows, day headings', async ({ page }) => {
  test.setTimeout(120_000);
  const s = await serve([], {}, (dir) => writeSyntheticCatalog(join(dir, 'lib'), 3_000, [join(dir, 'Photos')]));
  try {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(s.url);
    await page.evaluate(() => localStorage.clear());
    await page.getByRole('button', { name: /^Photos/ }).click();
    await expect(page.locator('button.cell').first()).toBeVisible({ timeout: 60_000 });

    // Every row but a section's last ends at the right edge, to a pixel; photos keep their shapes (IMG_n: n % 13
    // is a 3:1 panorama, n % 3 a 3:4 portrait, the others 4:3).
    const all = await rows(page);
    expect(all.length).toBeGreaterThan(3);
    for (const r of all.slice(0, -1)) expect(Math.abs(r.at(-1)!.right)).toBeLessThanOrEqual(1);
    let portraits = 0;
    for (const r of all) {
      r.forEach((c, k) => {
        const id = Number(/IMG_(\d+)/.exec(c.name)?.[1]);
        if (!id) return;
        const aspect = id % 13 === 0 ? 3 : id % 3 === 0 ? 0.75 : 4 / 3;
        if (aspect < 1) portraits++;
        // The last photo of a row takes up the rounding of the others.
        expect(Math.abs(c.w - aspect * c.h), `IMG_${id}`).toBeLessThanOrEqual(k === r.length - 1 ? r.length + 1 : 1);
      });
    }
    expect(portraits).toBeGreaterThan(3);
    const before = await rowHeight(page);
    expect(before).toBeGreaterThan(130);
    expect(before).toBeLessThan(260);

    // Ctrl + with the keyboard in the photos: larger photos, and the page itself is not zoomed.
    const grid = page.getByRole('region', { name: /photos; arrow keys move/ });
    await grid.focus();
    await page.keyboard.press('Control+Equal');
    await expect.poll(() => rowHeight(page)).toBeGreaterThan(before * 1.15);
    await page.keyboard.press('Control+Minus');
    await page.keyboard.press('Control+Minus');
    await expect.poll(() => rowHeight(page)).toBeLessThan(before * 0.92);
    const small = await rowHeight(page);
    const slider = page.getByRole('slider', { name: 'Photo size' });
    await expect(slider).toHaveValue('144');
    // Kept across a reload.
    await page.reload();
    await page.getByRole('button', { name: /^Photos/ }).click();
    await expect(page.locator('button.cell').first()).toBeVisible();
    expect(Math.abs((await rowHeight(page)) - small)).toBeLessThan(small * 0.25);
    await expect(page.getByRole('slider', { name: 'Photo size' })).toHaveValue('144');

    // Elsewhere (the search box), Ctrl + is left to the browser: the app does not take it.
    const taken = await page.evaluate(() => {
      const input = document.getElementById('search-input')!;
      input.focus();
      const e = new KeyboardEvent('keydown', { key: '=', ctrlKey: true, bubbles: true, cancelable: true });
      input.dispatchEvent(e);
      return e.defaultPrevented;
    });
    expect(taken).toBe(false);
    await expect(page.getByRole('slider', { name: 'Photo size' })).toHaveValue('144');
    // In the grid it is taken (no page zoom on top of the photo size).
    const takenInGrid = await page.evaluate(() => {
      const g = document.querySelector<HTMLElement>('.scroller')!;
      g.focus();
      const e = new KeyboardEvent('keydown', { key: '-', ctrlKey: true, bubbles: true, cancelable: true });
      g.dispatchEvent(e);
      return e.defaultPrevented;
    });
    expect(takenInGrid).toBe(true);
    await expect(page.getByRole('slider', { name: 'Photo size' })).toHaveValue('116');
    // The slider sets it directly.
    await slider.fill('240');
    await expect.poll(() => rowHeight(page)).toBeGreaterThan(200);

    // Arrow keys: Down goes to the row below (the photo under the middle of this one), Right to the next photo.
    await grid.focus();
    await page.keyboard.press('ArrowRight');
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '');
    const firstName = await focused();
    expect(firstName).toMatch(/IMG_/);
    const firstRow = (await rows(page))[0]!.map((c) => c.name);
    await page.keyboard.press('ArrowDown');
    const below = await focused();
    expect(firstRow).not.toContain(below);
    expect((await rows(page))[1]!.map((c) => c.name)).toContain(below);
    await page.keyboard.press('ArrowUp');
    expect(await focused()).toBe(firstName);

    // By date: month headings, day headings under them ("Sat 1 January"), photos under each day.
    await page.getByRole('button', { name: 'By date' }).click();
    await expect(page.locator('.scroller .header h2').first()).toHaveText('December 2024');
    const days = await page.locator('.scroller .day-header h3').allTextContents();
    expect(days.length).toBeGreaterThan(1);
    for (const d of days) expect(d).toMatch(/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} December$/);
    // Days of a photo or two share a row, side by side, each under its own heading (not a row a day).
    const tops = await page.locator('.scroller .day-header').evaluateAll((hs) => hs.map((h) => Math.round(h.getBoundingClientRect().top)));
    expect(new Set(tops).size).toBeLessThan(tops.length);
    await page.screenshot({ path: join(ROOT, 'test-results', 'screens', 'grid-by-date-small-days-1440x900.png') });
  } finally {
    await s.stop();
  }
});
