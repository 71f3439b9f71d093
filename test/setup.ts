import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, inject, vi } from 'vitest';
import { flushSetupLinkViews } from '~/models/setup-link.server';
import { closeDb, getDb, migrateToLatest } from '~/utils/db.server';
import { resetEnvCache } from '~/utils/env.server';
import { stopRunningServers } from './built-server';
import { createTestDatabase, dropTestDatabases, POSTGRES_SERVER_ENV } from './postgres';
import { makeTempDir, removeTempDirs, TEST_RUN_ENV } from './temp-dirs';

// Every temporary folder of this run carries its tag; the run's global teardown removes them all.
process.env[TEST_RUN_ENV] = inject('testRun');
// A real database per test file, migrated like production, deleted afterwards: a SQLite file, or
// in the PostgreSQL project a database of its own on the run's cluster (test/postgres.ts).
const databaseDir = makeTempDir('setup-desk-test-');
process.env.NODE_ENV = 'test';
process.env.DATABASE_PATH = path.join(databaseDir, 'test.sqlite');
const postgresServer = inject('postgresServer') as string | undefined;
if (postgresServer) {
  process.env[POSTGRES_SERVER_ENV] = postgresServer;
  process.env.DATABASE_URL = await createTestDatabase(postgresServer);
} else {
  delete process.env.DATABASE_URL;
}
process.env.LOG_LEVEL ??= 'silent';
// No test may reach WorkOS itself: unless a test points the app at a sandbox, WorkOS calls go to
// a closed local port and fail at once.
process.env.WORKOS_API_HOSTNAME ??= '127.0.0.1';
process.env.WORKOS_API_PORT ??= '9';
process.env.WORKOS_API_HTTPS ??= 'false';
// Likewise mail: a test that sends starts its own SMTP catcher and points SMTP_URL at it.
process.env.SMTP_URL ??= 'smtp://127.0.0.1:9';
resetEnvCache();

beforeAll(async () => {
  await migrateToLatest(getDb());
});

// Runs after the file's own afterAll hooks (they run in reverse order of registration), passed or failed.
afterAll(async () => {
  // Views of the IT admin's page a test counted are written before the database closes.
  await flushSetupLinkViews();
  await closeDb();
  // A built server a test left running (its file failed before stopping it) goes too.
  await stopRunningServers();
  // The file's temporary folders: its database, the built servers' databases, any other.
  removeTempDirs();
  if (postgresServer) await dropTestDatabases(postgresServer);
});

// An unexpected console.error fails the test; a test that expects one spies on it itself.
const consoleError = vi.spyOn(console, 'error');
afterEach(() => {
  const calls = consoleError.mock.calls;
  consoleError.mockClear();
  expect(calls, 'console.error was called unexpectedly').toEqual([]);
});
