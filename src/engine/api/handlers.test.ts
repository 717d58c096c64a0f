/** The handler table answers exactly the contract's commands: none missing, none the contract does not know. */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { requestSchemas } from '../../shared/requests.js';
import { tempDir } from '../../test-support/harness.js';
import { Library } from '../library.js';
import { createHandlers } from './handlers.js';

describe('handler table', () => {
  const tmp = tempDir('handlers');
  afterEach(() => tmp.cleanup());

  it('has one handler per contract command, and no other', async () => {
    const lib = await Library.open({ dir: join(tmp.path, 'lib'), modelsDir: join(tmp.path, 'models'), start: false });
    try {
      const table = createHandlers(lib, { mode: 'browser' });
      expect(Object.keys(table).sort()).toEqual(Object.keys(requestSchemas).sort());
      for (const h of Object.values(table)) expect(typeof h).toBe('function');
    } finally {
      await lib.close();
    }
  });
});
