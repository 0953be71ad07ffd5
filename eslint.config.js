// @ts-check
/**
 * One flat config for the workspace. Besides typescript-eslint's type-checked rules it
 * encodes the architecture: which folder may import which (see docs/ARCHITECTURE.md),
 * and that only backend/src/config.ts reads process.env.
 */
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** @param {string[]} patterns @param {string} message */
const forbid = (patterns, message) => ({ group: patterns, message });

export default tseslint.config(
  {
    ignores: [
      '**/.*',
      '**/dist/**',
      '**/node_modules/**',
      '**/coverage/**',
      'backend/drizzle/**',
      'e2e/.artifacts/**',
      '**/*.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      // A `default` branch is a deliberate choice to handle the rest alike.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // Async methods that implement an async contract (KeyStore) may have a synchronous body.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['frontend/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  // Tests may use looser typing of fixtures and harness results.
  {
    files: ['**/*.test.ts', '**/*.contract.ts', '**/test/**/*.ts', 'e2e/**/*.ts', '**/bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  // Only config.ts reads the environment.
  {
    files: ['backend/src/**/*.ts'],
    ignores: [
      'backend/src/config.ts',
      'backend/src/cli/cli-config.ts',
      'backend/src/**/*.test.ts',
      'backend/src/**/*.contract.ts',
    ],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through config.ts (loadConfig).' },
      ],
    },
  },
  // Layering: lower layers never import higher ones.
  // kms/kmip stands alone: a file may import only node:* and files inside kmip/. One block
  // per folder depth, since escaping kmip/ takes one more '../' for each level down.
  ...[0, 1, 2, 3].map((depth) => ({
    files: [`backend/src/kms/kmip/${'*/'.repeat(depth)}*.ts`],
    // Its tests may use the repository's harnesses (a real PyKMIP server).
    ignores: ['backend/src/kms/kmip/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            forbid(
              [`${'../'.repeat(depth + 1)}*`],
              'kms/kmip is a standalone protocol library: it imports only node:* and its own files.',
            ),
            forbid(
              ['@pki/*', 'pino', 'fastify', 'drizzle-orm', 'drizzle-orm/*', 'better-sqlite3', 'zod'],
              'kms/kmip imports only node:* and its own files.',
            ),
          ],
        },
      ],
    },
  })),
  {
    files: ['backend/src/kms/drivers/**/*.ts'],
    ignores: ['backend/src/kms/drivers/local/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            forbid(
              ['**/db/*', '**/trpc/*', '**/pki/*', '**/http/*'],
              'Drivers implement KeyStore only: no database, tRPC, HTTP or PKI imports.',
            ),
          ],
        },
      ],
    },
  },
  {
    // The local driver keeps its sealed keys in its own table of the app database.
    files: ['backend/src/kms/drivers/local/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            forbid(
              ['**/trpc/*', '**/pki/*', '**/http/*'],
              'Drivers implement KeyStore only: no tRPC, HTTP or PKI imports.',
            ),
          ],
        },
      ],
    },
  },
  {
    files: ['backend/src/pki/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            forbid(
              [
                '**/kms/drivers/*',
                '**/kms/drivers/**',
                '**/kms/key-store.js',
                '**/kms/kmip/**',
                '!**/kms/kmip/errors.js',
              ],
              'pki/ signs only through KMSService (kms/service.ts).',
            ),
            forbid(['**/trpc/*', '**/http/*'], 'pki/ is a service layer: it does not import the API edge.'),
          ],
        },
      ],
    },
  },
  {
    files: ['backend/src/db/**/*.ts', 'backend/src/kms/**/*.ts'],
    ignores: ['backend/src/kms/kmip/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [forbid(['**/trpc/*', '**/http/*', '**/pki/*'], 'Lower layers never import the API edge or pki/.')],
        },
      ],
    },
  },
  {
    files: ['frontend/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@pki/backend', '@pki/backend/*', '../backend/*', '../../backend/*'],
              allowTypeImports: true,
              message: 'The frontend imports only the AppRouter type from the backend.',
            },
          ],
        },
      ],
    },
  },
);
