/**
 * Drawing a Grad-CAM map where the network looked. The model saw the photo
 * oriented, squeezed to 256x256 (aspect not kept) and centre-cropped to 224,
 * so in the oriented photo's own normalised coordinates the network's view is
 * the box [16/256, 240/256] on both axes, whatever the aspect ratio; the 14x14
 * map's cell (i, j) is centred at ((j + 0.5) / 14, (i + 0.5) / 14) of that box.
 * Outside it the network saw nothing: those margins are drawn as such.
 * Shared by the renderer (canvas overlay) and the CLI (PNG overlays).
 */

export const CAM_SIDE = 14;

/** The model's view of the oriented photo, in fractions of its width and height. */
export interface CropBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Resize to 256x256, centre 224: the same fraction on both axes. */
export const MODEL_CROP: CropBox = { x: 16 / 256, y: 16 / 256, w: 224 / 256, h: 224 / 256 };
/** A --tensor input is fed as it is: the whole image. */
export const FULL_FRAME: CropBox = { x: 0, y: 0, w: 1, h: 1 };

/** The answer to `photos.explain`: where the network saw `label` in the photo. */
export interface PhotoExplanation {
  id: number;
  label: string;
  name: string;
  /** The network's probability for this scene (this forward pass). */
  prob: number;
  /** 14x14 Grad-CAM map at relu5_3, row-major, raw (not normalised); all zeros = no positive evidence. */
  cam: number[];
  side: number;
  max: number;
  /** Where the map lies on the oriented photo (fractions of its width and height). */
  crop: CropBox;
  /** The network's top 5 scenes for this photo: each can be explained. */
  scenes: { label: string; name: string; prob: number }[];
  ms: number;
  cached: boolean;
}

/** Bilinear sample of a side x side row-major map at (s, t) in [0, 1] of the crop; clamps at the outer half cells. */
export function sampleCam(cam: ArrayLike<number>, s: number, t: number, side = CAM_SIDE): number {
  const fx = Math.min(side - 1, Math.max(0, s * side - 0.5));
  const fy = Math.min(side - 1, Math.max(0, t * side - 0.5));
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const x1 = Math.min(side - 1, x0 + 1);
  const y1 = Math.min(side - 1, y0 + 1);
  const ax = fx - x0;
  const ay = fy - y0;
  const top = cam[y0 * side + x0]! * (1 - ax) + cam[y0 * side + x1]! * ax;
  const bottom = cam[y1 * side + x0]! * (1 - ax) + cam[y1 * side + x1]! * ax;
  return top * (1 - ay) + bottom * ay;
}

// Viridis (matplotlib, CC0): perceptually uniform, readable in grey and by the common colour-vision deficiencies.
const VIRIDIS: readonly [number, number, number][] = [
  [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
  [31, 158, 137], [53, 183, 121], [110, 206, 88], [181, 222, 43], [253, 231, 37],
];

export function viridis(v: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, v)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

/** CSS gradient of the same scale, for the legend. */
export const VIRIDIS_CSS = `linear-gradient(to right, ${VIRIDIS.map((c) => `rgb(${c.join(',')})`).join(', ')})`;

export function camMax(cam: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < cam.length; i++) m = Math.max(m, cam[i]!);
  return m;
}

/**
 * An RGBA overlay of `width` x `height` (the displayed, oriented photo): viridis of cam / max(cam) inside the
 * model's crop, with opacity growing with the value so the photo stays visible where the network did not look;
 * grey diagonal hatching over the cropped-away margins.
 */
export function renderOverlay(cam: ArrayLike<number>, width: number, height: number, crop: CropBox, opacity: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  const max = camMax(cam);
  const a = Math.min(1, Math.max(0, opacity));
  for (let y = 0; y < height; y++) {
    const v = (y + 0.5) / height;
    const t = (v - crop.y) / crop.h;
    for (let x = 0; x < width; x++) {
      const u = (x + 0.5) / width;
      const s = (u - crop.x) / crop.w;
      const o = (y * width + x) * 4;
      if (s < 0 || s > 1 || t < 0 || t > 1) {
        const stripe = (x + y) % 12 < 6;
        out[o] = out[o + 1] = out[o + 2] = stripe ? 40 : 110;
        out[o + 3] = 150;
        continue;
      }
      const n = max > 0 ? sampleCam(cam, s, t) / max : 0;
      const [r, g, b] = viridis(n);
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      out[o + 3] = Math.round(255 * a * (0.35 + 0.65 * n));
    }
  }
  return out;
}
