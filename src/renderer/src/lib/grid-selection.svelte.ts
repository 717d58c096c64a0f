/**
 * The grid's selection and its bulk actions (the selection bar), as Svelte
 * state around the pure model in selection.ts. One selection at a time, for
 * the view shown (it is cleared when the view changes). Every bulk correction
 * is one engine batch with an undo token: the last one is undone by the
 * "Undo" toast or Ctrl/Cmd-Z.
 */
import { api } from '../api/api';
import { app } from './app-state.svelte';
import type { PhotoSource } from './photo-source';
import { Selection, flatIndex, spans } from './selection';

export interface Position {
  s: number;
  i: number;
}

export class GridSelection {
  private readonly model = new Selection();
  /** Bumped on every change: what reads `count`/`has` re-renders. */
  private rev = $state(0);
  busy = $state(false);
  /** The last bulk correction, until undone: what the Undo toast and Ctrl/Cmd-Z undo. */
  lastUndo = $state<{ token: string; message: string } | null>(null);
  /** Whether the Undo toast shows (it hides after a while; Ctrl/Cmd-Z still undoes). */
  undoToast = $state(false);
  /** Extensions are applied in the order asked (Shift-arrow held down), each after its ids arrived. */
  private queue: Promise<void> = Promise.resolve();
  private toastTimer: ReturnType<typeof setTimeout> | null = null;

  get count(): number {
    void this.rev;
    return this.model.size;
  }

  has(id: number): boolean {
    void this.rev;
    return this.model.has(id);
  }

  ids(): number[] {
    return this.model.ids();
  }

  private changed(): void {
    this.rev++;
  }

  clear(): void {
    if (this.model.size === 0 && this.model.anchor === null) return;
    this.model.clear();
    this.changed();
  }

  toggle(id: number): void {
    this.model.toggle(id);
    this.changed();
  }

  /**
   * A click on a photo. Shift extends from the anchor; Ctrl/Cmd, the check
   * circle, or any click once a selection exists toggles. Answers false when
   * the click is not a selection's (nothing selected: the caller opens the viewer).
   */
  click(source: PhotoSource, at: Position, id: number, e: { shiftKey: boolean; ctrlKey: boolean; metaKey: boolean }, onCheck: boolean): boolean {
    if (e.shiftKey) {
      this.extend(source, at, id);
      return true;
    }
    if (e.ctrlKey || e.metaKey || onCheck || this.model.size > 0) {
      this.toggle(id);
      return true;
    }
    return false;
  }

  /** Shift-click / Shift-arrow: selects from the anchor (else from `from`, the photo focused before) to `at`. */
  extend(source: PhotoSource, at: Position, id: number, from?: Position): void {
    this.queue = this.queue.then(async () => {
      const anchorAt = this.model.anchor !== null ? source.locate(this.model.anchor) : null;
      const start = anchorAt ?? from ?? null;
      if (!start) {
        this.model.selectOnly(id);
        this.changed();
        return;
      }
      const counts = source.sections.map((x) => x.count);
      const a = flatIndex(counts, start.s, start.i);
      const b = flatIndex(counts, at.s, at.i);
      const parts = await Promise.all(spans(counts, a, b).map((p) => source.idsIn(p.s, p.from, p.to)));
      const ids = parts.flat();
      // The range in order from its start, so that a first extension anchors where it began.
      this.model.extendTo(a <= b ? ids : ids.reverse());
      this.changed();
    }, (e: unknown) => app.notify(e));
  }

  /** "Select all" of one section (a scene group, a month). */
  async selectSection(source: PhotoSource, s: number): Promise<void> {
    await this.selectIds(() => source.idsIn(s, 0, source.sections[s]?.count ?? 0));
  }

  /** "Select all" of the view (Ctrl/Cmd-A): by id only, however large. */
  async selectAll(source: PhotoSource): Promise<void> {
    await this.selectIds(async () => (await Promise.all(source.sections.map((x, s) => source.idsIn(s, 0, x.count)))).flat());
  }

