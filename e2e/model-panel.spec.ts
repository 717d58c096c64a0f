/**
 * The model panel (issue 9, items 8 and 27): the switcher lists installed
 * models and changes the one in use; the offline fetch error names what is
 * really on screen and stays inside the dialog at 800x600.
 */
import { test, expect, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, serve } from './serve-fixture';
import { writeFixture } from '../src/test-support/onnx-fixtures';

const shots = join(ROOT, 'test-results', 'screenshots');
mkdirSync(shots, { recursive: true });

async function shots4(page: Page, name: string, then: () => Promise<void>): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    for (const [w, h] of [[800, 600], [1920, 1080]] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width: w, height: h });
      await then();
      await page.screenshot({ path: join(shots, `${name}-${w}x${h}-${scheme}.png`) });
    }
  }
}

/** No horizontal overflow in the dialog or the page. */
async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const m = await page.evaluate(() => {
    const panel = document.querySelector('[role="dialog"]')!;
    return { panel: panel.scrollWidth - panel.clientWidth, page: document.documentElement.scrollWidth - document.documentElement.clientWidth };
  });
  // The page itself at 800x600 is issue 9 item 24 (another change); here: the dialog.
  expect(m.panel).toBe(0);
}

test('offline fetch: the message points at the import form on screen and wraps inside the dialog', async ({ page }) => {
  const s = await serve([], { SCENERY_MODEL_BASE_URL: 'http://127.0.0.1:9' });
  try {
    await page.setViewportSize({ width: 800, height: 600 });
    await page.goto(s.url);
    await page.getByRole('button', { name: 'Scene model' }).click();
    const dialog = page.getByRole('dialog', { name: 'Scene model' });
    await dialog.getByRole('button', { name: /Download VGG16-Places365/ }).click();
    const alert = dialog.getByRole('alert').filter({ hasText: 'offline' });
    await expect(alert).toContainText('"Offline? Import a file"');
    await expect(alert).not.toContainText('Import file…');
    await expect(dialog.getByRole('heading', { name: 'Offline? Import a file' })).toBeVisible();
    await shots4(page, 'model-panel-offline', async () => {
      await expectNoSidewaysScroll(page);
      const a = (await alert.boundingBox())!;
      const d = (await dialog.boundingBox())!;
      expect(a.x + a.width).toBeLessThanOrEqual(d.x + d.width);
    });
  } finally {
    await s.stop();
  }
});

test('a download that fails before its answer arrives is not shown as downloading', async ({ page }) => {
  const s = await serve([], { SCENERY_MODEL_BASE_URL: 'http://127.0.0.1:9' });
  try {
    // The answer to model.fetch is the state when the download began; hold it until the failure has arrived as an event.
    await page.route('**/api/model.fetch', async (route) => {
      const response = await route.fetch();
      await new Promise((r) => setTimeout(r, 1500));
      await route.fulfill({ response });
    });
    await page.goto(s.url);
    await page.getByRole('button', { name: 'Scene model' }).click();
    const dialog = page.getByRole('dialog', { name: 'Scene model' });
    const answered = page.waitForResponse('**/api/model.fetch');
    await dialog.getByRole('button', { name: /Download VGG16-Places365/ }).click();
    await answered;
    await page.waitForTimeout(300);
    await expect(dialog.getByRole('alert').filter({ hasText: 'offline' }).first()).toBeVisible();
    await expect(dialog.getByRole('heading', { name: 'Offline? Import a file' })).toBeVisible();
    await expect(dialog.getByRole('button', { name: 'Pause' })).toHaveCount(0);
  } finally {
    await s.stop();
  }
});

test('the switcher lists installed models and changes the one in use', async ({ page }) => {
  const s = await serve([], {}, (dir) => {
    const models = join(dir, 'models');
    for (const [name, title, classes] of [['custom-first', 'First test model', 365], ['custom-second', 'Second test model', 1365]] as const) {
      const file = writeFixture(join(dir, 'src', `${name}.onnx`), { classes, props: { title } });
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'scenery.mjs'), 'model', 'import', file, '--name', name, '--models', models], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
    }
  });
  try {
    await page.goto(s.url);
    const badge = page.getByRole('button', { name: 'Scene model' });
    await expect(badge).toContainText('First test model');
    await badge.click();
    const dialog = page.getByRole('dialog', { name: 'Scene model' });
    const group = dialog.getByRole('group', { name: 'Installed models' });
    await expect(group.getByRole('radio')).toHaveCount(2);
    await expect(group.getByRole('radio', { name: /First test model/ })).toBeChecked();
    await group.getByRole('radio', { name: /Second test model/ }).check();
    await expect(badge).toContainText('Second test model');
    await expect(dialog).toContainText('365 places + 1000 ImageNet objects');
    await expect(group.getByRole('radio', { name: /Second test model/ })).toBeChecked();
    await expect(group.getByRole('radio', { name: /First test model/ })).toBeEnabled();
    await shots4(page, 'model-panel-switcher', () => expectNoSidewaysScroll(page));
  } finally {
    await s.stop();
  }
});
