/**
 * Scene keywords in the photos' files (keywords/): where they go (settings),
 * the background writer that makes files follow corrections, the threshold and
 * re-indexing, removing them again, and reading a photo's keywords again when
 * its XMP sidecar changes.
 */
import { join } from 'node:path';
import type { KeywordProgress, KeywordSettings, KeywordState } from '../../shared/domain.js';
import { ContractError } from '../../shared/contract.js';
import { KeywordJobs, type KeywordAction } from '../keywords/keyword-jobs.js';
import { syncPhotoKeywords } from '../keywords/keyword-sync.js';
import { readKeywords } from '../metadata/photo-metadata.js';
import type { ServiceContext } from './context.js';

export class KeywordsService {
  /** The background keyword writer: files follow corrections, the threshold and re-indexing. */
  readonly jobs: KeywordJobs;

  constructor(
    private readonly ctx: ServiceContext,
    /** A photo's file (FoldersService.photoFile), to name it in an error. */
    private readonly photoFile: (id: number) => { path: string } | null,
  ) {
    this.jobs = new KeywordJobs(
      (id, action) => this.sync(id, action),
      (p) => {
        this.notePending(p);
        ctx.events.emit('keywords.progress', p);
      },
    );
  }

  /**
   * A keyword run is remembered in the catalog until it ends (finished, or cancelled by the person), so a run cut
   * short by a quit, a crash or kill -9 resumes when the library opens again (resumePending) instead of leaving half
   * the files in the old place or mode. Photos already right are not read again (keyword records).
   */
  private notePending(p: KeywordProgress): void {
    const { catalog } = this.ctx;
    const pending = p.running ? (p.action ?? 'write') : '';
    // Closing cancels the queue: that is not the person's cancel, the run resumes next time.
    if ((!p.running && this.ctx.closed()) || catalog.readOnly || catalog.getSetting('keywords.pending') === pending) return;
    catalog.setSetting('keywords.pending', pending);
  }

  /** After opening: a run cut short resumes. */
  resumePending(): void {
    const pending = this.ctx.catalog.getSetting('keywords.pending');
    if (pending === 'remove') this.jobs.enqueue(this.ctx.catalog.keywordRecords.recordedIds(), 'remove');
    if (pending) this.writeAll();
  }

  /** Photos that joined or left a personal scene, or whose scene was renamed or removed: their files follow. */
  personalMembersChanged(ids: readonly number[]): void {
    if (!this.ctx.closed()) this.photosChanged(ids);
  }

  settings(): KeywordSettings {
    const { catalog } = this.ctx;
    const mode = catalog.getSetting('keywords.mode');
    const naming = catalog.getSetting('keywords.sidecarName');
    return {
      mode: mode === 'sidecar' || mode === 'embedded' ? mode : 'off',
      sidecarName: naming === 'filename' ? 'filename' : 'basename',
      keepModifiedTime: catalog.getSetting('keywords.keepModifiedTime') !== '0',
    };
  }

  state(): KeywordState {
    return { settings: this.settings(), progress: this.jobs.progress() };
  }

  /** Changes where keywords go (fields left out keep their value) and writes every photo's keywords in the background. */
  setSettings(change: Partial<KeywordSettings>): KeywordState {
    const { catalog } = this.ctx;
    if (catalog.readOnly) throw new ContractError('conflict', 'this library is open read-only: keyword settings cannot be changed');
    const before = this.settings();
    const next = { ...before, ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) } as KeywordSettings;
    catalog.setSetting('keywords.mode', next.mode);
    catalog.setSetting('keywords.sidecarName', next.sidecarName);
    catalog.setSetting('keywords.keepModifiedTime', next.keepModifiedTime ? '1' : '0');
    if (next.mode !== 'off' && (next.mode !== before.mode || next.sidecarName !== before.sidecarName)) this.writeAll();
    return this.state();
  }

  /** Takes Scenery's keywords out of every file it wrote (nothing else is touched) and turns writing off. */
  remove(): KeywordState {
    const { catalog } = this.ctx;
    if (catalog.readOnly) throw new ContractError('conflict', 'this library is open read-only: keywords cannot be removed');
    catalog.setSetting('keywords.mode', 'off');
    this.jobs.enqueue(catalog.keywordRecords.recordedIds(), 'remove');
    return this.state();
  }

  /** Queues every photo (after a setting or the threshold changed); nothing while writing is off. */
  writeAll(): void {
    if (this.settings().mode === 'off' || this.ctx.catalog.readOnly) return;
    this.jobs.enqueue(this.ctx.catalog.keywordRecords.presentPhotoIds(), 'write');
  }

  /** Photos changed (a correction, a new scene from (re-)indexing): their keywords follow, when writing is on. */
  photosChanged(ids: readonly number[]): void {
    if (this.settings().mode !== 'off' && !this.ctx.catalog.readOnly) this.jobs.enqueue(ids, 'write');
  }

  private sync(id: number, action: KeywordAction): Promise<'written' | 'unchanged' | 'skipped'> {
    const settings = this.settings();
    // Writing was turned off after this photo was queued: leave its files as they are.
    if (action === 'write' && settings.mode === 'off') return Promise.resolve('skipped');
    const personalScenes = (photoId: number): string[] => this.ctx.catalog.personal.scenesOf(photoId).map((s) => s.name);
    return syncPhotoKeywords({ records: this.ctx.catalog.keywordRecords, settings, threshold: this.ctx.threshold(), personalScenes }, id, action).catch((e: unknown) => {
      const f = this.photoFile(id);
      throw new Error(`${f ? f.path : `photo ${id}`}: ${(e as Error).message}`);
    });
  }

  /** A sidecar was created, changed or deleted: its photos' keywords are read again (file + sidecars). */
  async sidecarChanged(folderId: number, root: string, rel: string): Promise<void> {
    const { catalog } = this.ctx;
    const stem = rel.slice(0, rel.length - '.xmp'.length);
    try {
      if (this.ctx.closed()) return;
      for (const p of catalog.photosForSidecar(folderId, stem)) {
        const keywords = await readKeywords(join(root, ...p.rel_path.split('/')));
        if (this.ctx.closed()) return;
        if (keywords === null) continue;
        const row = catalog.photo(p.id);
        if (!row || row.keywords === JSON.stringify(keywords)) continue;
        catalog.setKeywords(p.id, keywords);
        this.ctx.changes.changed([p.id]);
      }
    } catch (e) {
      // The catalog could not be read or written (full disk…): the keywords are read again with the sidecar's next change.
      if (!this.ctx.closed()) console.error(`scenery: could not update the keywords of the photos of ${rel}:`, e);
    }
  }
}
