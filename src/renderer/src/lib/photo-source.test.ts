import { describe, expect, it } from 'vitest';
import { PhotoSource, type Section } from './photo-source';
import type { PhotoSummary } from '../../../shared/domain';

const photo = (id: number): PhotoSummary => ({ id, name: `p${id}.jpg`, width: 1, height: 1, takenAt: null, status: 'indexed', scene: null, corrected: false, error: null, version: 1 });
const sections: Section[] = [{ key: 'a', title: 'A', count: 300 }];
/** Section a holds ids 1000.. in order. */
const pages = { calls: 0 };
const fetcher = async (_s: Section, offset: number, limit: number): Promise<PhotoSummary[]> => {
  pages.calls++;
  return Array.from({ length: Math.max(0, Math.min(limit, 300 - offset)) }, (_, k) => photo(1000 + offset + k));
};

describe('PhotoSource.idsIn (selecting a range or a section)', () => {
  it('answers from loaded pages without asking, else from the id fetcher without loading summaries', async () => {
    const asked: [number, number][] = [];
    const src = new PhotoSource(sections, fetcher, 100, async (_s, offset, limit) => {
      asked.push([offset, limit]);
      return Array.from({ length: limit }, (_, k) => 1000 + offset + k);
    });
    await src.ensure(0, 0, 100);
    pages.calls = 0;
    expect(await src.idsIn(0, 10, 13)).toEqual([1010, 1011, 1012]);
    expect(asked).toEqual([]);
    const all = await src.idsIn(0, 0, 1000);
    expect(all).toHaveLength(300);
    expect(all[299]).toBe(1299);
    expect(asked).toEqual([[0, 300]]);
    expect(pages.calls).toBe(0);
  });

  it('without an id fetcher, loads the pages', async () => {
    const src = new PhotoSource(sections, fetcher, 100);
    expect(await src.idsIn(0, 150, 250)).toEqual(Array.from({ length: 100 }, (_, k) => 1150 + k));
  });
});
