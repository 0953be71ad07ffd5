import { defineConfig } from 'vitest/config';

// End-to-end tests drive the built app in Debian's Chromium. One file at a time: each file
// starts its own server and browser, and two cores cannot run several of those well.
export default defineConfig({
  test: {
    include: ['tests/**/*.e2e.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
