/**
 * Image bombs under the pixel limit: small files that decode to 12000x12000
 * or 16000x16000. Two of each are decoded at once through decodeOriented in a
 * fresh child process, whose peak RSS (VmHWM) is the measure (before the
 * reduced-size, budgeted decode: two 16000x16000 PNGs ~1.6 GB, two 12000x12000
 * interlaced PNGs ~1.35 GB, two 16000x16000 GIFs ~3.5 GB). Plus the rules
 * themselves: the decode plan and the budget.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test-support/harness.js';
import { DECODE_MEMORY_BUDGET, MAX_DECODED_PIXELS, MemoryBudget, planDecode } from './decode.js';

const SIDE = 16000;
const DECODE = pathToFileURL(fileURLToPath(new URL('./decode.ts', import.meta.url))).href;

/** Decodes the files at once in a new node process; its peak RSS in MB, and the decoded sizes. */
function decodeInChild(dir: string, files: string[]): { hwmMb: number; sizes: (number[] | string)[] } {
  const script = join(dir, 'decode-child.mts');
  writeFileSync(
    script,
    `import { readFileSync } from 'node:fs';
     import { decodeOriented } from ${JSON.stringify(DECODE)};
     const files = ${JSON.stringify(files)};
     const out = await Promise.all(files.map(async (f) => {
       try { const p = await decodeOriented(readFileSync(f), f); return [p.width, p.height, p.fullWidth, p.fullHeight]; } catch (e) { return e.kind ?? e.message; }
     }));
     const hwm = Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
     console.log(JSON.stringify({ hwmMb: Math.round(hwm / 1024), sizes: out }));`,
  );
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', cwd: fileURLToPath(new URL('../../..', import.meta.url)), timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { hwmMb: number; sizes: (number[] | string)[] };
}

describe.skipIf(process.platform !== 'linux')('decoding image bombs under the pixel limit, two at once', () => {
  const tmp = tempDir('decode-memory');
  const solid = (side = SIDE) => sharp({ create: { width: side, height: side, channels: 3, background: { r: 40, g: 120, b: 200 } } });
  const files: Record<string, string[]> = {};
  beforeAll(async () => {
    const make = async (name: string, img: Sharp) => {
      const path = join(tmp.path, name);
      await img.toFile(path);
      files[name] = [path, path];
    };
    await make('plain.png', solid().png({ compressionLevel: 9 }));
    await make('interlaced.png', solid(12000).png({ progressive: true }));
    await make('progressive.jpg', solid(12000).jpeg({ progressive: true }));
    await make('bomb.gif', solid().gif());
    await make('bomb.jpg', solid().jpeg({ progressive: true }));
  }, 120_000);
  afterAll(() => tmp.cleanup());

  it('a 16000x16000 PNG (< 1 MB) is decoded reduced, streamed: two at once stay far below 1.2 GB', () => {
    const r = decodeInChild(tmp.path, files['plain.png']!);
    console.log(`two 16000x16000 PNGs at once: peak RSS ${r.hwmMb} MB (was ~1,620 MB)`);
    expect(r.hwmMb).toBeLessThan(600);
    expect(r.sizes).toEqual([
      [640, 640, SIDE, SIDE],
      [640, 640, SIDE, SIDE],
    ]);
  }, 120_000);

  it('formats that hold the whole image while decoding (interlaced PNG, progressive JPEG) decode one at a time', () => {
    for (const name of ['interlaced.png', 'progressive.jpg']) {
      const r = decodeInChild(tmp.path, files[name]!);
      console.log(`two 12000x12000 ${name} at once: peak RSS ${r.hwmMb} MB`);
      // One whole image (432 MB) at a time, never two (before: 1,345 and 970 MB).
      expect(r.hwmMb, name).toBeLessThan(800);
      expect(r.sizes.map((s) => (typeof s === 'string' ? s : s.slice(2))), name).toEqual([
        [12000, 12000],
        [12000, 12000],
      ]);
    }
  }, 300_000);

  it('a GIF or progressive JPEG that would need more than the whole decode budget is refused before it is decoded', () => {
    for (const name of ['bomb.gif', 'bomb.jpg']) {
      const r = decodeInChild(tmp.path, files[name]!);
      console.log(`two 16000x16000 ${name} at once: peak RSS ${r.hwmMb} MB`);
      expect(r.hwmMb, name).toBeLessThan(400);
      expect(r.sizes, name).toEqual(['too_large', 'too_large']);
    }
  }, 120_000);
});

