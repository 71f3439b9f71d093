import path from 'node:path';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { findPostgresBinaries, POSTGRES_PACKAGE_HINT } from './test/postgres';

/**
 * The whole suite runs twice: on SQLite (the embedded default) and on PostgreSQL (a throwaway
 * cluster the run starts, test/postgres-global-setup.ts). A test that holds for one backend only
 * says so (test/backend.ts). Without PostgreSQL's binaries the run stops with the package to
 * install, unless SKIP_POSTGRES=1 asks for SQLite alone.
 */
const skipPostgres = process.env.SKIP_POSTGRES === '1';
if (!skipPostgres && !findPostgresBinaries()) throw new Error(POSTGRES_PACKAGE_HINT);
if (skipPostgres) console.warn('SKIP_POSTGRES=1: the suite runs on SQLite only; the PostgreSQL project is not run.');

const backend = (name: 'sqlite' | 'postgres', globalSetup: string[]): TestProjectInlineConfiguration => ({
  extends: true,
  test: { name, globalSetup: ['./test/global-setup.ts', ...globalSetup] },
});

export default defineConfig({
  resolve: {
    alias: { '~': path.resolve(__dirname, 'app') },
  },
  test: {
    include: ['app/**/*.test.{ts,tsx}', 'server/**/*.test.ts', 'db/**/*.test.ts', 'scripts/**/*.test.ts', 'sandbox/**/*.test.ts'],
    setupFiles: ['./test/setup.ts'],
    // Forks: node-sqlite3 is a native addon, and each test file gets its own database.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    projects: [backend('sqlite', []), ...(skipPostgres ? [] : [backend('postgres', ['./test/postgres-global-setup.ts'])])],
  },
});
