/**
 * Photos catalogued before Scenery read keywords (catalog migration 4 left their `keywords` NULL) are never read
 * again by the indexer, since their files did not change. After the library opens, this reads their metadata in the
 * background, one photo at a time through the shared ExifTool pool and without decoding pixels: their keywords, and
 * a date taken where none was known (maker notes, WebP). A photo that cannot be read now (an offline drive) stays
 * NULL and is tried again at the next open.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import { readFileMetadata } from './photo-metadata.js';

const PAGE = 200;

export class KeywordBackfill {
  private stopped = false;
  private running: Promise<void> | null = null;

  constructor(
    private readonly catalog: Pick<Catalog, 'photosWithoutKeywords' | 'setBackfilledMetadata'>,
    private readonly changed: (id: number) => void,
  ) {}

  /** Starts the backfill once; settles when every such photo has been read, or when stopped. */
  start(): Promise<void> {
    this.running ??= this.run().catch((e: unknown) => {
      if (!this.stopped) console.error('scenery: reading the keywords of earlier photos stopped:', e);
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async run(): Promise<void> {
    let after = 0;
    for (;;) {
      if (this.stopped) return;
      const rows = this.catalog.photosWithoutKeywords(after, PAGE);
      if (!rows.length) return;
      for (const r of rows) {
        after = r.id;
        if (this.stopped) return;
        const path = join(r.root, ...r.rel_path.split('/'));
        const m = await readFileMetadata(path).catch(() => null);
        if (this.stopped) return;
        // ExifTool could not read it (gone, offline, not running): left for the next open.
        if (!m || (m.takenAt === null && m.keywords.length === 0 && !(await exists(path)))) continue;
        this.catalog.setBackfilledMetadata(r.id, m.keywords, m.takenAt, m.takenTs);
        this.changed(r.id);
      }
    }
  }
}

function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
