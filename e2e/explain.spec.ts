/**
 * "Why?" end to end: `scenery serve` with a VGG16-shaped model, the `tiny` conformance network converted by
 * Scenery's own converter (Grad-CAM at relu5_3 needs a VGG16; the SqueezeNet test model is not one, and real
 * VGG16 weights cannot be downloaded here). Its weights are synthetic, so the maps are exact but mean nothing.
 * Open a photo, toggle "Why?", pick another scene, see the map change; screenshots at 800x600 and 1920x1080,
 * light and dark. Then a SqueezeNet library, where the UI must say plainly that explanations need VGG16.
 */
import { test, expect, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, serve, SHARED, SQUEEZENET, type Served } from './serve-fixture';

const TINY = join(SHARED, 'reference', 'tiny', 'model.caffemodel');
const haveShared = existsSync(TINY) && existsSync(SQUEEZENET);
const shots = join(ROOT, 'test-results', 'screenshots');
mkdirSync(shots, { recursive: true });

async function addPhotos(page: Page, s: Served, files: string[]): Promise<void> {
  const folder = join(s.dir, 'My Photos');
  mkdirSync(folder, { recursive: true });
  for (const f of files) copyFileSync(join(SHARED, 'photos', f), join(folder, f));
  await page.goto(s.url);
  await page.getByLabel('Folder on the computer running Scenery').fill(folder);
  await page.getByRole('button', { name: 'Add folder', exact: true }).click();
  // The photos themselves are listed By date (By scene is an overview of scene cards).
  await page.getByRole('button', { name: 'By date' }).click();
}

const canvasData = (page: Page): Promise<string> => page.locator('canvas.heat').evaluate((c) => (c as HTMLCanvasElement).toDataURL());

test.describe('why this scene', () => {
  test('toggle "Why?", pick another scene, the map changes', async ({ page }) => {
    test.skip(!haveShared, `../shared/data not found (${SHARED}): this test needs the conformance fixtures and real photos`);
    test.setTimeout(180_000);
    const modelDir = mkdtempSync(join(tmpdir(), 'scenery-e2e-tiny-'));
    let s: Served | null = null;
    try {
      const model = join(modelDir, 'tiny.onnx');
      const conv = spawnSync(process.execPath, [join(ROOT, 'bin', 'scenery.mjs'), 'model', 'convert', TINY, '--out', model], { encoding: 'utf8' });
      expect(conv.status, conv.stderr).toBe(0);
      s = await serve(['--model', model]);
      await page.setViewportSize({ width: 1920, height: 1080 });
      await addPhotos(page, s, ['kpa_grand_canyon.jpg', 'hugin_church.jpg']);
      const photo = page.getByRole('button', { name: /kpa_grand_canyon\.jpg, / });
      await expect(photo).toBeVisible({ timeout: 60_000 });
      await photo.click();
      const viewer = page.getByRole('dialog', { name: /kpa_grand_canyon\.jpg/ });
      const why = viewer.getByRole('button', { name: 'Why?' });
      // Keyboard: focus the toggle and press Enter.
      await why.focus();
      await page.keyboard.press('Enter');
      await expect(why).toHaveAttribute('aria-pressed', 'true');
      await expect(viewer.getByRole('status')).toContainText('Where the network saw', { timeout: 30_000 });
      const heat = page.locator('canvas.heat');
      await expect(heat).toBeVisible();
      const firstLabel = await heat.getAttribute('data-label');
      const first = await canvasData(page);
      await page.screenshot({ path: join(shots, 'explain-1920-light.png') });

      // Another of the top 5: a different map.
      const select = viewer.getByRole('combobox', { name: 'Scene to explain' });
      const values = await select.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      expect(values.length).toBeGreaterThanOrEqual(5);
      const other = values.find((v) => v !== firstLabel)!;
      await select.selectOption(other);
      await expect(heat).toHaveAttribute('data-label', other);
      await expect.poll(() => canvasData(page)).not.toBe(first);

      // Opacity slider, from the keyboard.
      const before = await canvasData(page);
      await viewer.getByRole('slider', { name: 'Heat map opacity' }).focus();
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('ArrowLeft');
      await expect.poll(() => canvasData(page)).not.toBe(before);

      // Zoomed in, the map is hidden (it is drawn for the whole photo at Fit) and the panel says so; Fit brings it back.
      await viewer.getByRole('button', { name: 'Zoom in' }).click();
      await expect(heat).toHaveCount(0);
      await expect(viewer.getByRole('status')).toContainText('Zoomed in: the map shows at Fit');
      await viewer.getByRole('button', { name: 'Fit' }).click();
      await expect(heat).toBeVisible();

      await page.emulateMedia({ colorScheme: 'dark' });
      await page.screenshot({ path: join(shots, 'explain-1920-dark.png') });
      await page.setViewportSize({ width: 800, height: 600 });
      await page.waitForTimeout(300); // let the overlay follow the resized photo before the screenshot
      await page.screenshot({ path: join(shots, 'explain-800-dark.png') });
      await page.emulateMedia({ colorScheme: 'light' });
      await page.screenshot({ path: join(shots, 'explain-800-light.png') });

      // Off again: no overlay.
      await why.click();
      await expect(heat).toHaveCount(0);
    } finally {
      await s?.stop();
      rmSync(modelDir, { recursive: true, force: true });
    }
  });

  test('with a SqueezeNet model, says plainly that explanations need VGG16', async ({ page }) => {
    test.skip(!haveShared, `../shared/data not found (${SHARED}): this test needs the SqueezeNet test model and real photos`);
    test.setTimeout(120_000);
    let s: Served | null = null;
    try {
      s = await serve(['--model', SQUEEZENET]);
      await page.setViewportSize({ width: 1360, height: 860 });
      await addPhotos(page, s, ['kpa_bar.jpg']);
      const photo = page.getByRole('button', { name: /kpa_bar\.jpg, pub/ });
      await expect(photo).toBeVisible({ timeout: 60_000 });
      await photo.click();
      const viewer = page.getByRole('dialog', { name: /kpa_bar\.jpg/ });
      await viewer.getByRole('button', { name: 'Why?' }).click();
      await expect(viewer.getByRole('alert')).toContainText('Explanations need a VGG16 scene model');
      await expect(page.locator('canvas.heat')).toHaveCount(0);
      await page.screenshot({ path: join(shots, 'explain-squeezenet.png') });
    } finally {
      await s?.stop();
    }
  });
});
