/**
 * Whoever waits for the indexer to finish (scenery index) must get its answer even when the only work left is a
 * retry scheduled for later: the retry timer was unref'd, so once the model worker was gone the process simply ran
 * out of work and exited 0 with no summary.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test-support/harness.js';
import { REPO_ROOT } from '../../test-support/shared-data.js';

const tmp = tempDir('keepalive');
afterAll(() => tmp.cleanup());

describe('Indexer.whenIdle', () => {
  it('keeps the process alive through a delayed retry and resolves after it', async () => {
    const photos = join(tmp.path, 'photos');
    mkdirSync(photos);
    await sharp({ create: { width: 32, height: 32, channels: 3, background: '#3a7' } }).jpeg().toFile(join(photos, 'a.jpg'));
    const size = statSync(join(photos, 'a.jpg')).size;
    const src = (p: string) => JSON.stringify(join(REPO_ROOT, 'src', 'engine', p));
    const script = join(tmp.path, 'wait.mts');
    // A model whose worker keeps dying: the photo is retried 5 s later (a ref'd worker no longer holds the process).
    writeFileSync(
      script,
      `import { Catalog } from ${src('catalog/catalog.ts')};
import { ThumbnailStore } from ${src('indexer/thumbnails.ts')};
import { Indexer } from ${src('indexer/indexer.ts')};
import { LABEL_SETS } from ${src('labels/label-sets.ts')};
import { WorkerCrashedError } from ${src('model/runtime/model-errors.ts')};
const dir = ${JSON.stringify(join(tmp.path, 'lib'))};
const catalog = new Catalog(dir);
const folder = catalog.addFolder(${JSON.stringify(photos)});
catalog.upsertFile(folder.id, { relPath: 'a.jpg', name: 'a.jpg', size: ${size}, mtimeMs: 1 }, 0);
const indexer = new Indexer(catalog, new ThumbnailStore(dir), { photoUpdated() {}, progress() {} }, { maxAttempts: 2 });
indexer.setModel({ name: 'crashy', labels: LABEL_SETS.places365, classifier: { maxBatch: 8, classify: async () => { throw new WorkerCrashedError('model worker exited'); } } });
await indexer.whenIdle();
console.log(JSON.stringify(catalog.photoCounts()));
`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).not.toMatch(/unsettled top-level await/i);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ failed: 1 });
  });
});
