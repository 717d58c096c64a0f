/**
 * Keywords other apps wrote (read from files and sidecars): plain words find them, next to scenes, and
 * `keyword:NAME` finds only them; the photo view lists them.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test-support/harness.js';
import { seedLibrary, type Seed } from '../../test-support/seeded-library.js';
import { Library } from '../library.js';
import { parseQuery } from './query-parser.js';
import { queryText } from '../../shared/query-text.js';

const opened: { lib: Library; cleanup(): void }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.lib.close();
    o.cleanup();
  }
});

const seeds: Seed[] = [
  { rel: 'paris.jpg', top: [['street', 0.8]], keywords: ['Grandma', 'Places|France|Paris', 'Eiffel Tower'] },
  { rel: 'beach-kw.jpg', top: [['forest_path', 0.9]], keywords: ['Beach'] },
  { rel: 'beach.jpg', top: [['beach', 0.9]] },
  { rel: 'none.jpg', top: [['kitchen', 0.9]] },
];

async function library(): Promise<{ lib: Library; id: (rel: string) => number }> {
  const tmp = tempDir('kwsearch');
  const lib = await Library.open({ dir: join(tmp.path, 'lib'), start: false });
  opened.push({ lib, cleanup: tmp.cleanup });
  return { lib, ...seedLibrary(lib, join(tmp.path, 'Photos'), seeds) };
}

const names = (r: { items: { name: string }[] }): string[] => r.items.map((p) => p.name).sort();

describe('keyword search', () => {
  it('a plain word that names no scene finds photos with that keyword (any level of a hierarchy, any case)', async () => {
    const { lib } = await library();
    const r = lib.search.run('GRANDMA', 0, 10);
    expect(r.query.errors).toEqual([]);
    expect(names(r)).toEqual(['paris.jpg']);
    expect(names(lib.search.run('paris', 0, 10))).toEqual(['paris.jpg']);
    expect(names(lib.search.run('france', 0, 10))).toEqual(['paris.jpg']);
    expect(names(lib.search.run('eiffel tower', 0, 10))).toEqual(['paris.jpg']);
    expect(names(lib.search.run('-grandma', 0, 10))).toEqual(['beach-kw.jpg', 'beach.jpg', 'none.jpg']);
  });

  it('a plain word that is a scene finds that scene and the keyword', async () => {
    const { lib } = await library();
    expect(names(lib.search.run('beach', 0, 10))).toEqual(['beach-kw.jpg', 'beach.jpg']);
    // `holiday` is the leisure family (a beach among it) and, here, no keyword: the scene alone
    expect(names(lib.search.run('holiday', 0, 10))).toEqual(['beach.jpg']);
  });

  it('keyword:NAME finds only keywords, quoted for several words', async () => {
    const { lib } = await library();
    expect(names(lib.search.run('keyword:beach', 0, 10))).toEqual(['beach-kw.jpg']);
    expect(names(lib.search.run('keyword:"Eiffel Tower"', 0, 10))).toEqual(['paris.jpg']);
    expect(names(lib.search.run('keyword:Paris street', 0, 10))).toEqual(['paris.jpg']);
    expect(names(lib.search.run('-keyword:beach beach', 0, 10))).toEqual(['beach.jpg']);
    const none = lib.search.run('keyword:Rome', 0, 10);
    expect(none.total).toBe(0);
    expect(none.query.errors).toEqual(['No photo has the keyword "Rome".']);
  });

  it('an unknown word is still an error when no photo has it as a keyword', async () => {
    const { lib } = await library();
    expect(lib.search.run('zzqx', 0, 10).query.errors[0]).toMatch(/No scene or family called "zzqx"/);
  });

  it('the photo view lists the keywords as written', async () => {
    const { lib, id } = await library();
    expect(lib.browse.photo(id('paris.jpg')).keywords).toEqual(['Grandma', 'Places|France|Paris', 'Eiffel Tower']);
    expect(lib.browse.photo(id('beach.jpg')).keywords).toEqual([]);
  });

  it('parses keyword: into a term that turns back into the same text', () => {
    const q = parseQuery('keyword:"Eiffel Tower" -keyword:x');
    expect(q.any[0]!.map((t) => [t.kind, t.value, t.negated])).toEqual([
      ['keyword', 'Eiffel Tower', false],
      ['keyword', 'x', true],
    ]);
    expect(queryText(q)).toBe('keyword:"Eiffel Tower" -keyword:x');
  });
});
