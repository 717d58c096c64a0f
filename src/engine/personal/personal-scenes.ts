/**
 * Personal scenes: scenes the person teaches Scenery by example ("Our
 * cabin"), shown like the built-in ones. Each is a linear classifier over the
 * stored scene descriptors of one model (train.ts), retrained in the worker
 * (personal-worker.ts) after every answer, and its members (score >= 0.5)
 * stored in the catalog so that browsing, counts and search read them with
 * SQL. The worker holds the descriptors of the current model; new photos are
 * added to it, and scored by every scene, as soon as they are indexed.
 *
 * Scenes belong to the model they were trained on; when the library runs
 * another model they are retrained from the same examples on its descriptors,
 * and `notice` says which.
 */
import { ContractError } from '../../shared/errors.js';
import type { PersonalScene, PersonalSuggestion } from '../../shared/domain.js';
import type { Catalog } from '../catalog/catalog.js';
import type { ExampleSource, PersonalSceneRow } from '../catalog/personal-rows.js';
import { PersonalWorkerClient } from './personal-worker-client.js';
import type { LinearModel, Method } from './train.js';
import { asInt8 } from './sketch.js';
import { PLACES365_LABELS, humanName } from '../labels/label-sets.js';
import { FAMILIES } from '../search/families.js';

/** The method chosen by measurement (bench/personal.ts; docs/personal-scenes.md). */
export const DEFAULT_METHOD: Method = 'svm';
/** Photos read from the catalog at a time while loading the worker (about 8 MB of VGG16 descriptors). */
const LOAD_CHUNK = 2000;
export const MAX_NAME = 60;

/** Whether a name is taken by a built-in scene, family or search word (case-insensitive): what it is, or null. */
function builtInName(name: string): string | null {
  const n = name.toLowerCase().replace(/^"(.*)"$/, '$1');
  if (n === 'indoor' || n === 'outdoor') return 'a search word';
  if (Object.prototype.hasOwnProperty.call(FAMILIES, n)) return 'a family of built-in scenes';
  if (PLACES365_LABELS.some((l) => l === n || humanName(l).toLowerCase() === n)) return 'a built-in scene';
  return null;
}

export interface PersonalHooks {
  /** The model whose descriptors scenes train on now (null: none). */
  model(): string | null;
  /** Members or scenes changed (scene groups, search and the UI follow). */
  changed(): void;
  /** These photos joined or left a scene, or their scene was renamed or removed (their keywords follow). */
  membersChanged?(photoIds: number[]): void;
}

interface Trained {
  model: LinearModel;
  ids: Int32Array;
  scores: Float32Array;
}

export class PersonalScenes {
  private client: PersonalWorkerClient | null = null;
  private loadedModel: string | null = null;
  private loading: Promise<void> | null = null;
  private readonly trained = new Map<number, Trained>();
  /** The date (predictions.indexed_at) of each descriptor in the worker: what photosIndexed need not send again. */
  private readonly loadedDates = new Map<number, string | null>();
  /** Operations one at a time: a retrain never interleaves with loading or another retrain. */
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** The last model switch's retraining, said once in `list`. */
  notice: string | null = null;
  /** Last retrain's timing (tests, the CLI). */
  lastTiming: { trainMs: number; scoreMs: number; photos: number } | null = null;

