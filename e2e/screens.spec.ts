/**
 * Every view at 800x600, 1440x900 and 1920x1080, light and dark (the app
 * follows prefers-color-scheme, emulated here): a screenshot of each for
 * people to look at (test-results/screens/, gitignored), no sideways scrolling
 * anywhere, and the text of each view at WCAG AA contrast against what it
 * sits on (computed from the page's own styles). The density of the overview
 * (≥ 24 cards at 1920x1080) on a synthetic library with every scene.
 */
import { test, expect, type Page } from '@playwright/test';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeSyntheticCatalog } from '../src/test-support/synthetic-catalog';
import { ROOT, serve, SHARED, SQUEEZENET, type Served } from './serve-fixture';

const shots = join(ROOT, 'test-results', 'screens');
mkdirSync(shots, { recursive: true });

const SIZES = [
  { width: 800, height: 600 },
  { width: 1440, height: 900 },
  { width: 1920, height: 1080 },
];
const THEMES = ['light', 'dark'] as const;

/** Real photos in two subfolders (the folder tree), and a few at the top. */
const PHOTOS: Record<string, string[]> = {
  '': ['digikam_lake.jpg', 'kpa_bar.jpg', 'hugin_church.jpg'],
  Trips: ['gcompris_pyramids.jpg', 'gcompris_sydney_harbor.jpg', 'kpa_grand_canyon.jpg', 'lxqt_mountains.jpg', 'sddm_maldives_pier.jpg', 'palapeli_bridge.jpg', 'renpy_country_road.jpg'],
  Home: ['fotoxx_living_room.jpg', 'kpa_billiards.jpg', 'skimage_garage.jpg', 'kpa_snowy_airport.jpg', 'hugin_forest.jpg', 'sklearn_pagoda.jpg'],
};

