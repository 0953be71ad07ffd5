// @ts-check
/**
 * One flat config for the workspace. Besides typescript-eslint's type-checked rules it
 * encodes the architecture: which folder may import which (see docs/ARCHITECTURE.md),
 * and that only backend/src/config.ts and the CLI's cli-config.ts read process.env.
 */
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Test files compose real pieces freely (a driver test opens the app database); the rules govern the app. */
const TEST_FILES = ['**/*.test.ts', '**/*.contract.ts'];

const DB = ['**/db/**'];
const TRPC = ['**/trpc/**'];
const HTTP = ['**/http/**'];
const PKI = ['**/pki/**'];
/** The audit module (backend/src/audit/). */
const AUDIT = ['**/audit/**'];

/** One message per rule, so a probe can tell which rule fired (test/lint-rules.test.ts). */
export const MESSAGES = {
  kmip: 'kms/kmip is a standalone protocol library: it imports only node:* and its own files.',
  driverDatabase: 'Drivers implement KeyStore only: no database (db/) imports.',
  driverEdge: 'Drivers implement KeyStore only: no tRPC, HTTP or PKI imports.',
  driverAudit: 'Drivers do not write audit rows: KMSService records every key operation.',
  pkiKeyStore: 'pki/ signs only through KMSService (kms/service.ts); KMS errors come from kms/errors.ts.',
  pkiEdge: 'pki/ is a service layer: it does not import the API edge.',
  routerStorage: 'Routers call services: no database, Drizzle or SQLite imports.',
  routerKeyStore: 'Routers call services: no key store, driver or KMIP imports.',
  routerAudit:
    'Routers call services: the audit module is for services (audit.* procedures call AuditLogReader and co. through ctx.services).',
  routerHttp: 'Routers do not import the plain HTTP routes (http/).',
  httpTrpc: 'http/ serves the plain routes and never imports trpc/: shared pieces live beside errors.ts.',
  lowerLayer: 'Lower layers (db/, kms/, audit/) never import the API edge or pki/.',
  frontend: "The frontend imports from the backend only `import type { AppRouter } from '@pki/backend/trpc'`.",
  e2e: 'e2e drives the built app from outside: it imports no source of the workspace.',
};

const DRIVER_RULES = {
  [MESSAGES.driverEdge]: [[...TRPC, ...HTTP, ...PKI]],
  [MESSAGES.driverAudit]: [AUDIT],
};

/**
 * One layering zone: `no-restricted-imports` for `files` (tests excepted), with one pattern
 * group per message. A message maps to a list whose entries are specifier globs (gitignore
 * style) or `{ regex }` objects.
 * @param {string[]} files @param {string[]} ignores
 * @param {Record<string, Array<string[] | { regex: string }>>} rules
 */
const zone = (files, ignores, rules) => ({
  files,
  ignores: [...ignores, ...TEST_FILES],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: Object.entries(rules).flatMap(([message, entries]) =>
          entries.map((entry) => (Array.isArray(entry) ? { group: entry, message } : { ...entry, message })),
        ),
      },
    ],
  },
});

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
  // Only config.ts (the server's) and cli/cli-config.ts (the CLI's) read the environment.
  {
    files: ['backend/src/**/*.ts'],
    ignores: ['backend/src/config.ts', 'backend/src/cli/cli-config.ts', ...TEST_FILES],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration through config.ts (loadConfig) or, in the CLI, cli/cli-config.ts.',
        },
      ],
    },
  },
  // Layering (docs/ARCHITECTURE.md "Import rules"). Each file belongs to at most one zone:
  // flat config keeps only the last `no-restricted-imports` that matches a file, so zones that
  // overlapped would silently drop rules. test/lint-rules.test.ts lints a probe per rule.
  // kms/kmip stands alone: one block per folder depth, since escaping kmip/ takes one more
  // '../' for each level down.
  ...[0, 1, 2, 3, 4].map((depth) =>
    // The fast-check arbitraries serve the codec tests only (kmip's own test helpers, left out
    // of dist/ with every testing/ folder); the library itself imports no package.
    zone([`backend/src/kms/kmip/${'*/'.repeat(depth)}*.ts`], ['backend/src/kms/kmip/codec/testing/arbitrary-ttlv.ts'], {
      [MESSAGES.kmip]: [[`${'../'.repeat(depth + 1)}*`], { regex: '^(?!node:|\\.)' }],
    }),
  ),
  zone(['backend/src/kms/drivers/**/*.ts'], [], {
    [MESSAGES.driverDatabase]: [DB],
    ...DRIVER_RULES,
  }),
  zone(['backend/src/pki/**/*.ts'], [], {
    [MESSAGES.pkiKeyStore]: [['**/kms/drivers/**', '**/kms/key-store.js', '**/kms/kmip/**']],
    [MESSAGES.pkiEdge]: [[...TRPC, ...HTTP]],
  }),
  zone(['backend/src/trpc/routers/**/*.ts'], [], {
    [MESSAGES.routerStorage]: [[...DB, 'drizzle-orm', 'drizzle-orm/*', 'better-sqlite3']],
    [MESSAGES.routerKeyStore]: [['**/kms/drivers/**', '**/kms/key-store.js', '**/kms/kmip/**']],
    [MESSAGES.routerAudit]: [AUDIT],
    [MESSAGES.routerHttp]: [HTTP],
  }),
  zone(['backend/src/http/**/*.ts'], [], { [MESSAGES.httpTrpc]: [TRPC] }),
  zone(
    ['backend/src/db/**/*.ts', 'backend/src/kms/**/*.ts', 'backend/src/audit/**/*.ts'],
    ['backend/src/kms/kmip/**', 'backend/src/kms/drivers/**'],
    { [MESSAGES.lowerLayer]: [[...TRPC, ...HTTP, ...PKI]] },
  ),
  {
    files: ['frontend/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            // Any path through a backend/ folder ('../../../backend/src/db/client.js') or another
            // @pki/backend entry; a regex, since a glob cannot re-include @pki/backend/trpc.
            { regex: '^(?!@pki/backend/trpc$)(.*/)?backend(/|$)', message: MESSAGES.frontend },
            { group: ['@pki/backend/trpc'], allowTypeImports: true, message: MESSAGES.frontend },
          ],
        },
      ],
    },
  },
  zone(['e2e/**/*.ts'], [], {
    [MESSAGES.e2e]: [['**/backend/**', '**/frontend/**', '**/shared/**', '@pki/*', '@pki/*/**']],
  }),
);
