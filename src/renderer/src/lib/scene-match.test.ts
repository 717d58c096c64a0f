import { describe, expect, it } from 'vitest';
import { sceneMatches } from './scene-match';

const v = (label: string, name: string) => ({ label, name, index: 0, indoor: false, families: [] });

describe('sceneMatches', () => {
  it('names starting with the text come first; underscores read as spaces; empty text matches nothing', () => {
    const vocab = [v('beach_house', 'Beach house'), v('ocean', 'Ocean'), v('beach', 'Beach'), v('sandbar', 'Sandbar')];
    expect(sceneMatches(vocab, 'beach').map((m) => m.label)).toEqual(['beach_house', 'beach']);
    expect(sceneMatches(vocab, 'ACH_h').map((m) => m.label)).toEqual(['beach_house']);
    expect(sceneMatches(vocab, '  ')).toEqual([]);
  });
});
