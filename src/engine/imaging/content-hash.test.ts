/** A moved file is recognised by hashing it (hashPhotoFile); the catalog holds the hash of the bytes the indexer read (contentHash): they must agree. */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test-support/harness.js';
import { contentHash, hashPhotoFile } from './photo-file.js';

describe('content hash', () => {
  const tmp = tempDir('contenthash');
  afterAll(() => tmp.cleanup());

  it('the hash of a photo file equals the content hash of its bytes', async () => {
    const file = join(import.meta.dirname, 'fixtures', 'generated-gradient.heic');
    expect(await hashPhotoFile(file)).toBe(contentHash(readFileSync(file)));
  });

  it('agrees on a file read in several chunks', async () => {
    const file = join(tmp.path, 'big.jpg');
    writeFileSync(file, randomBytes(8 * 1024 * 1024 * 2 + 12345));
    const hash = await hashPhotoFile(file);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(contentHash(readFileSync(file)));
  });
});
