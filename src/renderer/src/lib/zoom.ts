/**
 * The viewer's zoom and pan, as pure arithmetic so it can be tested without a browser.
 *
 * Units: `scale` is CSS pixels per image pixel; `x`/`y` are where the image's top-left corner sits in the stage,
 * in CSS pixels. "100 %" means one image pixel on one DEVICE pixel, so its scale is 1 / devicePixelRatio (on a
 * 2x screen a 4000 px photo is 2000 CSS px wide at 100 %). "Fit" shows the whole photo and never enlarges it past
 * its natural CSS size (scale ≤ 1), as the viewer always did. The level shown to people is scale × dpr (100 % =
 * actual pixels). Pan is clamped so an image larger than the stage never leaves a gap at an edge, and one smaller
 * than the stage stays centred on that axis.
 */

export interface Size {
  width: number;
  height: number;
}

export interface View {
  scale: number;
  x: number;
  y: number;
}

/** Zooming in stops at 8x actual pixels (or at Fit when Fit is larger): enough to inspect, not a pixel-art toy. */
export const MAX_ACTUAL_FACTOR = 8;

/** Scale that shows the whole image inside the stage, never above its natural CSS size. */
export function fitScale(image: Size, stage: Size): number {
  if (image.width <= 0 || image.height <= 0 || stage.width <= 0 || stage.height <= 0) return 1;
  return Math.min(stage.width / image.width, stage.height / image.height, 1);
}

/** Scale at which one image pixel covers one device pixel. */
export function actualScale(devicePixelRatio: number): number {
  return 1 / (devicePixelRatio > 0 ? devicePixelRatio : 1);
}

/** The zoom level people see: 1 = 100 % = actual pixels. */
export function zoomPercent(scale: number, devicePixelRatio: number): number {
  return Math.round(scale * (devicePixelRatio > 0 ? devicePixelRatio : 1) * 100);
}

export function scaleLimits(image: Size, stage: Size, devicePixelRatio: number): { min: number; max: number } {
  const fit = fitScale(image, stage);
  const actual = actualScale(devicePixelRatio);
  return { min: Math.min(fit, actual), max: Math.max(fit, actual * MAX_ACTUAL_FACTOR) };
}

function clampAxis(offset: number, shown: number, room: number): number {
  if (shown <= room) return (room - shown) / 2;
  return Math.min(0, Math.max(room - shown, offset));
}

/** Keeps the image over the stage: no gap at an edge when it is larger, centred when it is smaller. */
export function clampPan(view: View, image: Size, stage: Size): View {
  return {
    scale: view.scale,
    x: clampAxis(view.x, image.width * view.scale, stage.width),
    y: clampAxis(view.y, image.height * view.scale, stage.height),
  };
}

/** The whole image, centred. */
export function fitView(image: Size, stage: Size): View {
  return clampPan({ scale: fitScale(image, stage), x: 0, y: 0 }, image, stage);
}

/**
 * Zoom to `scale` (clamped to the limits) keeping the image point under `at` (stage coordinates) under it, as far
 * as the edges allow.
 */
export function zoomAt(view: View, scale: number, at: { x: number; y: number }, image: Size, stage: Size, devicePixelRatio: number): View {
  const { min, max } = scaleLimits(image, stage, devicePixelRatio);
  const next = Math.min(max, Math.max(min, scale));
  const ix = (at.x - view.x) / view.scale;
  const iy = (at.y - view.y) / view.scale;
  return clampPan({ scale: next, x: at.x - ix * next, y: at.y - iy * next }, image, stage);
}

/** Zoom factor for a wheel event: smooth for trackpads (small deltas), ~1.2x per mouse notch. */
export function wheelFactor(deltaY: number, deltaMode: number, pinch: boolean): number {
  const px = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  // A pinch arrives as ctrl+wheel with small deltas: a stronger response so a pinch feels direct.
  const k = pinch ? 0.01 : 0.0015;
  return Math.exp(-Math.max(-300, Math.min(300, px)) * k);
}

/** Moves the image by (dx, dy) CSS pixels, clamped. */
export function panBy(view: View, dx: number, dy: number, image: Size, stage: Size): View {
  return clampPan({ scale: view.scale, x: view.x + dx, y: view.y + dy }, image, stage);
}

/** True when the image is larger than the stage on some axis, so there is something to pan. */
export function canPan(view: View, image: Size, stage: Size): boolean {
  return image.width * view.scale > stage.width + 0.5 || image.height * view.scale > stage.height + 0.5;
}
