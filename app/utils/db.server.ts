import fs from 'node:fs';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import { migrations } from '../../db/migrations/index';
import { getEnv } from './env.server';
import { forgetSingleton, singleton } from './singleton.server';

/**
 * Opens a SQLite database with the pragmas the app relies on. One connection: node-sqlite3 runs
 * one transaction per connection, and a pool of one serializes them (docs/decisions/002-knex-over-sqlite3.md).
 */
export function openDatabase(filename: string): Knex {
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

/** Applies every pending migration; returns the names applied now. */
export async function migrateToLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest()) as [number, string[]];
  return applied;
}

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

/** The process-wide database, opened on first use at DATABASE_PATH. */
export function getDb(): Knex {
  return singleton('db', () => openDatabase(getEnv().DATABASE_PATH));
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
  const resolved = path.resolve(target);
  if (fs.existsSync(resolved)) throw new Error(`${resolved} already exists: choose a new file name (a backup never overwrites).`);
  fs.mkdirSync(path.dirname(resolved), { recursive: true });
  await db.raw('VACUUM INTO ?', [resolved]);
  return { path: resolved, bytes: fs.statSync(resolved).size };
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
