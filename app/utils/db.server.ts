import fs from 'node:fs';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import pg from 'pg';
import { migrations } from '../../db/migrations/index';
import { isPostgres, isRetryableConflict, rowsOf } from './dialect.server';
import { getEnv } from './env.server';
import { getLogger } from './logger.server';
import { forgetSingleton, singleton } from './singleton.server';

/** A PostgreSQL URL selects PostgreSQL; anything else is a SQLite file (or `:memory:`). */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}

/**
 * Opens the database at `location`: a SQLite file (the embedded default) or a PostgreSQL URL
 * (docs/decisions/024-postgresql-scale-out.md). `poolMax` sizes PostgreSQL's pool; SQLite has one
 * connection whatever it says.
 */
export function openDatabase(location: string, { poolMax = 10 }: { poolMax?: number } = {}): Knex {
  return isPostgresUrl(location) ? openPostgres(location, poolMax) : openSqlite(location);
}

/**
 * A SQLite database with the pragmas the app relies on. One connection: node-sqlite3 runs one
 * transaction per connection, and a pool of one serializes them (docs/decisions/002-knex-over-sqlite3.md).
 */
function openSqlite(filename: string): Knex {
  if (filename !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(filename)), { recursive: true });
  return knex({
    client: 'sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    // An error's message carries the statement with `?` placeholders, never the bound values: a
    // failed query must not put a search term, an email or a token into a log line.
    compileSqlOnError: false,
    pool: {
      min: 1,
      max: 1,
      // Knex hands the raw node-sqlite3 connection here; pragmas are per connection.
      afterCreate(connection: SqliteConnection, done: (error: Error | null, connection: unknown) => void) {
        beginImmediate(connection);
        connection.exec(
          ['PRAGMA journal_mode = WAL;', 'PRAGMA foreign_keys = ON;', 'PRAGMA busy_timeout = 5000;', 'PRAGMA synchronous = FULL;'].join(' '),
          (error) => done(error, connection),
        );
      },
    },
    migrations: { migrationSource: migrationSource(), tableName: 'knex_migrations' },
  });
}

// Counts and sums come back as numbers, as they do from SQLite: node-postgres returns 64-bit
// integers and numerics as strings (they may not fit a double). Every count here is far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

function openPostgres(url: string, poolMax: number): Knex {
  return knex({
    client: 'pg',
    connection: {
      connectionString: url,
      application_name: 'setup-desk',
      // A statement, or a transaction left open, that waits longer than anyone would is an error, not a hang.
      statement_timeout: 30_000,
      idle_in_transaction_session_timeout: 60_000,
      // No JIT compilation: the app's statements are short (a page, a row), but a per-row walk's
      // correlated subqueries are costed over the whole table, past jit_above_cost, and compiling
      // them took 20–26 ms of a 10 ms query at 100k organizations (decision 024).
      options: '-c jit=off',
    },
    compileSqlOnError: false,
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 10_000,
    migrations: { migrationSource: migrationSource(), tableName: 'knex_migrations' },
  });
}

interface SqliteConnection {
  exec(sql: string, callback: (error: Error | null) => void): void;
  run(sql: string, ...rest: unknown[]): unknown;
  all(sql: string, ...rest: unknown[]): unknown;
}

/**
 * Knex opens every transaction with a plain (deferred) `BEGIN`. When another process (the CLI, a
 * second server) writes between such a transaction's first read and its first write, SQLite
 * fails the write with SQLITE_BUSY at once — busy_timeout cannot help. `BEGIN IMMEDIATE` takes
 * the write lock up front, so the other writer simply waits its turn.
 */
function beginImmediate(connection: SqliteConnection): void {
  for (const method of ['run', 'all'] as const) {
    const original = connection[method].bind(connection);
    connection[method] = (sql: string, ...rest: unknown[]) => original(sql === 'BEGIN;' ? 'BEGIN IMMEDIATE;' : sql, ...rest);
  }
}

/**
 * Migrations are imported modules rather than files found at run time, so the bundled server,
 * the CLI scripts and the tests all run exactly the same list.
 */
function migrationSource(): Knex.MigrationSource<(typeof migrations)[number]> {
  return {
    getMigrations: async () => migrations,
    getMigrationName: (migration) => migration.name,
    getMigration: async (migration) => migration,
  };
}

/**
 * Applies every pending migration; returns the names applied now. On PostgreSQL, instances that
 * start together take turns under an advisory lock held by one dedicated connection (Knex's own
 * lock table does not exist yet on an empty database, and two instances creating it at once
 * collide); SQLite's `BEGIN IMMEDIATE` already makes them wait for each other.
 */
