import { RuleTester } from 'eslint';
import { describe, expect, it } from 'vitest';
import tseslint from 'typescript-eslint';
import { catalogSqlRule, checksFile } from './catalog-sql.js';

const engine = '/r/src/engine/library.ts';

describe('scenery/catalog-sql lint rule', () => {
  it('applies outside the catalog, except to tests and test support', () => {
    expect(checksFile('/r/src/engine/library.ts')).toBe(true);
    expect(checksFile('/r/src/cli/commands/library.ts')).toBe(true);
    expect(checksFile('/r/bench/run.ts')).toBe(true);
    expect(checksFile('/r/src/engine/catalog/catalog.ts')).toBe(false);
    expect(checksFile('/r/src/engine/catalog/browse-queries.ts')).toBe(false);
    expect(checksFile('/r/src/engine/library.test.ts')).toBe(false);
    expect(checksFile('/r/src/test-support/synthetic-catalog.ts')).toBe(false);
  });

  it('reports SQL outside src/engine/catalog/ and nothing else', () => {
    const tester = new RuleTester({ languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: 'module' } });
    tester.run('catalog-sql', catalogSqlRule as never, {
      valid: [
        // Regular expressions, the search index's prepare(threshold), the catalog's own transaction API.
        { filename: engine, code: "const m = /^(\\d{4})-(\\d{2})/.exec(iso);" },
        { filename: engine, code: "const re = /x/g; let m; while ((m = re.exec(q))) use(m);" },
        { filename: engine, code: "const m = new RegExp('a+').exec(text);" },
        { filename: engine, code: 'idx.prepare(this.threshold);' },
        { filename: engine, code: 'this.catalog.transaction(() => batch.map(record));' },
        { filename: engine, code: "child.exec('ls -l');" },
        { filename: engine, code: 'const rows = this.catalog.browse.groupCounts(t);' },
        // Inside the catalog, in tests and in test support: allowed.
        { filename: '/r/src/engine/catalog/catalog.ts', code: "this.db.prepare('SELECT * FROM photos WHERE id = ?').get(id);" },
        { filename: '/r/src/engine/catalog/search-rows.ts', code: "db.pragma('journal_mode = WAL'); db.exec('CREATE TABLE t (x)');" },
        { filename: '/r/src/engine/library.test.ts', code: "lib.catalog.db.prepare('SELECT COUNT(*) FROM photos').pluck().get();" },
        { filename: '/r/src/test-support/synthetic-catalog.ts', code: "cat.db.prepare('INSERT INTO folders(id) VALUES (?)');" },
      ],
      invalid: [
        { filename: engine, code: "this.catalog.db.prepare('SELECT id FROM photos WHERE folder_id = ?').pluck().all(id);", errors: [{ messageId: 'handle' }] },
        { filename: engine, code: 'const page = this.catalog.db.prepare(`${ROWS} AND p.id > ?`);', errors: [{ messageId: 'handle' }] },
        { filename: '/r/src/cli/commands/library.ts', code: 'lib.catalog.db.prepare(sql).all();', errors: [{ messageId: 'handle' }] },
        { filename: engine, code: "db.exec('DELETE FROM jobs');", errors: [{ messageId: 'handle' }] },
        { filename: engine, code: "database.pragma('user_version', { simple: true });", errors: [{ messageId: 'handle' }] },
        { filename: engine, code: 'this.db.transaction(() => 1)();', errors: [{ messageId: 'handle' }] },
        { filename: engine, code: "this.catalog.db.function('scene_name', (i) => i);", errors: [{ messageId: 'handle' }] },
        { filename: engine, code: "new Database(file).exec('VACUUM');", errors: [{ messageId: 'handle' }] },
        { filename: engine, code: "conn!.db!.prepare('x');", errors: [{ messageId: 'handle' }] },
        // Any object, when the statement itself is there.
        { filename: engine, code: "handle.prepare('SELECT 1');", errors: [{ messageId: 'sql' }] },
        { filename: engine, code: 'store.exec(`  insert into t values (1)`);', errors: [{ messageId: 'sql' }] },
        { filename: engine, code: "conn.pragma('foreign_keys = ON');", errors: [{ messageId: 'sql' }] },
        { filename: '/r/src/server/server.ts', code: "c.db.prepare('SELECT 1');", errors: [{ messageId: 'handle' }] },
      ],
    });
  });
});
