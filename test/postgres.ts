import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * A throwaway PostgreSQL cluster for one test run, started the way the tests start MailDev: the
 * server binaries from Debian's `postgresql` package, `initdb` into a temporary folder, a free
 * port on loopback, `fsync=off` (nothing here must survive a crash). Each test file gets its own
 * database, copied from a migrated template (`CREATE DATABASE … TEMPLATE`, a quarter of a second).
 */
export const POSTGRES_PACKAGE_HINT =
  'PostgreSQL server binaries (initdb, pg_ctl) were not found: install Debian\'s "postgresql" and "postgresql-contrib" packages ' +
  '(apt-get install -y postgresql postgresql-contrib), or set SKIP_POSTGRES=1 to run the suite on SQLite only.';

/** Set in a PostgreSQL test process to the cluster's URL: a built server a test starts gets its own database there. */
export const POSTGRES_SERVER_ENV = 'SETUP_DESK_TEST_POSTGRES';

/** The name of the migrated database every test database is copied from. */
export const TEMPLATE_DATABASE = 'setup_desk_template';

/** Where initdb and pg_ctl are: on PATH, or in the newest of Debian's /usr/lib/postgresql/<version>/bin. */
export function findPostgresBinaries(): string | null {
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim();
  if (onPath && fs.existsSync(path.join(path.dirname(onPath), 'pg_ctl'))) return path.dirname(fs.realpathSync(onPath));
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((version) => fs.existsSync(path.join(root, version, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return versions[0] ? path.join(root, versions[0], 'bin') : null;
}

export interface PostgresCluster {
  /** postgres://… for `database` on this cluster. */
  url(database: string): string;
  stop(): void;
}

/**
 * initdb refuses to run as root; then the cluster runs as the `postgres` user Debian's package
 * creates, in a folder that user owns.
 */
function asClusterOwner(binary: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
}

export function startPostgresCluster(port: number, folderPrefix: string): PostgresCluster {
  const bin = findPostgresBinaries();
  if (!bin) throw new Error(POSTGRES_PACKAGE_HINT);
  removeAbandonedClusters(folderPrefix);
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), folderPrefix));
  const data = path.join(folder, 'data');
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres:', folder]);
  const run = (binary: string, args: string[]) => {
    const [command, commandArgs] = asClusterOwner(path.join(bin, binary), args);
    execFileSync(command, commandArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  // A linguistic collation, as a production database's usually is (en_US.UTF-8 ignores punctuation
  // when it sorts): code that leans on byte order shows here, not first in production.
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--locale-provider=icu', '--icu-locale=und-u-ka-shifted']);
  const options = [
    `-p ${port}`,
    `-k ${folder}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=300',
  ].join(' ');
  run('pg_ctl', ['-D', data, '-o', options, '-l', path.join(folder, 'log'), '-w', 'start']);
  let stopped = false;
  return {
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(folder, { recursive: true, force: true });
      }
    },
  };
}

/**
 * The folders of clusters a killed run left behind (their server gone: no live process owns
 * postmaster.pid), removed before a new one starts. A cluster still running is another run's.
 */
function removeAbandonedClusters(folderPrefix: string): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith(folderPrefix)) continue;
    const folder = path.join(os.tmpdir(), name);
    const pidFile = path.join(folder, 'data', 'postmaster.pid');
    const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]) : NaN;
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) continue;
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs one statement on its own connection, outside any pool (CREATE / DROP DATABASE: the tests', the benchmarks'). */
export async function runStatement(connectionString: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Runs `sql` on the cluster's maintenance database (CREATE / DROP DATABASE cannot run in a database being copied). */
export function onMaintenanceDatabase(serverUrl: string, sql: string): Promise<void> {
  return runStatement(`${serverUrl}/postgres`, sql);
}

/**
 * A new database on the test cluster, `migrated` (a copy of the template) or empty; returns its
 * URL. Dropped by `dropTestDatabases` at the end of the test file.
 */
export async function createTestDatabase(serverUrl: string, { migrated = true }: { migrated?: boolean } = {}): Promise<string> {
  const name = `test_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  await onMaintenanceDatabase(serverUrl, `CREATE DATABASE ${name} TEMPLATE ${migrated ? TEMPLATE_DATABASE : 'template0'}`);
  created.add(name);
  return `${serverUrl}/${name}`;
}

const created = new Set<string>();

/** Drops every database this process created (its connections are closed first, by force). */
export async function dropTestDatabases(serverUrl: string): Promise<void> {
  for (const name of created) await onMaintenanceDatabase(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  created.clear();
}
