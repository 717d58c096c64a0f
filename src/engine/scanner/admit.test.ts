/**
 * Special files with photo names: a named pipe called x.jpg and a link to
 * /dev/zero called zero.jpg. The first scan and the live watcher refuse them
 * the same way (admit.ts), each shows in the failed view with its reason,
 * memory stays flat, and a real photo added after them is still tagged.
 * Real files in a temp dir, a real Library, the fast FakeClassifier.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../../test-support/harness.js';
import { FAILURE_SENTENCES } from '../imaging/failure-reasons.js';
import { MAX_PHOTO_BYTES, MAX_STUCK_READS, readPhotoFile, stuckReads } from '../imaging/photo-file.js';
import { Library } from '../library.js';
import { admitFile } from './admit.js';

const mkfifo = (path: string): void => void execFileSync('mkfifo', [path]);
const jpeg = (r: number): Promise<Buffer> => sharp({ create: { width: 64, height: 48, channels: 3, background: { r, g: 90, b: 160 } } }).jpeg().toBuffer();

describe('admission and the read path', () => {
  const tmp = tempDir('admit');
  const root = join(tmp.path, 'photos');
  const outside = join(tmp.path, 'elsewhere');
  beforeAll(async () => {
    mkdirSync(root);
    mkdirSync(outside);
    writeFileSync(join(root, 'real.jpg'), await jpeg(10));
    writeFileSync(join(outside, 'away.jpg'), await jpeg(20));
    mkfifo(join(root, 'pipe.jpg'));
    symlinkSync('/dev/zero', join(root, 'zero.jpg'));
    symlinkSync(join(root, 'real.jpg'), join(root, 'link-in.jpg'));
    symlinkSync(join(outside, 'away.jpg'), join(root, 'link-out.jpg'));
    symlinkSync(join(root, 'nothing.jpg'), join(root, 'dangling.jpg'));
    // Sparse: larger than the cap without using the disk.
    const fd = openSync(join(root, 'huge.tif'), 'w');
    closeSync(fd);
    execFileSync('truncate', ['-s', String(MAX_PHOTO_BYTES + 1), join(root, 'huge.tif')]);
  });
  afterAll(() => tmp.cleanup());

  it('admits regular files and links into a watched folder, refuses pipes, devices, links out and oversize files', async () => {
    const kind = async (rel: string) => {
      const a = await admitFile(root, rel, async () => [root]);
      return a.kind === 'refused' ? `refused:${a.error.kind}` : a.kind;
    };
    expect(await kind('real.jpg')).toBe('photo');
    expect(await kind('link-in.jpg')).toBe('photo');
    expect(await kind('pipe.jpg')).toBe('refused:not_a_file');
    expect(await kind('zero.jpg')).toBe('refused:not_a_file');
    expect(await kind('link-out.jpg')).toBe('refused:outside_folders');
    expect(await kind('dangling.jpg')).toBe('refused:vanished');
    expect(await kind('huge.tif')).toBe('refused:too_large');
    expect(await kind('notes.txt')).toBe('ignored');
  });

  it('never blocks on a pipe nor reads a device, and refuses a file over the size cap before reading it', async () => {
    const t0 = Date.now();
    await expect(readPhotoFile(join(root, 'pipe.jpg'))).rejects.toMatchObject({ kind: 'not_a_file', message: expect.stringMatching(/named pipe/) });
    await expect(readPhotoFile(join(root, 'zero.jpg'))).rejects.toMatchObject({ kind: 'not_a_file', message: expect.stringMatching(/device/) });
    await expect(readPhotoFile(join(root, 'huge.tif'))).rejects.toMatchObject({ kind: 'too_large', message: expect.stringMatching(/512 MB/) });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect((await readPhotoFile(join(root, 'link-in.jpg'))).length).toBeGreaterThan(100);
  }, 20_000);

  it('gives up a read that stops making progress, without waiting for it', async () => {
    const fh = await import('node:fs/promises').then((fs) => fs.open(join(root, 'real.jpg'), 'r'));
    // A drive that answers stat but never returns a read (a dead network mount).
    let reconnect: (r: { bytesRead: number }) => void = () => {};
    const stuck = Object.assign(Object.create(fh) as typeof fh, { read: () => new Promise((r) => (reconnect = r)), close: () => fh.close() });
    const t0 = Date.now();
    await expect(readPhotoFile('/stuck/real.jpg', { stallMs: 300, openFile: async () => stuck })).rejects.toMatchObject({ kind: 'stalled' });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(stuckReads()).toBe(1);
    reconnect({ bytesRead: 0 });
    await waitFor('the stuck read returned', () => stuckReads() === 0, 2000);
  });

  it('refuses new reads at once while too many given-up calls still hold libuv threads, and recovers when they return', async () => {
    const base = stuckReads();
    expect(base).toBe(0);
    const hung: (() => void)[] = [];
    // Drives whose open() never returns, until "reconnected".
    const hangingOpen = () => new Promise<never>((_, reject) => hung.push(() => reject(Object.assign(new Error('EIO'), { code: 'EIO' }))));
    for (let i = base; i < MAX_STUCK_READS; i++) {
      await expect(readPhotoFile(`/dead/${i}.jpg`, { stallMs: 100, openFile: hangingOpen })).rejects.toMatchObject({ kind: 'stalled' });
    }
    expect(stuckReads()).toBe(MAX_STUCK_READS);
    const t0 = Date.now();
    await expect(readPhotoFile(join(root, 'real.jpg'))).rejects.toMatchObject({ kind: 'deferred', message: expect.stringMatching(/not answering/) });
    expect(Date.now() - t0).toBeLessThan(1000);
    hung.forEach((reconnect) => reconnect());
    await waitFor('stuck calls returned', () => stuckReads() === base, 2000);
    expect((await readPhotoFile(join(root, 'real.jpg'))).length).toBeGreaterThan(100);
  });
});

describe('special files in a watched folder, in the first scan and while watching', () => {
  const tmp = tempDir('admit-lib');
  const folder = join(tmp.path, 'photos');
  const outside = join(tmp.path, 'elsewhere');
  let lib: Library;
  beforeAll(async () => {
    mkdirSync(folder);
    mkdirSync(outside);
    writeFileSync(join(folder, 'before.jpg'), await jpeg(30));
    mkfifo(join(folder, 'x.jpg'));
    symlinkSync('/dev/zero', join(folder, 'zero.jpg'));
    lib = await Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier: new FakeClassifier() }, writeFinishMs: 200, decodeConcurrency: 2 });
    lib.folders.add(folder);
    await waitFor('watching', () => lib.folders.list()[0]?.status === 'watching');
  });
  afterAll(async () => {
    await lib?.close();
    tmp.cleanup();
  });

  const failed = () =>
    Object.fromEntries(
      lib.browse.listPhotos({ order: 'date', scene: null, folderId: null, status: 'failed', offset: 0, limit: 50 }).items.map((p) => [p.name, p.error]),
    );

  it('the first scan lists the pipe and the /dev/zero link as failed, with the reason, and tags the photo', async () => {
    await waitFor('indexed', () => lib.status().indexedCount === 1, 20_000);
    await waitFor('both refused', () => Object.keys(failed()).length === 2, 10_000);
    expect(failed()).toEqual({ 'x.jpg': FAILURE_SENTENCES.not_a_file, 'zero.jpg': FAILURE_SENTENCES.not_a_file });
    const pipe = lib.browse.listPhotos({ order: 'date', scene: null, folderId: null, status: 'failed', offset: 0, limit: 50 }).items.find((p) => p.name === 'x.jpg')!;
    expect(lib.browse.photo(pipe.id).errorDetail).toMatch(/named pipe \(FIFO\)/);
  });

  it('"retry failed" reads a refused file under the same rule: a link out of the watched folders stays refused', async () => {
    writeFileSync(join(outside, 'away.jpg'), await jpeg(120));
    symlinkSync(join(outside, 'away.jpg'), join(folder, 'away.jpg'));
    await waitFor('the link out is refused', () => failed()['away.jpg'], 10_000);
    expect(failed()['away.jpg']).toBe(FAILURE_SENTENCES.outside_folders);
    expect(lib.catalog.retryFailed()).toBe(3);
    lib.indexer.kick();
    await waitFor('all three failed again', () => lib.progress().done === lib.progress().total && Object.keys(failed()).length === 3, 10_000);
    expect(failed()).toEqual({ 'x.jpg': FAILURE_SENTENCES.not_a_file, 'zero.jpg': FAILURE_SENTENCES.not_a_file, 'away.jpg': FAILURE_SENTENCES.outside_folders });
    expect(lib.status().indexedCount).toBe(1);
  });

  it('the watcher refuses the same files added while running, memory stays flat, and a photo added after them is tagged', async () => {
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    try {
      mkfifo(join(folder, 'live-pipe.jpg'));
      mkfifo(join(folder, 'live-pipe2.jpg'));
      symlinkSync('/dev/zero', join(folder, 'live-zero.jpg'));
      // Past the write-finish wait (200 ms here), so that they reach the catalog before the photo.
      await new Promise((r) => setTimeout(r, 1500));
      writeFileSync(join(folder, 'after.jpg'), await jpeg(200));
      await waitFor('the photo added after them is tagged', () => lib.status().indexedCount === 2, 20_000);
      await waitFor('refused while watching', () => Object.keys(failed()).length === 6, 10_000);
      // Nothing is stuck: no job is left running or pending.
      await waitFor('idle', () => lib.progress().done === lib.progress().total, 10_000);
    } finally {
      clearInterval(sampler);
    }
    const growthMb = (peak - rss0) / 1e6;
    console.log(`special files while watching: peak RSS growth ${growthMb.toFixed(0)} MB`);
    expect(growthMb).toBeLessThan(300);
    expect(failed()).toMatchObject({
      'live-pipe.jpg': FAILURE_SENTENCES.not_a_file,
      'live-pipe2.jpg': FAILURE_SENTENCES.not_a_file,
      'live-zero.jpg': FAILURE_SENTENCES.not_a_file,
    });
  }, 60_000);
});
