/**
 * The one rule for "which scene does a photo show, and which scenes does it
 * count as": the catalog (stored scene columns), the search index, the scene
 * groups and the photo view all follow it, so they can never disagree.
 *
 *  - A photo that could not be read shows no scene and counts as none: it
 *    belongs only in "Could not be read" (a correction made earlier is kept,
 *    and shows again if the file becomes readable).
 *  - A person's correction wins over the model, with confidence 1.
 *  - Otherwise the model's labels, best first, minus the ones the person
 *    rejected; the first is the shown scene.
 *  - A label counts (in search, and for a scene group) from the confidence
 *    threshold up; a shown scene under it is "uncertain".
 *  - Indoor/outdoor: where the shown label itself says indoor or outdoor
 *    (`kennel/outdoor`, `florist_shop/indoor`, `balcony/interior`), the label
 *    wins; otherwise the model's top-10 vote (CSAIL's rule); a corrected scene
 *    without such a word takes CSAIL's indoor/outdoor entry for that class.
 */
import { PLACES365_INDOOR, PLACES365_LABELS } from './label-sets.js';

export interface SceneEvidence {
  /** The file could not be read (status `failed`). */
  failed: boolean;
  /** The model's Places365 indices, best first, and their probabilities (empty before tagging). */
  top: ArrayLike<number>;
  prob: ArrayLike<number>;
  /** The model's top-10 indoor vote, if it tagged the photo. */
  vote: boolean | null;
  /** The person's scene, if any. */
  correction: number | null;
  rejected: ReadonlySet<number> | readonly number[];
}

export interface SceneCandidate {
  index: number;
  prob: number;
}

export interface ShownScene extends SceneCandidate {
  corrected: boolean;
  indoor: boolean | null;
}

/** What the label's own name says: `/indoor` or `/interior` → true, `/outdoor` or `/exterior` → false, else null. */
export function labelSaysIndoor(label: string): boolean | null {
  const qualifiers = label.split('/').slice(1);
  if (qualifiers.includes('indoor') || qualifiers.includes('interior')) return true;
  if (qualifiers.includes('outdoor') || qualifiers.includes('exterior')) return false;
  return null;
}

const SAYS_INDOOR: readonly (boolean | null)[] = PLACES365_LABELS.map(labelSaysIndoor);

/** Indoor/outdoor of a photo showing scene `index` (see the file header). */
export function indoorOf(index: number | null, vote: boolean | null, corrected: boolean): boolean | null {
  if (index === null) return vote;
  const says = SAYS_INDOOR[index];
  if (says !== null && says !== undefined) return says;
  if (corrected) return PLACES365_INDOOR[index] ?? null;
  return vote;
}

function has(set: ReadonlySet<number> | readonly number[], v: number): boolean {
  return Array.isArray(set) ? set.includes(v) : (set as ReadonlySet<number>).has(v);
}

/**
 * Writes the labels a photo may count as, best first (the correction alone, or
 * the model's unrejected labels), into `index`/`prob` from `at`, at most `max`;
 * returns how many. Typed arrays in, so the search index stores a million
 * photos without an object each.
 */
export function writeCandidates(e: SceneEvidence, index: { [i: number]: number }, prob: { [i: number]: number }, at: number, max: number): number {
  if (e.failed) return 0;
  if (e.correction !== null) {
    if (max < 1) return 0;
    index[at] = e.correction;
    prob[at] = 1;
    return 1;
  }
  const rejected = e.rejected;
  const none = Array.isArray(rejected) ? rejected.length === 0 : (rejected as ReadonlySet<number>).size === 0;
  let n = 0;
  for (let k = 0; k < e.top.length && n < max; k++) {
    const l = e.top[k]!;
    if (!none && has(rejected, l)) continue;
    index[at + n] = l;
    prob[at + n] = e.prob[k] ?? 0;
    n++;
  }
  return n;
}

/** The same as objects: `writeCandidates` for the catalog and views. */
export function sceneCandidates(e: SceneEvidence, max = Infinity): SceneCandidate[] {
  const index: number[] = [];
  const prob: number[] = [];
  const n = writeCandidates(e, index, prob, 0, Math.min(max, e.top.length + 1));
  return Array.from({ length: n }, (_, k) => ({ index: index[k]!, prob: prob[k]! }));
}

/** The scene a photo shows (null: not readable, not tagged, or every label rejected). */
export function shownScene(e: SceneEvidence): ShownScene | null {
  const first = sceneCandidates(e, 1)[0];
  if (!first) return null;
  const corrected = !e.failed && e.correction !== null;
  return { ...first, corrected, indoor: indoorOf(first.index, e.vote, corrected) };
}

/** Whether a candidate's confidence counts at `threshold` (a correction has confidence 1, so it always does). */
export function counts(prob: number, threshold: number): boolean {
  return prob >= threshold;
}

/** Scene groups: a Places365 index, or one of these. */
export const GROUP_PENDING = -1;
export const GROUP_FAILED = -2;
export const GROUP_UNCERTAIN = -3;

/** The group of a photo, from its status and shown scene. */
export function sceneGroup(failed: boolean, shown: Pick<ShownScene, 'index' | 'prob'> | null, threshold: number): number {
  if (failed) return GROUP_FAILED;
  if (!shown) return GROUP_PENDING;
  return counts(shown.prob, threshold) ? shown.index : GROUP_UNCERTAIN;
}

/**
 * `sceneGroup` in SQL over the photos table's stored shown scene (`scene_index`,
 * `scene_prob`, `corrected`, written by the catalog from `shownScene`), with the
 * threshold as `@t`: grouping a million photos stays one query.
 * scene-rule.test.ts checks that both forms agree.
 */
export const GROUP_SQL = `CASE WHEN status = 'failed' THEN ${GROUP_FAILED}
                 WHEN scene_index IS NULL THEN ${GROUP_PENDING}
                 WHEN corrected = 1 OR scene_prob >= @t THEN scene_index ELSE ${GROUP_UNCERTAIN} END`;
