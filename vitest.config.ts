import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['mmus/**/*.test.ts', 'harness/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
