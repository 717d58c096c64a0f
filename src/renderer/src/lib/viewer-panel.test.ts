import { describe, expect, it } from 'vitest';
import { initialPanelOpen, PANEL_KEY, rememberPanel } from './viewer-panel';

function memory(): Pick<Storage, 'getItem' | 'setItem'> {
  const m = new Map<string, string>();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v) };
}

describe('viewer details panel', () => {
  it('starts collapsed under 900 px and open from 900 px, without a remembered choice', () => {
    expect(initialPanelOpen(800, memory())).toBe(false);
    expect(initialPanelOpen(899, null)).toBe(false);
    expect(initialPanelOpen(900, memory())).toBe(true);
  });

  it('a remembered choice wins over the window width', () => {
    const s = memory();
    rememberPanel(true, s);
    expect(s.getItem(PANEL_KEY)).toBe('open');
    expect(initialPanelOpen(800, s)).toBe(true);
    rememberPanel(false, s);
    expect(initialPanelOpen(1920, s)).toBe(false);
  });

  it('storage that throws falls back to the default and loses nothing else', () => {
    const broken = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
    };
    expect(initialPanelOpen(1920, broken)).toBe(true);
    expect(() => rememberPanel(true, broken)).not.toThrow();
  });
});
