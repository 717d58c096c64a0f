/**
 * The scenes a typed text names, for a scene chooser: names containing the
 * text, those starting with it first, at most `limit`. The viewer's own
 * "Set scene…" field matches the same way (PhotoView.svelte).
 */
import type { SceneVocabularyEntry } from '../../../shared/domain';

export function sceneMatches(vocabulary: readonly SceneVocabularyEntry[], text: string, limit = 8): SceneVocabularyEntry[] {
  const q = text.toLowerCase().replace(/[_/]+/g, ' ').trim();
  if (!q) return [];
  return vocabulary
    .filter((v) => v.name.toLowerCase().includes(q))
    .sort((a, b) => Number(!a.name.toLowerCase().startsWith(q)) - Number(!b.name.toLowerCase().startsWith(q)))
    .slice(0, limit);
}
