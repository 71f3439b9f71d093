import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: { '~': path.resolve(__dirname, 'app') },
  },
  test: {
    include: ['app/**/*.test.{ts,tsx}', 'server/**/*.test.ts', 'db/**/*.test.ts', 'scripts/**/*.test.ts', 'sandbox/**/*.test.ts'],
    setupFiles: ['./test/setup.ts'],
    // Tags the run's temporary folders and removes them all at the end (test/temp-dirs.ts).
    globalSetup: ['./test/global-setup.ts'],
    // Forks: node-sqlite3 is a native addon, and each test file gets its own database file.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
