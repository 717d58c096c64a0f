/**
 * Browser mode, end to end: `scenery serve` (real engine, the SqueezeNet
 * test model, real photos) driven in Debian's Chromium.
 */
import { test, expect, type Page } from '@playwright/test';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ROOT, serve, SHARED, SQUEEZENET, type Served } from './serve-fixture';

const haveShared = existsSync(SQUEEZENET);
const shots = join(ROOT, 'test-results', 'screenshots');
mkdirSync(shots, { recursive: true });

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

test.describe('browser mode', () => {
  test('round trip through the contract; 401 without a token off loopback', async ({ page, request }) => {
    const s = await serve();
    try {
      await page.goto(s.url);
      await expect(page.getByRole('heading', { name: /grouped by the kind of place they show/ })).toBeVisible();
      const info = await page.evaluate(async () => (await fetch('/api/app.info', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json());
      expect(info).toMatchObject({ ok: true, value: { name: 'Scenery', mode: 'browser' } });
      await expect(page.getByRole('button', { name: 'Scene model' })).toContainText('No scene model');
      await shot(page, '01-first-run');
      await page.getByRole('button', { name: 'Scene model' }).click();
      await expect(page.getByRole('dialog', { name: 'Scene model' })).toContainText('Download VGG16-Places365');
      await shot(page, '02-model-panel-missing');
      await page.keyboard.press('Escape');
      if (haveShared) {
        // Without the model Scenery is still a photo browser, and says why nothing is tagged.
        const folder = join(s.dir, 'Untagged');
        mkdirSync(folder);
        for (const f of ['kpa_bar.jpg', 'hugin_forest.jpg', 'sklearn_pagoda.png']) copyFileSync(join(SHARED, 'photos', f), join(folder, f));
        await page.getByLabel('Folder on the computer running Scenery').fill(folder);
        await page.getByRole('button', { name: 'Add folder', exact: true }).click();
        await expect(page.getByRole('region', { name: 'Indexing progress' })).toContainText('waiting: No scene model is installed yet.');
        await expect(page.getByRole('status').filter({ hasText: 'not tagged with scenes yet' })).toBeVisible();
        // The overview of scenes has one card, "Not yet tagged"; its page shows the photos.
        await page.getByRole('button', { name: /^Not yet tagged, 3 photos/ }).click();
        await expect(page.getByRole('button', { name: /kpa_bar\.jpg, not tagged yet/ })).toBeVisible();
        await page.waitForFunction(() => document.querySelectorAll('.cell img').length === 3 && [...document.querySelectorAll<HTMLImageElement>('.cell img')].every((i) => i.complete && i.naturalWidth > 0));
        await shot(page, '02b-browsing-without-model');
      }
    } finally {
      await s.stop();
    }
    const guarded = await serve(['--host', '0.0.0.0']);
    try {
      const port = new URL(guarded.url).port;
      const token = /token=(\S+)/.exec(guarded.url)?.[1];
      expect(token).toBeTruthy();
      expect((await request.get(`http://127.0.0.1:${port}/`)).status()).toBe(401);
      expect((await request.get(`http://127.0.0.1:${port}/index.html`)).status()).toBe(401);
      expect((await request.post(`http://127.0.0.1:${port}/api/library.status`, { data: {} })).status()).toBe(401);
      expect(guarded.output()).toContain('Token:');
    } finally {
      await guarded.stop();
    }
  });

  test('add a folder, browse by scene, search, open, correct, reload, live add', async ({ page }) => {
    test.skip(!haveShared, `../shared/data not found (${SHARED}): this test needs the SqueezeNet test model and real photos`);
    test.setTimeout(180_000);
    let s: Served | null = null;
    try {
      s = await serve(['--model', SQUEEZENET]);
      const folder = join(s.dir, 'My Photos');
      mkdirSync(folder);
      for (const f of ['kpa_bar.jpg', 'sklearn_pagoda.jpg', 'skimage_garage.jpg', 'kpa_grand_canyon.jpg', 'hugin_forest.jpg', 'renpy_country_road.jpg', 'kpa_snowy_airport.jpg', 'digikam_lake.jpg']) {
        copyFileSync(join(SHARED, 'photos', f), join(folder, f));
      }
      await page.setViewportSize({ width: 1360, height: 860 });
      await page.goto(s.url);
      await page.getByLabel('Folder on the computer running Scenery').fill('/no/such/folder');
      await page.getByRole('button', { name: 'Add folder', exact: true }).click();
      await expect(page.getByRole('alert')).toContainText('does not exist');
      await page.getByLabel('Folder on the computer running Scenery').fill(folder);
      await page.getByRole('button', { name: 'Add folder', exact: true }).click();

      // Progress, then scene groups.
      await expect(page.getByRole('navigation', { name: 'Library' }).getByRole('button', { name: /^My Photos/ })).toBeVisible();
      // By scene is an overview of scene cards; a card opens its scene.
      const pagodaCard = page.getByRole('button', { name: /^pagoda, 1 photo/ });
      await expect(pagodaCard).toBeVisible({ timeout: 60_000 });
      await expect(page.getByRole('navigation', { name: 'Library' })).toContainText('Religion');
      await page.waitForFunction(() => document.querySelectorAll('.card img').length >= 4);
      await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.card img')].every((i) => i.complete && i.naturalWidth > 0));
      await shot(page, '03-library-by-scene');
      await pagodaCard.click();
      await expect(page.getByRole('heading', { name: 'pagoda' })).toBeVisible();
      await expect(page.getByRole('button', { name: /sklearn_pagoda\.jpg, pagoda/ })).toBeVisible();
      await page.getByRole('button', { name: 'Back' }).click();
      await expect(pagodaCard).toBeFocused();

      // Search a scene: results as you type, chips.
      await page.keyboard.press('/');
      await page.keyboard.type('pagoda OR canyon');
      await expect(page.getByLabel('Search terms')).toContainText('pagoda');
      await expect(page.getByRole('heading', { name: '2 photos' })).toBeVisible();
      await shot(page, '04-search');
      await page.getByRole('button', { name: /Remove canyon/ }).click();
      await expect(page.getByRole('heading', { name: '1 photo' })).toBeVisible();
      await page.getByRole('combobox', { name: 'Search photos by scene' }).fill('zzqx');
      await expect(page.getByText('No scene or family called "zzqx"')).toBeVisible();
      await shot(page, '05-search-no-results');
      await page.getByRole('combobox', { name: 'Search photos by scene' }).fill('');
      await page.getByRole('combobox', { name: 'Search photos by scene' }).press('Escape');

      // Open a photo (from all photos, By date), see its predictions, correct its scene.
      await page.getByRole('button', { name: 'By date' }).click();
      // The grid draws only the rows near the view: January 2003 is the last month, a day heading per photo above it.
      await expect(page.getByRole('heading', { name: 'November 2021' })).toBeVisible();
      await page.locator('.scroller').evaluate((e) => (e.scrollTop = e.scrollHeight));
      await page.getByRole('button', { name: /kpa_grand_canyon\.jpg/ }).click();
      const viewer = page.getByRole('dialog', { name: /kpa_grand_canyon\.jpg/ });
      await expect(viewer.getByRole('meter').first()).toBeVisible();
      await expect(viewer).toContainText('outdoor');
      await expect(viewer.locator('.stage img')).toHaveJSProperty('complete', true);
      await shot(page, '06-photo-view');
      await viewer.getByRole('button', { name: 'Set scene…' }).click();
      await page.keyboard.type('desert (sa');
      await expect(viewer.getByRole('combobox')).toHaveValue('desert (sa');
      await expect(viewer.getByRole('option', { name: /desert \(sand\)/ })).toBeVisible();
      await shot(page, '07-set-scene');
      await page.keyboard.press('Enter');
      await expect(viewer).toContainText('Your tag: desert (sand)');
      await page.keyboard.press('ArrowRight');
      await expect(page.getByRole('dialog', { name: /Photo / })).not.toHaveAccessibleName(/kpa_grand_canyon/);
      await page.keyboard.press('Escape');
      await expect(page.getByRole('dialog')).toHaveCount(0);

      // Reload: the correction persisted.
      await page.reload();
      await page.getByRole('button', { name: /^desert \(sand\), 1 photo/ }).click({ timeout: 20_000 });
      await expect(page.getByRole('button', { name: /kpa_grand_canyon\.jpg, desert \(sand\) \(your tag\)/ })).toBeVisible();

      // Keyboard: the grid takes focus, arrows move between photos, Enter opens one, Esc closes it.
      await page.getByRole('region', { name: /photos; arrow keys move/ }).focus();
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('Enter');
      await expect(page.getByRole('dialog', { name: /^Photo / })).toBeVisible();
      await page.keyboard.press('Escape');
      await expect(page.getByRole('dialog')).toHaveCount(0);
      await expect(page.getByRole('slider', { name: /Show a scene from 10% confidence/ })).toBeVisible();

      // A new photo dropped into the folder appears, tagged, without a reload.
      await page.getByRole('button', { name: 'By date' }).click();
      copyFileSync(join(SHARED, 'photos', 'gcompris_sydney_harbor.jpg'), join(folder, 'harbour.jpg'));
      // The smallest photo size, and to the end of the grid (a photo without a date is last; rows far from the
      // view are not drawn).
      await page.getByRole('slider', { name: 'Photo size' }).fill('96');
      await expect.poll(() => page.locator('.scroller').evaluate((e) => { e.scrollTop = e.scrollHeight; return document.querySelectorAll('.cell img').length; }), { timeout: 30_000 }).toBe(9);
      await expect(page.getByRole('button', { name: /harbour\.jpg, (bridge|harbor)/ })).toBeVisible({ timeout: 30_000 });
      await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.cell img')].every((i) => i.complete && i.naturalWidth > 0));
      await shot(page, '08-by-date');
    } finally {
      await s?.stop();
    }
  });

  test('dark theme follows the OS', async ({ browser }) => {
    const s = await serve();
    try {
      const ctx = await browser.newContext({ colorScheme: 'dark', viewport: { width: 1200, height: 760 } });
      const page = await ctx.newPage();
      await page.goto(s.url);
      await expect(page.getByRole('heading', { name: /grouped by the kind of place they show/ })).toBeVisible();
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(bg).toBe('rgb(22, 23, 22)');
      await shot(page, '09-first-run-dark');
      await ctx.close();
    } finally {
      await s.stop();
    }
  });

  test('token login, and what a foreign page can and cannot load (SECURITY.md)', async ({ page }) => {
    test.skip(!haveShared, `../shared/data not found (${SHARED}): this test needs real photos`);
    // A given token is enforced on loopback too; the browser logs in once through ?token=.
    const s = await serve(['--token', 'open-sesame-e2e']);
    // A foreign site, as a page the user has open in another tab.
    const foreign = http.createServer((_req, res) => res.end('<!doctype html><title>elsewhere</title>'));
    await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', () => r()));
    const foreignPort = (foreign.address() as AddressInfo).port;
    const other = await page.context().newPage();
    try {
      const base = new URL(s.url).origin;
      await page.goto(s.url);
      expect(page.url()).toBe(`${base}/`);
      const folder = join(s.dir, 'Photos');
      mkdirSync(folder);
      copyFileSync(join(SHARED, 'photos', 'kpa_bar.jpg'), join(folder, 'kpa_bar.jpg'));
      await page.getByLabel('Folder on the computer running Scenery').fill(folder);
      await page.getByRole('button', { name: 'Add folder', exact: true }).click();
      // Same origin, through the port's cookie: commands, live events and media all work.
      await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.card img')].some((i) => i.complete && i.naturalWidth > 0));
      const thumb = await page.evaluate(() => document.querySelector<HTMLImageElement>('.card img')!.src);
      const cookies = await page.context().cookies(base);
      expect(cookies.map((c) => c.name)).toEqual([`scenery_session_${new URL(base).port}`]);
      expect(cookies[0]!.value).not.toContain('open-sesame-e2e');
      // A token URL pointing elsewhere lands on this server.
      await page.goto(`${base}/..//evil.example?token=open-sesame-e2e`);
      expect(new URL(page.url()).origin).toBe(base);

      const probe = (p: Page, src: string) =>
        p.evaluate(
          (u) =>
            new Promise<string>((resolve) => {
              const img = new Image();
              img.onload = () => resolve(`load ${img.naturalWidth}`);
              img.onerror = () => resolve('error');
              img.src = u;
            }),
          src,
        );
      expect(await probe(page, thumb)).toMatch(/^load \d+/);
      // Another port on the same host, and another host name: neither can load (or count) our photos.
      for (const origin of [`http://127.0.0.1:${foreignPort}`, `http://localhost:${foreignPort}`]) {
        await other.goto(`${origin}/`);
        expect(await probe(other, thumb), origin).toBe('error');
      }
    } finally {
      await other.close();
      foreign.close();
      await s.stop();
    }
  });
});
