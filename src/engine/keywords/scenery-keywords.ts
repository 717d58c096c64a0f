/**
 * Which keywords Scenery writes for a photo, and how it recognises its own.
 *
 * A photo whose shown scene counts (a correction, or the model's scene at or
 * above the confidence threshold; labels/shown-scene.ts) gets:
 *  - flat keywords (XMP dc:subject, IPTC Keywords): the scene's human name
 *    ("forest path") and "indoor" or "outdoor" when known;
 *  - one hierarchical keyword (XMP lr:hierarchicalSubject):
 *    `Scenery|Outdoor|Forest|forest path` (root, indoor/outdoor, the scene's
 *    primary family, the scene), so that Lightroom, digiKam and darktable show
 *    all of Scenery's keywords as one branch that a person can find or delete.
 *
 * A photo in personal scenes (scenes taught by example) also gets each
 * scene's name as a flat keyword and `Scenery|My scenes|<name>` in the
 * hierarchy.
 *
 * A hierarchy entry is Scenery's when it is one Scenery can write (any of
 * the 365 scenes, with or without indoor/outdoor): a person's own
 * `Scenery|Mountains` is not one and is never touched. Personal scenes'
 * entries are Scenery's because the catalog records having written them
 * (keyword-sync.ts), so a renamed or removed scene's entry is taken out too.
 */
import { PLACES365_LABELS, humanName } from '../labels/label-sets.js';
import { counts } from '../labels/shown-scene.js';
import { primaryFamily } from '../search/families.js';

export const KEYWORD_ROOT = 'Scenery';

export interface SceneryKeywords {
  flat: string[];
  hierarchy: string[];
}

export const NO_KEYWORDS: SceneryKeywords = { flat: [], hierarchy: [] };

/** The row fields that decide a photo's keywords. */
export interface SceneFacts {
  status: string;
  scene_index: number | null;
  scene_prob: number | null;
  corrected: number;
  indoor: number | null;
}

function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The keywords for Places365 scene `index` with indoor/outdoor `indoor` (null: unknown). */
export function keywordsForScene(index: number, indoor: boolean | null): SceneryKeywords {
  const label = PLACES365_LABELS[index];
  if (label === undefined) throw new RangeError(`no Places365 scene #${index}`);
  const name = humanName(label);
  const io = indoor === null ? null : indoor ? 'indoor' : 'outdoor';
  const path = [KEYWORD_ROOT, ...(io ? [capitalised(io)] : []), capitalised(primaryFamily(label)), name];
  return { flat: io ? [name, io] : [name], hierarchy: [path.join('|')] };
}

/**
 * The keywords a photo should carry at `threshold`, or null when it is not
 * known yet (not yet tagged, or its file is missing): then its files are left
 * as they are. A file that cannot be read, or a scene under the threshold, gets none.
 */
export function keywordsFor(p: SceneFacts, threshold: number): SceneryKeywords | null {
  if (p.status === 'missing' || p.status === 'pending') return null;
  if (p.status === 'failed' || p.scene_index === null) return NO_KEYWORDS;
  if (p.corrected !== 1 && !counts(p.scene_prob ?? 0, threshold)) return NO_KEYWORDS;
  return keywordsForScene(p.scene_index, p.indoor === null ? null : p.indoor === 1);
}

export const PERSONAL_BRANCH = 'My scenes';

/** `keywords` plus those of the personal scenes named `names`. A `|` in a name would open a level: it becomes `/`. */
export function withPersonalScenes(keywords: SceneryKeywords, names: readonly string[]): SceneryKeywords {
  if (!names.length) return keywords;
  const flat = [...keywords.flat];
  const hierarchy = [...keywords.hierarchy];
  for (const name of names) {
    if (!flat.includes(name)) flat.push(name);
    const entry = [KEYWORD_ROOT, PERSONAL_BRANCH, name.replace(/\|/g, '/')].join('|');
    if (!hierarchy.includes(entry)) hierarchy.push(entry);
  }
  return { flat, hierarchy };
}

let every: Set<string> | null = null;

/** Whether `entry` is a hierarchical keyword Scenery writes (see the header). */
export function isSceneryHierarchy(entry: string): boolean {
  if (!every) {
    every = new Set();
    for (let i = 0; i < PLACES365_LABELS.length; i++) for (const io of [null, true, false]) for (const h of keywordsForScene(i, io).hierarchy) every.add(h);
  }
  return every.has(entry);
}
