import { describe, expect, it } from 'vitest';
import type { ParsedQuery } from './domain.js';
import { queryText, withoutFilter, withoutTerm } from './query-text.js';

const q: ParsedQuery = {
  any: [
    [{ kind: 'family', value: 'mountain', negated: false, labels: [] }],
    [
      { kind: 'label', value: 'forest_path', negated: false, labels: ['forest_path'] },
      { kind: 'family', value: 'snow', negated: true, labels: [] },
    ],
  ],
  folder: 'My Trips',
  from: '2020-06-01T00:00:00.000Z',
  to: null,
  errors: [],
};

describe('query text', () => {
  it('rebuilds a query and removes chips', () => {
    expect(queryText(q)).toBe('mountain OR "forest path" -snow folder:"My Trips" from:2020-06-01');
    expect(queryText(withoutTerm(q, 0, 0))).toBe('"forest path" -snow folder:"My Trips" from:2020-06-01');
    expect(queryText(withoutFilter(withoutTerm(q, 1, 1), 'folder'))).toBe('mountain OR "forest path" from:2020-06-01');
  });
});