export async function migrateToLatest(db: Knex): Promise<string[]> {
  if (!isPostgres(db)) return ((await db.migrate.latest()) as [number, string[]])[1];
  // No statement timeout here: waiting for another instance's migrations, or building an index
  // on a large table, may well take longer than a request should.
  const config = db.client.config as Knex.Config;
  const connection = { ...(config.connection as Knex.PgConnectionConfig), statement_timeout: 0, idle_in_transaction_session_timeout: 0 };
  const single = knex({ ...config, connection, pool: { min: 1, max: 1 } });
  try {
    await single.raw('SELECT pg_advisory_lock(?)', [MIGRATION_LOCK]);
    return ((await single.migrate.latest()) as [number, string[]])[1];
  } finally {
    await single.destroy();
  }
}

/** The advisory lock key migrations run under (any fixed number the app uses for nothing else). */
const MIGRATION_LOCK = 4_210_021;

/**
 * What every model function takes as its last argument: the database handle (a transaction, to
 * join one), the clock, and the request being served (for the audit trail). Each defaults: the
 * process-wide database, now, no request. Everything else a function needs is an argument before it.
 */
export interface ModelContext {
  db?: Knex | Knex.Transaction;
  now?: Date;
  requestId?: string;
}

/** The context of a function that only runs inside its caller's transaction. */
export interface TransactionContext extends ModelContext {
  db: Knex.Transaction;
}

/** The context of a function whose writes go together on the handle its caller names (no default database). */
export interface HandleContext extends ModelContext {
  db: Knex | Knex.Transaction;
}

/**
 * How many times a transaction that lost a serialization race runs before the error stands. Ten,
 * with a backoff growing to a quarter second: PostgreSQL tracks serializable reads of a small
 * table by index page, so a burst of unrelated writes (24 webhooks for 12 organizations at once)
 * collides more than the rows would — measured needing up to 7 attempts (races.postgres.test.ts).
 */
const TRANSACTION_ATTEMPTS = 10;

/**
 * Runs `work` in one transaction, and returns what it returns. On PostgreSQL the transaction is
 * SERIALIZABLE: what a transaction read and then wrote cannot have been changed underneath it by
 * another instance's transaction — PostgreSQL aborts one of the two (40001, or 40P01 for a
 * deadlock), and the whole of `work` runs again, up to ten times, after a random pause that grows.
 * So `work` must touch nothing but the database (no WorkOS, no mail): it may run more than once.
 * On SQLite, one writer at a time already gives the same result. Inside a transaction, this joins
 * it (a savepoint): the outermost one retries.
 */
export async function transaction<T>(
  db: Knex | Knex.Transaction,
  work: (trx: Knex.Transaction) => Promise<T>,
  {
    commutative = false,
  }: {
    /**
     * Its writes commute — increments, a latest or earliest time kept — and read nothing they
     * depend on: READ COMMITTED gives the same result in any order, with nothing to retry (the
     * setup page's view counts, flushed every second by every instance).
     */
    commutative?: boolean;
  } = {},
): Promise<T> {
  if (!isPostgres(db) || db.isTransaction || commutative) return db.transaction(work);
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work, { isolationLevel: 'serializable' });
    } catch (error) {
      if (attempt >= TRANSACTION_ATTEMPTS || !isRetryableConflict(error)) {
        if (attempt > 1) getLogger().warn({ attempts: attempt, code: (error as { code?: unknown }).code }, 'transaction gave up after serialization conflicts');
        throw error;
      }
      getLogger().debug({ attempt, code: (error as { code?: unknown }).code }, 'transaction retried after a serialization conflict');
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(250, 5 * 2 ** attempt)));
    }
  }
}

/** The process-wide database, opened on first use: DATABASE_URL's PostgreSQL, or SQLite at DATABASE_PATH. */
export function getDb(): Knex {
  return singleton('db', () => {
    const env = getEnv();
    return openDatabase(env.database, { poolMax: env.DATABASE_POOL_MAX });
  });
}

/** Closes the process-wide database (shutdown, tests); the next `getDb` opens it again. */
export async function closeDb(): Promise<void> {
  await forgetSingleton<Knex>('db')?.destroy();
}

/**
 * A consistent copy of the live database at `target`, taken while the app runs: `VACUUM INTO`
 * reads one snapshot (WAL lets writers go on meanwhile) and writes a compact, self-contained file
 * with no -wal to go with it. Refuses to overwrite an existing file.
 */
