import tseslint from 'typescript-eslint';
import layers from './tools/eslint/layers.js';
import catalogSql from './tools/eslint/catalog-sql.js';

const scenery = { rules: { ...layers.rules, ...catalogSql.rules } };

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '**/*.svelte', 'resources/**'] },
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
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/renderer/**/*.ts', 'src/shared/**/*.ts'],
    rules: { 'no-restricted-globals': ['error', 'process', 'require', '__dirname', 'Buffer'] },
  },
);
