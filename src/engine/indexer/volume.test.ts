/**
 * 10,000 photos dropped into a watched folder at once: every one is indexed,
 * memory stays bounded. The network is the fast FakeClassifier (the real
 * runtime runs in library.test.ts and resume.test.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClassifier, tempDir, waitFor } from '../../test-support/harness.js';
import { Library } from '../library.js';

describe('volume', () => {
  const tmp = tempDir('volume');
  afterAll(() => tmp.cleanup());

  it('indexes 10,000 photos dropped at once with bounded memory', async () => {
    const N = 10_000;
    const folder = join(tmp.path, 'drop');
    mkdirSync(folder);
    const classifier = new FakeClassifier();
    const lib = await Library.open({ dir: join(tmp.path, 'lib'), classifier: { name: 'fake', classifier }, writeFinishMs: 200 });
    try {
      lib.folders.add(folder);
      await waitFor('watching', () => lib.folders.list()[0]!.status === 'watching');
      // Distinct small JPEGs (different colours → different content hashes and scenes).
      const jpegs = await Promise.all(
        Array.from({ length: 64 }, (_, i) =>
          sharp({ create: { width: 160, height: 120, channels: 3, background: { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 } } }).jpeg().toBuffer(),
        ),
      );
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
      const t0 = Date.now();
      for (let d = 0; d < 20; d++) {
        const sub = join(folder, `batch${d}`);
        mkdirSync(sub);
        for (let i = 0; i < N / 20; i++) writeFileSync(join(sub, `img${i}.jpg`), jpegs[(d * 7 + i) % 64]!);
      }
      await waitFor('all indexed', () => lib.status().indexedCount === N, 600_000, 500);
      clearInterval(sampler);
      const seconds = (Date.now() - t0) / 1000;
      const growthMb = (peak - rssBefore) / 1e6;
      console.log(`10,000 photos indexed in ${seconds.toFixed(1)} s (${(N / seconds).toFixed(0)}/s), peak RSS growth ${growthMb.toFixed(0)} MB`);
      expect(lib.status().failedCount).toBe(0);
      expect(growthMb).toBeLessThan(600);
      expect(lib.search.run('indoor OR outdoor', 0, 10).total).toBe(N);
    } finally {
      await lib.close();
    }
  }, 660_000);
});
