import tseslint from 'typescript-eslint';
import layers from './tools/eslint/layers.js';
import catalogSql from './tools/eslint/catalog-sql.js';

const scenery = { ...layers, rules: { ...layers.rules, ...catalogSql.rules } };

/** Every rule the TypeScript configs turn on: off for .svelte script blocks, whose variables the markup uses unseen. */
const offInSvelteScripts = Object.fromEntries(
  tseslint.configs.recommended.flatMap((c) => Object.keys(c.rules ?? {})).map((rule) => [rule, 'off']),
);

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'resources/**'] },
  ...tseslint.configs.recommended,
  {
    plugins: { scenery },
    rules: {
      'scenery/layers': 'error',
      'scenery/catalog-sql': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    // Type-aware: a promise nobody awaits, catches or marks `void` loses its failure (the issue-13 review found
    // dropped failures in the renderer). Only these two rules need types; the rest of the config stays syntactic.
    files: ['src/**/*.ts'],
    ignores: ['**/*.svelte/**'],
    languageOptions: {
      parserOptions: { project: ['./tsconfig.node.json', './tsconfig.web.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // Components: the layer rule over their <script> blocks (tools/eslint/svelte-script.js; no svelte-eslint-parser here).
    files: ['**/*.svelte'],
    processor: scenery.processors['svelte-script'],
  },
  {
    files: ['**/*.svelte/*.ts'],
    rules: { ...offInSvelteScripts, 'scenery/layers': 'error' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Services get their collaborators through a ServiceContext (engine/services/context.ts): none imports the Library
    // (the composition root that builds them) or the handler table (which calls them), so dependencies point one way.
    files: ['src/engine/services/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '(^|/)(library|api/handlers)(\\.js)?$', message: 'A service gets what it needs through its constructor (ServiceContext), never the Library or the handler table.' }] }],
    },
  },
  {
    files: ['src/renderer/**/*.ts', 'src/shared/**/*.ts'],
    rules: { 'no-restricted-globals': ['error', 'process', 'require', '__dirname', 'Buffer'] },
  },
);