  private async selectIds(get: () => Promise<number[]>): Promise<void> {
    try {
      this.busy = true;
      this.model.addAll(await get());
      this.changed();
    } catch (e) {
      app.notify(e);
    } finally {
      this.busy = false;
    }
  }

  // ---------------------------------------------------------------- bulk actions

  /** Runs one bulk correction over the selection; on success the selection clears and the Undo toast shows. */
  private async correct(run: (ids: number[]) => Promise<{ changed: number; skipped: number; undo: string }>, what: (n: number) => string): Promise<boolean> {
    const ids = this.model.ids();
    if (!ids.length || this.busy) return false;
    this.busy = true;
    try {
      const r = await run(ids);
      const message = `${what(r.changed)}${r.skipped ? ` (${r.skipped.toLocaleString()} unchanged)` : ''}`;
      this.lastUndo = { token: r.undo, message };
      this.showUndoToast();
      this.clear();
      app.scheduleRefresh();
      return true;
    } catch (e) {
      app.notify(e);
      return false;
    } finally {
      this.busy = false;
    }
  }

  setScene(label: string, name: string): Promise<boolean> {
    return this.correct((ids) => api.call('photos.setSceneMany', { ids, label }), (n) => `${plural(n)} set to ${name}`);
  }

  /** "Not this scene": in a scene's page, that scene; elsewhere the scene each photo shows. */
  notThisScene(): Promise<boolean> {
    const label = viewScene();
    return this.correct((ids) => api.call('photos.rejectSceneMany', { ids, label }), (n) => `${plural(n)}: not ${label ? (app.vocabulary.find((v) => v.label === label)?.name ?? app.groups.find((g) => g.key === label)?.name ?? label) : 'their scene'}`);
  }

  async undo(): Promise<void> {
    const u = this.lastUndo;
    if (!u || this.busy) return;
    this.busy = true;
    try {
      this.lastUndo = null;
      this.undoToast = false;
      const r = await api.call('corrections.undo', { token: u.token });
      app.info_(`Undone: ${plural(r.restored)} as before${r.kept ? `; ${plural(r.kept)} kept the scene you set since` : ''}`);
      app.scheduleRefresh();
    } catch (e) {
      app.notify(e);
    } finally {
      this.busy = false;
    }
  }

  dismissUndo(): void {
    this.undoToast = false;
  }

  private showUndoToast(): void {
    this.undoToast = true;
    if (this.toastTimer) clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => (this.undoToast = false), 10_000);
  }

  /** The selected photos' paths as the person sees them, one a line, on the clipboard. */
  async copyPaths(): Promise<void> {
    try {
      const { paths } = await api.call('photos.displayPaths', { ids: this.model.ids() });
      await navigator.clipboard.writeText(paths.join('\n'));
      app.info_(`Copied ${paths.length === 1 ? 'the path' : `${paths.length.toLocaleString()} paths`}`);
    } catch (e) {
      app.notify(e);
    }
  }

  /** Desktop: the file manager at the first selected photo. */
  async showInFolder(): Promise<void> {
    const id = this.model.ids()[0];
    if (id === undefined) return;
    try {
      await api.call('photos.showInFolder', { id });
    } catch (e) {
      app.notify(e);
    }
  }
}

function plural(n: number): string {
  return `${n.toLocaleString()} photo${n === 1 ? '' : 's'}`;
}

/**
 * The Places365 label of the scene page shown, if any (not a family, nor Uncertain / Not yet tagged), or a personal
 * scene's key (`my:<id>`: the engine takes "not this" there as "no" answers that retrain it).
 */
function viewScene(): string | null {
  const v = app.view;
  if (v.kind !== 'scenes' || !v.scene) return null;
  if (v.scene.startsWith('my:')) return app.groups.some((g) => g.key === v.scene) ? v.scene : null;
  return app.vocabulary.some((e) => e.label === v.scene) ? v.scene : null;
}

export const selection = new GridSelection();
