/**
 * The renderer's state, as Svelte 5 runes in one class. Everything comes
 * from the engine through `api`; events keep it current.
 */
import { api } from '../api/api';
import type { Request, Responses, SearchResult } from '../../../shared/contract';
import type { FolderInfo, IndexingProgress, LibraryStatus, ModelState, PhotoSummary, SceneGroup, SceneVocabularyEntry } from '../../../shared/domain';
import { isConnectionFailure, plainMessage } from './errors';
import { Latest } from './latest';
import { PhotoSource, type Section } from './photo-source';
import { familyScenes } from './scene-overview';
import { dayTitle, familyName, monthTitle } from './format';
import { loadRowHeight, saveRowHeight } from './grid-size';

export type View =
  /**
   * No scene and no family: the overview of scene cards. A family: all its
   * scenes' photos. A scene: its photos; `family` set when it was opened from
   * that family's page (Back returns there, else to the overview).
   */
  | { kind: 'scenes'; scene: string | null; family?: string | null }
  | { kind: 'timeline' }
  /** A watched folder, or with `sub` one of its subfolders (its path below it, as folders.tree names it; `count` from the tree). */
  | { kind: 'folder'; folderId: number; sub?: { path: string; count: number } }
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
  /** Browser mode: the server stopped answering; the transport is trying again. */
  disconnected = $state(false);
  /** Bumped on every reconnection, so thumbnails that failed meanwhile load again. */
  epoch = $state(0);
  /** By date: photos per month (`YYYY-MM`, newest first) and photos without a date taken (listed last, under "No date"). */
  timeline = $state<Responses['photos.months']>({ months: [], undated: 0 });
  /** The photo grids' target row height, px: the size zoom (Ctrl/Cmd +/−, the slider), kept across sessions. */
  rowHeight = $state(loadRowHeight());
  /** Once the viewer closes: the photos to give keyboard focus back to in the grid (the one shown, else the one opened). */
  focusPhotoIds = $state<number[] | null>(null);
  private openedFrom: number | null = null;
  /** The folder whose "Scanning…" toast stays up until its scan ends. */
  private scanningFolder: { id: number; name: string; message: string } | null = null;

  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  /** What the grid shows: a late search or similar-photos answer must not replace a view the person has left. */
  private readonly shown = new Latest();

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
      this.connectionError = plainMessage(e);
      return;
    }
    api.on('indexing.progress', (p) => (this.progress = p));
    api.on('model.status', (m) => (this.model = m));
    api.on('folders.changed', (f) => {
      this.folders = f.folders;
      this.checkScanEnded();
      this.scheduleRefresh();
    });
    api.onConnection?.((connected) => {
      this.disconnected = !connected;
      if (connected) void this.resync();
    });
    api.on('photo.added', () => this.scheduleRefresh());
    api.on('photo.updated', () => this.scheduleRefresh());
    api.on('photo.removed', () => this.scheduleRefresh());
    // A personal scene retrained (an answer, a new photo scored, a model switch): its counts and photos changed.
    api.on('personal.changed', () => {
      this.scheduleRefresh();
      void this.sayPersonalNotice();
    });
    await this.refresh();
    this.ready = true;
  }

  private personalNotice: string | null = null;

  /** After a model switch the engine retrains the personal scenes and says which: shown once. */
  private async sayPersonalNotice(): Promise<void> {
    try {
      const { notice } = await api.call('personal.list', {});
      if (notice && notice !== this.personalNotice) this.info_(notice);
      this.personalNotice = notice;
    } catch {
      // a refresh shows what failed
    }
  }

  /** Library changes arrive in bursts while indexing: refresh at most twice a second. */
  scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      void this.refresh();
    }, 500);
  }

  /** Reloads what the library shows. Never throws: a failure becomes a plain message (or the disconnected banner). */
  async refresh(): Promise<void> {
    try {
      const [status, groups, folders] = await Promise.all([api.call('library.status', {}), api.call('scenes.groups', {}), api.call('folders.list', {})]);
      this.status = status;
      this.groups = groups.groups;
      this.threshold = groups.threshold;
      this.folders = folders;
      this.checkScanEnded();
      if (this.view.kind === 'timeline') await this.loadMonths();
    } catch (e) {
      this.notify(e);
      return;
    }
    if (this.view.kind === 'search') await this.runSearch(this.query);
    else this.rebuildSource();
  }

  /** After a reconnection: everything may have changed while the server was away. */
  private async resync(): Promise<void> {
    this.epoch++;
    try {
      const [progress, model] = await Promise.all([api.call('indexing.status', {}), api.call('model.status', {})]);
      this.progress = progress;
      this.model = model;
    } catch (e) {
      this.notify(e);
      return;
    }
    await this.refresh();
  }

  private async loadMonths(): Promise<void> {
    this.timeline = await api.call('photos.months', { days: true });
  }

  setRowHeight(px: number): void {
    this.rowHeight = saveRowHeight(px);
  }

  setView(v: View): void {
    this.view = v;
    if (v.kind === 'timeline') {
      void this.loadMonths().then(
        () => this.view.kind === 'timeline' && this.rebuildSource(),
        (e: unknown) => this.notify(e),
      );
    }
    if (v.kind !== 'search') this.rebuildSource();
  }

  /** Whether the overview of scene cards is showing (By scene, no scene or family chosen). */
  get sceneOverview(): boolean {
    return this.view.kind === 'scenes' && !this.view.scene && !this.view.family;
  }

  /** The overview card to give focus back to on returning (`scene:<key>` or `family:<name>`). */
  overviewFocus = $state<string | null>(null);

  /** One level up from a scene or a family (Esc, the Back button): the family it was opened from, else the overview. */
  back(): void {
    const v = this.view;
    if (v.kind !== 'scenes' || (!v.scene && !v.family)) return;
    if (v.scene && v.family) {
      this.overviewFocus = `scene:${v.scene}`;
      this.setView({ kind: 'scenes', scene: null, family: v.family });
    } else {
      this.overviewFocus = v.scene ? `scene:${v.scene}` : `family:${v.family}`;
      this.setView({ kind: 'scenes', scene: null });
    }
  }

  openPhoto(id: number): void {
    if (this.openPhotoId === null) this.openedFrom = id;
    this.openPhotoId = id;
  }

  /** Closes the viewer and gives focus back to the photo in the grid. */
  closePhoto(): void {
    const ids = [this.openPhotoId, this.openedFrom].filter((x): x is number => x !== null);
    this.openPhotoId = null;
    this.openedFrom = null;
    this.focusPhotoIds = ids;
  }

  /** Shows "Added … Scanning…" until that folder's scan has ended. */
  scanning(folder: FolderInfo): void {
    const message = `Added ${folder.displayPath}. Scanning…`;
    this.scanningFolder = { id: folder.id, name: folder.displayPath, message };
    this.toast = { message, kind: 'info' };
    this.checkScanEnded();
  }

  private checkScanEnded(): void {
    const w = this.scanningFolder;
    if (!w) return;
    const f = this.folders.find((x) => x.id === w.id);
    // Not listed yet (the list refreshes right after adding), or still scanning: keep saying so.
    if (!f || f.status === 'scanning') return;
    this.scanningFolder = null;
    if (this.toast?.message === w.message) this.info_(`${w.name}: ${f.photoCount.toLocaleString()} photo${f.photoCount === 1 ? '' : 's'} found`);
  }

  rebuildSource(): void {
    const current = this.shown.begin();
    const v = this.view;
    const groups = this.groups;
    let sections: Section[];
    let fetcher: ConstructorParameters<typeof PhotoSource>[1];
    // The same filters as the fetcher's, for photos.ids: selecting a whole view or a long range loads no summaries.
    let filters: (s: Section) => Omit<Request<'photos.ids'>, 'offset' | 'limit'>;
    /** Where a section starts in what `filters` lists (By date: a day within its month), for photos.ids. */
    let baseOf: (s: Section) => number = () => 0;
    if (v.kind === 'scenes') {
      const shown = v.scene ? groups.filter((g) => g.key === v.scene) : v.family ? familyScenes(groups, v.family) : groups;
      sections = shown.map((g) => ({ key: g.key, title: g.name, subtitle: g.family === 'status' || g.family === 'other' ? undefined : familyName(g.family), count: g.count }));
      filters = (s) => ({ order: 'date', scene: s.key });
      fetcher = async (s, offset, limit) => (await api.call('photos.list', { ...filters(s), offset, limit })).items;
    } else if (v.kind === 'timeline') {
      // A section per day under its month's heading (the scrubber jumps between months), newest first; photos
      // without a date taken come last, under "No date" (as the viewer says), not sorted as if taken when added.
      // A day's photos are pages of its month (offset by the days before it), fetched a month page at a time,
      // so a month of many short days costs a few requests, not one per day.
      sections = [];
      const dayBase = new Map<Section, { month: string; base: number }>();
      for (const { month, count, days } of this.timeline.months) {
        const title = monthTitle(month);
        const jump = { year: month.slice(0, 4), label: title };
        let base = 0;
        for (const [d, n] of days ?? [[0, count]]) {
          const sec: Section = d
            ? { key: `${month}-${d}`, title: dayTitle(month, d), count: n, day: { month: title } }
            : { key: month, title, count: n };
          if (base === 0) Object.assign(sec, { jump, ...(d ? { group: { title, count } } : {}) });
          dayBase.set(sec, { month, base });
          sections.push(sec);
          base += n;
        }
      }
      sections.push({ key: 'undated', title: 'No date', subtitle: 'no date taken in the file', count: this.timeline.undated, jump: { year: 'No date', label: 'No date' } });
      const MONTH_PAGE = 120;
      const monthPages = new Map<string, Promise<PhotoSummary[]>>();
      const monthPage = (month: string, k: number): Promise<PhotoSummary[]> => {
        const key = `${month}:${k}`;
        let job = monthPages.get(key);
        if (!job) {
          job = api.call('photos.list', { order: 'date', month, offset: k * MONTH_PAGE, limit: MONTH_PAGE }).then((r) => r.items);
          job.catch(() => monthPages.delete(key));
          monthPages.set(key, job);
        }
        return job;
      };
      // photos.ids (selecting a whole day): the day's range of its month.
      filters = (s) => (s.key === 'undated' ? { order: 'date', dated: false } : { order: 'date', month: dayBase.get(s)!.month });
      baseOf = (s) => dayBase.get(s)?.base ?? 0;
      fetcher = async (s, offset, limit) => {
        if (s.key === 'undated') return (await api.call('photos.list', { ...filters(s), offset, limit })).items;
        const at = dayBase.get(s)!;
        const from = at.base + offset;
        const to = at.base + Math.min(s.count, offset + limit);
        const parts = [];
        for (let k = Math.floor(from / MONTH_PAGE); k * MONTH_PAGE < to; k++) parts.push(monthPage(at.month, k));
        const items = (await Promise.all(parts)).flat();
        const first = Math.floor(from / MONTH_PAGE) * MONTH_PAGE;
        return items.slice(from - first, to - first);
      };
    } else if (v.kind === 'folder') {
      const f = this.folders.find((x) => x.id === v.folderId);
      const sub = v.sub;
      const root = f?.displayPath ?? 'Folder';
      // A subfolder's heading is its path from the watched folder's name: "Pictures › 2019 › Trips".
      const title = sub ? [root.split(/[\\/]/).filter(Boolean).pop() ?? root, ...sub.path.split('/')].join(' › ') : root;
      sections = [{ key: `folder-${v.folderId}${sub ? `/${sub.path}` : ''}`, title, subtitle: sub ? root : undefined, count: sub ? sub.count : (f?.photoCount ?? 0) }];
      filters = () => ({ order: 'date', folderId: v.folderId, ...(sub ? { subfolder: sub.path } : {}) });
      fetcher = async (s, offset, limit) => (await api.call('photos.list', { ...filters(s), offset, limit })).items;
    } else if (v.kind === 'failed') {
      const n = this.status?.failedCount ?? 0;
      sections = [{ key: 'failed', title: 'Photos that could not be read', count: n }];
      filters = () => ({ order: 'date', status: 'failed' });
      fetcher = async (s, offset, limit) => (await api.call('photos.list', { ...filters(s), offset, limit })).items;
    } else if (v.kind === 'similar') {
      const id = v.id;
      sections = [{ key: 'similar', title: 'Similar photos', count: 0 }];
      const src = new PhotoSource(sections, async () => []);
      void api.call('photos.similar', { id, limit: 60 }).then(
        (r) => {
          if (!current()) return;
          const s2: Section[] = [{ key: 'similar', title: 'Similar scenes', subtitle: 'nearest by the network’s scene descriptor', count: r.items.length }];
          this.source = new PhotoSource(s2, async (_s, offset, limit) => r.items.slice(offset, offset + limit));
        },
        (e: unknown) => current() && this.notify(e),
      );
      this.source = src;
      return;
    } else return;
    this.source = new PhotoSource(sections, fetcher, undefined, async (s, offset, limit) => (await api.call('photos.ids', { ...filters(s), offset: offset + baseOf(s), limit })).ids);
  }

  /** Never throws: a failure becomes a plain message. */
  async runSearch(q: string): Promise<void> {
    try {
      await this.search(q);
    } catch (e) {
      this.notify(e);
    }
  }

  private async search(q: string): Promise<void> {
    this.query = q;
    if (!q.trim()) {
      this.shown.invalidate();
      this.searchResult = null;
      if (this.view.kind === 'search') this.setView({ kind: 'scenes', scene: null });
      return;
    }
    this.view = { kind: 'search' };
    // Applied (and its failure reported) only if no newer search began and no other view was chosen meanwhile.
    await this.shown.run(
      () => api.call('search.run', { q, offset: 0, limit: 120 }),
      (first) => {
        this.searchResult = first;
        const sections: Section[] = [{ key: 'results', title: first.total ? `${first.total.toLocaleString()} photo${first.total === 1 ? '' : 's'}` : 'No photos', subtitle: 'best match first', count: first.total }];
        this.source = new PhotoSource(
          sections,
          async (_s, offset, limit) => (offset === 0 && limit <= 120 ? first.items.slice(0, limit) : (await api.call('search.run', { q, offset, limit })).items),
          undefined,
          // Selecting many results: the search's largest pages (its hits are ranked in memory; there is no id-only form).
          async (_s, offset, limit) => {
            const ids: number[] = [];
            for (let at = offset; at < offset + limit; at += 5000) {
              const r = await api.call('search.run', { q, offset: at, limit: Math.min(5000, offset + limit - at) });
              ids.push(...r.items.map((p) => p.id));
              if (r.items.length === 0) break;
            }
            return ids;
          },
        );
      },
    );
  }

  /** Every failed action ends here, as a plain message (see errors.ts). */
  notify(e: unknown): void {
    // While the server is away the banner says so; a toast per failed request would only repeat it.
    if (this.disconnected && isConnectionFailure(e)) return;
    const message = plainMessage(e);
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
