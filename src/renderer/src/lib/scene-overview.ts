/**
 * How the scenes overview arranges the scene groups: by family (in the
 * vocabulary's family order, "other" last), the biggest scenes of a family
 * first — the ones a person most likely looks for. The family page lists its
 * scenes in the same order, so a family's photos read like its cards.
 */
import type { SceneGroup } from '../../../shared/domain';
import { familyName } from './format';

export interface FamilyCards {
  family: string;
  /** As shown: "Water". */
  name: string;
  scenes: SceneGroup[];
  /** Photos in all its scenes. */
  count: number;
}

const bySize = (a: SceneGroup, b: SceneGroup): number => b.count - a.count || a.name.localeCompare(b.name);

/** The scenes of one family, biggest first. */
export function familyScenes(groups: readonly SceneGroup[], family: string): SceneGroup[] {
  return groups.filter((g) => g.family === family).sort(bySize);
}

/** Every family with photos, in `familyOrder` ("other" and unknown families last, by name). */
export function overviewFamilies(groups: readonly SceneGroup[], familyOrder: readonly string[]): FamilyCards[] {
  const names = new Set(groups.filter((g) => g.family !== 'status').map((g) => g.family));
  const rank = (f: string): number => {
    // The person's own scenes ("My scenes") first.
    if (f === 'personal') return -1;
    const i = familyOrder.indexOf(f);
    return i < 0 ? familyOrder.length : i;
  };
  return [...names]
    .sort((a, b) => rank(a) - rank(b) || (a === 'other' ? 1 : 0) - (b === 'other' ? 1 : 0) || a.localeCompare(b))
    .map((family) => {
      const scenes = familyScenes(groups, family);
      return { family, name: familyName(family), scenes, count: scenes.reduce((n, g) => n + g.count, 0) };
    });
}

/** The groups that are not scenes (Uncertain, Not yet tagged), as the engine orders them. */
export function statusGroups(groups: readonly SceneGroup[]): SceneGroup[] {
  return groups.filter((g) => g.family === 'status' && g.key !== 'failed');
}
