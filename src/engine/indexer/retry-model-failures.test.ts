/**
 * The indexer retries a photo when the model failed (its worker crashed or
 * could not load) and fails it at once when the photo did. Which is which is
 * told by the error's type: the indexer used to match /model|worker/ in the
 * message, so a photo named model.jpg whose thumbnail could not be written
 * was retried as a model failure.
 */
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../../test-support/harness.js';
import { Catalog } from '../catalog/catalog.js';
import { LABEL_SETS } from '../labels/label-sets.js';
import { ModelUnavailableError, WorkerCrashedError } from '../model/runtime/model-errors.js';
import { Indexer, type Classifier } from './indexer.js';
import { ThumbnailStore } from './thumbnails.js';

const tmp = tempDir('retry-model');
afterAll(() => tmp.cleanup());
let n = 0;

class FailingClassifier extends FakeClassifier {
  constructor(private readonly error: Error) {
    super();
  }
  override async classify(): Promise<{ prob: Float32Array; features: Float32Array; classes: number }> {
    throw this.error;
  }
}

/** Indexes one file and reports whether its job was put back for later (retried) or recorded as failed. */
async function indexOne(
  name: string,
  content: Buffer,
  classifier: Classifier,
  opts: { maxAttempts?: number; thumbError?: Error } = {},
): Promise<{ retried: boolean; failure: string | null }> {
  const root = join(tmp.path, `case${++n}`);
  const photos = join(root, 'photos');
  mkdirSync(photos, { recursive: true });
  const file = join(photos, name);
  writeFileSync(file, content);
  // Not a file still being written: a decode failure on it is final.
  utimesSync(file, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
  const catalog = new Catalog(join(root, 'lib'));
  const thumbs = new ThumbnailStore(join(root, 'lib'));
  if (opts.thumbError) vi.spyOn(thumbs, 'writeThumb').mockRejectedValue(opts.thumbError);
  const retryLater = vi.spyOn(catalog, 'retryLater');
  const commitFailure = vi.spyOn(catalog, 'commitFailure');
  const folder = catalog.addFolder(photos);
  const { id } = catalog.upsertFile(folder.id, { relPath: name, name, size: content.length, mtimeMs: 1 }, 0);
  const indexer = new Indexer(catalog, thumbs, { photoUpdated() {}, progress() {} }, { maxAttempts: opts.maxAttempts ?? 3 });
  try {
    indexer.setModel({ name: 'test', labels: LABEL_SETS.places365, classifier });
    await waitFor('the job retried or failed', () => retryLater.mock.calls.length + commitFailure.mock.calls.length > 0, 20_000);
    expect(retryLater.mock.calls.every((c) => c[0] === id)).toBe(true);
    return { retried: retryLater.mock.calls.length > 0, failure: commitFailure.mock.calls[0]?.[2] ?? null };
  } finally {
    await indexer.close();
    catalog.close();
  }
}

const jpeg = (): Promise<Buffer> => sharp({ create: { width: 40, height: 30, channels: 3, background: '#48c' } }).jpeg().toBuffer();

describe('the indexer retries model failures, not photo failures', () => {
  it('retries a photo whose model worker crashed', async () => {
    expect(await indexOne('a.jpg', await jpeg(), new FailingClassifier(new WorkerCrashedError('exited with code 1')))).toEqual({ retried: true, failure: null });
  });

  it('retries a photo while the model cannot be loaded', async () => {
    expect(await indexOne('a.jpg', await jpeg(), new FailingClassifier(new ModelUnavailableError('cannot load model x.onnx: bad file')))).toEqual({ retried: true, failure: null });
  });

  it('fails a model failure once its attempts are used up', async () => {
    const r = await indexOne('a.jpg', await jpeg(), new FailingClassifier(new WorkerCrashedError('exited with code 1')), { maxAttempts: 1 });
    expect(r).toEqual({ retried: false, failure: 'indexing failed: exited with code 1' });
  });

  it('fails a photo that does not decode at once, even when its name says "model" or "worker"', async () => {
    const r = await indexOne('model-worker.jpg', Buffer.from('not a jpeg at all, just text named like the model'), new FakeClassifier());
    expect(r.retried).toBe(false);
    expect(r.failure).toBe('model-worker.jpg is not an image Scenery can read (unknown format)');
  });

  it('does not retry a photo failure whose message merely contains "model" (model.jpg, thumbnail not written)', async () => {
    // A plain error, not a storage fault (no errno code) and not a model failure: the photo fails once, at once.
    const r = await indexOne('model.jpg', await jpeg(), new FakeClassifier(), { thumbError: new Error('cannot encode the thumbnail of model.jpg') });
    expect(r).toEqual({ retried: false, failure: 'indexing failed: cannot encode the thumbnail of model.jpg' });
  });
});
