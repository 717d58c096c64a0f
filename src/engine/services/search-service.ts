/**
 * Search: the query box (scenes, families, keywords, folders, dates, and a
 * personal scene's name), the suggestions as one types, and similar photos by
 * their scene descriptors. Owns the search index, which follows the one
 * "photos changed" path (Library wires it) and is built in the background
 * after opening.
 */
import type { PhotoSummary, SearchHitSummary } from '../../shared/domain.js';
import { ContractError, type SearchResult } from '../../shared/contract.js';
import { photoSummary, scene } from '../catalog/views.js';
import { cosine, norm } from '../indexer/features.js';
import { PLACES365_LABELS, humanName } from '../labels/label-sets.js';
import { parseQuery, widenedNotices } from '../search/query-parser.js';
import { folderMatcher } from '../search/folder-filter.js';
import { LiveSearchIndex } from '../search/live-search-index.js';
import { FAMILIES } from '../search/families.js';
import type { ServiceContext } from './context.js';

export class SearchService {
  /** Follows PhotoChanges (Library.followPhotoChanges); built in the background after opening. */
  readonly index: LiveSearchIndex;

  constructor(
    private readonly ctx: ServiceContext,
    /** The scene-group counts (BrowseService.sceneGroups), for the suggestions' counts. */
    private readonly groupCounts: () => { groups: { key: string; count: number }[] },
  ) {
    this.index = new LiveSearchIndex(ctx.catalog.searchRows, () => ctx.threshold());
  }

  /** Builds the search index in the background after opening (search/live-search-index.ts). */
  warm(): Promise<void> {
    return this.index.warm();
  }

  /** Changes the search index's warm-up has yet to apply (tests: 0 once it has ended). */
  get pending(): number {
    return this.index.pendingCount;
  }

  run(q: string, offset: number, limit: number): SearchResult {
    const { catalog } = this.ctx;
    const t0 = performance.now();
    const mine = this.ctx.personal.byName(q.trim());
    if (mine) return this.searchPersonal(mine.id, mine.name, q, offset, limit, t0);
    // Built only when needed: a word that names no scene asks whether it is a keyword.
    const indexNow = (): ReturnType<LiveSearchIndex['get']> => this.index.get();
    const parsed = parseQuery(q, (word) => indexNow().hasKeyword(word));
    const notices = widenedNotices(parsed);
    const folder = parsed.folder ? folderMatcher(parsed.folder, catalog.folders()) : null;
    const hasTerms = parsed.any.length > 0 || parsed.folder || parsed.from || parsed.to;
    if (!hasTerms) return { query: parsed, total: 0, items: [], notices, tookMs: Math.round((performance.now() - t0) * 100) / 100 };
    const index = indexNow();
    if (folder && !index.hasDir(folder)) parsed.errors.push(`No folder called "${parsed.folder}" in the library.`);
    for (const g of parsed.any)
      for (const t of g) if (t.kind === 'keyword' && !index.hasKeyword(t.value)) parsed.errors.push(`No photo has the keyword "${t.value}".`);
    const { total, hits } = index.search(parsed, { threshold: this.ctx.threshold(), folder, offset, limit });
    const rows = catalog.searchRows.photos(hits.map((h) => h.id));
    const byId = new Map(rows.map((r) => [r.id, r]));
    const items: SearchHitSummary[] = [];
    for (const h of hits) {
      const r = byId.get(h.id);
      if (r) items.push({ ...photoSummary(r), match: h.match ? scene(h.match.index, h.match.prob) : null });
    }
    return { query: parsed, total, items, notices, tookMs: Math.round((performance.now() - t0) * 100) / 100 };
  }

  /** A search for a personal scene's name: its photos, best first, each with the classifier's 0..1 score. */
  private searchPersonal(id: number, name: string, q: string, offset: number, limit: number, t0: number): SearchResult {
    const { total, rows } = this.ctx.catalog.personal.memberPage(id, offset, limit);
    const items = rows.map((r) => ({ ...photoSummary(r), match: { label: `my:${id}`, name, index: -1, prob: r.personal_score } }));
    const query = { any: [[{ kind: 'text' as const, value: q.trim(), negated: false, labels: [] }]], folder: null, from: null, to: null, errors: [] };
    return { query, total, items, notices: [`${name}: your personal scene`], tookMs: Math.round((performance.now() - t0) * 100) / 100 };
  }

  suggest(prefix: string, limit: number) {
    const p = prefix.toLowerCase().replace(/[_/]+/g, ' ').trim();
    if (!p) return { items: [] };
    const counts = new Map(this.groupCounts().groups.map((g) => [g.key, g.count]));
    const items: { text: string; kind: 'label' | 'family' | 'indoor' | 'outdoor'; name: string; count: number }[] = [];
    for (const io of ['indoor', 'outdoor'] as const) if (io.startsWith(p)) items.push({ text: io, kind: io, name: io, count: 0 });
    for (const f of Object.keys(FAMILIES)) {
      if (f.startsWith(p)) items.push({ text: f, kind: 'family', name: `${f} (${FAMILIES[f]!.length} scenes)`, count: FAMILIES[f]!.reduce((a, l) => a + (counts.get(l) ?? 0), 0) });
    }
    for (const label of PLACES365_LABELS) {
      const name = humanName(label);
      const n = name.toLowerCase();
      if (n.startsWith(p) || n.includes(` ${p}`)) items.push({ text: name.includes(' ') ? `"${name}"` : name, kind: 'label', name, count: counts.get(label) ?? 0 });
    }
    items.sort((a, b) => {
      const ap = a.name.toLowerCase().startsWith(p) ? 0 : 1;
      const bp = b.name.toLowerCase().startsWith(p) ? 0 : 1;
      return ap - bp || b.count - a.count || a.name.localeCompare(b.name);
    });
    return { items: items.slice(0, limit) };
  }

  /** Nearest neighbours by cosine similarity of the stored scene descriptors (fc7). */
  similar(id: number, limit: number): { items: (PhotoSummary & { similarity: number })[] } {
    const { catalog } = this.ctx;
    const p = catalog.photo(id);
    if (!p) throw new ContractError('not_found', `no photo with id ${id}`);
    if (!p.model) return { items: [] };
    const mine = catalog.featureVector(id, p.model);
    if (!mine) return { items: [] };
    const a = new Int8Array(mine.buffer, mine.byteOffset, mine.byteLength);
    const na = norm(a);
    const best: { id: number; s: number }[] = [];
    const rows = catalog.otherFeatureVectors(p.model, id);
    for (const r of rows) {
      const b = new Int8Array(r.vec.buffer, r.vec.byteOffset, r.vec.byteLength);
      const s = cosine(a, b, na);
      if (best.length < limit || s > best[best.length - 1]!.s) {
        best.push({ id: r.id, s });
        best.sort((x, y) => y.s - x.s);
        if (best.length > limit) best.pop();
      }
    }
    const items = best.map((b) => ({ ...photoSummary(catalog.photo(b.id)!), similarity: Math.round(b.s * 1000) / 1000 }));
    return { items };
  }
}
