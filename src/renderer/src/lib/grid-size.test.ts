import { describe, expect, it } from 'vitest';
import { clampRowHeight, loadRowHeight, ROW_HEIGHT_DEFAULT, ROW_HEIGHT_MAX, ROW_HEIGHT_MIN, saveRowHeight, stepRowHeight, zoomKey } from './grid-size';

function memory(): Storage {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) } as Storage;
}

describe('grid size zoom', () => {
  it('keeps the size across sessions, clamped, and falls back to the default on nonsense', () => {
    const store = memory();
    expect(loadRowHeight(store)).toBe(ROW_HEIGHT_DEFAULT);
    expect(saveRowHeight(260, store)).toBe(260);
    expect(loadRowHeight(store)).toBe(260);
    expect(saveRowHeight(261, store)).toBe(260);
    expect(saveRowHeight(5000, store)).toBe(ROW_HEIGHT_MAX);
    store.setItem('scenery.gridRowHeight', 'huge');
    expect(loadRowHeight(store)).toBe(ROW_HEIGHT_DEFAULT);
    const refusing = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); } };
    expect(loadRowHeight(refusing)).toBe(ROW_HEIGHT_DEFAULT);
    expect(saveRowHeight(148, refusing)).toBe(148);
  });

  it('steps by a quarter within bounds', () => {
    expect(stepRowHeight(200, 1)).toBe(252);
    expect(stepRowHeight(144, -1)).toBe(116);
    expect(stepRowHeight(200, -1)).toBe(160);
    expect(stepRowHeight(ROW_HEIGHT_MAX, 1)).toBe(ROW_HEIGHT_MAX);
    expect(stepRowHeight(ROW_HEIGHT_MIN, -1)).toBe(ROW_HEIGHT_MIN);
    expect(clampRowHeight(Number.NaN)).toBe(ROW_HEIGHT_DEFAULT);
  });

  it('reads Ctrl/Cmd + and − from either keyboard row, nothing else', () => {
    const k = (key: string, mods: Partial<KeyboardEvent> = { ctrlKey: true }) => zoomKey({ key, ctrlKey: false, metaKey: false, altKey: false, ...mods });
    expect(k('=')).toBe(1);
    expect(k('+')).toBe(1);
    expect(k('-')).toBe(-1);
    expect(k('-', { metaKey: true })).toBe(-1);
    expect(k('0')).toBe(null);
    expect(k('=', {})).toBe(null);
    expect(k('=', { ctrlKey: true, altKey: true })).toBe(null);
  });
});
