/**
 * The renderer's state, as Svelte 5 runes in one class. Everything comes
 * from the engine through `api`; events keep it current.
 */
import { api } from '../api/api';
import { ContractError, type Responses, type SearchResult } from '../../../shared/contract';
import type { FolderInfo, IndexingProgress, LibraryStatus, ModelState, SceneGroup, SceneVocabularyEntry } from '../../../shared/domain';
import { PhotoSource, type Section } from './photo-source';

export type View =
  | { kind: 'scenes'; scene: string | null }
  | { kind: 'timeline' }
  | { kind: 'folder'; folderId: number }
  | { kind: 'search' }
  | { kind: 'failed' }
  | { kind: 'similar'; id: number };

export class AppState {
  info = $state<Responses['app.info'] | null>(null);
  status = $state<LibraryStatus | null>(null);
  folders = $state<FolderInfo[]>([]);
  groups = $state<SceneGroup[]>([]);
  threshold = $state(0.1);
  progress = $state<IndexingProgress | null>(null);
  model = $state<ModelState | null>(null);
  vocabulary = $state<SceneVocabularyEntry[]>([]);
  families = $state<string[]>([]);
  view = $state<View>({ kind: 'scenes', scene: null });
  query = $state('');
  searchResult = $state<SearchResult | null>(null);
  openPhotoId = $state<number | null>(null);
  source = $state<PhotoSource | null>(null);
  toast = $state<{ message: string; kind: 'error' | 'info' } | null>(null);
  showModelPanel = $state(false);
  ready = $state(false);
  connectionError = $state<string | null>(null);

  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private searchSeq = 0;

  get desktop(): boolean {
    return this.info?.mode === 'desktop';
  }

  async init(): Promise<void> {
    try {
      const [info, status, folders, progress, model, vocab] = await Promise.all([
        api.call('app.info', {}),
        api.call('library.status', {}),
        api.call('folders.list', {}),
        api.call('indexing.status', {}),
        api.call('model.status', {}),
        api.call('scenes.vocabulary', {}),
      ]);
      this.info = info;
      this.status = status;
      this.folders = folders;
      this.progress = progress;
      this.model = model;
      this.vocabulary = vocab.entries;
      this.families = vocab.families;
      this.threshold = status.confidenceThreshold;
    } catch (e) {
      this.connectionError = (e as Error).message;
      return;
    }
    api.on('indexing.progress', (p) => (this.progress = p));
    api.on('model.status', (m) => (this.model = m));
    api.on('folders.changed', (f) => {
      this.folders = f.folders;
      this.scheduleRefresh();
    });
    api.on('photo.added', () => this.scheduleRefresh());
    api.on('photo.updated', () => this.scheduleRefresh());
    api.on('photo.removed', () => this.scheduleRefresh());
    await this.refresh();
    this.ready = true;
  }

  /** Library changes arrive in bursts while indexing: refresh at most twice a second. */
  scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      void this.refresh();
    }, 500);
  }

  async refresh(): Promise<void> {
    const [status, groups, folders] = await Promise.all([api.call('library.status', {}), api.call('scenes.groups', {}), api.call('folders.list', {})]);
    this.status = status;
    this.groups = groups.groups;
    this.threshold = groups.threshold;
    this.folders = folders;
    if (this.view.kind === 'search') await this.runSearch(this.query);
    else this.rebuildSource();
  }

  setView(v: View): void {
    this.view = v;
    if (v.kind !== 'search') this.rebuildSource();
  }

  rebuildSource(): void {
    const v = this.view;
    const groups = this.groups;
    let sections: Section[];
    let fetcher: ConstructorParameters<typeof PhotoSource>[1];
    if (v.kind === 'scenes') {
      const shown = v.scene ? groups.filter((g) => g.key === v.scene) : groups;
      sections = shown.map((g) => ({ key: g.key, title: g.name, subtitle: g.family === 'status' || g.family === 'other' ? undefined : g.family.charAt(0).toUpperCase() + g.family.slice(1), count: g.count }));
      fetcher = async (s, offset, limit) => (await api.call('photos.list', { order: 'date', scene: s.key, offset, limit })).items;
    } else if (v.kind === 'timeline') {
      sections = [{ key: 'all', title: 'All photos, newest first', count: this.status?.photoCount ?? 0 }];
      fetcher = async (_s, offset, limit) => (await api.call('photos.list', { order: 'date', offset, limit })).items;
    } else if (v.kind === 'folder') {
      const f = this.folders.find((x) => x.id === v.folderId);
      sections = [{ key: `folder-${v.folderId}`, title: f?.displayPath ?? 'Folder', count: f?.photoCount ?? 0 }];
      fetcher = async (_s, offset, limit) => (await api.call('photos.list', { order: 'date', folderId: v.folderId, offset, limit })).items;
    } else if (v.kind === 'failed') {
      const n = this.status?.failedCount ?? 0;
      sections = [{ key: 'failed', title: 'Photos that could not be read', count: n }];
      fetcher = async (_s, offset, limit) => (await api.call('photos.list', { order: 'date', status: 'failed', offset, limit })).items;
    } else if (v.kind === 'similar') {
      const id = v.id;
      sections = [{ key: 'similar', title: 'Similar photos', count: 0 }];
      const src = new PhotoSource(sections, async () => []);
      void api.call('photos.similar', { id, limit: 60 }).then((r) => {
        const s2: Section[] = [{ key: 'similar', title: 'Similar scenes', subtitle: 'nearest by the network’s scene descriptor', count: r.items.length }];
        this.source = new PhotoSource(s2, async (_s, offset, limit) => r.items.slice(offset, offset + limit));
      });
      this.source = src;
      return;
    } else return;
    this.source = new PhotoSource(sections, fetcher);
  }

  async runSearch(q: string): Promise<void> {
    this.query = q;
    const seq = ++this.searchSeq;
    if (!q.trim()) {
      this.searchResult = null;
      if (this.view.kind === 'search') this.setView({ kind: 'scenes', scene: null });
      return;
    }
    this.view = { kind: 'search' };
    const first = await api.call('search.run', { q, offset: 0, limit: 120 });
    if (seq !== this.searchSeq) return;
    this.searchResult = first;
    const sections: Section[] = [{ key: 'results', title: first.total ? `${first.total.toLocaleString()} photo${first.total === 1 ? '' : 's'}` : 'No photos', subtitle: 'best match first', count: first.total }];
    this.source = new PhotoSource(sections, async (_s, offset, limit) => (offset === 0 && limit <= 120 ? first.items.slice(0, limit) : (await api.call('search.run', { q, offset, limit })).items));
  }

  notify(e: unknown): void {
    const message = e instanceof ContractError || e instanceof Error ? e.message : String(e);
    this.toast = { message, kind: 'error' };
    setTimeout(() => {
      if (this.toast?.message === message) this.toast = null;
    }, 6000);
  }

  info_(message: string): void {
    this.toast = { message, kind: 'info' };
    setTimeout(() => {
      if (this.toast?.message === message) this.toast = null;
    }, 4000);
  }
}

export const app = new AppState();
