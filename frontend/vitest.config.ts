import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vitest/config';

const sharedSource = fileURLToPath(new URL('../shared/src/index.ts', import.meta.url));

// Pure logic (*.test.ts) runs in node; component tests (*.test.tsx) declare happy-dom at the
// top of the file. The whole console in a real browser, CSP included, is the e2e suite's.
export default defineConfig({
  resolve: { alias: { '@pki/shared': sharedSource } },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
  },
});
