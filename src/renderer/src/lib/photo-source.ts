/**
 * What the grid shows: sections (scene groups, or one section for date order,
 * a folder or search results), each fetched page by page on demand. Pages are
 * cached; a new source is made when the library changes.
 *
 * It is a reactive store: reading a photo or a page (get, loadedPage) inside
 * a template or a $derived subscribes to the pages, and the readers run again
 * when pages arrive, so no view keeps a counter of its own. Pages that arrive
 * together notify once per animation frame (each notification lays the
 * justified grid out again).
 */
import { createSubscriber } from 'svelte/reactivity';
import type { PhotoSummary } from '../../../shared/domain';

export interface Section {
  key: string;
  title: string;
  subtitle?: string;
  count: number;
  /** By date: where the scrubber places this section (its year marker) and what it calls it (`November 2021`). */
  jump?: { year: string; label: string };
  /** By date: the section is a day (a small heading), `month` the title of the month it belongs to. */
  day?: { month: string };
  /** By date: the month heading drawn above this section (its first day), and the month's count. */
  group?: { title: string; count: number };
}

export type Fetcher = (section: Section, offset: number, limit: number) => Promise<PhotoSummary[]>;
/** The ids of a section's items [offset, offset + limit), in order, without their summaries (photos.ids). */
export type IdFetcher = (section: Section, offset: number, limit: number) => Promise<number[]>;

export class PhotoSource {
  private readonly pages = new Map<string, PhotoSummary[]>();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly ids = new Map<number, { s: number; i: number }>();
  private notify: (() => void) | null = null;
  private notifyPending = false;
  /** Subscribes the reactive context that reads pages (a no-op outside one, and in Node). */
  private readonly track = createSubscriber((update) => {
    this.notify = update;
    return () => {
      this.notify = null;
    };
  });

  constructor(
    readonly sections: Section[],
    private readonly fetcher: Fetcher,
    readonly pageSize = 120,
    /** Selecting many photos at once; without it their pages are loaded. */
    private readonly idFetcher: IdFetcher | null = null,
  ) {}

  /**
   * The ids of items [from, to) of section s, in order (selecting a range or a
   * whole section): from the pages already loaded, else from the id fetcher,
   * else by loading the pages.
   */
  async idsIn(s: number, from: number, to: number): Promise<number[]> {
    const section = this.sections[s];
    if (!section) return [];
    to = Math.min(to, section.count);
    const fromPages = (): number[] | null => {
      const out: number[] = [];
      for (let i = from; i < to; i++) {
        const p = this.get(s, i);
        if (!p) return null;
        out.push(p.id);
      }
      return out;
    };
    const have = fromPages();
    if (have) return have;
    if (this.idFetcher) return this.idFetcher(section, from, to - from);
    await this.ensure(s, from, to);
    return fromPages() ?? [];
  }

  /** Subscribes the reactive context that calls it to the pages arriving (as get and loadedPage do). */
  watch(): void {
    this.track();
  }

  get total(): number {
    return this.sections.reduce((a, s) => a + s.count, 0);
  }

  get(s: number, i: number): PhotoSummary | undefined {
    this.track();
    return this.pages.get(`${s}:${Math.floor(i / this.pageSize)}`)?.[i % this.pageSize];
  }

  /** Loads the pages covering items [from, to) of section s; resolves when they are there. */
  ensure(s: number, from: number, to: number): Promise<void> {
    const section = this.sections[s];
    if (!section) return Promise.resolve();
    const jobs: Promise<void>[] = [];
    for (let p = Math.floor(Math.max(0, from) / this.pageSize); p * this.pageSize < Math.min(to, section.count); p++) {
      const key = `${s}:${p}`;
      if (this.pages.has(key)) continue;
      let job = this.inflight.get(key);
      if (!job) {
        job = this.fetcher(section, p * this.pageSize, this.pageSize).then(
          (items) => {
            this.pages.set(key, items);
            items.forEach((it, k) => this.ids.set(it.id, { s, i: p * this.pageSize + k }));
            this.inflight.delete(key);
            this.pagesArrived();
          },
          () => void this.inflight.delete(key),
        );
        this.inflight.set(key, job);
      }
      jobs.push(job);
    }
    return Promise.all(jobs).then(() => undefined);
  }

  /** Page p of section s when loaded (cut to the section's length), else undefined. */
  loadedPage(s: number, p: number): PhotoSummary[] | undefined {
    this.track();
    return this.pages.get(`${s}:${p}`);
  }

  private pagesArrived(): void {
    if (this.notifyPending || !this.notify) return;
    this.notifyPending = true;
    const flush = (): void => {
      this.notifyPending = false;
      this.notify?.();
    };
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(flush);
    else queueMicrotask(flush);
  }

  locate(id: number): { s: number; i: number } | null {
    return this.ids.get(id) ?? null;
  }

  /** Loads pages in order until `id` turns up (a fresh source after a refresh knows no ids yet). */
  private async find(id: number, maxPages = 40): Promise<{ s: number; i: number } | null> {
    let pages = 0;
    for (let s = 0; s < this.sections.length && pages < maxPages; s++) {
      for (let from = 0; from < this.sections[s]!.count && pages < maxPages; from += this.pageSize, pages++) {
        await this.ensure(s, from, from + this.pageSize);
        const at = this.locate(id);
        if (at) return at;
      }
    }
    return null;
  }

  /** The photo before/after `id` across sections (loading pages as needed). */
  async neighbour(id: number, delta: 1 | -1): Promise<number | null> {
    const at = this.locate(id) ?? (await this.find(id));
    if (!at) return null;
    let { s, i } = at;
    i += delta;
    while (s >= 0 && s < this.sections.length) {
      const count = this.sections[s]!.count;
      if (i >= 0 && i < count) {
        await this.ensure(s, i, i + 1);
        return this.get(s, i)?.id ?? null;
      }
      s += delta;
      if (s < 0 || s >= this.sections.length) return null;
      i = delta > 0 ? 0 : this.sections[s]!.count - 1;
    }
    return null;
  }
}
