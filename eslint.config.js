// One lint configuration for every workspace (flat config, typescript-eslint).
import js from '@eslint/js';
import globals from 'globals';
import boundaries from 'eslint-plugin-boundaries';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';
import { API_LAYERS } from './eslint.layers.js';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/test/.generated/**', '**/.turbo/**', '**/coverage/**', '**/cdk.out/**', '**/test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['apps/web/src/**/*.{ts,tsx}', 'packages/react/{src,test,examples}/**/*.{ts,tsx}', 'packages/bff-client/src/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // apps/web and @app/react: the rules of hooks (and the React Compiler's checks) for components and hooks.
    files: ['apps/web/src/**/*.{ts,tsx}', 'packages/react/{src,test,examples}/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat['recommended-latest'],
  },
  {
    files: ['**/scripts/**', '**/bench/**', '**/e2e/**', '**/examples/**', '**/cli.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // apps/api: one direction of dependencies (eslint.layers.js, docs/adr/0008-layers.md)
    files: ['apps/api/src/**/*.ts'],
    ignores: ['apps/api/src/**/*.test.ts'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { typescript: { project: 'apps/api/tsconfig.json' } },
      // one element per layer folder, matched on whole file paths (mode 'full')
      'boundaries/elements': API_LAYERS.map(({ type, files }) => ({ type, pattern: files, mode: 'full' })),
      'boundaries/legacy-warnings': false,
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: API_LAYERS.map(({ type }, rank) => ({
            from: { element: { type } },
            allow: { to: { element: { types: { anyOf: API_LAYERS.slice(0, rank + 1).map((l) => l.type) } } } },
          })),
        },
      ],
      'boundaries/no-unknown-files': 'error',
    },
  },
);
