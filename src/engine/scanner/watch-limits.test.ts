/** When the OS runs out of file watches, a folder falls back to periodic rescans and says why. */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../../test-support/harness.js';
import { hasShared, shared } from '../../test-support/shared-data.js';
import { Library } from '../library.js';

describe.skipIf(!hasShared)('watch limits', () => {
  const tmp = tempDir('watchlimit');
  afterAll(() => tmp.cleanup());

  it('degrades to rescans on ENOSPC and still picks up new photos', async () => {
    const folder = join(tmp.path, 'photos');
    mkdirSync(folder);
    const lib = await Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier: new FakeClassifier() }, rescanMs: 300 });
    try {
      const f = lib.folders.add(folder);
      await waitFor('watching', () => lib.folders.list()[0]!.status === 'watching' && lib.scanner.watcherFor(f.id));
      const err = Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' });
      lib.scanner.watcherFor(f.id)!.emit('error', err);
      await waitFor('degraded', () => lib.folders.list()[0]!.error?.includes('max_user_watches'));
      expect(lib.scanner.watcherFor(f.id)).toBeUndefined();
      copyFileSync(shared('photos', 'kpa_bar.jpg'), join(folder, 'new.jpg'));
      await waitFor('rescan found the new photo', () => lib.status().indexedCount === 1, 10_000);
    } finally {
      await lib.close();
    }
  });
});