export async function backupDatabase(db: Knex, target: string): Promise<{ path: string; bytes: number }> {
  if (isPostgres(db)) throw new Error(POSTGRES_BACKUP_ADVICE);
  const resolved = path.resolve(target);
  if (fs.existsSync(resolved)) throw new Error(`${resolved} already exists: choose a new file name (a backup never overwrites).`);
  fs.mkdirSync(path.dirname(resolved), { recursive: true });
  await db.raw('VACUUM INTO ?', [resolved]);
  return { path: resolved, bytes: fs.statSync(resolved).size };
}

/** What the app cannot do for PostgreSQL that its service does better. */
export const POSTGRES_BACKUP_ADVICE =
  'On PostgreSQL, back up with pg_dump (pg_dump --format=custom "$DATABASE_URL" > setup-desk.dump) or your provider\'s snapshots; npm run db:backup copies a SQLite file.';

/** Where the database is, for people: the SQLite file's full path, or the PostgreSQL server and database without credentials. */
export function databaseLabel(location: string): string {
  if (!isPostgresUrl(location)) return path.resolve(location);
  try {
    const url = new URL(location);
    return `postgres://${url.host}${url.pathname}`;
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/** The extensions the PostgreSQL schema relies on (the search's trigram index). */
const POSTGRES_EXTENSIONS = ['pg_trgm'];

/** What a PostgreSQL server says of itself that decides whether Setup Desk can run on it. */
export async function postgresState(db: Knex): Promise<{ version: string; inRecovery: boolean; missingExtensions: string[] }> {
  const [row] = rowsOf<{ version: string; in_recovery: boolean }>(
    await db.raw("SELECT current_setting('server_version') AS version, pg_is_in_recovery() AS in_recovery"),
  );
  const present = rowsOf<{ extname: string }>(await db.raw('SELECT extname FROM pg_extension')).map((extension) => extension.extname);
  return { version: row!.version, inRecovery: row!.in_recovery, missingExtensions: POSTGRES_EXTENSIONS.filter((name) => !present.includes(name)) };
}

/** How far the database is migrated: applied of total, and the latest migration's name. */
export async function migrationStatus(db: Knex): Promise<{ applied: number; total: number; latest: string }> {
  const [completed] = (await db.migrate.list()) as [unknown[], unknown[]];
  return { applied: completed.length, total: migrations.length, latest: migrations.at(-1)!.name };
}

/**
 * Whether the database takes a write, without leaving one: a table is created inside a
 * transaction that is rolled back (no table any model owns is touched). Returns the problem, or null.
 */
export async function writeProblem(db: Knex): Promise<string | null> {
  const rollBack = new Error('write probe: roll back');
  try {
    await db.transaction(async (trx) => {
      await trx.raw('CREATE TABLE write_probe (id INTEGER)');
      throw rollBack;
    });
  } catch (error) {
    if (error !== rollBack) return error instanceof Error ? error.message : String(error);
  }
  return null;
}

/** The FTS5 table an integrity finding is about, if it is one. */
export function ftsTableOf(message: string): string | undefined {
  return /^fts5: .*\btable "([A-Za-z_][A-Za-z0-9_]*)"$/.exec(message)?.[1];
}

/**
 * `PRAGMA integrity_check`'s problems, none when the database is sound. An FTS5 table caches its
 * index structure per connection, and right after another process (a CLI, a second server) wrote
 * to it the pragma can report "fts5: checksum mismatch" for a sound table — reproduced on SQLite
 * 3.52. Such a report is confirmed with the table's own 'integrity-check' command, which reads
 * the current structure; only a confirmed one counts.
 */
export async function integrityProblems(db: Knex): Promise<string[]> {
  const messages = ((await db.raw('PRAGMA integrity_check')) as { integrity_check: string }[])
    .map((row) => row.integrity_check)
    .filter((message) => message !== 'ok');
  const problems: string[] = [];
  for (const message of messages) {
    // PRAGMA integrity_check reads an FTS5 index through this connection's cached structure, which
    // another connection's writes make stale: any FTS5 finding ("checksum mismatch", "corruption
    // found reading blob …") is confirmed by the table's own integrity-check, which reads afresh.
    const table = ftsTableOf(message);
    if (!table) {
      problems.push(message);
      continue;
    }
    try {
      await db.raw(`INSERT INTO "${table}" ("${table}") VALUES ('integrity-check')`);
    } catch (error) {
      problems.push(`${message} (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  return problems;
}
