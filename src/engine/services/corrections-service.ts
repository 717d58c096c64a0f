/**
 * Scene corrections: Set scene / Not this scene / clear for one photo, the
 * selection bar's bulk versions as one undoable batch (planned in
 * corrections/bulk-corrections.ts), and the same actions with a personal
 * scene (label `my:<id>`), which become yes/no answers that retrain it.
 * Every change is reported on the one "photos changed" path.
 */
import { randomUUID } from 'node:crypto';
import type { PhotoDetail } from '../../shared/domain.js';
import { ContractError, type BulkCorrectionResult } from '../../shared/contract.js';
import { placesLabelIndex } from '../labels/label-sets.js';
import { CorrectionUndo, planBulk, sameCorrection, storedOf, type BulkAction } from '../corrections/bulk-corrections.js';
import type { PersonalScenes } from '../personal/personal-scenes.js';
import type { ServiceContext } from './context.js';

export class CorrectionsService {
  private readonly undoBatches = new CorrectionUndo();
  /** Batches of personal-scene answers given through the selection bar, by undo token (this session only). */
  private readonly personalUndo = new Map<string, { sceneId: number; before: Parameters<PersonalScenes['restore']>[1] }>();

  constructor(
    private readonly ctx: ServiceContext,
    /** One photo's detail as the UI shows it after a change (BrowseService.photo). */
    private readonly photo: (id: number) => PhotoDetail,
  ) {}

  private labelIndexOrThrow(label: string): number {
    const i = placesLabelIndex(label);
    if (i === undefined) throw new ContractError('invalid_request', `"${label}" is not one of the 365 Places365 scenes`);
    return i;
  }

  /**
   * A file that could not be read gets no new scene: it has none to show. A
   * correction made while it was readable is kept (hidden) and shows again
   * once the file can be read.
   */
  private correctablePhoto(id: number): void {
    const p = this.ctx.catalog.photo(id);
    if (!p) throw new ContractError('not_found', `no photo with id ${id}`);
    if (p.status === 'failed') throw new ContractError('invalid_request', `${p.name} could not be read, so it has no scene to set or reject`);
  }

  setScene(id: number, label: string): PhotoDetail {
    const idx = this.labelIndexOrThrow(label);
    this.correctablePhoto(id);
    const c = this.ctx.catalog.correction(id);
    const rejected = (c ? (JSON.parse(c.rejected) as number[]) : []).filter((r) => r !== idx);
    this.ctx.catalog.setCorrection(id, idx, rejected);
    this.ctx.changes.changed([id]);
    return this.photo(id);
  }

  rejectScene(id: number, label: string): PhotoDetail {
    const idx = this.labelIndexOrThrow(label);
    this.correctablePhoto(id);
    const c = this.ctx.catalog.correction(id);
    const rejected = new Set<number>(c ? (JSON.parse(c.rejected) as number[]) : []);
    rejected.add(idx);
    const keep = c?.label_index === idx ? null : (c?.label_index ?? null);
    this.ctx.catalog.setCorrection(id, keep, [...rejected]);
    this.ctx.changes.changed([id]);
    return this.photo(id);
  }

  clearCorrection(id: number): PhotoDetail {
    if (!this.ctx.catalog.photo(id)) throw new ContractError('not_found', `no photo with id ${id}`);
    this.ctx.catalog.setCorrection(id, null, []);
    this.ctx.changes.changed([id]);
    return this.photo(id);
  }

  /**
   * "Set scene" / "Not this scene" with a personal scene (label `my:<id>`): a "yes" or "no" answer for it, which
   * retrains it. The photo's Places365 scene and corrections are untouched.
   */
  async personalCorrection(id: number, label: string, positive: boolean): Promise<PhotoDetail> {
    const sceneId = Number(label.slice(3));
    if (!Number.isInteger(sceneId) || !this.ctx.catalog.personal.scene(sceneId)) throw new ContractError('not_found', `no personal scene "${label}"`);
    await this.ctx.personal.answer(sceneId, [id], positive, positive ? 'set-scene' : 'not-this');
    return this.photo(id);
  }

