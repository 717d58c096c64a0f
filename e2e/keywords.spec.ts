/**
 * Keywords in other apps, from the model panel (issue 10): off by default; "In XMP sidecar files" writes a sidecar
 * beside each tagged photo; "Into the photo files" asks first, with the plain warning that it rewrites the files;
 * "Remove Scenery's keywords from files" takes them out again and turns writing off.
 */
import { test, expect } from '@playwright/test';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SHARED, SQUEEZENET, serve, type Served } from './serve-fixture';

const haveShared = existsSync(SQUEEZENET);
const shots = join(ROOT, 'test-results', 'screenshots');

test('sidecars, then into the files after a warning, then remove', async ({ page }) => {
  test.skip(!haveShared, `../shared/data not found (${SHARED}): this test needs the SqueezeNet test model and real photos`);
  test.setTimeout(180_000);
  let s: Served | null = null;
  try {
    s = await serve(['--model', SQUEEZENET]);
    const folder = join(s.dir, 'Trip');
    mkdirSync(folder);
    // Writable copies (the shared originals are read-only, and Scenery leaves read-only files alone).
    for (const f of ['sklearn_pagoda.jpg', 'kpa_grand_canyon.jpg']) {
      copyFileSync(join(SHARED, 'photos', f), join(folder, f));
      chmodSync(join(folder, f), 0o644);
    }
    await page.setViewportSize({ width: 800, height: 600 });
    await page.goto(s.url);
    await page.getByLabel('Folder on the computer running Scenery').fill(folder);
    await page.getByRole('button', { name: 'Add folder', exact: true }).click();
    await expect(page.getByRole('button', { name: /^pagoda, 1 photo/ })).toBeVisible({ timeout: 60_000 });

    await page.getByRole('button', { name: 'Scene model' }).click();
    const dialog = page.getByRole('dialog', { name: 'Scene model' });
    const mode = dialog.getByRole('combobox', { name: 'Write keywords' });
    await expect(mode).toHaveValue('off');
    expect(readdirSync(folder).filter((n) => n.endsWith('.xmp'))).toEqual([]);

    await mode.selectOption('sidecar');
    await expect(dialog.getByText(/Done: 2 file\(s\) changed/)).toBeVisible({ timeout: 60_000 });
    const sidecar = join(folder, 'sklearn_pagoda.xmp');
    expect(readFileSync(sidecar, 'utf8')).toContain('Scenery|Outdoor|Religion|pagoda');
    await dialog.getByRole('combobox', { name: 'Sidecar name' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, 'keywords-sidecar-800x600.png') });

    // Embedded: a confirmation with the warning first; dismissing it changes nothing.
    const messages: string[] = [];
    page.once('dialog', (d) => {
      messages.push(d.message());
      void d.dismiss();
    });
    await mode.selectOption('embedded');
    await expect.poll(() => messages.length).toBe(1);
    expect(messages[0]).toContain('rewrite your photo files');
    await expect(mode).toHaveValue('sidecar');
    page.once('dialog', (d) => void d.accept());
    await mode.selectOption('embedded');
    await expect(dialog.getByRole('note')).toContainText('RAW files other than DNG get a sidecar instead');
    await expect(dialog.getByText(/Done: 2 file\(s\) changed/)).toBeVisible({ timeout: 60_000 });
    expect(readFileSync(join(folder, 'sklearn_pagoda.jpg')).includes('Scenery|Outdoor|Religion|pagoda')).toBe(true);
    // The sidecars Scenery made are gone: the keywords moved into the files.
    expect(readdirSync(folder).filter((n) => n.endsWith('.xmp'))).toEqual([]);

    page.once('dialog', (d) => void d.accept());
    await dialog.getByRole('button', { name: "Remove Scenery's keywords from files" }).click();
    await expect(mode).toHaveValue('off');
    await expect(dialog.getByText(/Done: 2 file\(s\) changed/)).toBeVisible({ timeout: 60_000 });
    expect(readFileSync(join(folder, 'sklearn_pagoda.jpg')).includes('Scenery|')).toBe(false);
  } finally {
    await s?.stop();
  }
});
