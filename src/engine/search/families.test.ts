/** The family map reads as a person expects: specific scenes under the words people type for them. */
import { describe, expect, it } from 'vitest';
import { PLACES365_LABELS } from '../labels/label-sets.js';
import { FAMILIES, FAMILY_ORDER, LABEL_FAMILIES, primaryFamily } from './families.js';
import { resolveTerm } from './query-parser.js';

describe('families', () => {
  it('every one of the 365 labels has at least one family, all known; no unknown labels', () => {
    expect(Object.keys(LABEL_FAMILIES).sort()).toEqual([...PLACES365_LABELS].sort());
    for (const label of PLACES365_LABELS) {
      const fams = LABEL_FAMILIES[label]!;
      expect(fams.length, label).toBeGreaterThan(0);
      expect(new Set(fams).size, `${label} lists a family twice`).toBe(fams.length);
      for (const f of fams) expect(FAMILY_ORDER, `${label}: ${f}`).toContain(f);
    }
    expect(Object.keys(FAMILIES).sort()).toEqual([...FAMILY_ORDER].sort());
  });

  // [label, its primary family (the sidebar's), other families it must be in]
  const expectations: [string, string, string[]][] = [
    ['beach', 'beach', ['water']],
    ['coast', 'beach', ['water', 'nature']],
    ['beach_house', 'beach', ['home']],
    ['ocean', 'water', ['nature']],
    ['pier', 'water', []],
    ['islet', 'water', ['nature']],
    ['wave', 'water', []],
    ['kitchen', 'home', ['food']],
    ['restaurant', 'food', []],
    ['kennel/outdoor', 'animals', []],
    ['stable', 'countryside', ['animals']],
    ['church/indoor', 'religion', []],
    ['cemetery', 'religion', []],
    ['hospital', 'health', []],
    ['mountain_snowy', 'mountain', ['snow']],
    ['ski_slope', 'snow', ['sport', 'mountain']],
    ['highway', 'transport', ['city']],
    ['parking_lot', 'transport', []],
    ['forest_path', 'forest', ['nature']],
    ['swimming_pool/outdoor', 'leisure', ['water', 'sport']],
    ['castle', 'history', ['building']],
    ['supermarket', 'shop', ['food']],
    ['classroom', 'school', []],
    ['office', 'work', []],
    ['desert/sand', 'desert', ['nature']],
  ];

  it.each(expectations)('%s is under %s', (label, primary, also) => {
    expect(primaryFamily(label)).toBe(primary);
    for (const f of [primary, ...also]) expect(FAMILIES[f], `${f} should hold ${label}`).toContain(label);
  });

  it('keeps unexpected scenes out of a family', () => {
    expect(FAMILIES.beach).toEqual(expect.not.arrayContaining(['islet', 'pier', 'wave', 'ocean']));
    expect(FAMILIES.leisure).toEqual(expect.not.arrayContaining(['kennel/outdoor']));
    expect(FAMILIES.transport).toEqual(expect.not.arrayContaining(['hospital', 'cemetery', 'waterfall']));
  });

  it('the words people type find the family they mean', () => {
    expect(resolveTerm('beach', false)).toMatchObject({ kind: 'family', value: 'beach' });
    expect(resolveTerm('car', false)).toMatchObject({ kind: 'family', value: 'transport', widenedFrom: 'car' });
    expect(resolveTerm('dog', false)).toMatchObject({ kind: 'family', value: 'animals' });
    expect(resolveTerm('kennel', false)).toMatchObject({ kind: 'label', labels: ['kennel/outdoor'] });
  });
});
