/**
 * RAW photos in the browser: real RAW files (shared/data/raw) show in the grid with a thumbnail, open in the
 * viewer through their embedded preview (upright: the Sony is stored sideways), and a RAW beside a JPEG of the
 * same name is one photo whose details list both files. Real engine, SqueezeNet test model. Screenshots of the
 * grid and the viewer.
 */
import { test, expect } from '@playwright/test';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, serve, SHARED, SQUEEZENET } from './serve-fixture';

const haveShared = existsSync(SQUEEZENET) && existsSync(join(SHARED, 'raw', 'manifest.tsv'));
const shots = join(ROOT, 'test-results', 'screenshots');
mkdirSync(shots, { recursive: true });

test('RAW photos show in the grid, open in the viewer, and a RAW+JPEG pair is one photo', async ({ page }) => {
  test.skip(!haveShared, `../shared/data not found (${SHARED}): this test needs the SqueezeNet test model and the real RAW files`);
  test.setTimeout(180_000);
  const s = await serve(['--model', SQUEEZENET]);
  try {
    const folder = join(s.dir, 'Photos');
    mkdirSync(folder);
    copyFileSync(join(SHARED, 'raw', 'pentax_k-3ii_trunc.pef'), join(folder, 'lake.pef'));
    copyFileSync(join(SHARED, 'raw', 'sony_zv-e10_rot90_trunc.arw'), join(folder, 'beer.arw'));
    copyFileSync(join(SHARED, 'raw', 'canon_eos-r6_crop_trunc.cr3'), join(folder, 'IMG_0001.CR3'));
    copyFileSync(join(SHARED, 'photos', 'hugin_forest.jpg'), join(folder, 'IMG_0001.JPG'));
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(s.url);
    const added = await page.evaluate(
      async (path) => (await fetch('/api/folders.add', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path }) })).status,
      folder,
    );
    expect(added).toBe(200);
    await page.getByRole('button', { name: 'By date' }).click();
    // Four files, three photos: the CR3 is shown as part of its JPEG.
    await expect(page.locator('button.cell')).toHaveCount(3, { timeout: 60_000 });
    await expect(page.locator('button.cell', { hasText: /not tagged yet/ })).toHaveCount(0, { timeout: 60_000 });
    await expect(page.getByRole('button', { name: /^IMG_0001\.CR3/ })).toHaveCount(0);
    const lake = page.getByRole('button', { name: /^lake\.pef, / });
    await expect(lake).toBeVisible();
    // Every thumbnail loaded (a RAW's comes from its embedded preview).
    await expect
      .poll(() => page.locator('button.cell img').evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0).length), { timeout: 30_000 })
      .toBe(3);
    await page.screenshot({ path: join(shots, 'raw-grid.png') });

    // The PEF in the viewer: its 720x480 preview.
    await lake.click();
    const viewer = page.getByRole('dialog', { name: /^Photo / });
    const img = viewer.locator('.stage img');
    await expect(img).toHaveJSProperty('complete', true);
    expect(await img.evaluate((i) => [(i as HTMLImageElement).naturalWidth, (i as HTMLImageElement).naturalHeight])).toEqual([720, 480]);
    await expect(viewer).toContainText('PENTAX K-3 II');
    await page.screenshot({ path: join(shots, 'raw-viewer.png') });
    await page.keyboard.press('Escape');
    await expect(viewer).toHaveCount(0);

    // The Sony, stored sideways (160x120), is shown upright.
    await page.getByRole('button', { name: /^beer\.arw, / }).click();
    await expect(img).toHaveJSProperty('complete', true);
    expect(await img.evaluate((i) => [(i as HTMLImageElement).naturalWidth, (i as HTMLImageElement).naturalHeight])).toEqual([120, 160]);
    await page.keyboard.press('Escape');

    // The pair: one photo, both files in its details.
    await page.getByRole('button', { name: /^IMG_0001\.JPG, / }).click();
    await expect(viewer.locator('.files')).toContainText('IMG_0001.JPG');
    await expect(viewer.locator('.files')).toContainText('IMG_0001.CR3');
    await page.screenshot({ path: join(shots, 'raw-pair-details.png') });
  } finally {
    await s.stop();
  }
});
