import { describe, expect, it } from 'vitest';
import { actualScale, canPan, clampPan, fitScale, fitView, panBy, scaleLimits, wheelFactor, zoomAt, zoomPercent } from './zoom';

const big = { width: 4000, height: 3000 };
const stage = { width: 1000, height: 500 };

describe('zoom math', () => {
  it('fit shows the whole image, limited by the tighter axis, and never enlarges a small photo', () => {
    expect(fitScale(big, stage)).toBeCloseTo(500 / 3000);
    expect(fitScale({ width: 250, height: 167 }, stage)).toBe(1);
    const v = fitView(big, stage);
    expect(v.y).toBeCloseTo(0);
    expect(v.x).toBeCloseTo((1000 - 4000 / 6) / 2); // centred horizontally
  });

  it('100 % is one image pixel per device pixel', () => {
    expect(actualScale(1)).toBe(1);
    expect(actualScale(2)).toBe(0.5);
    expect(actualScale(0)).toBe(1);
    expect(zoomPercent(0.5, 2)).toBe(100);
    expect(zoomPercent(1 / 6, 1)).toBe(17);
  });

  it('zooming at a point keeps that image point under it', () => {
    const v0 = fitView(big, stage);
    const at = { x: 600, y: 300 };
    const ix = (at.x - v0.x) / v0.scale;
    const iy = (at.y - v0.y) / v0.scale;
    const v1 = zoomAt(v0, 1, at, big, stage, 1);
    expect(v1.scale).toBe(1);
    expect((at.x - v1.x) / v1.scale).toBeCloseTo(ix);
    expect((at.y - v1.y) / v1.scale).toBeCloseTo(iy);
    // And back out: again the same image point.
    const v2 = zoomAt(v1, 0.5, at, big, stage, 1);
    expect((at.x - v2.x) / v2.scale).toBeCloseTo(ix);
  });

  it('zoom is limited to between fit and 8x actual pixels', () => {
    const v0 = fitView(big, stage);
    expect(zoomAt(v0, 100, { x: 0, y: 0 }, big, stage, 1).scale).toBe(8);
    expect(zoomAt(v0, 0.001, { x: 0, y: 0 }, big, stage, 1).scale).toBeCloseTo(1 / 6);
    expect(scaleLimits(big, stage, 2)).toEqual({ min: 1 / 6, max: 4 });
  });

  it('pan is clamped to the image edges; a side smaller than the stage stays centred', () => {
    const v = { scale: 1, x: 0, y: 0 };
    expect(panBy(v, 50, 50, big, stage)).toEqual({ scale: 1, x: 0, y: 0 }); // no gap at the top-left
    expect(panBy(v, -1e6, -1e6, big, stage)).toEqual({ scale: 1, x: 1000 - 4000, y: 500 - 3000 });
    const narrow = { width: 400, height: 3000 };
    expect(clampPan({ scale: 1, x: -300, y: -100 }, narrow, stage)).toEqual({ scale: 1, x: 300, y: -100 });
    expect(canPan(v, big, stage)).toBe(true);
    expect(canPan(fitView(big, stage), big, stage)).toBe(false);
  });

  it('wheel: up zooms in, down zooms out, a mouse notch is ~1.2x, line mode counts as pixels', () => {
    expect(wheelFactor(-100, 0, false)).toBeGreaterThan(1.1);
    expect(wheelFactor(-100, 0, false)).toBeLessThan(1.3);
    expect(wheelFactor(100, 0, false)).toBeLessThan(1);
    expect(wheelFactor(-3, 1, false)).toBeCloseTo(wheelFactor(-48, 0, false));
    expect(wheelFactor(-10, 0, true)).toBeGreaterThan(wheelFactor(-10, 0, false));
  });
});
