/**
 * The size zoom of the photo grids: the target row height, kept in
 * localStorage so the grid opens at the size it was left at. Ctrl/Cmd + and −
 * step it by a quarter, the toolbar's slider sets it directly.
 */
export const ROW_HEIGHT_MIN = 96;
/** Thumbnails are 400 px on the long edge (indexer/thumbnails.ts): a 4:3 photo at 320 px high is about that wide. */
export const ROW_HEIGHT_MAX = 320;
export const ROW_HEIGHT_DEFAULT = 180;
/** The slider's step; min, max and default are multiples of it. */
export const ROW_HEIGHT_STEP = 4;
const KEY = 'scenery.gridRowHeight';

export function clampRowHeight(px: number): number {
  if (!Number.isFinite(px)) return ROW_HEIGHT_DEFAULT;
  // Whole steps of the slider (4 px), so the keys and the slider always agree on the value.
  return Math.round(Math.min(ROW_HEIGHT_MAX, Math.max(ROW_HEIGHT_MIN, px)) / ROW_HEIGHT_STEP) * ROW_HEIGHT_STEP;
}

/** One step of Ctrl/Cmd + (1) or − (-1): a quarter larger or smaller. */
export function stepRowHeight(px: number, dir: 1 | -1): number {
  return clampRowHeight(dir > 0 ? px * 1.25 : px / 1.25);
}

export function loadRowHeight(store: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): number {
  try {
    const v = store?.getItem(KEY);
    return v === null || v === undefined ? ROW_HEIGHT_DEFAULT : clampRowHeight(Number(v));
  } catch {
    return ROW_HEIGHT_DEFAULT; // storage refused (a locked-down profile): the default size
  }
}

/** Stores the size (clamped) and returns it; a storage that refuses only means the size is not kept. */
export function saveRowHeight(px: number, store: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): number {
  const v = clampRowHeight(px);
  try {
    store?.setItem(KEY, String(v));
  } catch {
    // not kept: the grid still shows the size
  }
  return v;
}

/** Ctrl/Cmd with + or − (either keyboard row or the keypad): 1, -1, or null for any other key. */
export function zoomKey(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey'>): 1 | -1 | null {
  if (!(e.ctrlKey || e.metaKey) || e.altKey) return null;
  if (e.key === '+' || e.key === '=') return 1;
  if (e.key === '-' || e.key === '_') return -1;
  return null;
}