  constructor(
    private readonly catalog: Catalog,
    private readonly hooks: PersonalHooks,
    private readonly workerPath?: string,
  ) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => {});
    return run;
  }

  // ------------------------------------------------------------ reading (no worker)
  list(): PersonalScene[] {
    const counts = new Map(this.catalog.personal.counts().map((c) => [c.scene_id, c]));
    return this.catalog.personal.scenes().map((s) => this.view(s, counts.get(s.id)));
  }

  get(id: number): PersonalScene {
    const s = this.catalog.personal.scene(id);
    if (!s) throw new ContractError('not_found', `no personal scene with id ${id}`);
    return this.view(s, this.catalog.personal.counts().find((c) => c.scene_id === id));
  }

  byName(name: string): PersonalSceneRow | undefined {
    return this.catalog.personal.sceneByName(name.replace(/^"(.*)"$/, '$1'));
  }

  private view(s: PersonalSceneRow, c?: { n: number; cover: number | null; cover_version: number | null }): PersonalScene {
    const ex = this.catalog.personal.examples(s.id);
    const current = this.hooks.model();
    return {
      id: s.id,
      key: `my:${s.id}`,
      name: s.name,
      model: s.model,
      method: s.method,
      threshold: s.threshold,
      count: c?.n ?? 0,
      cover: c?.cover ? { id: c.cover, version: c.cover_version ?? 0 } : null,
      examples: ex.filter((e) => e.positive).length,
      rejected: ex.filter((e) => !e.positive).length,
      stale: current !== null && s.model !== current,
    };
  }

  // ------------------------------------------------------------ the worker
  private worker(): PersonalWorkerClient {
    this.client ??= new PersonalWorkerClient(this.workerPath);
    return this.client;
  }

  /** Loads the current model's descriptors into the worker (once per model), in chunks, yielding between them. */
  private async ensureLoaded(): Promise<string> {
    const model = this.hooks.model();
    if (!model) throw new ContractError('unsupported', 'Personal scenes learn from the scene descriptors of indexed photos: install a scene model and index some photos first.');
    if (this.loadedModel === model) return model;
    this.loading ??= (async () => {
      const w = this.worker();
      await w.reset();
      this.trained.clear();
      this.loadedDates.clear();
      let after = 0;
      for (;;) {
        const rows = this.catalog.personal.featureChunk(model, after, LOAD_CHUNK);
        if (!rows.length) break;
        await this.send(rows);
        after = rows[rows.length - 1]!.id;
        if (this.closed) return;
        await new Promise((r) => setImmediate(r));
      }
      this.loadedModel = model;
    })().finally(() => (this.loading = null));
    await this.loading;
    return model;
  }

  private async send(rows: { id: number; vec: Buffer; indexed_at?: string | null }[]): Promise<void> {
    for (const r of rows) this.loadedDates.set(r.id, r.indexed_at ?? null);
    const dim = rows[0]!.vec.byteLength;
    const same = rows.filter((r) => r.vec.byteLength === dim);
    const vecs = new Int8Array(same.length * dim);
    same.forEach((r, i) => vecs.set(asInt8(r.vec), i * dim));
    await this.worker().upsert(
      same.map((r) => r.id),
      vecs,
      dim,
    );
  }

  /** Retrains one scene on the current model and stores its members. */
  private async retrain(id: number): Promise<void> {
    const model = await this.ensureLoaded();
    const s = this.catalog.personal.scene(id);
    if (!s) return;
    const ex = this.catalog.personal.examples(id);
    const positives = ex.filter((e) => e.positive).map((e) => e.photo_id);
    const negatives = ex.filter((e) => !e.positive).map((e) => e.photo_id);
    const method = (['prototype', 'logistic', 'svm'].includes(s.method) ? s.method : DEFAULT_METHOD) as Method;
    const ready = positives.filter((p) => this.catalog.featureVector(p, model));
    if (!ready.length) throw new ContractError('invalid_request', `none of the examples of "${s.name}" has been indexed by ${model} yet`);
    const r = await this.worker().train({ positives, negatives, method, seed: id });
    this.lastTiming = { trainMs: r.trainMs, scoreMs: r.scoreMs, photos: r.ids.length };
    this.trained.set(id, { model: r.model, ids: r.ids, scores: r.scores });
    const pos = new Set(positives);
    const neg = new Set(negatives);
    const members: { id: number; score: number }[] = [];
    for (let i = 0; i < r.ids.length; i++) {
      const pid = r.ids[i]!;
      // The person's answers win over the classifier: a "yes" is in, a "no" is out, whatever they score.
      if (neg.has(pid)) continue;
      if (r.scores[i]! >= 0.5 || pos.has(pid)) members.push({ id: pid, score: Math.round(r.scores[i]! * 10000) / 10000 });
    }
    const moved = this.catalog.personal.saveTraining(id, { model, method, threshold: r.model.threshold }, members);
    if (moved.length) this.hooks.membersChanged?.(moved);
  }

  /** After opening, or when the library's model changes: retrain every scene on the current model. */
  start(): Promise<void> {
    return this.serial(async () => {
      const model = this.hooks.model();
      const scenes = this.catalog.personal.scenes();
      if (!model || !scenes.length) return;
      const moved = scenes.filter((s) => s.model !== null && s.model !== model);
      const waiting: string[] = [];
      for (const s of scenes) {
        try {
          await this.retrain(s.id);
        } catch (e) {
          // None of its examples has the new model's descriptor yet: retrained as they are indexed (photosIndexed).
          if (!(e instanceof ContractError)) throw e;
          waiting.push(s.name);
        }
      }
      if (moved.length) {
        const from = [...new Set(moved.map((s) => s.model))].join(', ');
        this.notice = `Retrained for ${model} (they were trained on ${from}): ${moved.map((s) => s.name).join(', ')}.${waiting.length ? ` Waiting for their examples to be indexed by ${model}: ${waiting.join(', ')}.` : ''}`;
      }
      this.hooks.changed();
    });
  }

  // ------------------------------------------------------------ changes
  private checkName(name: string, except?: number): string {
    const n = name.trim().replace(/\s+/g, ' ');
    if (!n) throw new ContractError('invalid_request', 'a personal scene needs a name');
    if (n.length > MAX_NAME) throw new ContractError('invalid_request', `a scene name has at most ${MAX_NAME} characters`);
    // Search finds a personal scene by its name: one that is also a built-in scene or family would hide it.
    const builtIn = builtInName(n);
    if (builtIn) throw new ContractError('conflict', `"${n}" is ${builtIn}; give your scene another name (e.g. "Our ${n.toLowerCase()}")`);
    const other = this.catalog.personal.sceneByName(n);
    if (other && other.id !== except) throw new ContractError('conflict', `there is already a personal scene called "${other.name}"`);
    return n;
  }

  private checkPhotos(ids: number[]): number[] {
    const unique = [...new Set(ids)];
    for (const id of unique) {
      const p = this.catalog.photo(id);
      if (!p || p.status === 'missing') throw new ContractError('not_found', `no photo with id ${id}`);
      if (p.status === 'failed') throw new ContractError('invalid_request', `${p.name} could not be read, so it cannot teach a scene`);
    }
    return unique;
  }

  async create(name: string, photoIds: number[]): Promise<PersonalScene> {
    const n = this.checkName(name);
    const ids = this.checkPhotos(photoIds);
    if (!ids.length) throw new ContractError('invalid_request', 'a personal scene needs at least one example photo');
    const model = this.hooks.model();
    if (!model) throw new ContractError('unsupported', 'Personal scenes learn from the scene descriptors of indexed photos: install a scene model and index some photos first.');
    return this.serial(async () => {
      const id = this.catalog.transaction(() => {
        const id = this.catalog.personal.create(n, model, DEFAULT_METHOD);
        this.catalog.personal.setExamples(id, ids, true, 'example');
        return id;
      });
      try {
        await this.retrain(id);
      } catch (e) {
        // Nothing half made: a scene that could not be trained is not kept.
        this.catalog.personal.remove(id);
        throw e;
      }
      this.hooks.changed();
      return this.get(id);
    });
  }

  /** "Yes" (positive) or "no" answers, from wherever they were given; retrains. */
  async answer(id: number, photoIds: number[], positive: boolean, source: ExampleSource): Promise<PersonalScene> {
    this.get(id);
    const ids = this.checkPhotos(photoIds);
    return this.serial(async () => {
      this.catalog.personal.setExamples(id, ids, positive, source);
      await this.retrain(id);
      this.hooks.changed();
      return this.get(id);
    });
  }

  /**
   * Answers for many photos as one undoable batch (the selection bar's Set scene / Not this scene with a personal
   * scene): returns what each photo's answer was before, for `restore`.
   */
  async answerUndoable(id: number, photoIds: number[], positive: boolean, source: ExampleSource): Promise<{ scene: PersonalScene; before: { photoId: number; was: { positive: boolean; source: ExampleSource } | null }[] }> {
    this.get(id);
    const ids = this.checkPhotos(photoIds);
    const prior = new Map(this.catalog.personal.examples(id).map((e) => [e.photo_id, e]));
    const before = ids.map((photoId) => {
      const e = prior.get(photoId);
      return { photoId, was: e ? { positive: e.positive === 1, source: e.source } : null };
    });
    const scene = await this.answer(id, ids, positive, source);
    return { scene, before };
  }

  /** Puts answers back as they were before a batch (undo); retrains. */
  async restore(id: number, before: { photoId: number; was: { positive: boolean; source: ExampleSource } | null }[]): Promise<number> {
    if (!this.catalog.personal.scene(id)) return 0;
    return this.serial(async () => {
      this.catalog.transaction(() => {
        this.catalog.personal.removeExamples(id, before.filter((b) => !b.was).map((b) => b.photoId));
        for (const b of before) if (b.was) this.catalog.personal.setExamples(id, [b.photoId], b.was.positive, b.was.source);
      });
      await this.retrain(id);
      this.hooks.changed();
      return before.length;
    });
  }

  /** Takes answers back (undo); retrains. A scene keeps at least one example. */
  async forget(id: number, photoIds: number[]): Promise<PersonalScene> {
    this.get(id);
    return this.serial(async () => {
      const left = this.catalog.personal.examples(id).filter((e) => e.positive && !photoIds.includes(e.photo_id));
      if (!left.length) throw new ContractError('invalid_request', 'a personal scene keeps at least one example; remove the scene instead');
      this.catalog.personal.removeExamples(id, photoIds);
      await this.retrain(id);
      this.hooks.changed();
      return this.get(id);
    });
  }

  rename(id: number, name: string): PersonalScene {
    this.get(id);
    this.catalog.personal.rename(id, this.checkName(name, id));
    this.hooks.changed();
    this.hooks.membersChanged?.(this.catalog.personal.memberIds(id));
    return this.get(id);
  }

  remove(id: number): boolean {
    const members = this.catalog.personal.memberIds(id);
    const removed = this.catalog.personal.remove(id);
    this.trained.delete(id);
    if (removed) this.hooks.changed();
    if (removed && members.length) this.hooks.membersChanged?.(members);
    return removed;
  }

  /** The photos the classifier is least sure about (score nearest 0.5), not yet answered. */
  async suggestions(id: number, limit: number): Promise<PersonalSuggestion[]> {
    this.get(id);
    if (!this.trained.has(id)) await this.serial(() => this.retrain(id));
    const t = this.trained.get(id);
    if (!t) return [];
    const answered = new Set(this.catalog.personal.examples(id).map((e) => e.photo_id));
    const best: { id: number; score: number; d: number }[] = [];
    for (let i = 0; i < t.ids.length; i++) {
      const pid = t.ids[i]!;
      if (answered.has(pid)) continue;
      const d = Math.abs(t.scores[i]! - 0.5);
      if (best.length < limit * 3 || d < best[best.length - 1]!.d) {
        best.push({ id: pid, score: t.scores[i]!, d });
        best.sort((a, b) => a.d - b.d);
        if (best.length > limit * 3) best.pop();
      }
    }
    const out: PersonalSuggestion[] = [];
    for (const b of best) {
      const p = this.catalog.photo(b.id);
      if (!p || p.status !== 'indexed') continue;
      out.push({ id: b.id, score: Math.round(b.score * 1000) / 1000 });
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Photos indexed (or re-indexed) meanwhile: into the worker, and scored by every trained scene. */
  photosIndexed(ids: readonly number[]): Promise<void> {
    const model = this.loadedModel;
    if (!model || !this.catalog.personal.scenes().length) return Promise.resolve();
    return this.serial(async () => {
      if (this.loadedModel !== model) return;
      // Only photos with a descriptor the worker does not have yet (new, or classified again): a bulk correction of
      // 10,000 photos reports them all changed, and their descriptors have not.
      const dates = this.catalog.personal.descriptorDates(ids, model);
      const fresh = [...dates].filter(([id, d]) => this.loadedDates.get(id) !== d);
      if (!fresh.length) return;
      const rows: { id: number; vec: Buffer; indexed_at: string }[] = [];
      for (const [id, d] of fresh) {
        const vec = this.catalog.featureVector(id, model);
        if (vec) rows.push({ id, vec, indexed_at: d });
      }
      if (!rows.length) return;
      await this.send(rows);
      let changed = false;
      const sent = new Set(rows.map((r) => r.id));
      for (const s of this.catalog.personal.scenes()) {
        // A scene waiting for the new model's descriptors of its examples (after a model switch): retrain it now.
        if (s.model !== model && this.catalog.personal.examples(s.id).some((e) => e.positive && sent.has(e.photo_id))) {
          await this.retrain(s.id).catch(() => {});
          changed = true;
          continue;
        }
        const t = this.trained.get(s.id);
        if (!t || s.model !== model) continue;
        const answers = new Map(this.catalog.personal.examples(s.id).map((e) => [e.photo_id, e.positive === 1]));
        for (const r of await this.worker().score(t.model, rows.map((r) => r.id))) {
          const a = answers.get(r.id);
          const inScene = a ?? r.score >= 0.5;
          if (this.catalog.personal.setMember(s.id, r.id, inScene ? Math.round(r.score * 10000) / 10000 : null)) this.hooks.membersChanged?.([r.id]);
          changed = true;
        }
      }
      if (changed) this.hooks.changed();
    });
  }

  photosRemoved(ids: readonly number[]): void {
    for (const id of ids) this.loadedDates.delete(id);
    if (this.loadedModel && this.client) void this.serial(() => this.worker().remove([...ids])).catch(() => {});
  }

  /** The library switched models: retrain from the same examples on the new model's descriptors. */
  modelChanged(): Promise<void> {
    return this.start();
  }

  /** Waits for every operation queued so far (tests). */
  idle(): Promise<void> {
    return this.serial(async () => {});
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.chain.catch(() => {});
    await this.client?.close();
  }
}
