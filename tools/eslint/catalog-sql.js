// ESLint rule: the catalog owns every SQL statement.
// SQL lives in src/engine/catalog/ (catalog.ts and the repositories beside it);
// everything else calls their named methods, so a schema change touches one
// layer and the statements that hot paths reuse stay prepared once.
//
// Reported outside src/engine/catalog/:
//   - .prepare( .exec( .pragma( .transaction( .function( .backup( .loadExtension( on a
//     database handle: an identifier or property named db/database/sqlite, or `new Database(...)`;
//   - .prepare( .exec( .pragma( on anything, when the first argument is a string or template
//     literal that starts with SQL (SELECT, INSERT, PRAGMA...).
// Not reported: RegExp#exec (`/x/.exec(s)`, `re.exec(s)`), SearchIndex#prepare(threshold),
// Catalog#transaction(fn) (the catalog's own API).
// Exempt: tests (*.test.ts) and src/test-support/**, which build and inspect catalogs directly.
import path from 'node:path';

const DB_NAME = /^(db|database|sqlite)$/i;
const DB_METHODS = new Set(['prepare', 'exec', 'pragma', 'transaction', 'function', 'aggregate', 'backup', 'loadExtension']);
const SQL_METHODS = new Set(['prepare', 'exec', 'pragma']);
const SQL_START =
  /^\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|UPSERT|CREATE|DROP|ALTER|WITH|PRAGMA|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|VACUUM|ATTACH|DETACH|ANALYZE|REINDEX|EXPLAIN)\b/i;

/** Whether the rule applies to this file (see the header for what is exempt). */
export function checksFile(file) {
  const p = path.normalize(file).split(path.sep).join('/');
  if (/\.test\.[cm]?[jt]s$/.test(p)) return false;
  if (/(^|\/)src\/test-support\//.test(p)) return false;
  return !/(^|\/)src\/engine\/catalog\//.test(p);
}

function nameOf(node) {
  if (node.type === 'Identifier') return node.name;
  if (node.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier') return node.property.name;
  if (node.type === 'MemberExpression' && node.computed && node.property.type === 'Literal') return String(node.property.value);
  return null;
}

function isDbHandle(node) {
  if (node.type === 'TSNonNullExpression' || node.type === 'TSAsExpression') return isDbHandle(node.expression);
  if (node.type === 'NewExpression') return node.callee.type === 'Identifier' && node.callee.name === 'Database';
  const name = nameOf(node);
  return name !== null && DB_NAME.test(name);
}

function literalText(node) {
  if (!node) return null;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral') return node.quasis[0]?.value.cooked ?? '';
  return null;
}

export const catalogSqlRule = {
  meta: {
    type: 'problem',
    docs: { description: 'SQL belongs to the catalog (src/engine/catalog/): call a named catalog method instead' },
    schema: [],
    messages: {
      handle: '.{{method}}() on a database handle outside src/engine/catalog/: move the statement into the catalog (catalog.ts or a repository beside it) and call it by name.',
      sql: '.{{method}}() with SQL outside src/engine/catalog/: move the statement into the catalog (catalog.ts or a repository beside it) and call it by name.',
    },
  },
  create(context) {
    if (!checksFile(context.filename)) return {};
    return {
      CallExpression(node) {
        const callee = node.callee.type === 'ChainExpression' ? node.callee.expression : node.callee;
        if (callee.type !== 'MemberExpression') return;
        const method = nameOf(callee);
        if (!method) return;
        const object = callee.object;
        if (object.type === 'Literal' && object.regex) return;
        if (DB_METHODS.has(method) && isDbHandle(object)) {
          context.report({ node, messageId: 'handle', data: { method } });
          return;
        }
        if (!SQL_METHODS.has(method)) return;
        const text = literalText(node.arguments[0]);
        if (text !== null && (method === 'pragma' || SQL_START.test(text))) context.report({ node, messageId: 'sql', data: { method } });
      },
    };
  },
};

export default { rules: { 'catalog-sql': catalogSqlRule } };
