/** `scenery serve` arguments that must stop it before it serves anything. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test-support/harness.js';
import { UsageError } from '../args.js';
import { serveCommand } from './serve.js';

describe('scenery serve --token', () => {
  const tmp = tempDir('serve-cli');
  afterAll(() => tmp.cleanup());

  it('refuses an empty or blank token (it would turn authentication off) before opening the library', async () => {
    const dir = join(tmp.path, 'never-created');
    await expect(serveCommand(['--token', '', '--host', '0.0.0.0', '--library', dir])).rejects.toThrow(UsageError);
    await expect(serveCommand(['--token', '  ', '--host', '0.0.0.0', '--library', dir])).rejects.toThrow(/--token: the token is empty/);
    await expect(serveCommand(['--token', 'has space', '--library', dir])).rejects.toThrow(/--token: .*without spaces/);
    expect(existsSync(dir)).toBe(false);
  });
});