async function call<T>(s: Served, command: string, body: object = {}): Promise<T> {
  const r = await fetch(`${new URL(s.url).origin}/api/${command}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const env = (await r.json()) as { ok: boolean; value: T; error?: { message: string } };
  if (!env.ok) throw new Error(`${command}: ${env.error?.message}`);
  return env.value;
}

/** The document never scrolls sideways (nor does any view inside it). */
async function noSidewaysScroll(page: Page, what: string): Promise<void> {
  const m = await page.evaluate(() => ({
    doc: document.scrollingElement!.scrollWidth,
    inner: innerWidth,
    views: [...document.querySelectorAll<HTMLElement>('main, .overview, .scroller, .sidebar, .viewer, .panel, [role="dialog"]')]
      .filter((e) => getComputedStyle(e).overflowX !== 'hidden' && e.scrollWidth - e.clientWidth > 1)
      .map((e) => `${e.className || e.tagName}: ${e.scrollWidth} > ${e.clientWidth}`),
  }));
  expect(m.doc, `${what}: the page scrolls sideways`).toBeLessThanOrEqual(m.inner);
  expect(m.views, `${what}: a view scrolls sideways`).toEqual([]);
}

interface LowContrast {
  text: string;
  where: string;
  ratio: number;
  needed: number;
  fg: string;
  bg: string;
}

/**
 * WCAG 2.x AA: every visible piece of text against the colour behind it, from
 * the computed styles (text colour and opacity blended onto the stacked
 * backgrounds of its ancestors). Text over a photo or a gradient is skipped
 * (its background is not a colour; those captions carry their own dark scrim),
 * as is disabled text (exempt in WCAG). 4.5:1, or 3:1 for large text.
 */
async function lowContrast(page: Page): Promise<LowContrast[]> {
  return page.evaluate(() => {
    type RGBA = [number, number, number, number];
    const probe = document.createElement('canvas').getContext('2d')!;
    /** Any CSS colour the browser computes (rgb(), color(srgb …), …) as RGBA 0-255, alpha 0-1. */
    function parse(c: string): RGBA {
      const m = /^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)$/.exec(c);
      if (m) return [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])];
      const s = /^color\(srgb ([\d.e-]+) ([\d.e-]+) ([\d.e-]+)(?: \/ ([\d.e-]+))?\)$/.exec(c);
      if (s) return [Number(s[1]) * 255, Number(s[2]) * 255, Number(s[3]) * 255, s[4] === undefined ? 1 : Number(s[4])];
      probe.clearRect(0, 0, 1, 1);
      probe.fillStyle = c;
      probe.fillRect(0, 0, 1, 1);
      const d = probe.getImageData(0, 0, 1, 1).data;
      return [d[0]!, d[1]!, d[2]!, d[3]! / 255];
    }
    const over = (top: RGBA, under: RGBA): RGBA => {
      const a = top[3] + under[3] * (1 - top[3]);
      if (a === 0) return [0, 0, 0, 0];
      const ch = (i: number) => (top[i]! * top[3] + under[i]! * under[3] * (1 - top[3])) / a;
      return [ch(0), ch(1), ch(2), a];
    };
    const lum = (c: RGBA): number => {
      const f = (v: number) => {
        const s = v / 255;
        return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
    };
    /** The colour behind el: its own and its ancestors' backgrounds stacked; null over an image or a gradient. */
    function background(el: Element): RGBA | null {
      const layers: RGBA[] = [];
      for (let e: Element | null = el; e; e = e.parentElement) {
        const st = getComputedStyle(e);
        if (st.backgroundImage !== 'none') return null;
        if (e.tagName === 'IMG' || e.tagName === 'CANVAS' || e.tagName === 'VIDEO') return null;
        const c = parse(st.backgroundColor);
        if (c[3] > 0) layers.push(c);
        if (c[3] >= 1) break;
      }
      // A photo directly underneath (a caption laid over a thumbnail, a toolbar over the photo) is not a colour either.
      const r = el.getBoundingClientRect();
      const under = document.elementsFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      const self = under.indexOf(el);
      const below = under.slice(self + 1);
      const firstOpaque = below.findIndex((u) => parse(getComputedStyle(u).backgroundColor)[3] >= 1);
      if (below.slice(0, firstOpaque < 0 ? undefined : firstOpaque).some((u) => u.tagName === 'IMG' || u.tagName === 'CANVAS')) return null;
      let bg: RGBA = parse(getComputedStyle(document.body).backgroundColor);
      if (bg[3] < 1) bg = over(bg, [255, 255, 255, 1]);
      for (let k = layers.length - 1; k >= 0; k--) bg = over(layers[k]!, bg);
      return bg;
    }
    const out: { text: string; where: string; ratio: number; needed: number; fg: string; bg: string }[] = [];
    const seen = new Set<Element>();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent!.trim();
      const el = n.parentElement;
      if (!text || !el || seen.has(el)) continue;
      seen.add(el);
      const st = getComputedStyle(el);
      if (st.visibility !== 'visible' || st.display === 'none') continue;
      const r = el.getBoundingClientRect();
      if (r.width < 1 || r.height < 1 || r.bottom < 0 || r.right < 0 || r.top > innerHeight || r.left > innerWidth) continue;
      if (el.closest('[disabled], [aria-disabled="true"], .visually-hidden, option, svg')) continue;
      // A clipped, visually hidden element (the usual 1x1 px pattern) is for screen readers only.
      if (r.width <= 1 && r.height <= 1) continue;
      const bg = background(el);
      if (!bg) continue;
      let opacity = 1;
      for (let e: Element | null = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
      if (opacity < 0.05) continue;
      const c = parse(st.color);
      const fg = over([c[0], c[1], c[2], c[3] * opacity], bg);
      const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a) as [number, number];
      const ratio = (hi + 0.05) / (lo + 0.05);
      const size = parseFloat(st.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
      const needed = large ? 3 : 4.5;
      if (ratio < needed - 0.01) {
        const hex = (x: RGBA) => `#${x.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
        out.push({ text: text.slice(0, 40), where: `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} in ${el.parentElement?.className ?? ''}`, ratio: Math.round(ratio * 100) / 100, needed, fg: hex(fg), bg: hex(bg) });
      }
    }
    return out;
  });
}

async function imagesLoaded(page: Page): Promise<void> {
  await page
    .waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('img')].filter((i) => i.getBoundingClientRect().width > 0).every((i) => i.complete), null, { timeout: 10_000 })
    .catch(() => undefined);
}

test.skip(!existsSync(SQUEEZENET), `needs ${SQUEEZENET} (the shared test data)`);

