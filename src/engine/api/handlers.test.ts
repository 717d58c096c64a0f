/** The handler table answers exactly the contract's commands: none missing, none the contract does not know. */
import { mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { requestSchemas } from '../../shared/requests.js';
import { tempDir } from '../../test-support/harness.js';
import { Library } from '../library.js';
import { createHandlers, dispatch } from './handlers.js';

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

  it('serves the folder browser in browser mode only (the desktop app has the native dialog and sees no paths)', async () => {
    const lib = await Library.open({ dir: join(tmp.path, 'lib'), modelsDir: join(tmp.path, 'models'), start: false });
    try {
      const browser = await dispatch(createHandlers(lib, { mode: 'browser' }), 'folders.browse', { path: tmp.path });
      expect(browser.ok).toBe(true);
      expect(browser.ok && (browser.value as { entries: { name: string }[] }).entries.map((e) => e.name)).toContain('lib');
      const desktop = await dispatch(createHandlers(lib, { mode: 'desktop' }), 'folders.browse', { path: tmp.path });
      expect(desktop).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    } finally {
      await lib.close();
    }
  });

  it('expands ~/ in a typed folder path', async () => {
    const lib = await Library.open({ dir: join(tmp.path, 'lib'), modelsDir: join(tmp.path, 'models'), start: false });
    const home = process.env.HOME;
    try {
      mkdirSync(join(tmp.path, 'My Photos'));
      process.env.HOME = tmp.path;
      const added = await dispatch(createHandlers(lib, { mode: 'browser' }), 'folders.add', { path: '~/My Photos' });
      expect(added).toMatchObject({ ok: true, value: { displayPath: join(realpathSync(tmp.path), 'My Photos') } });
    } finally {
      process.env.HOME = home;
      await lib.close();
    }
  });
});
