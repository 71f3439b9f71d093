/**
 * `npm run bench`: measures the organization list and search at 1,000 and at 100,000
 * organizations — in process (the model's query) and over HTTP (the production server, loopback
 * only, bounded in time) — and prints figures and the 100k/1k ratios. Nothing here asserts a time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import type { Knex } from 'knex';
import { createSession } from '../app/models/session.server';
import { createStaff } from '../app/models/staff.server';
import { listNeedsAttention } from '../app/models/attention.server';
import { encodeCursor, listOrganizations } from '../app/models/organization.server';
import { organizationListQuerySchema } from '../app/forms/organization';
import { sessionCookieHeader } from '../app/services/auth.server';
import { closeDb, getDb, migrateToLatest } from '../app/utils/db.server';
import { resetEnvCache } from '../app/utils/env.server';
import { seedOrganizations } from '../db/seed-organizations';
import { BENCH_PRODUCTION_ENV } from './bench-env';
import { startBuiltServer } from '../test/built-server';

const SIZES = [1_000, 100_000];
const PRODUCTION_ENV = BENCH_PRODUCTION_ENV;
const MODEL_ITERATIONS = 200;
const HTTP_SECONDS = 4;
const HTTP_CONNECTIONS = 8;

interface Scenario {
  label: string;
  query: Record<string, string>;
}

function scenarios(deepCursor: string, ownerId: number): Scenario[] {
  return [
    { label: 'first page, by name', query: {} },
    { label: 'first page, newest first', query: { sort: 'newest' } },
    { label: 'deep page (middle of the list)', query: { after: deepCursor } },
    { label: 'owner filter', query: { owner: String(ownerId) } },
    { label: 'search 3+ chars (name word)', query: { q: 'globex' } },
    { label: 'search a domain', query: { q: 'umbrella-stark' } },
    { label: 'search an external id', query: { q: 'acct-777' } },
    { label: 'search 2 chars (name prefix)', query: { q: 'ac' } },
    { label: 'link filter: no active link', query: { link: 'none' } },
    { label: 'link filter: expiring within 48 h', query: { link: 'expiring' } },
    { label: 'setup filter: waiting', query: { setup: 'waiting' } },
    { label: 'setup filter: in progress', query: { setup: 'in_progress' } },
    { label: 'setup filter: needs attention', query: { setup: 'attention' } },
    { label: 'setup filter: completed', query: { setup: 'completed' } },
    { label: 'setup filter: not started', query: { setup: 'not_started' } },
  ];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timeModel(db: Knex, query: Record<string, string>, viewerId: number) {
  const parsed = organizationListQuerySchema.parse(query);
  const samples: number[] = [];
  for (let run = 0; run < MODEL_ITERATIONS; run += 1) {
    const started = performance.now();
    await listOrganizations(parsed, { viewerId }, { db });
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function queryPlan(db: Knex, sql: string, bindings: unknown[]): Promise<string> {
  const rows = (await db.raw(`EXPLAIN QUERY PLAN ${sql}`, bindings as never)) as { detail: string }[];
  return rows.map((row) => row.detail).join(' | ');
}

async function benchSize(size: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `setup-desk-bench-${size}-`));
  const databasePath = path.join(dir, 'bench.sqlite');
  // Production mode, as deployed: React's production build and production cookies.
  Object.assign(process.env, PRODUCTION_ENV, { DATABASE_PATH: databasePath, LOG_LEVEL: 'silent' });
  resetEnvCache();
  const db = getDb();
  await migrateToLatest(db);
  const actor = { type: 'system' as const, label: 'Benchmark' };
  const owners: number[] = [];
  for (let index = 0; index < 5; index += 1) {
    const { staff } = await createStaff(
      { email: `rep${index}@bench.example`, name: `Bench Rep ${index}`, role: 'support', password: 'saffron-kettle-meadow-94' },
      actor,
      { db },
    );
    owners.push(staff.id);
  }
  const seedStarted = performance.now();
  await seedOrganizations(db, { count: size, ownerIds: owners });
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  const middle = (await db('organizations')
    .whereIn('status', ['pending', 'active'])
    .orderByRaw('name COLLATE NOCASE, id')
    .offset(Math.floor(size / 2))
    .first('name', 'id')) as { name: string; id: number };
  const deepCursor = encodeCursor({ value: middle.name, id: middle.id });
  const list = scenarios(deepCursor, owners[0]!);

  const model: Record<string, { p50: number; p99: number }> = {};
  for (const scenario of list) model[scenario.label] = await timeModel(db, scenario.query, owners[0]!);
  // The home page's "Needs attention" (six grouped queries), for one owner and for everyone.
  const attention: Record<string, { p50: number; p99: number }> = {};
  for (const [label, ownerId] of [
    ['one owner', owners[0]!],
    ['everyone', null],
  ] as const) {
    const samples: number[] = [];
    for (let run = 0; run < MODEL_ITERATIONS; run += 1) {
      const started = performance.now();
      await listNeedsAttention({ ownerId }, { db });
      samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    attention[label] = { p50: percentile(samples, 50), p99: percentile(samples, 99) };
  }

  const plans = {
    'newest first': await queryPlan(db, "SELECT id FROM organizations o WHERE o.status <> 'archived' ORDER BY o.created_at DESC, o.id DESC LIMIT 26", []),
    'first page, by name': await queryPlan(db, "SELECT id FROM organizations o WHERE o.status <> 'archived' ORDER BY o.name COLLATE NOCASE, o.id LIMIT 26", []),
    'search 3+ chars': await queryPlan(
      db,
      "SELECT id FROM organizations o WHERE o.status <> 'archived' AND o.id IN (SELECT rowid FROM organization_search WHERE organization_search MATCH ?) ORDER BY o.name COLLATE NOCASE, o.id LIMIT 26",
      ['"globex"'],
    ),
  };

  const { token, expiresAt } = await createSession(owners[0]!, { db });
  const cookie = (await sessionCookieHeader(token, expiresAt)).split(';')[0]!;
  await closeDb();

  // Logging at info, as in production: every request writes its access-log line.
  const server = await startBuiltServer({ ...PRODUCTION_ENV, DATABASE_PATH: databasePath });
  const http: Record<string, { requestsPerSecond: number; p50: number; p99: number; errors: number }> = {};
  try {
    for (const scenario of list) {
      const url = `${server.url}/organizations?${new URLSearchParams(scenario.query)}`;
      const check = await fetch(url, { headers: { Cookie: cookie }, redirect: 'manual' });
      if (check.status !== 200) throw new Error(`${scenario.label}: ${url} answered ${check.status}`);
      const result = await autocannon({ url, connections: HTTP_CONNECTIONS, duration: HTTP_SECONDS, headers: { Cookie: cookie } });
      http[scenario.label] = {
        requestsPerSecond: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: result.errors + result.non2xx,
      };
    }
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { size, seedSeconds, model, attention, http, plans, labels: list.map((scenario) => scenario.label) };
}

const results = [];
for (const size of SIZES) {
  console.log(`Seeding and measuring ${size.toLocaleString('en')} organizations…`);
  results.push(await benchSize(size));
}
const [small, large] = results as [Awaited<ReturnType<typeof benchSize>>, Awaited<ReturnType<typeof benchSize>>];
const fixed = (value: number) => value.toFixed(2);

console.log(`\nSeed: ${small.size} in ${small.seedSeconds.toFixed(1)} s; ${large.size.toLocaleString('en')} in ${large.seedSeconds.toFixed(1)} s.`);
console.log(`\nModel query (listOrganizations, ${MODEL_ITERATIONS} runs), milliseconds:`);
console.log('| scenario | 1k p50 | 1k p99 | 100k p50 | 100k p99 | p50 ratio 100k/1k |');
console.log('|---|---|---|---|---|---|');
for (const label of large.labels) {
  const a = small.model[label]!;
  const b = large.model[label]!;
  console.log(`| ${label} | ${fixed(a.p50)} | ${fixed(a.p99)} | ${fixed(b.p50)} | ${fixed(b.p99)} | ${(b.p50 / a.p50).toFixed(1)}× |`);
}
console.log(`\nNeeds attention (listNeedsAttention, ${MODEL_ITERATIONS} runs), milliseconds:`);
console.log('| owner | 1k p50 | 1k p99 | 100k p50 | 100k p99 | p50 ratio 100k/1k |');
console.log('|---|---|---|---|---|---|');
for (const label of Object.keys(large.attention)) {
  const a = small.attention[label]!;
  const b = large.attention[label]!;
  console.log(`| ${label} | ${fixed(a.p50)} | ${fixed(a.p99)} | ${fixed(b.p50)} | ${fixed(b.p99)} | ${(b.p50 / a.p50).toFixed(1)}× |`);
}
console.log(`\nHTTP, /organizations page (production build, ${HTTP_CONNECTIONS} connections, ${HTTP_SECONDS} s each, loopback):`);
console.log('| scenario | 1k req/s | 100k req/s | 100k p50 ms | 100k p99 ms | req/s ratio 100k/1k | errors |');
console.log('|---|---|---|---|---|---|---|');
for (const label of large.labels) {
  const a = small.http[label]!;
  const b = large.http[label]!;
  console.log(
    `| ${label} | ${a.requestsPerSecond.toFixed(0)} | ${b.requestsPerSecond.toFixed(0)} | ${b.p50} | ${b.p99} | ${(b.requestsPerSecond / a.requestsPerSecond).toFixed(2)} | ${a.errors + b.errors} |`,
  );
}
console.log('\nQuery plans at 100k:');
for (const [label, plan] of Object.entries(large.plans)) console.log(`- ${label}: ${plan}`);