describe('the decode plan', () => {
  it('shrinks large non-JPEG images by an integer factor, keeping the short side at least 640 px', () => {
    const p = planDecode({ format: 'png', width: 16000, height: 12000 });
    expect(p.target).toEqual({ w: 889, h: 667 });
    expect(p.buffered).toBe(false);
    expect(planDecode({ format: 'png', width: 1400, height: 1000 }).target).toBeNull();
    expect(planDecode({ format: 'png', width: 16000, height: 12000 }, { minSide: 0 }).target).toBeNull();
  });

  it('keeps the long side at least minLongSide when asked (the 2048 px preview)', () => {
    expect(planDecode({ format: 'png', width: 6000, height: 4000 }, { minLongSide: 2048 }).target).toEqual({ w: 3000, h: 2000 });
    expect(planDecode({ format: 'jpeg', width: 6000, height: 4000 }, { minLongSide: 2048 }).target).toEqual({ w: 3000, h: 2000 });
    expect(planDecode({ format: 'png', width: 16000, height: 16000 }, { minLongSide: 2048 }).target).toEqual({ w: 2286, h: 2286 });
  });

  it('keeps JPEG on exact DCT scales, and caps any output at MAX_DECODED_PIXELS (long strips)', () => {
    expect(planDecode({ format: 'jpeg', width: 6000, height: 4000 })).toMatchObject({ target: { w: 1500, h: 1000 }, exactDct: true });
    const strip = planDecode({ format: 'jpeg', width: 200_000, height: 1300 });
    expect(strip.exactDct).toBe(false);
    expect(strip.target!.w * strip.target!.h).toBeLessThanOrEqual(MAX_DECODED_PIXELS);
  });

  it('orients the target, and charges formats that cannot stream their full size', () => {
    expect(planDecode({ format: 'png', width: 16000, height: 8000, orientation: 6 }).target).toEqual({ w: 667, h: 1334 });
    expect(planDecode({ format: 'gif', width: 8000, height: 8000, channels: 3 })).toMatchObject({ buffered: true, cost: 8000 * 8000 * 4 });
    expect(planDecode({ format: 'jpeg', width: 16000, height: 16000, channels: 3, isProgressive: true, chromaSubsampling: '4:2:0' }).cost).toBe(16000 * 16000 * 3);
    // Any camera's file fits: a 100 MP progressive JPEG, a 48 MP HEIC.
    expect(planDecode({ format: 'jpeg', width: 11648, height: 8736, channels: 3, isProgressive: true, chromaSubsampling: '4:2:0' }).cost).toBeLessThan(DECODE_MEMORY_BUDGET);
    expect(planDecode({ format: 'heif', width: 8064, height: 6048, channels: 3 }).cost).toBeLessThan(DECODE_MEMORY_BUDGET);
    expect(planDecode({ format: 'jpeg', width: 8000, height: 8000, isProgressive: true }).buffered).toBe(true);
    expect(planDecode({ format: 'png', width: 8000, height: 8000 }).cost).toBeLessThan(200 * 1024 * 1024);
  });
});

describe('the decode memory budget', () => {
  it('grants in order, runs an over-budget request alone, and does not let small ones starve it', async () => {
    const b = new MemoryBudget(100);
    const log: string[] = [];
    const r1 = await b.acquire(60);
    const big = b.acquire(500).then((rel) => (log.push('big'), rel));
    const small = b.acquire(10).then((rel) => (log.push('small'), rel));
    await new Promise((r) => setTimeout(r, 10));
    expect(log).toEqual([]); // the small one would fit, but waits behind the big one
    r1();
    const relBig = await big;
    expect(b.inUse).toBe(100);
    relBig();
    (await small)();
    expect(log).toEqual(['big', 'small']);
    expect(b.inUse).toBe(0);
  });

  it('leaves room for ordinary decodes beside one that is decoded whole', () => {
    const ordinary = planDecode({ format: 'jpeg', width: 8000, height: 6000, channels: 3 }).cost;
    const whole = planDecode({ format: 'png', width: 12000, height: 12000, channels: 3, isProgressive: true }).cost;
    expect(DECODE_MEMORY_BUDGET - whole).toBeGreaterThan(ordinary);
  });
});
