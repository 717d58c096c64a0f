import { describe, expect, it } from 'vitest';
import { normalise, parseQuery, resolveTerm } from './query-parser.js';
import { FAMILIES, FAMILY_ORDER, SYNONYMS } from './families.js';
import { PLACES365_LABELS } from '../labels/label-sets.js';

describe('search query language', () => {
  it('reads `_` and `/` as spaces and accepts human names', () => {
    expect(normalise('field/wild')).toBe('field wild');
    expect(resolveTerm('airport_terminal', false).labels).toEqual(['airport_terminal']);
    expect(resolveTerm('field (wild)', false).labels).toEqual(['field/wild']);
    expect(parseQuery('forest path').any).toEqual([[{ kind: 'label', value: 'forest_path', negated: false, labels: ['forest_path'] }]]);
    expect(parseQuery('"airport terminal"').any[0]![0]!.labels).toEqual(['airport_terminal']);
  });

  it('matches prefixes and label bases', () => {
    expect(resolveTerm('church', false).labels).toEqual(['church/indoor', 'church/outdoor']);
    expect(resolveTerm('kitch', false).labels).toEqual(['kitchen', 'restaurant_kitchen']);
  });

  it('parses OR, negation, indoor/outdoor, families and filters', () => {
    const q = parseQuery('mountain OR forest -snow indoor folder:Trips from:2020-06 to:2021');
    expect(q.any.length).toBe(2);
    expect(q.any[0]!.map((t) => t.kind)).toEqual(['family']);
    expect(q.any[1]!.map((t) => [t.kind, t.value, t.negated])).toEqual([
      ['family', 'forest', false],
      ['family', 'snow', true],
      ['indoor', 'indoor', false],
    ]);
    expect(q.folder).toBe('Trips');
    expect(q.from).toBe('2020-06-01T00:00:00.000Z');
    expect(q.to).toBe('2021-12-31T23:59:59.999Z');
    expect(parseQuery('year:2019')).toMatchObject({ from: '2019-01-01T00:00:00.000Z', to: '2019-12-31T23:59:59.999Z' });
  });

  it('says what it did not understand', () => {
    expect(parseQuery('zzqx').errors[0]).toMatch(/No scene or family called "zzqx"/);
    expect(parseQuery('from:yesterday').errors[0]).toMatch(/not a date/);
  });

  it('has a documented family for every everyday word, each made of real labels', () => {
    const all = new Set(PLACES365_LABELS);
    for (const w of ['water', 'snow', 'food', 'city', 'home', 'sport', 'shop', 'work', 'transport', 'religion']) expect(FAMILIES[w]?.length, w).toBeGreaterThan(5);
    for (const [f, labels] of Object.entries(FAMILIES)) for (const l of labels) expect(all.has(l), `${f}: ${l}`).toBe(true);
    const covered = new Set(Object.values(FAMILIES).flat());
    expect(PLACES365_LABELS.filter((l) => !covered.has(l))).toEqual([]);
    expect(Object.keys(FAMILIES).every((f) => FAMILY_ORDER.includes(f))).toBe(true);
    for (const target of Object.values(SYNONYMS)) expect(FAMILIES[target], target).toBeDefined();
  });
});
