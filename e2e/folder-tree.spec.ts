/**
 * The folder tree, end to end: a watched folder with nested subfolders
 * (real photos) expands in the sidebar to its subfolders with their counts;
 * a subfolder opens like a scene, its path as the heading, all the photos
 * under it listed. Screenshots at 800x600 and 1920x1080, light and dark.
 */
import { test, expect, type Page } from '@playwright/test';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, serve, SHARED } from './serve-fixture';

const photos = join(SHARED, 'photos');
const shots = join(ROOT, 'test-results', 'screenshots');
mkdirSync(shots, { recursive: true });

test.describe('folder tree', () => {
  test.skip(!existsSync(photos), `no shared photos at ${photos}`);

  test('expand a watched folder, open a subfolder, see its photos', async ({ page }) => {
    test.setTimeout(120_000);
    const s = await serve();
    try {
      const root = join(s.dir, 'Pictures');
      const put = (dir: string, files: string[]) => {
        mkdirSync(join(root, dir), { recursive: true });
        for (const f of files) copyFileSync(join(photos, f), join(root, dir, f));
      };
      put('', ['kpa_bar.jpg']);
      put('2019/Trips/Été à Zürich', ['kpa_grand_canyon.jpg', 'hugin_forest.jpg']);
      put('2019/Trips/Été à Zürich/Day 2', ['sklearn_pagoda.jpg']);
      put('2019/Home', ['fotoxx_living_room.jpg']);
      put('2020', ['lxqt_mountains.jpg', 'digikam_lake.jpg']);

      await page.setViewportSize({ width: 1920, height: 1080 });
      await page.goto(s.url);
      await page.getByLabel('Folder on the computer running Scenery').fill(root);
      await page.getByRole('button', { name: 'Add folder', exact: true }).click();
      const sidebar = page.getByRole('navigation', { name: 'Library' });
      await expect(sidebar.getByRole('button', { name: /^Pictures\s*7$/ })).toBeVisible({ timeout: 60_000 });

      // Expand the watched folder: its subfolders, by name, with every photo under each counted.
      const disclose = sidebar.getByRole('button', { name: `Subfolders of ${root}` });
      await expect(disclose).toHaveAttribute('aria-expanded', 'false');
      await disclose.click();
      await expect(disclose).toHaveAttribute('aria-expanded', 'true');
      const tree = sidebar.getByRole('list', { name: 'Subfolders' }).first();
      await expect(tree.getByRole('button', { name: /^2019\s*4$/ })).toBeVisible();
      await expect(tree.getByRole('button', { name: /^2020\s*2$/ })).toBeVisible();
      await expect(tree.getByRole('button', { name: /^Trips/ })).toHaveCount(0);

      // Nested: 2019 opens to Home and Trips; Trips to Été à Zürich (3: two photos and Day 2's one).
      await tree.getByRole('button', { name: 'Subfolders of 2019' }).click();
      await tree.getByRole('button', { name: 'Subfolders of Trips' }).click();
      await expect(tree.getByRole('button', { name: /^Home\s*1$/ })).toBeVisible();
      const ete = tree.getByRole('button', { name: /^Été à Zürich\s*3$/ });
      await expect(ete).toBeVisible();

      // Opening it shows its photos (recursively), the path as the heading.
      await ete.click();
      await expect(ete).toHaveAttribute('aria-current', 'page');
      await expect(page.getByText('Pictures › 2019 › Trips › Été à Zürich').first()).toBeVisible();
      const main = page.locator('main');
      await expect(main.getByRole('button', { name: /kpa_grand_canyon\.jpg/ })).toBeVisible();
      await expect(main.getByRole('button', { name: /hugin_forest\.jpg/ })).toBeVisible();
      await expect(main.getByRole('button', { name: /sklearn_pagoda\.jpg/ })).toBeVisible();
      await expect(main.getByRole('button', { name: /kpa_bar\.jpg|lxqt_mountains\.jpg|fotoxx_living_room\.jpg/ })).toHaveCount(0);
      await page.waitForFunction(() => document.querySelectorAll('.cell img').length === 3 && [...document.querySelectorAll<HTMLImageElement>('.cell img')].every((i) => i.complete && i.naturalWidth > 0));

      // The same count as folder: search finds.
      const found = await page.evaluate(async () => (await (await fetch('/api/search.run', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ q: 'folder:zürich' }) })).json()) as { value: { total: number } });
      expect(found.value.total).toBe(3);

      for (const [w, h] of [[1920, 1080], [800, 600]] as const) {
        await page.setViewportSize({ width: w, height: h });
        for (const scheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme: scheme });
          await ete.scrollIntoViewIfNeeded();
          await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
          await shot(page, `tree-${w}x${h}-${scheme}`);
        }
      }
    } finally {
      await s.stop();
    }
  });
});

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`) });
}
