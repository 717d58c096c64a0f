import { describe, expect, it } from 'vitest';
import { CAM_SIDE, FULL_FRAME, MODEL_CROP, renderOverlay, sampleCam, viridis } from './heatmap.js';

describe('heat map geometry', () => {
  const hot = (i: number, j: number): Float32Array => {
    const m = new Float32Array(CAM_SIDE * CAM_SIDE);
    m[i * CAM_SIDE + j] = 1;
    return m;
  };

  it('samples cell centres exactly and interpolates between them', () => {
    const m = hot(3, 5);
    expect(sampleCam(m, 5.5 / 14, 3.5 / 14)).toBeCloseTo(1, 6);
    expect(sampleCam(m, 6 / 14, 3.5 / 14)).toBeCloseTo(0.5, 6);
    expect(sampleCam(m, 6.5 / 14, 3.5 / 14)).toBeCloseTo(0, 6);
  });

  it('puts a cell where the network saw it in a non-square photo: the 256x256 squeeze and the 224 crop', () => {
    // 400x200 photo: the crop covers x 25..375, y 12.5..187.5; cell (0, 13) (top right) is centred at
    // x = 400 * (16 + 13.5 * 16) / 256 = 362.5, y = 200 * (16 + 8) / 256 = 18.75.
    const px = renderOverlay(hot(0, 13), 400, 200, MODEL_CROP, 1);
    const alpha = (x: number, y: number): number => px[(y * 400 + x) * 4 + 3]!;
    const [r, g, b] = [px[(18 * 400 + 362) * 4]!, px[(18 * 400 + 362) * 4 + 1]!, px[(18 * 400 + 362) * 4 + 2]!];
    expect([r, g, b]).toEqual(viridis(sampleCam(hot(0, 13), (362.5 / 400 - 1 / 16) / (7 / 8), (18.5 / 200 - 1 / 16) / (7 / 8))));
    expect(alpha(362, 18)).toBeGreaterThan(240);
    // Cropped-away margins are hatched grey, not coloured by the map.
    expect(alpha(10, 100)).toBe(150);
    expect(px[(100 * 400 + 10) * 4]).toBe(px[(100 * 400 + 10) * 4 + 2]);
    // Mirrored cell lands mirrored (negative control for a transposed map).
    const t = renderOverlay(hot(13, 0), 400, 200, MODEL_CROP, 1);
    expect(t[(18 * 400 + 362) * 4 + 3]).toBeLessThan(120);
  });

  it('a --tensor input has no margins', () => {
    const px = renderOverlay(hot(0, 0), 224, 224, FULL_FRAME, 1);
    expect(px[3]).toBeGreaterThan(240);
  });
});
