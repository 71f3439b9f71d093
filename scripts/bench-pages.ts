/**
 * `npm run bench:pages` (also part of `npm run bench`): the pages people use, over HTTP against
 * the production server, side by side with a bare Remix page and a bare resource route served by
 * the same server in the same run — each scenario A/B/A/B against the bare page, so that the
 * ratio holds whatever the machine. 100,000 organizations (~30,000 setup links), 1,000,000 audit
 * events. Also prints what each page weighs (HTML, scripts) and the server's memory idle and after
 * the load. Figures and ratios only: nothing here asserts a time. On SQLite (a temporary file) by
 * default; with DATABASE_URL, on a database of its own on that PostgreSQL server (scripts/bench-env.ts).
 *
 *
 * The bare routes (bench/routes) exist only in the benchmark's own build (.bench/, made by
 * `SETUP_DESK_BENCH_BUILD=1 remix build`); the server bundle is the production one.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import autocannon from 'autocannon';
import { createSession } from '../app/models/session.server';
import { createSetupLink } from '../app/models/setup-link.server';
import { sessionCookieHeader } from '../app/services/auth.server';
import { closeDb, getDb, migrateToLatest } from '../app/utils/db.server';
import { seedAuditEvents } from '../db/seed-audit-events';
import { seedOrganizations } from '../db/seed-organizations';
import {
  BENCH_BACKEND_LABEL,
  BENCH_PRODUCTION_ENV,
  createBenchDatabase,
  createBenchReps,
  settleAfterSeed,
  useBenchDatabase,
  type BenchDatabase,
} from './bench-env';
import { startBuiltServer, type RunningServer } from '../test/built-server';
import { importServerBuild, pageScripts } from '../test/client-bundle';

const ORGANIZATIONS = Number(process.env.BENCH_ORGANIZATIONS ?? 100_000);
const AUDIT_EVENTS = Number(process.env.BENCH_AUDIT_EVENTS ?? 1_000_000);
/** Audit events go to the first thousand organizations: a thousand each, a deep history to page. */
const AUDITED_ORGANIZATIONS = 1_000;
const CONNECTIONS = 10;
/** Each of the four rounds of a scenario (A, B, A, B). */
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 5);
const BENCH_DIR = path.resolve('.bench');
/** Only the scenarios whose label contains this (BENCH_ONLY=audit), for a quicker look at one page. */
const ONLY = process.env.BENCH_ONLY;
/** A folder to write the server's CPU profile into (BENCH_CPU_PROFILE=/tmp/profiles), read with Chrome's DevTools. */
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROFILE;

/** The bare page's route id: remix.config.js names it by its file, relative to app/. */
const BARE_PAGE_ROUTE_ID = '../bench/routes/page';

