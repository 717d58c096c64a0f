/**
 * The engine in its own process, as the desktop app runs it: a real child
 * process serving a real library. Calls, events, media lookups and platform
 * requests cross the process boundary; a killed engine answers `unavailable`
 * instead of hanging, and the library it leaves behind opens again.
 */
import { copyFileSync, mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName } from '../../shared/contract.js';
import { tempDir, waitFor } from '../../test-support/harness.js';
import { hasShared, REPO_ROOT, shared, SQUEEZENET } from '../../test-support/shared-data.js';
import { MediaError } from '../media/media-files.js';
import { EngineClient, EngineStoppedError, forkEngine, type PlatformHandler } from './engine-client.js';
import { endOrphanedHelpers, isExiftoolProcess } from './helper-processes.js';
import type { EngineHostOptions, PlatformOp } from './engine-protocol.js';

const ENTRY = join(REPO_ROOT, 'src', 'engine', 'host', 'engine-process.ts');
const start = (options: EngineHostOptions, platform: PlatformHandler | null = null): Promise<EngineClient> =>
  EngineClient.start(forkEngine(ENTRY, ['--import', 'tsx']), options, platform);

describe('the engine in its own process', () => {
  const tmp = tempDir('engine-process');
  const photos = join(tmp.path, 'photos');
  const asked: { op: PlatformOp; path: string | undefined; watched: string[] }[] = [];
  const options: EngineHostOptions = {
    dir: join(tmp.path, 'library'),
    modelsDir: join(tmp.path, 'models'),
    model: hasShared ? SQUEEZENET : null,
    mode: 'desktop',
    platform: ['pickFolder', 'showInFolder'],
  };
  let engine: EngineClient;
  const events: EventName[] = [];

  beforeAll(async () => {
    mkdirSync(photos);
    engine = await start(options, async (op, path, watched) => {
      asked.push({ op, path, watched });
      return op === 'pickFolder' ? photos : null;
    });
    engine.onEvent((name) => events.push(name));
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
    tmp.cleanup();
  });

  it('runs in another process and answers contract calls through it', async () => {
    expect(engine.pid).not.toBe(process.pid);
    expect(await engine.request('app.info', {})).toMatchObject({ name: 'Scenery', mode: 'desktop' });
    // The engine validates: a bad request is a typed error envelope, not a crash.
    expect(await engine.call('photos.get', { id: 'x' })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await engine.call('no.such', {})).toMatchObject({ ok: false, error: { code: 'unknown_command' } });
    // A platform op the shell did not offer is unsupported, as in browser mode.
    expect(await engine.call('model.pickAndImport', {})).toMatchObject({ ok: false, error: { code: 'unsupported' } });
  });

  it.skipIf(!hasShared)('asks the shell for a folder, indexes it, forwards events and resolves media by id', async () => {
    copyFileSync(shared('photos', 'kpa_bar.jpg'), join(photos, 'bar.jpg'));
    const folder = await engine.request('folders.pick', {});
    expect(folder).toMatchObject({ displayPath: expect.stringContaining('photos') });
    expect(asked.map((a) => a.op)).toEqual(['pickFolder']);
    await waitFor('the photo tagged', async () => (await engine.request('library.status', {})).indexedCount === 1, 60_000);
    // Progress is reported on a timer and a photo found by the first scan may be reported added or updated: wait for
    // each kind to cross the process boundary rather than expect it by the time the status says "tagged".
    await waitFor('events forwarded', () => events.includes('folders.changed') && events.includes('indexing.progress') && (events.includes('photo.added') || events.includes('photo.updated')), 30_000);
    const { items } = await engine.request('photos.list', {});
    const id = items[0]!.id;
    expect(items[0]!.scene).not.toBeNull();
    const image = await engine.resolveMedia('image', id);
    expect(image).toEqual({ path: realpathSync(join(photos, 'bar.jpg')), contentType: 'image/jpeg' });
    expect((await engine.resolveMedia('thumb', id)).contentType).toBe('image/webp');
    await expect(engine.resolveMedia('image', 9999)).rejects.toMatchObject({ status: 404 });
    // Show in folder: the shell gets the real path and the watched folders to check it against.
    expect(await engine.request('photos.showInFolder', { id })).toEqual({ ok: true });
    expect(asked.at(-1)).toEqual({ op: 'showInFolder', path: realpathSync(join(photos, 'bar.jpg')), watched: [realpathSync(photos)] });
  }, 90_000);
});

describe('an engine process that dies', () => {
  const tmp = tempDir('engine-killed');
  afterAll(() => tmp.cleanup());

  it('answers pending and later calls with `unavailable`, reports the exit, and leaves a library that opens again', async () => {
    const options: EngineHostOptions = { dir: join(tmp.path, 'library'), modelsDir: join(tmp.path, 'models'), model: null, mode: 'browser', platform: [] };
    const engine = await start(options);
    mkdirSync(join(tmp.path, 'p'));
    await engine.request('folders.add', { path: join(tmp.path, 'p') });
    const exited = new Promise<EngineStoppedError | null>((r) => engine.onExit(r));
    process.kill(engine.pid, 'SIGKILL');
    const err = await exited;
    expect(err).toBeInstanceOf(EngineStoppedError);
    expect(await engine.call('library.status', {})).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    await expect(engine.resolveMedia('thumb', 1)).rejects.toBeInstanceOf(MediaError);
    // The lock of the dead process does not keep the next engine out, and what it wrote is there.
    const again = await start(options);
    expect((await again.request('folders.list', {})).map((f) => f.displayPath)).toEqual([join(tmp.path, 'p')]);
    const clean = new Promise<EngineStoppedError | null>((r) => again.onExit(r));
    await again.close();
    expect(await clean).toBeNull();
  }, 60_000);

  it('ends its ExifTool processes when it is killed (they would poll their closed pipe forever)', async () => {
    const options: EngineHostOptions = { dir: join(tmp.path, 'library-exiftool'), modelsDir: join(tmp.path, 'models'), model: null, mode: 'browser', platform: [] };
    const engine = await start(options);
    const folder = join(tmp.path, 'png');
    mkdirSync(folder);
    // A PNG has no EXIF block for exifr's fast path: its metadata is read by ExifTool.
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 90, g: 140, b: 60 } } }).png().toFile(join(folder, 'a.png'));
    await engine.request('folders.add', { path: folder });
    await waitFor('ExifTool reported running', () => engine.helpers.length > 0, 30_000);
    const pids = [...engine.helpers];
    try {
      expect(pids.every((pid) => isExiftoolProcess(pid))).toBe(true);
      const exited = new Promise<EngineStoppedError | null>((r) => engine.onExit(r));
      process.kill(engine.pid, 'SIGKILL');
      expect(await exited).toBeInstanceOf(EngineStoppedError);
      await waitFor('ExifTool ended', () => !pids.some((pid) => isExiftoolProcess(pid)), 10_000);
    } finally {
      endOrphanedHelpers(pids);
    }
  }, 60_000);

  it('rejects start with the reason the library could not open', async () => {
    // Another live engine holds the library's writer lock.
    const options: EngineHostOptions = { dir: join(tmp.path, 'locked'), modelsDir: join(tmp.path, 'models'), model: null, mode: 'browser', platform: [] };
    const first = await start({ ...options, lockCommand: 'scenery serve --library x' });
    // It names the shell's command, not the engine process's own argv ("engine-process").
    await expect(start(options)).rejects.toThrow(/in use by another Scenery process \(pid \d+: scenery serve --library x,/);
    await first.close();
  }, 60_000);
});
