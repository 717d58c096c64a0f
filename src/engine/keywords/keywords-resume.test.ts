/**
 * A keyword run cut short (the app quit, or the process killed, mid-batch) resumes when the library opens again:
 * without that, switching to sidecars (or embedded) left the photos after the first batch without keywords, or with
 * them still in the old place, until the person changed the setting again.
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../../test-support/harness.js';
import { hasShared, shared } from '../../test-support/shared-data.js';
import { Library } from '../library.js';

if (!hasShared) console.warn('[skip] keywords-resume: ../shared/data/photos is absent');

describe.skipIf(!hasShared)('a keyword run cut short', () => {
  const tmp = tempDir('keywords-resume');
  let lib: Library | null = null;
  afterAll(async () => {
    await lib?.close();
    tmp.cleanup();
  });

  it('resumes when the library opens again, and is not resumed once it finished', async () => {
    const photos = join(tmp.path, 'Photos');
    mkdirSync(photos);
    const N = 40;
    for (let i = 0; i < N; i++) copyFileSync(shared('photos', 'hugin_forest.jpg'), join(photos, `p${String(i).padStart(2, '0')}.jpg`));
    const sidecars = () => readdirSync(photos).filter((n) => n.endsWith('.xmp')).length;
    const open = () => Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier: new FakeClassifier() }, writeFinishMs: 200 });
    lib = await open();
    lib.folders.add(photos);
    await waitFor('indexed', () => lib!.catalog.photoCounts().indexed === N, 60_000);
    await lib.indexer.whenIdle();

    lib.keywords.setSettings({ mode: 'sidecar' });
    // Quit while the first batch is written: the rest of the queue is dropped.
    await lib.close();
    lib = null;
    const written = sidecars();
    expect(written).toBeLessThan(N);

    lib = await open();
    await waitFor('the run resumed and finished', () => sidecars() === N, 60_000);
    await lib.keywords.jobs.whenIdle();
    expect(lib.keywords.jobs.progress()).toMatchObject({ running: false, failed: 0 });
    await lib.close();

    // Finished: opening again starts no run.
    lib = await open();
    expect(lib.keywords.jobs.progress()).toMatchObject({ running: false, total: 0 });
  }, 120_000);
});