interface Load {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

interface Scenario {
  label: string;
  path: string;
  routeId: string | null;
  /** Signed in (a staff page) or not (the IT admin's page, the bare routes). */
  staff: boolean;
}

function buildBenchApp(): void {
  console.log('Building the benchmark’s copy of the app (.bench/, with the bare routes)…');
  fs.rmSync(BENCH_DIR, { recursive: true, force: true });
  execFileSync('npx', ['remix', 'build'], { stdio: 'inherit', env: { ...process.env, SETUP_DESK_BENCH_BUILD: '1', VITE_CJS_IGNORE_WARNING: 'true' } });
  // public/'s own files (the favicon), beside the bench build's assets.
  for (const entry of fs.readdirSync('public', { withFileTypes: true })) {
    if (entry.isFile()) fs.copyFileSync(path.join('public', entry.name), path.join(BENCH_DIR, 'public', entry.name));
  }
}

async function seed(database: BenchDatabase) {
  useBenchDatabase(database);
  const db = getDb();
  await migrateToLatest(db);
  const actor = { type: 'system' as const, label: 'Benchmark' };
  const owners = await createBenchReps(db, 5);
  let started = performance.now();
  await seedOrganizations(db, { count: ORGANIZATIONS, ownerIds: owners });
  const links = ((await db('setup_links').count({ n: '*' }).first()) as { n: number }).n;
  console.log(
    `  ${ORGANIZATIONS.toLocaleString('en')} organizations, ${links.toLocaleString('en')} setup links in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  started = performance.now();
  await seedAuditEvents(db, { count: AUDIT_EVENTS, organizations: AUDITED_ORGANIZATIONS, staffIds: owners });
  console.log(`  ${AUDIT_EVENTS.toLocaleString('en')} audit events in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  started = performance.now();
  await settleAfterSeed(db);
  if (database.env.DATABASE_URL) console.log(`  VACUUM ANALYZE in ${((performance.now() - started) / 1000).toFixed(0)} s`);

  // An audited organization with no link yet gets one, copied: its token opens the IT admin's page,
  // and its own page shows an active link beside a thousand events of history.
  const organization = (await db('organizations as o')
    .where('o.status', 'active')
    .where('o.id', '<=', AUDITED_ORGANIZATIONS)
    .whereNotExists(db('setup_links as l').whereRaw('l.organization_id = o.id'))
    .orderBy('o.id')
    .first('o.id')) as { id: number };
  const { url } = await createSetupLink(organization.id, { features: ['sso', 'dsync'], lifetimeDays: 7 }, actor, { db });
  const token = url.split('/setup/')[1]!;
  const session = await createSession(owners[0]!, { db });
  const cookie = (await sessionCookieHeader(session.token, session.expiresAt)).split(';')[0]!;
  await closeDb();
  return { organizationId: organization.id, token, cookie };
}

async function load(url: string, headers: Record<string, string>, seconds: number): Promise<Load> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds, headers });
  return { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

async function memory(server: RunningServer): Promise<NodeJS.MemoryUsage> {
  return (await (await fetch(`${server.url}/__bench/memory`)).json()) as NodeJS.MemoryUsage;
}

const megabytes = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const kilobytes = (bytes: number) => (bytes / 1024).toFixed(1);

async function main() {
  buildBenchApp();
  const database = await createBenchDatabase('pages');
  console.log(
    `Seeding ${ORGANIZATIONS.toLocaleString('en')} organizations and ${AUDIT_EVENTS.toLocaleString('en')} audit events on ${BENCH_BACKEND_LABEL} (${database.label})…`,
  );
  const { organizationId, token, cookie } = await seed(database).catch(async (error: unknown) => {
    await closeDb();
    await database.drop();
    throw error;
  });

  const bare: Scenario = { label: 'bare Remix page (one <p>)', path: '/__bench/page', routeId: BARE_PAGE_ROUTE_ID, staff: false };
  const allScenarios: Scenario[] = [
    { label: 'bare resource route', path: '/__bench/resource', routeId: null, staff: false },
    { label: '/organizations first page', path: '/organizations', routeId: 'routes/organizations._index', staff: true },
    { label: '/organizations?q=<matches every organization>', path: '/organizations?q=example', routeId: 'routes/organizations._index', staff: true },
    { label: '/organizations/:id', path: `/organizations/${organizationId}`, routeId: 'routes/organizations.$organizationId', staff: true },
    { label: '/audit first page', path: '/audit', routeId: 'routes/audit._index', staff: true },
    { label: '/audit filtered by organization', path: `/audit?organization=${organizationId}`, routeId: 'routes/audit._index', staff: true },
    { label: '/ (home: Needs attention)', path: '/', routeId: 'routes/_index', staff: true },
    { label: 'GET /setup/<token> (IT admin)', path: `/setup/${token}`, routeId: 'routes/setup.$token', staff: false },
  ];
  const scenarios = allScenarios.filter((scenario) => !ONLY || scenario.label.includes(ONLY));

  const server = await startBuiltServer(
    { ...BENCH_PRODUCTION_ENV, SETUP_RATE_LIMIT_PER_MINUTE: '100000000' },
    {
      database: database.location,
      cwd: BENCH_DIR,
      nodeArgs: ['--expose-gc', ...(CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(CPU_PROFILE_DIR)}`] : [])],
    },
  );
  const rows: { scenario: Scenario; a: Load[]; b: Load[] }[] = [];
  const weights: { scenario: Scenario; html: number; htmlGzip: number; scripts: number; scriptGzip: number; scriptBytes: number }[] = [];
  let idle: NodeJS.MemoryUsage;
  let after: NodeJS.MemoryUsage;
  try {
    const build = await importServerBuild(BENCH_DIR);
    for (const scenario of [bare, ...scenarios]) {
      const response = await fetch(`${server.url}${scenario.path}`, { headers: scenario.staff ? { Cookie: cookie } : {}, redirect: 'manual' });
      const html = Buffer.from(await response.arrayBuffer());
      if (response.status !== 200) throw new Error(`${scenario.label}: ${scenario.path} answered ${response.status}`);
      const scripts = scenario.routeId && /<script/.test(html.toString()) ? pageScripts(build, scenario.routeId, BENCH_DIR) : null;
      weights.push({
        scenario,
        html: html.length,
        htmlGzip: zlib.gzipSync(html).length,
        scripts: scripts?.files.length ?? 0,
        scriptGzip: scripts?.gzipBytes ?? 0,
        scriptBytes: scripts?.bytes ?? 0,
      });
    }
    idle = await memory(server);
    for (const scenario of scenarios) {
      process.stdout.write(`  ${scenario.label}…`);
      const headers: Record<string, string> = scenario.staff ? { Cookie: cookie } : {};
      const a: Load[] = [];
      const b: Load[] = [];
      for (let round = 0; round < 2; round += 1) {
        a.push(await load(`${server.url}${bare.path}`, {}, ROUND_SECONDS));
        b.push(await load(`${server.url}${scenario.path}`, headers, ROUND_SECONDS));
      }
      rows.push({ scenario, a, b });
      process.stdout.write(` ${(b.reduce((sum, run) => sum + run.requestsPerSecond, 0) / 2).toFixed(0)} req/s\n`);
    }
    after = await memory(server);
  } finally {
    await server.stop();
    await database.drop();
  }

  const mean = (runs: Load[], pick: (run: Load) => number) => runs.reduce((sum, run) => sum + pick(run), 0) / runs.length;
  console.log(
    `\nHTTP, production build, ${BENCH_BACKEND_LABEL}, ${ORGANIZATIONS.toLocaleString('en')} organizations / ${AUDIT_EVENTS.toLocaleString('en')} audit events, ${CONNECTIONS} connections, A/B/A/B × ${ROUND_SECONDS} s, loopback (node ${process.version}, ${os.cpus().length} cores):`,
  );
  console.log('| scenario | req/s | p50 / p99 ms | bare page req/s (same rounds) | ratio | errors |');
  console.log('|---|---|---|---|---|---|');
  for (const { scenario, a, b } of rows) {
    const ratio = mean(b, (run) => run.requestsPerSecond) / mean(a, (run) => run.requestsPerSecond);
    console.log(
      `| ${scenario.label} | ${mean(b, (run) => run.requestsPerSecond).toFixed(0)} | ${mean(b, (run) => run.p50).toFixed(0)} / ${Math.max(...b.map((run) => run.p99))} | ${mean(a, (run) => run.requestsPerSecond).toFixed(0)} | ${ratio.toFixed(2)} | ${[...a, ...b].reduce((sum, run) => sum + run.errors, 0)} |`,
    );
  }
  console.log('\nPage weight (what a browser loads for a first view; gzip as compression sends it):');
  console.log('| page | HTML KB (gzip) | scripts | script KB gzip (raw) | requests |');
  console.log('|---|---|---|---|---|');
  for (const weight of weights) {
    if (weight.scenario.path.startsWith('/__bench/resource')) continue;
    // The document, its stylesheet and its favicon, and each script.
    const requests = 1 + 2 + weight.scripts;
    console.log(
      `| ${weight.scenario.label} | ${kilobytes(weight.html)} (${kilobytes(weight.htmlGzip)}) | ${weight.scripts} | ${kilobytes(weight.scriptGzip)} (${kilobytes(weight.scriptBytes)}) | ${requests} |`,
    );
  }
  console.log(
    `\nServer memory after a full GC: idle ${megabytes(idle!.rss)} MB RSS (heap ${megabytes(idle!.heapUsed)} MB); after the benchmark ${megabytes(after!.rss)} MB RSS (heap ${megabytes(after!.heapUsed)} MB): ${(after!.rss / idle!.rss).toFixed(2)}× idle.`,
  );
}

await main();