  // ---------------------------------------------------------------- bulk (selection bar)
  /** Sets `label` as the scene of every photo in `ids`, as one undoable batch (see corrections/bulk-corrections.ts). */
  setSceneMany(ids: readonly number[], label: string): BulkCorrectionResult {
    return this.applyBulk(ids, { kind: 'set', index: this.labelIndexOrThrow(label) });
  }

  /** Rejects `label` (null: the scene each photo shows) for every photo in `ids`, as one undoable batch. */
  rejectSceneMany(ids: readonly number[], label: string | null): BulkCorrectionResult {
    return this.applyBulk(ids, { kind: 'reject', index: label === null ? null : this.labelIndexOrThrow(label) });
  }

  private applyBulk(ids: readonly number[], action: BulkAction): BulkCorrectionResult {
    const { catalog } = this.ctx;
    const unique = [...new Set(ids)];
    const photos = catalog.photoStates(unique);
    const plan = planBulk(photos, catalog.correctionsOf(unique), action, new Date().toISOString());
    catalog.writeCorrections(plan.writes);
    const changed = plan.writes.map((w) => w.id);
    this.ctx.changes.changed(changed);
    return { changed: changed.length, skipped: plan.skipped + unique.length - photos.length, undo: this.undoBatches.remember(plan) };
  }

  /**
   * The selection bar's Set scene / Not this scene with a personal scene (label `my:<id>`): "yes" or "no" answers
   * for every photo, one retraining, and one undo token (corrections.undo puts the answers back as they were).
   */
  async personalAnswerMany(ids: readonly number[], label: string, positive: boolean): Promise<BulkCorrectionResult> {
    const sceneId = Number(label.slice(3));
    if (!Number.isInteger(sceneId) || !this.ctx.catalog.personal.scene(sceneId)) throw new ContractError('not_found', `no personal scene "${label}"`);
    const unique = [...new Set(ids)];
    const live = this.ctx.catalog.photoStates(unique).filter((p) => p.status !== 'missing' && p.status !== 'failed').map((p) => p.id);
    if (!live.length) return { changed: 0, skipped: unique.length, undo: '' };
    const { before } = await this.ctx.personal.answerUndoable(sceneId, live, positive, positive ? 'set-scene' : 'not-this');
    const token = `personal:${randomUUID()}`;
    this.personalUndo.set(token, { sceneId, before });
    while (this.personalUndo.size > 20) this.personalUndo.delete(this.personalUndo.keys().next().value!);
    return { changed: live.length, skipped: unique.length - live.length, undo: token };
  }

  /** corrections.undo for a batch of personal-scene answers; null when the token is not one. */
  async undoPersonalAnswers(token: string): Promise<{ restored: number; kept: number } | null> {
    if (!token.startsWith('personal:')) return null;
    const b = this.personalUndo.get(token);
    this.personalUndo.delete(token);
    if (!b) throw new ContractError('not_found', 'Nothing to undo: that change was already undone or is too old');
    return { restored: await this.ctx.personal.restore(b.sceneId, b.before), kept: 0 };
  }

  /** Restores exactly the corrections a bulk batch replaced (once; an unknown or used token is an error). */
  undoCorrections(token: string): { restored: number; kept: number } {
    const before = this.undoBatches.take(token);
    if (!before) throw new ContractError('not_found', 'Nothing to undo: that change was already undone or is too old');
    const ids = before.map((b) => b.id);
    const live = new Set(this.ctx.catalog.photoStates(ids).map((p) => p.id));
    // A photo corrected again since the batch keeps that later correction: undo takes back only the batch's own.
    const now = this.ctx.catalog.correctionsOf(ids);
    const items = before
      .filter((b) => live.has(b.id) && sameCorrection(storedOf(now.get(b.id)), b.wrote))
      .map(({ id, row }) => ({ id, row }));
    this.ctx.catalog.writeCorrections(items);
    this.ctx.changes.changed(items.map((b) => b.id));
    return { restored: items.length, kept: before.filter((b) => live.has(b.id)).length - items.length };
  }
}
