/**
 * Keywords other apps wrote, in browser mode (`scenery serve`, the SqueezeNet test model): the photo view lists
 * the keywords of the file and its sidecar, a keyword searches `keyword:"…"`, and a plain word finds them too.
 * The fixture's keywords are written by the system's exiftool into a copy of a real photo.
 */
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, serve, SHARED, SQUEEZENET, type Served } from './serve-fixture';

const EXIFTOOL = '/usr/bin/exiftool';
const ready = existsSync(SQUEEZENET) && existsSync(EXIFTOOL);

test('the photo view lists keywords from the file and its sidecar; a keyword searches for its photos', async ({ page }) => {
  test.skip(!ready, `needs ../shared/data (${SHARED}: the SqueezeNet test model and real photos) and ${EXIFTOOL} to write the fixture`);
  test.setTimeout(180_000);
  let s: Served | null = null;
  try {
    s = await serve(['--model', SQUEEZENET]);
    const folder = join(s.dir, 'Photos');
    mkdirSync(folder);
    copyFileSync(join(SHARED, 'photos', 'hugin_forest.jpg'), join(folder, 'IMG_1.jpg'));
    copyFileSync(join(SHARED, 'photos', 'kpa_bar.jpg'), join(folder, 'IMG_2.jpg'));
    execFileSync(EXIFTOOL, ['-q', '-overwrite_original', '-IPTC:Keywords=Grandma', '-XMP-lr:HierarchicalSubject=Places|Black Forest', join(folder, 'IMG_1.jpg')]);
    execFileSync(EXIFTOOL, ['-q', '-XMP-dc:Subject=Lightroom pick', '-o', join(folder, 'IMG_1.xmp')]);
    await page.goto(s.url);
    const added = await page.evaluate(async (path) => (await fetch('/api/folders.add', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path }) })).status, folder);
    expect(added).toBe(200);
    await page.getByRole('button', { name: 'By date' }).click();
    await expect(page.locator('button.cell')).toHaveCount(2, { timeout: 60_000 });
    await expect(page.locator('button.cell', { hasText: /not tagged yet/ })).toHaveCount(0, { timeout: 60_000 });

    const box = page.getByRole('combobox', { name: 'Search photos by scene' });
    await box.fill('grandma');
    await box.press('Enter');
    await expect(page.locator('button.cell')).toHaveCount(1);
    await page.locator('button.cell').first().click();
    const viewer = page.getByRole('dialog', { name: /^Photo / });
    const keywords = viewer.getByLabel('Keywords');
    await expect(keywords.getByRole('button')).toHaveText(['Places|Black Forest', 'Grandma', 'Lightroom pick']);
    await page.screenshot({ path: join(ROOT, 'test-results', 'screenshots', 'keywords-photo-view.png') });

    await keywords.getByRole('button', { name: 'Lightroom pick' }).click();
    await expect(viewer).toHaveCount(0);
    await expect(page.getByLabel('Search terms')).toContainText('keyword:Lightroom pick');
    await expect(page.locator('button.cell')).toHaveCount(1);
    await expect(page.locator('button.cell').first()).toHaveAccessibleName(/IMG_1\.jpg/);
  } finally {
    await s?.stop();
  }
});