test('every view at three sizes in both themes: screenshots, no sideways scrolling, AA contrast', async ({ page }) => {
  test.setTimeout(600_000);
  const s = await serve(['--model', SQUEEZENET]);
  const problems: string[] = [];
  try {
    const root = join(s.dir, 'Pictures');
    let total = 0;
    for (const [dir, files] of Object.entries(PHOTOS)) {
      mkdirSync(join(root, dir), { recursive: true });
      for (const f of files) copyFileSync(join(SHARED, 'photos', f), join(root, dir, f));
      total += files.length;
    }
    await call(s, 'folders.add', { path: root });
    const deadline = Date.now() + 120_000;
    while ((await call<{ indexedCount: number }>(s, 'library.status')).indexedCount < total) {
      if (Date.now() > deadline) throw new Error('library not indexed');
      await new Promise((r) => setTimeout(r, 300));
    }

    const check = async (name: string): Promise<void> => {
      await imagesLoaded(page);
      await page.waitForTimeout(150);
      const vp = page.viewportSize()!;
      const theme = await page.evaluate(() => (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
      const tag = `${name}-${vp.width}x${vp.height}-${theme}`;
      await page.screenshot({ path: join(shots, `${tag}.png`) });
      await noSidewaysScroll(page, tag);
      for (const l of await lowContrast(page)) problems.push(`${tag}: "${l.text}" (${l.where}) ${l.fg} on ${l.bg} = ${l.ratio}:1 < ${l.needed}:1`);
    };

    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      for (const size of SIZES) {
        await page.setViewportSize(size);
        await page.goto(s.url);
        // Scenes overview
        await expect(page.getByRole('heading', { name: 'Scenes', level: 1 })).toBeVisible({ timeout: 30_000 });
        await expect(page.locator('.overview button.card').first()).toBeVisible();
        await check('01-overview');
        // A family, then a scene
        await page.locator('.overview .family-head').first().click();
        await expect(page.getByRole('navigation', { name: 'Breadcrumb' })).toBeVisible();
        await expect(page.locator('button.cell').first()).toBeVisible();
        await check('02-family');
        await page.getByRole('button', { name: 'Back' }).click();
        await page.locator('.overview button.card').first().click();
        await expect(page.locator('button.cell').first()).toBeVisible();
        await check('03-scene');
        // Search results
        await page.getByRole('combobox', { name: 'Search photos by scene' }).fill('outdoor');
        await expect(page.locator('button.cell').first()).toBeVisible();
        await check('04-search');
        await page.getByRole('combobox', { name: 'Search photos by scene' }).fill('');
        // A folder (its tree open)
        await page.getByRole('button', { name: 'Subfolders of' }).first().click();
        await page.getByRole('button', { name: /^Pictures/ }).click();
        await expect(page.locator('button.cell').first()).toBeVisible();
        await check('05-folder');
        // By date
        await page.getByRole('button', { name: 'By date' }).click();
        await expect(page.locator('.day-header').first()).toBeVisible();
        await check('06-timeline');
        // The viewer
        await page.locator('button.cell').first().click();
        const viewer = page.getByRole('dialog', { name: /^Photo / });
        await expect(viewer.locator('.stage img')).toHaveJSProperty('complete', true);
        await check('07-viewer');
        await page.keyboard.press('Escape');
        await expect(viewer).toHaveCount(0);
        // The model panel
        await page.getByRole('button', { name: 'Scene model' }).click();
        await expect(page.getByRole('dialog', { name: 'Scene model' })).toBeVisible();
        await check('08-model-panel');
        await page.keyboard.press('Escape');
        // The folder picker
        await page.getByRole('button', { name: '+ Add folder' }).click();
        await page.getByRole('button', { name: 'Browse folders…' }).click();
        await expect(page.getByRole('dialog', { name: 'Choose a folder' })).toBeVisible();
        await expect(page.getByRole('dialog', { name: 'Choose a folder' }).locator('li').first()).toBeVisible();
        await check('09-folder-picker');
      }
    }
    console.log(`screenshots in ${shots}`);
    expect(problems, problems.join('\n')).toEqual([]);
  } finally {
    await s.stop();
  }
});

test('the overview at 1920x1080 shows at least 24 cards at once, in both themes', async ({ page }) => {
  test.setTimeout(120_000);
  const s = await serve([], {}, (dir) => writeSyntheticCatalog(join(dir, 'lib'), 5_000, [join(dir, 'Photos')]));
  try {
    await page.setViewportSize({ width: 1920, height: 1080 });
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      await page.goto(s.url);
      await expect(page.locator('.overview button.card').first()).toBeVisible({ timeout: 60_000 });
      const n = await page.evaluate(() => {
        const box = document.querySelector('.overview')!.getBoundingClientRect();
        return [...document.querySelectorAll('.overview button.card')].filter((c) => {
          const r = c.getBoundingClientRect();
          return r.width > 0 && r.top >= box.top - 1 && r.bottom <= Math.min(box.bottom, innerHeight) + 1 && r.left >= 0 && r.right <= innerWidth + 1;
        }).length;
      });
      console.log(`overview 1920x1080 ${theme}: ${n} cards wholly visible`);
      expect(n).toBeGreaterThanOrEqual(24);
      expect(await page.evaluate(() => document.scrollingElement!.scrollWidth <= innerWidth)).toBe(true);
      await page.screenshot({ path: join(shots, `00-overview-synthetic-1920x1080-${theme}.png`) });
      // A folder's photos at the default size: a dense justified grid.
      await page.getByRole('button', { name: /^Photos/ }).click();
      await expect(page.locator('button.cell').first()).toBeVisible();
      const cells = await page.evaluate(() => [...document.querySelectorAll('.scroller .cell')].filter((c) => c.getBoundingClientRect().bottom <= innerHeight && c.getBoundingClientRect().top >= 0).length);
      console.log(`a folder at 1920x1080 ${theme}: ${cells} thumbnails wholly visible`);
      await page.screenshot({ path: join(shots, `00-folder-synthetic-1920x1080-${theme}.png`) });
      expect(cells).toBeGreaterThanOrEqual(24);
    }
  } finally {
    await s.stop();
  }
});
