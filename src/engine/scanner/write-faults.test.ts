/**
 * The scanner never throws out of its events and timers, and never drops a catalog write that failed there:
 * a full disk met in the watcher's error handler, in a periodic rescan or while taking a folder offline is
 * reported as a storage fault (indexing stalls with the reason, the folder is scanned again once it can write).
 */
import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../../test-support/harness.js';
import { Library } from '../library.js';

const full = (): Error => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });

describe('scanner write faults', () => {
  const tmp = tempDir('scanfaults');
  let lib: Library | null = null;
  let n = 0;
  afterEach(async () => {
    vi.restoreAllMocks();
    await lib?.close();
    lib = null;
  });

  /** A library watching one folder (with `photos` small JPEGs), whose storage-fault reports are recorded, not acted on. */
  const open = async (photos: number, options: { rescanMs?: number; rootCheckMs?: number } = {}) => {
    const folder = join(tmp.path, `photos${++n}`);
    mkdirSync(folder);
    for (let i = 0; i < photos; i++) {
      writeFileSync(join(folder, `p${i}.jpg`), await sharp({ create: { width: 32, height: 24, channels: 3, background: { r: 40 * i, g: 90, b: 10 } } }).jpeg().toBuffer());
    }
    const l = await Library.open({ dir: join(tmp.path, `lib${n}`), classifier: { name: 'fake', classifier: new FakeClassifier() }, writeFinishMs: 100, ...options });
    lib = l;
    const faults: unknown[] = [];
    vi.spyOn(l.indexer, 'reportStorageFault').mockImplementation((e) => void faults.push(e));
    const f = l.folders.add(folder);
    await waitFor('watching', () => l.folders.list()[0]!.status === 'watching' && l.scanner.watcherFor(f.id));
    return { l, folder, id: f.id, faults };
  };

  it('a full disk in the watcher error handler is reported, not thrown out of the event', async () => {
    const { l, id, faults } = await open(0);
    vi.spyOn(l.catalog, 'setFolderStatus').mockImplementation(() => {
      throw full();
    });
    expect(() => l.scanner.watcherFor(id)!.emit('error', new Error('watch failed'))).not.toThrow();
    expect(faults).toHaveLength(1);
    expect((faults[0] as { code: string }).code).toBe('SQLITE_FULL');
  });

  it('a periodic rescan that cannot write is reported', async () => {
    const { l, id, faults } = await open(0, { rescanMs: 150 });
    l.scanner.watcherFor(id)!.emit('error', Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' }));
    await waitFor('degraded', () => l.folders.list()[0]!.error?.includes('max_user_watches'));
    vi.spyOn(l.catalog, 'folderFiles').mockImplementation(() => {
      throw full();
    });
    await waitFor('the failed rescan reported', () => faults.length > 0, 10_000);
    expect((faults[0] as { code: string }).code).toBe('SQLITE_FULL');
  });

  it('a catalog that cannot be read when a new file arrives is reported, not an unhandled rejection', async () => {
    const { l, folder, faults } = await open(0);
    vi.spyOn(l.catalog, 'photoByPath').mockImplementation(() => {
      throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_READ' });
    });
    writeFileSync(join(folder, 'new.jpg'), await sharp({ create: { width: 32, height: 24, channels: 3, background: { r: 1, g: 2, b: 3 } } }).jpeg().toBuffer());
    await waitFor('the failed read reported', () => faults.length > 0, 10_000);
    expect((faults[0] as { code: string }).code).toBe('SQLITE_IOERR_READ');
  });

  it('a full disk while taking a folder offline is reported', async () => {
    const { l, folder, faults } = await open(1);
    await waitFor('indexed', () => l.status().indexedCount === 1);
    const setStatus = l.catalog.setFolderStatus.bind(l.catalog);
    vi.spyOn(l.catalog, 'setFolderStatus').mockImplementation((...args) => {
      if (args[1] === 'offline') throw full();
      return setStatus(...args);
    });
    // Its only photo gone: the root is empty, as an unmounted drive's mount point is.
    unlinkSync(join(folder, 'p0.jpg'));
    await waitFor('the failed offline write reported', () => faults.length > 0, 10_000);
    expect((faults[0] as { code: string }).code).toBe('SQLITE_FULL');
  });
});
