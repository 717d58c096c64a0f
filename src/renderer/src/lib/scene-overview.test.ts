import { describe, expect, it } from 'vitest';
import { familyScenes, overviewFamilies, statusGroups } from './scene-overview';
import type { SceneGroup } from '../../../shared/domain';

const g = (key: string, family: string, count: number): SceneGroup => ({ key, name: key, family, count, cover: { id: 1, version: 1 } });
const groups = [g('islet', 'water', 2), g('lake', 'water', 9), g('beach', 'beach', 4), g('attic', 'other', 1), g('wave', 'water', 2), g('uncertain', 'status', 5)];

describe('scenes overview', () => {
  it('orders families as the vocabulary does, "other" last, and scenes biggest first', () => {
    const f = overviewFamilies(groups, ['water', 'beach']);
    expect(f.map((x) => [x.name, x.count])).toEqual([['Water', 13], ['Beach', 4], ['Other', 1]]);
    expect(f[0]!.scenes.map((s) => s.key)).toEqual(['lake', 'islet', 'wave']);
    expect(overviewFamilies(groups, []).map((x) => x.family)).toEqual(['beach', 'water', 'other']);
  });

  it('puts the person\'s own scenes first, as "My scenes"', () => {
    const f = overviewFamilies([...groups, g('my:1', 'personal', 3)], ['water', 'beach']);
    expect(f.map((x) => [x.name, x.count])).toEqual([['My scenes', 3], ['Water', 13], ['Beach', 4], ['Other', 1]]);
  });

  it('a family page lists its scenes like its cards; status groups stay apart', () => {
    expect(familyScenes(groups, 'water').map((s) => s.key)).toEqual(['lake', 'islet', 'wave']);
    expect(statusGroups(groups).map((s) => s.key)).toEqual(['uncertain']);
  });
});
