/**
 * Browsing: pages of photos (and their ids) by date, scene, folder or
 * personal scene, month counts, one photo's detail, the scene groups with
 * their counts (cached until photos or the threshold change), the vocabulary
 * and the paths a person sees.
 */
import { join } from 'node:path';
import type { PhotoDetail, PhotoSummary, SceneGroup, SearchHitSummary } from '../../shared/domain.js';
import { ContractError } from '../../shared/contract.js';
import type { PhotoPageQuery } from '../catalog/browse-queries.js';
import { photoDetail, photoSummary } from '../catalog/views.js';
import { PLACES365_LABELS, humanName, placesLabelIndex } from '../labels/label-sets.js';
import { FAMILY_ORDER, LABEL_FAMILIES, primaryFamily } from '../search/families.js';
import { GROUP_FAILED, GROUP_PENDING, GROUP_UNCERTAIN, indoorOf } from '../labels/shown-scene.js';
import type { ServiceContext } from './context.js';

export interface PhotoListRequest {
  order: 'date' | 'scene';
  scene: string | null;
  folderId: number | null;
  subfolder?: string | null;
  status: 'failed' | null;
  dated?: boolean | null;
  month?: string | null;
  offset: number;
  limit: number;
}

const SPECIAL_GROUPS: Record<string, string> = { uncertain: 'Uncertain', pending: 'Not yet tagged', failed: 'Could not be read' };

/** Group number (SQL) → group key (contract): a Places365 label or `pending`/`failed`/`uncertain`. */
function groupKey(g: number): string {
  if (g === GROUP_PENDING) return 'pending';
  if (g === GROUP_FAILED) return 'failed';
  if (g === GROUP_UNCERTAIN) return 'uncertain';
  return PLACES365_LABELS[g] ?? `#${g}`;
}

function groupNumber(key: string): number | null {
  if (key === 'pending') return GROUP_PENDING;
  if (key === 'failed') return GROUP_FAILED;
  if (key === 'uncertain') return GROUP_UNCERTAIN;
  return placesLabelIndex(key) ?? null;
}

export class BrowseService {
  private groupsCache: { threshold: number; groups: SceneGroup[] } | null = null;

  constructor(private readonly ctx: ServiceContext) {}

  listPhotos(req: PhotoListRequest): { total: number; items: PhotoSummary[] } {
    if (req.scene?.startsWith('my:')) return this.personalPhotos(Number(req.scene.slice(3)), req.offset, req.limit);
    const q = this.pageQuery(req);
    if (!q) return { total: 0, items: [] };
    const { total, rows } = this.ctx.catalog.browse.photoPage(q);
    return { total, items: rows.map(photoSummary) };
  }

  /** A `photos.list` request as the catalog's page query (null: a scene no photo can be in). */
  private pageQuery(req: PhotoListRequest): PhotoPageQuery | null {
    if (req.subfolder && req.folderId === null) throw new ContractError('invalid_request', 'subfolder needs folderId: a subfolder is a path below one watched folder');
    let group: number | null = null;
    if (req.scene && req.scene !== 'failed') {
      group = groupNumber(req.scene);
      if (group === null) return null;
    }
    return {
      failed: req.status === 'failed' || req.scene === 'failed',
      group,
      folderId: req.folderId,
      subfolder: req.subfolder ?? null,
      dated: req.dated,
      month: req.month ?? null,
      byScene: req.order === 'scene' && !req.scene,
      threshold: this.ctx.threshold(),
      offset: req.offset,
      limit: req.limit,
    };
  }

  /** The ids of a `listPhotos` view, in its order ("Select all" without loading every photo's summary). */
  photoIds(req: PhotoListRequest): { total: number; ids: number[] } {
    const { catalog } = this.ctx;
    if (req.scene?.startsWith('my:')) {
      const id = Number(req.scene.slice(3));
      if (!Number.isInteger(id) || !catalog.personal.scene(id)) return { total: 0, ids: [] };
      const { total, rows } = catalog.personal.memberPage(id, req.offset, req.limit);
      return { total, ids: rows.map((r) => r.id) };
    }
    const q = this.pageQuery(req);
    return q ? catalog.browse.photoIds(q) : { total: 0, ids: [] };
  }

