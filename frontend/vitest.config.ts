import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vitest/config';

const sharedSource = fileURLToPath(new URL('../shared/src/index.ts', import.meta.url));

// Unit tests cover pure logic only (state mapping, formatting), so the node environment
// is enough; components are exercised in a real browser by the e2e suite.
export default defineConfig({
  resolve: { alias: { '@pki/shared': sharedSource } },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
