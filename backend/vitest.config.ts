import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vitest/config';

const sharedSource = fileURLToPath(new URL('../shared/src/index.ts', import.meta.url));

// Two projects so the slow suites that start real services (PyKMIP, SoftHSM2, openssl)
// can run alone: `vitest run --project unit` / `--project integration`.
export default defineConfig({
  resolve: { alias: { '@pki/shared': sharedSource } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/*.integration.test.ts', '**/node_modules/**'],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['src/**/*.integration.test.ts', 'test/**/*.integration.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Real servers and tokens are shared per file; files run one at a time to keep
          // two cores from thrashing and ports from colliding.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
