import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { isPostgresUrl } from '../app/utils/db.server';
import { BUILD_INFO_FILE, sourceHash } from '../app/utils/source-hash.server';
import { createTestDatabase, POSTGRES_SERVER_ENV } from './postgres';
import { makeTempDir } from './temp-dirs';

export const SERVER_ENTRY = path.resolve('build/server/index.js');

export const STALE_BUILD_MESSAGE = 'build/ is older than the sources: run npm run build';

const currentBuilds = new Set<string>();

/**
 * Refuses a missing build, or one made from other sources than these: `npm run build` records a
 * hash of the sources it built from (scripts/build-info.ts), and a test of the built server
 * against stale code would test code that is no longer there. Checked once per process.
 */
export function assertBuildIsCurrent(root = process.cwd()): void {
  if (currentBuilds.has(root)) return;
  const entry = path.join(root, 'build/server/index.js');
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` before these tests (npm test does).`);
  const infoFile = path.join(root, BUILD_INFO_FILE);
  const built = fs.existsSync(infoFile) ? (JSON.parse(fs.readFileSync(infoFile, 'utf8')) as { sourceHash?: string; builtAt?: string }) : {};
  if (built.sourceHash !== sourceHash(root)) {
    const when = built.builtAt ? `was built at ${built.builtAt} from sources that have changed since` : `has no ${BUILD_INFO_FILE}`;
    throw new Error(`${STALE_BUILD_MESSAGE} (it ${when}).`);
  }
  currentBuilds.add(root);
}

const running = new Set<RunningServer>();

/** Stops every server this process started that is still running (at the end of each test file). */
export async function stopRunningServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop('SIGKILL')));
}

/** Asks the OS for a port nobody is listening on. */
export async function getFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface RunningServer {
  url: string;
  port: number;
  process: ChildProcessWithoutNullStreams;
  /** Every line the server printed to stdout so far (JSON log lines). */
  stdout: string[];
  stderr: string[];
  /** Parsed JSON log lines. */
  logs(): Record<string, unknown>[];
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
  /** Where the server's database is: its SQLite file, or (PostgreSQL test project) its database's URL. */
  database: string;
}

export interface BuiltServerOptions {
  /** Where the server runs (it reads build/remix and public/ from there): the benchmark's build lives in .bench/. */
  cwd?: string;
  /** Node's own flags, such as --expose-gc. */
  nodeArgs?: string[];
  /**
   * A database to start on (a SQLite file or a PostgreSQL URL) instead of a new one: another
   * server's `database` (a second instance of the app), or a benchmark's. Unset, the server gets its own.
   */
  database?: string;
}

/**
 * Starts the production build (`npm run build` output) as a child process on a free port, with
 * its own database (a SQLite file; a copy of the migrated template on the PostgreSQL test
 * project's cluster), exactly as `npm start` would — or on another server's (`options.database`).
 */
export async function startBuiltServer(
  env: Record<string, string> = {},
  { cwd, nodeArgs = [], database: shared }: BuiltServerOptions = {},
): Promise<RunningServer> {
  assertBuildIsCurrent();
  const port = await getFreePort();
  // Removed at the end of the test file (test/setup.ts): a test may read the file after stopping the server.
  const databasePath = path.join(makeTempDir('setup-desk-server-'), 'app.sqlite');
  const postgresServer = process.env[POSTGRES_SERVER_ENV];
  const database = shared ?? (postgresServer ? await createTestDatabase(postgresServer) : databasePath);
  const child = spawn(process.execPath, [...nodeArgs, SERVER_ENTRY], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `http://localhost:${port}`,
      // A PostgreSQL URL selects PostgreSQL (DATABASE_PATH is then unused); anything else is a SQLite file.
      ...(isPostgresUrl(database) ? { DATABASE_PATH: databasePath, DATABASE_URL: database } : { DATABASE_PATH: database }),
      LOG_LEVEL: 'info',
      // Mail goes nowhere (a closed port) unless the test starts a catcher and says so.
      SMTP_URL: 'smtp://127.0.0.1:9',
      // No background polling of WorkOS unless a test asks for it (it would call a closed port).
      WORKOS_EVENTS_POLL: 'off',
      ...env,
    },
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  collectLines(child.stdout, stdout);
  collectLines(child.stderr, stderr);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  const server: RunningServer = {
    url: `http://localhost:${port}`,
    port,
    process: child,
    stdout,
    stderr,
    logs: () => logs(),
    waitForLog: (predicate, timeoutMs) => waitForLog(predicate, timeoutMs),
    exited,
    database,
    stop,
  };
  running.add(server);
  void exited.then(() => running.delete(server));

  const logs = () =>
    stdout.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  const waitForLog: RunningServer['waitForLog'] = async (predicate, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = logs().find(predicate);
      if (found) return found;
      if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}): ${stderr.join('\n')}`);
      if (Date.now() > deadline) throw new Error(`log line not seen in ${timeoutMs} ms; got:\n${stdout.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  await waitForLog((line) => String(line.msg).startsWith('Setup Desk listening')).catch(async (error: unknown) => {
    await stop('SIGKILL');
    throw error;
  });
  return server;
}

/** Runs the built server expecting it to refuse to start; returns its exit code and stderr. */
export async function runBuiltServerExpectingFailure(
  env: Record<string, string> & { NODE_ENV: 'development' | 'production' | 'test' },
): Promise<{ code: number | null; stderr: string }> {
  assertBuildIsCurrent();
  const child = spawn(process.execPath, [SERVER_ENTRY], { env: { ...env, PATH: process.env.PATH ?? '' } });
  const stderr: string[] = [];
  collectLines(child.stderr, stderr);
  child.stdout.resume();
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  return { code, stderr: stderr.join('\n') };
}

function collectLines(stream: NodeJS.ReadableStream, into: string[]): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    into.push(...lines.filter(Boolean));
  });
  stream.on('end', () => {
    if (buffered) into.push(buffered);
  });
}

/** The environment that points the app at a WorkOS sandbox (what `npm run dev` sets for its own). */
export function workosSandboxEnv(sandbox: { apiKey: string; host: string; port: number }): Record<string, string> {
  return { WORKOS_API_KEY: sandbox.apiKey, WORKOS_API_HOSTNAME: sandbox.host, WORKOS_API_PORT: String(sandbox.port), WORKOS_API_HTTPS: 'false' };
}
