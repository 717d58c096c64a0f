/**
 * The Places365 and Hybrid1365 label sets, human names, and the indoor/outdoor
 * rule of the CSAIL demo (run_placesCNN_unified.py: mean of IO over the top-10
 * scene classes, indoor when under 0.5).
 */
import { HYBRID1365_TEXT as hybridText, IO_PLACES365_TEXT as ioText, PLACES365_TEXT as placesText } from './label-data.js';
import type { ScenePrediction } from '../../shared/domain.js';

export type LabelKind = 'places365' | 'hybrid1365';

export interface LabelSet {
  kind: LabelKind;
  /** One per model output. */
  labels: string[];
  names: string[];
  /** Output index of Places365 class 0 (0, or 1000 in Hybrid1365). */
  placesOffset: number;
}

/** `/f/field/wild 123` → `field/wild` */
function parsePlacesLine(line: string): string {
  const token = line.trim().split(/\s+/)[0] ?? '';
  return token.slice(3);
}

/** `field/wild` → `field (wild)`, `airport_terminal` → `airport terminal`. */
export function humanName(label: string): string {
  const [head, ...rest] = label.split('/');
  const base = (head ?? '').replace(/_/g, ' ');
  return rest.length ? `${base} (${rest.join(', ').replace(/_/g, ' ')})` : base;
}

function lines(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => l.trim().length > 0);
}

export const PLACES365_LABELS: readonly string[] = lines(placesText).map(parsePlacesLine);
export const PLACES365_INDOOR: readonly boolean[] = (() => {
  const io = new Map(lines(ioText).map((l) => {
    const [path, v] = l.trim().split(/\s+/);
    return [parsePlacesLine(path ?? ''), v === '1'] as const;
  }));
  return PLACES365_LABELS.map((l) => {
    const v = io.get(l);
    if (v === undefined) throw new Error(`IO_places365.txt has no entry for ${l}`);
    return v;
  });
})();

const HYBRID_LABELS: string[] = lines(hybridText).map((l, i) => {
  if (i >= 1000) return parsePlacesLine(l);
  // `n01440764 tench, Tinca tinca 0`: keep the first common name.
  const m = /^\S+\s+(.*)\s+\d+\s*$/.exec(l.trim());
  return (m?.[1] ?? l).split(',')[0]!.trim();
});

export const LABEL_SETS: Record<LabelKind, LabelSet> = {
  places365: { kind: 'places365', labels: [...PLACES365_LABELS], names: PLACES365_LABELS.map(humanName), placesOffset: 0 },
  hybrid1365: {
    kind: 'hybrid1365',
    labels: HYBRID_LABELS,
    names: HYBRID_LABELS.map((l, i) => (i >= 1000 ? humanName(l) : l)),
    placesOffset: 1000,
  },
};

const placesIndex = new Map(PLACES365_LABELS.map((l, i) => [l, i]));
export function placesLabelIndex(label: string): number | undefined {
  return placesIndex.get(label);
}

function topK(prob: ArrayLike<number>, from: number, to: number, k: number): number[] {
  const idx: number[] = [];
  for (let i = from; i < to; i++) idx.push(i);
  idx.sort((a, b) => prob[b]! - prob[a]! || a - b);
  return idx.slice(0, k);
}

export interface Interpretation {
  scenes: ScenePrediction[];
  objects: ScenePrediction[];
  indoor: boolean;
}

/** Turns one softmax row into scene (and, for Hybrid1365, object) predictions. */
export function interpret(prob: ArrayLike<number>, set: LabelSet, k = 5): Interpretation {
  const off = set.placesOffset;
  const placeIdx = topK(prob, off, off + 365, Math.max(k, 10));
  const scenes = placeIdx.slice(0, k).map((i) => ({ label: set.labels[i]!, name: set.names[i]!, index: i - off, prob: prob[i]! }));
  const io = placeIdx.slice(0, 10).reduce((a, i) => a + (PLACES365_INDOOR[i - off] ? 0 : 1), 0) / 10;
  const objects =
    off > 0 ? topK(prob, 0, off, k).map((i) => ({ label: set.labels[i]!, name: set.names[i]!, index: i, prob: prob[i]! })) : [];
  return { scenes, objects, indoor: io < 0.5 };
}

export function labelSetFor(classes: number): LabelSet {
  if (classes === 365) return LABEL_SETS.places365;
  if (classes === 1365) return LABEL_SETS.hybrid1365;
  throw new Error(`the model has ${classes} outputs; Scenery knows Places365 (365) and Hybrid1365 (1365)`);
}
