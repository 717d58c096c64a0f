/**
 * Bulk corrections: the grid's selection bar sets or rejects a scene for many
 * photos at once. One batch is one transaction and one undoable action: the
 * engine keeps each batch's previous corrections (rows as they were, or their
 * absence) under a token, and `corrections.undo` writes exactly those back.
 * The plan (what each photo's correction becomes) is pure, so it is tested
 * without a catalog; the Library applies it.
 */
import { randomUUID } from 'node:crypto';
import type { CorrectionRow } from '../catalog/catalog.js';

/** A photo's correction as stored (null: none), without its photo id. */
export type StoredCorrection = { label_index: number | null; rejected: string; updated_at: string } | null;

export interface BulkPhoto {
  id: number;
  status: string;
  /** The scene the photo shows now (its correction, else the model's top-1), or null. */
  scene_index: number | null;
}

export type BulkAction = { kind: 'set'; index: number } | { kind: 'reject'; index: number | null };

export interface BulkPlan {
  writes: { id: number; row: StoredCorrection }[];
  before: { id: number; row: StoredCorrection }[];
  skipped: number;
}

export function storedOf(c: CorrectionRow | undefined): StoredCorrection {
  return c ? { label_index: c.label_index, rejected: c.rejected, updated_at: c.updated_at } : null;
}

/**
 * What each photo's correction becomes. Set: the scene is the person's, and no
 * longer rejected. Reject `index` (or, with null, the scene each photo shows):
 * added to its rejected scenes, and no longer its set scene. Photos that are
 * missing, could not be read, or (rejecting what they show) show no scene are
 * skipped, as is a photo the action would not change.
 */
export function planBulk(photos: readonly BulkPhoto[], corrections: ReadonlyMap<number, CorrectionRow>, action: BulkAction, now: string): BulkPlan {
  const writes: BulkPlan['writes'] = [];
  const before: BulkPlan['before'] = [];
  let skipped = 0;
  for (const p of photos) {
    const c = corrections.get(p.id);
    const rejected: number[] = c ? (JSON.parse(c.rejected) as number[]) : [];
    let label = c?.label_index ?? null;
    let next: number[];
    if (p.status === 'missing' || p.status === 'failed') {
      skipped++;
      continue;
    }
    if (action.kind === 'set') {
      next = rejected.filter((r) => r !== action.index);
      if (label === action.index && next.length === rejected.length) {
        skipped++;
        continue;
      }
      label = action.index;
    } else {
      const idx = action.index ?? p.scene_index;
      if (idx === null || (rejected.includes(idx) && label !== idx)) {
        skipped++;
        continue;
      }
      next = rejected.includes(idx) ? rejected : [...rejected, idx];
      if (label === idx) label = null;
    }
    before.push({ id: p.id, row: storedOf(c) });
    writes.push({ id: p.id, row: label === null && next.length === 0 ? null : { label_index: label, rejected: JSON.stringify(next), updated_at: now } });
  }
  return { writes, before, skipped };
}

/** Whether two stored corrections are the same row (null: none). */
export function sameCorrection(a: StoredCorrection, b: StoredCorrection): boolean {
  return a === null || b === null ? a === b : a.label_index === b.label_index && a.rejected === b.rejected && a.updated_at === b.updated_at;
}

/** A photo's correction before a batch, and what the batch wrote (undo restores only while that is still there). */
export interface UndoItem {
  id: number;
  row: StoredCorrection;
  wrote: StoredCorrection;
}

/** The last batches' previous corrections, by token (in memory: an undo is for this session). */
export class CorrectionUndo {
  private readonly batches = new Map<string, UndoItem[]>();

  constructor(private readonly keep = 20) {}

  remember(plan: Pick<BulkPlan, 'before' | 'writes'>): string {
    const token = randomUUID();
    const wrote = new Map(plan.writes.map((w) => [w.id, w.row]));
    this.batches.set(
      token,
      plan.before.map((b) => ({ ...b, wrote: wrote.get(b.id) ?? null })),
    );
    while (this.batches.size > this.keep) this.batches.delete(this.batches.keys().next().value!);
    return token;
  }

  /** The batch's previous corrections, once (undefined: unknown, already undone, or too old). */
  take(token: string): UndoItem[] | undefined {
    const b = this.batches.get(token);
    this.batches.delete(token);
    return b;
  }
}
