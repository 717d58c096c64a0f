import { describe, expect, it } from 'vitest';
import { parseQuery } from './query-parser.js';
import { SearchIndex } from './search-index.js';
import { placesLabelIndex } from '../labels/label-sets.js';

const L = (l: string): number => placesLabelIndex(l)!;

function index(): SearchIndex {
  const ix = new SearchIndex();
  ix.upsert({ id: 1, folderId: 1, dir: '', failed: false, takenTs: Date.UTC(2020, 5, 1), top: [L('beach'), L('coast')], prob: [0.8, 0.1], vote: false, correction: null, rejected: [] });
  ix.upsert({ id: 2, folderId: 1, dir: '', failed: false, takenTs: Date.UTC(2021, 0, 1), top: [L('kitchen'), L('dining_room')], prob: [0.5, 0.3], vote: true, correction: null, rejected: [] });
  ix.upsert({ id: 3, folderId: 2, dir: '', failed: false, takenTs: null, top: [L('forest_path'), L('mountain')], prob: [0.4, 0.35], vote: false, correction: null, rejected: [] });
  ix.upsert({ id: 4, folderId: 2, dir: '', failed: false, takenTs: null, top: [L('coast'), L('beach')], prob: [0.6, 0.05], vote: false, correction: L('kitchen'), rejected: [] });
  ix.upsert({ id: 5, folderId: 2, dir: '', failed: false, takenTs: null, top: [L('beach'), L('boardwalk')], prob: [0.7, 0.2], vote: false, correction: null, rejected: [L('beach')] });
  return ix;
}

const ids = (ix: SearchIndex, q: string, threshold = 0.1, folderIds: Set<number> | null = null): number[] =>
  ix.search(parseQuery(q), { threshold, folder: folderIds ? (f) => folderIds.has(f) : null, offset: 0, limit: 100 }).hits.map((h) => h.id);

describe('search index', () => {
  it('ranks by confidence and honours the threshold', () => {
    expect(ids(index(), 'beach')).toEqual([1, 5]); // family beach: 1 (0.8), 5 (boardwalk 0.2; beach rejected)
    expect(ids(index(), 'mountain', 0.1)).toEqual([3]);
    expect(ids(index(), 'mountain', 0.5)).toEqual([]);
  });

  it('a correction wins; a rejected label no longer matches', () => {
    expect(ids(index(), 'kitchen')).toEqual([4, 2]);
    expect(ids(index(), '"beach"')).toEqual([1, 5]);
    expect(ids(index(), 'coast')).toEqual([1]);
  });

  it('combines OR, NOT, indoor, folder and dates', () => {
    expect(ids(index(), 'kitchen OR forest path')).toEqual([4, 2, 3]);
    expect(ids(index(), 'outdoor -beach')).toEqual([3]);
    expect(ids(index(), 'indoor')).toEqual([4, 2]); // 4 was corrected to kitchen
    expect(ids(index(), 'outdoor', 0.1, new Set([2]))).toEqual([3, 5]); // 5 shows boardwalk (20 %): beach was rejected
    expect(ids(index(), 'kitchen from:2021')).toEqual([2]);
  });

  it('removes photos and pages results', () => {
    const ix = index();
    ix.remove(1);
    expect(ids(ix, 'beach')).toEqual([5]);
    const r = ix.search(parseQuery('outdoor'), { threshold: 0.1, folder: null, offset: 1, limit: 1 });
    expect(r.total).toBe(2);
    expect(r.hits.length).toBe(1);
  });
});

describe('search index bitsets stay current', () => {
  it('reflects changes made after the first search, and a new threshold', () => {
    const ix = index();
    expect(ids(ix, 'kitchen')).toEqual([4, 2]);
    // re-tag photo 3 as a kitchen, correct photo 1 to a forest path, reject beach on photo 5's successor
    ix.upsert({ id: 3, folderId: 2, dir: '', failed: false, takenTs: null, top: [L('kitchen')], prob: [0.7], vote: true, correction: null, rejected: [] });
    ix.upsert({ id: 1, folderId: 1, dir: '', failed: false, takenTs: Date.UTC(2020, 5, 1), top: [L('beach'), L('coast')], prob: [0.8, 0.1], vote: false, correction: L('forest_path'), rejected: [] });
    ix.upsert({ id: 6, folderId: 1, dir: '', failed: false, takenTs: null, top: [L('beach')], prob: [0.9], vote: false, correction: null, rejected: [L('beach')] });
    expect(ids(ix, 'kitchen')).toEqual([4, 3, 2]);
    expect(ids(ix, '"forest path"')).toEqual([1]);
    expect(ids(ix, '"beach"')).toEqual([5]);
    expect(ids(ix, 'indoor')).toEqual([4, 3, 2]);
    // many more photos than the bitsets were sized for
    for (let id = 100; id < 3000; id++) ix.upsert({ id, folderId: 3, dir: '', failed: false, takenTs: null, top: [L('canyon')], prob: [0.5], vote: false, correction: null, rejected: [] });
    expect(ix.search(parseQuery('canyon'), { threshold: 0.1, folder: null, offset: 0, limit: 5 }).total).toBe(2900);
    // a higher threshold drops weak matches
    expect(ids(ix, 'kitchen', 0.6)).toEqual([4, 3]);
    expect(ids(ix, 'kitchen', 0.1)).toEqual([4, 3, 2]);
  });
});
