// One lint configuration for every workspace (flat config, typescript-eslint).
import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

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
);
