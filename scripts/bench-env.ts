import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createStaff, type Staff } from '../app/models/staff.server';
import { databaseLabel, isPostgresUrl } from '../app/utils/db.server';
import { isPostgres, rowsOf } from '../app/utils/dialect.server';
import { resetEnvCache } from '../app/utils/env.server';
import { runStatement } from '../test/postgres';

/**
 * The benchmarks' backend. Without DATABASE_URL each benchmark seeds SQLite files in temporary
 * folders, as always. With DATABASE_URL=postgres://… (a server you give, with the CREATEDB
 * privilege) each database a benchmark seeds is a new one on that server, named
 * `setup_desk_bench_<pid>_<n>`: created through the database the URL names (which is never
 * written to) and dropped, with any connection to it, when the benchmark is done with it.
 * Read once, before any benchmark points DATABASE_URL at its own database.
 */
const POSTGRES_SERVER = process.env.DATABASE_URL;
if (POSTGRES_SERVER !== undefined && !isPostgresUrl(POSTGRES_SERVER)) {
  throw new Error('DATABASE_URL must be a postgres:// URL (unset, the benchmarks use SQLite files).');
}

export const BENCH_BACKEND: 'sqlite' | 'postgres' = POSTGRES_SERVER ? 'postgres' : 'sqlite';
export const BENCH_BACKEND_LABEL = POSTGRES_SERVER ? 'PostgreSQL' : 'SQLite';

/** One benchmark database: what to put in the app's environment to use it, and how to remove it. */
export interface BenchDatabase {
  /** DATABASE_PATH (SQLite) or DATABASE_URL (PostgreSQL), for process.env. */
  env: Record<string, string>;
  /** The file or the URL: a built server started on it (startBuiltServer's `database`). */
  location: string;
  /** Where it is, for people: the file, or the server and database without credentials. */
  label: string;
  /** Its size on disk, in bytes. */
  bytes(db: Knex): Promise<number>;
  /** Removes it (the process-wide handle closed first, or PostgreSQL closes its connections). */
  drop(): Promise<void>;
}

let created = 0;

export async function createBenchDatabase(name: string): Promise<BenchDatabase> {
  if (!POSTGRES_SERVER) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `setup-desk-bench-${name}-`));
    const file = path.join(dir, 'bench.sqlite');
    return {
      env: { DATABASE_PATH: file },
      location: file,
      label: file,
      bytes: async () => fs.statSync(file).size,
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  created += 1;
  const database = `setup_desk_bench_${process.pid}_${created}`;
  await onPostgresServer(`CREATE DATABASE ${database}`);
  const url = new URL(POSTGRES_SERVER);
  url.pathname = `/${database}`;
  return {
    env: { DATABASE_URL: url.toString() },
    location: url.toString(),
    label: databaseLabel(url.toString()),
    bytes: async (db) => rowsOf<{ bytes: number }>(await db.raw('SELECT pg_database_size(current_database()) AS bytes'))[0]!.bytes,
    drop: () => onPostgresServer(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
  };
}

function onPostgresServer(sql: string): Promise<void> {
  return runStatement(POSTGRES_SERVER!, sql);
}

/** Points this process's app code (getDb, getEnv) at `database`, in production mode, logging nothing. */
export function useBenchDatabase(database: BenchDatabase): void {
  Object.assign(process.env, BENCH_PRODUCTION_ENV, database.env, { LOG_LEVEL: 'silent' });
  resetEnvCache();
}

/**
 * After a bulk seed, the state a live database would be in before it is measured. PostgreSQL's
 * autovacuum would by then have gathered statistics (the planner needs them) and set the
 * visibility map (index-only scans): `VACUUM (ANALYZE)` does both now. A SQLite database has no
 * statistics unless someone runs ANALYZE (the app never does), so by default it gets none —
 * as before; `sqliteAnalyze` runs it there too (the audit benchmark always has).
 */
export async function settleAfterSeed(db: Knex, { sqliteAnalyze = false }: { sqliteAnalyze?: boolean } = {}): Promise<void> {
  if (isPostgres(db)) await db.raw('VACUUM (ANALYZE)');
  else if (sqliteAnalyze) await db.raw('ANALYZE');
}

/**
 * The environment the benchmarks run the app in: production mode, as deployed (React's production
 * build, production cookies), with nothing reachable outside this machine.
 */
export const BENCH_PRODUCTION_ENV = {
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  PUBLIC_URL: 'https://setup-desk.bench.invalid',
  SESSION_SECRET: crypto.randomBytes(32).toString('hex'),
  WORKOS_API_KEY: 'sk_test_bench_never_called',
  COMPANY_NAME: 'Acme Analytics',
  SUPPORT_EMAIL: 'support@acme.example',
  // A closed local port: these runs never send mail.
  SMTP_URL: 'smtp://127.0.0.1:9',
  MAIL_FROM: 'Acme Onboarding <onboarding@acme.example>',
};

/** `count` support reps (the organizations' CS owners in a benchmark's database); their ids. */
export async function createBenchReps(db: Knex, count: number): Promise<Staff['id'][]> {
  const ids: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const { staff } = await createStaff(
      { email: `rep${index}@bench.example`, name: `Bench Rep ${index}`, role: 'support', password: 'saffron-kettle-meadow-94' },
      { type: 'system', label: 'Benchmark' },
      { db },
    );
    ids.push(staff.id);
  }
  return ids;
}