  /**
   * A personal scene's photos, best first (photos.list with scene `my:<id>`), each with `match`: the scene and the
   * classifier's 0..1 score, as a search for its name gives them (the tiles show that, not the Places365 scene).
   */
  private personalPhotos(id: number, offset: number, limit: number): { total: number; items: SearchHitSummary[] } {
    const scene = Number.isInteger(id) ? this.ctx.catalog.personal.scene(id) : undefined;
    if (!scene) return { total: 0, items: [] };
    const { total, rows } = this.ctx.catalog.personal.memberPage(id, offset, limit);
    return { total, items: rows.map((r) => ({ ...photoSummary(r), match: { label: `my:${id}`, name: scene.name, index: -1, prob: r.personal_score } })) };
  }

  /** A personal scene's least-sure photos, as the suggestions strip shows them. */
  async personalSuggestions(id: number, limit: number): Promise<{ items: (PhotoSummary & { score: number })[] }> {
    const s = await this.ctx.personal.suggestions(id, limit);
    return { items: s.flatMap((x) => { const p = this.ctx.catalog.photo(x.id); return p ? [{ ...photoSummary(p), score: x.score }] : []; }) };
  }

  /** By date's month headings and scrubber: photos per month, newest first, and how many have no date. */
  monthCounts(withDays = false): { months: { month: string; count: number; days?: [number, number][] }[]; undated: number } {
    return this.ctx.catalog.browse.monthCounts(withDays);
  }

  photo(id: number): PhotoDetail {
    const p = this.ctx.catalog.photo(id);
    if (!p) throw new ContractError('not_found', `no photo with id ${id}`);
    return photoDetail(this.ctx.catalog, p);
  }

  /** Scene groups with counts; cached until a photo, folder or the threshold changes. */
  sceneGroups(): { threshold: number; groups: SceneGroup[] } {
    this.groupsCache ??= this.computeSceneGroups();
    return this.groupsCache;
  }

  /** Drops the scene-group counts (photos, personal scenes or the threshold changed); recomputed when next asked. */
  dropGroups(): void {
    this.groupsCache = null;
  }

  private computeSceneGroups(): { threshold: number; groups: SceneGroup[] } {
    const t = this.ctx.threshold();
    const rows = this.ctx.catalog.browse.groupCounts(t);
    const groups = rows.map((r) => {
      const key = groupKey(r.g);
      const special = SPECIAL_GROUPS[key];
      return { key, name: special ?? humanName(key), family: special ? 'status' : primaryFamily(key), count: r.n, cover: { id: r.cover, version: r.cover_version } };
    });
    groups.sort((a, b) => (a.family === 'status' ? 1 : 0) - (b.family === 'status' ? 1 : 0) || a.name.localeCompare(b.name));
    // Personal scenes first, as the family "personal" (key my:<id>); an empty one has no cover and is left out here.
    const mine = this.ctx.personal.list().flatMap((p) => (p.cover ? [{ key: p.key, name: p.name, family: 'personal', count: p.count, cover: p.cover }] : []));
    return { threshold: t, groups: [...mine, ...groups] };
  }

  vocabulary(): { entries: { label: string; name: string; index: number; indoor: boolean; families: string[] }[]; families: string[] } {
    return {
      entries: PLACES365_LABELS.map((label, index) => ({
        label,
        name: humanName(label),
        index,
        indoor: indoorOf(index, null, true) ?? false,
        families: [...(LABEL_FAMILIES[label] ?? [])],
      })),
      families: FAMILY_ORDER,
    };
  }

  /** The paths a person sees for photos (the watched folder's display path and the file below it), in `ids` order. */
  displayPaths(ids: readonly number[]): { paths: string[] } {
    const rows = new Map(this.ctx.catalog.photoStates(ids).map((r) => [r.id, r]));
    const paths: string[] = [];
    for (const id of ids) {
      const r = rows.get(id);
      if (!r) continue;
      if (r.status !== 'missing') paths.push(join(r.folder_path, ...r.rel_path.split('/')));
    }
    return { paths };
  }
}
