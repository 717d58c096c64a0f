import { describe, expect, it } from 'vitest';
import { Selection, flatIndex, spans } from './selection';

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, k) => a + k);

describe('Selection', () => {
  it('click selects one, Ctrl-click toggles, both set the anchor', () => {
    const s = new Selection();
    s.selectOnly(5);
    s.toggle(7);
    expect(s.ids()).toEqual([5, 7]);
    expect(s.anchor).toBe(7);
    s.toggle(5);
    expect(s.ids()).toEqual([7]);
    s.selectOnly(9);
    expect(s.ids()).toEqual([9]);
  });

  it('Shift-extending replaces the previous range from the same anchor and keeps what was selected before', () => {
    const s = new Selection();
    s.toggle(1); // an earlier Ctrl-click
    s.toggle(10); // anchor 10
    s.extendTo(range(10, 15));
    expect(s.size).toBe(7);
    s.extendTo(range(10, 12)); // Shift-arrow back: 13..15 drop out, 1 stays
    expect(s.ids().sort((a, b) => a - b)).toEqual([1, 10, 11, 12]);
    s.extendTo(range(8, 10)); // across the anchor the other way
    expect(s.ids().sort((a, b) => a - b)).toEqual([1, 8, 9, 10]);
  });

  it('a photo selected before an extension stays selected when the extension shrinks past it', () => {
    const s = new Selection();
    s.toggle(12);
    s.toggle(10);
    s.extendTo(range(10, 14));
    s.extendTo([10]);
    expect(s.ids().sort((a, b) => a - b)).toEqual([10, 12]);
  });

  it('without an anchor, an extension starts at the range’s first photo', () => {
    const s = new Selection();
    s.extendTo([3, 4]);
    expect(s.anchor).toBe(3);
  });

  it('select all, remove and clear', () => {
    const s = new Selection();
    s.addAll(range(1, 100));
    s.remove([1, 2]);
    expect(s.size).toBe(98);
    s.clear();
    expect(s.size).toBe(0);
    expect(s.anchor).toBeNull();
  });

  it('selects 100,000 ids and answers clicks without scanning them', () => {
    const s = new Selection();
    const ids = range(1, 100_000);
    const t0 = performance.now();
    s.addAll(ids);
    const t1 = performance.now();
    for (let k = 0; k < 10_000; k++) s.toggle((k * 7919) % 100_000 + 1);
    for (let k = 0; k < 10_000; k++) s.has(k);
    const t2 = performance.now();
    s.extendTo(range(1, 50_000));
    s.extendTo(range(1, 10));
    const t3 = performance.now();
    console.log(`selection: select all 100,000 ${(t1 - t0).toFixed(1)} ms; 20,000 toggles/tests ${(t2 - t1).toFixed(1)} ms; extend 50,000 and back ${(t3 - t2).toFixed(1)} ms`);
    // Generous margins for a loaded machine.
    expect(t1 - t0).toBeLessThan(500);
    expect(t2 - t1).toBeLessThan(500);
    expect(t3 - t2).toBeLessThan(500);
  });
});

describe('positions across sections', () => {
  it('flatIndex and spans map between (section, item) and flat positions', () => {
    const counts = [3, 0, 4, 2];
    expect(flatIndex(counts, 2, 1)).toBe(4);
    expect(spans(counts, 1, 7)).toEqual([
      { s: 0, from: 1, to: 3 },
      { s: 2, from: 0, to: 4 },
      { s: 3, from: 0, to: 1 },
    ]);
    expect(spans(counts, 5, 4)).toEqual([{ s: 2, from: 1, to: 3 }]);
  });
});
