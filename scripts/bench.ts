/**
 * `npm run bench`: measures the organization list, its search and filters, and the home page's
 * "Needs attention" at 1,000 and at 100,000 organizations, in process (the models' queries
 * against a real SQLite file, or with DATABASE_URL a PostgreSQL database of their own on that
 * server: see scripts/bench-env.ts), and prints p50/p99 and the 100k/1k ratios. Nothing here
 * asserts a time. (The pages over HTTP are measured side by side by `scripts/bench-pages.ts`.)
 */
import type { Knex } from 'knex';
import { listNeedsAttention } from '../app/models/attention.server';
import { encodeCursor, listOrganizations } from '../app/models/organization.server';
import { organizationListQuerySchema } from '../app/forms/organization';
import { closeDb, getDb, migrateToLatest } from '../app/utils/db.server';
import { caseFolded, isPostgres, rowsOf } from '../app/utils/dialect.server';
import { seedOrganizations } from '../db/seed-organizations';
import { BENCH_BACKEND, BENCH_BACKEND_LABEL, createBenchDatabase, createBenchReps, settleAfterSeed, useBenchDatabase } from './bench-env';

const SIZES = [1_000, 100_000];
const MODEL_ITERATIONS = 200;
/** A slow scenario stops sooner: after this long, once it has MIN_ITERATIONS samples. */
const SCENARIO_SECONDS = 8;
const MIN_ITERATIONS = 20;

interface Scenario {
  label: string;
  query: Record<string, string>;
  /** Measure the second page: the first page's next cursor, with the same query. */
  secondPage?: boolean;
}

function scenarios(deepCursor: string, ownerId: number): Scenario[] {
  return [
    { label: 'first page, by name', query: {} },
    { label: 'first page, newest first', query: { sort: 'newest' } },
    { label: 'deep page (middle of the list)', query: { after: deepCursor } },
    { label: 'owner filter', query: { owner: String(ownerId) } },
    { label: 'search 3+ chars (name word)', query: { q: 'globex' } },
    { label: 'search a domain', query: { q: 'umbrella-stark' } },
    { label: 'search an external id (rare)', query: { q: 'acct-777' } },
    { label: 'search 2 chars (name prefix)', query: { q: 'ac' } },
    { label: 'search matching all: example', query: { q: 'example' } },
    { label: 'search matching all: acct-', query: { q: 'acct-' } },
    { label: 'search matching all: exa', query: { q: 'exa' } },
    { label: 'search matching nothing: zzqx', query: { q: 'zzqx' } },
    { label: 'search all + owner', query: { q: 'example', owner: String(ownerId) } },
    { label: 'search all + link active', query: { q: 'example', link: 'active' } },
    { label: 'search all + setup attention', query: { q: 'example', setup: 'attention' } },
    { label: 'search all + setup completed', query: { q: 'example', setup: 'completed' } },
    { label: 'search all, page 2', query: { q: 'example' }, secondPage: true },
    { label: 'search all, newest first', query: { q: 'example', sort: 'newest' } },
    { label: 'search all, newest first, page 2', query: { q: 'example', sort: 'newest' }, secondPage: true },
    { label: 'search name word, page 2', query: { q: 'globex' }, secondPage: true },
    { label: 'search name word + setup waiting', query: { q: 'globex', setup: 'waiting' } },
    { label: 'link filter: no active link', query: { link: 'none' } },
    { label: 'link filter: active', query: { link: 'active' } },
    { label: 'link filter: expiring within 48 h', query: { link: 'expiring' } },
    { label: 'link filter: expired', query: { link: 'expired' } },
    { label: 'link filter: completed', query: { link: 'completed' } },
    { label: 'setup filter: waiting', query: { setup: 'waiting' } },
    { label: 'setup filter: in progress', query: { setup: 'in_progress' } },
    { label: 'setup filter: needs attention', query: { setup: 'attention' } },
    { label: 'setup filter: completed', query: { setup: 'completed' } },
    { label: 'setup filter: not started', query: { setup: 'not_started' } },
    { label: 'setup filter: completed, newest first', query: { setup: 'completed', sort: 'newest' } },
  ];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function time(run: () => Promise<unknown>) {
  await run(); // warm the page cache and the statement; not counted
  const samples: number[] = [];
  const begun = performance.now();
  for (let index = 0; index < MODEL_ITERATIONS; index += 1) {
    if (index >= MIN_ITERATIONS && performance.now() - begun > SCENARIO_SECONDS * 1000) break;
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), runs: samples.length };
}

async function timeList(db: Knex, scenario: Scenario, viewerId: number) {
  let query = organizationListQuerySchema.parse(scenario.query);
  if (scenario.secondPage) {
    const first = await listOrganizations(query, { viewerId }, { db });
    if (!first.nextCursor) throw new Error(`${scenario.label}: the first page has no next page`);
    query = organizationListQuerySchema.parse({ ...scenario.query, after: first.nextCursor });
  }
  const page = await listOrganizations(query, { viewerId }, { db });
  return { ...(await time(() => listOrganizations(query, { viewerId }, { db }))), rows: page.items.length };
}

async function queryPlan(db: Knex, sql: string, bindings: unknown[]): Promise<string> {
  if (isPostgres(db)) {
    const rows = rowsOf<{ 'QUERY PLAN': string }>(await db.raw(`EXPLAIN (COSTS OFF) ${sql}`, bindings as never));
    return rows.map((row) => row['QUERY PLAN'].trim()).join(' | ');
  }
  const rows = (await db.raw(`EXPLAIN QUERY PLAN ${sql}`, bindings as never)) as { detail: string }[];
  return rows.map((row) => row.detail).join(' | ');
}

async function benchSize(size: number) {
  const database = await createBenchDatabase(String(size));
  useBenchDatabase(database);
  const db = getDb();
  try {
    await migrateToLatest(db);
    const owners = await createBenchReps(db, 5);
    const seedStarted = performance.now();
    await seedOrganizations(db, { count: size, ownerIds: owners });
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    const settleStarted = performance.now();
    await settleAfterSeed(db);
    const settleSeconds = (performance.now() - settleStarted) / 1000;

    const middle = (await db('organizations')
      .whereIn('status', ['pending', 'active'])
      .orderByRaw(`${caseFolded.order(db, 'name')}, id`)
      .offset(Math.floor(size / 2))
      .first('name', 'id')) as { name: string; id: number };
    const list = scenarios(encodeCursor({ value: middle.name, id: middle.id }), owners[0]!);

    const model: Record<string, { p50: number; p99: number; runs: number; rows: number }> = {};
    for (const scenario of list) {
      model[scenario.label] = await timeList(db, scenario, owners[0]!);
      process.stderr.write(`  ${scenario.label}: p50 ${model[scenario.label]!.p50.toFixed(2)} ms\n`);
    }
    // The home page's "Needs attention", for one owner and for everyone.
    const attention: Record<string, { p50: number; p99: number; runs: number }> = {};
    for (const [label, ownerId] of [
      ['one owner', owners[0]!],
      ['everyone', null],
    ] as const) {
      attention[label] = await time(() => listNeedsAttention({ ownerId }, { db }));
    }

    const plans = {
      'newest first': await queryPlan(db, "SELECT id FROM organizations o WHERE o.status <> 'archived' ORDER BY o.created_at DESC, o.id DESC LIMIT 26", []),
      'first page, by name': await queryPlan(
        db,
        `SELECT id FROM organizations o WHERE o.status <> 'archived' ORDER BY ${caseFolded.order(db, 'o.name')}, o.id LIMIT 26`,
        [],
      ),
    };
    return { size, seedSeconds, settleSeconds, model, attention, plans, labels: list.map((scenario) => scenario.label) };
  } finally {
    await closeDb();
    await database.drop();
  }
}

const results = [];
for (const size of SIZES) {
  console.log(`Seeding and measuring ${size.toLocaleString('en')} organizations on ${BENCH_BACKEND_LABEL}…`);
  results.push(await benchSize(size));
}
const [small, large] = results as [Awaited<ReturnType<typeof benchSize>>, Awaited<ReturnType<typeof benchSize>>];
const fixed = (value: number) => value.toFixed(2);
const isPostgresBench = BENCH_BACKEND === 'postgres';

const settled = (result: typeof small) => (isPostgresBench ? ` (+ VACUUM ANALYZE ${result.settleSeconds.toFixed(1)} s)` : '');
console.log(
  `\n${BENCH_BACKEND_LABEL}. Seed: ${small.size} in ${small.seedSeconds.toFixed(1)} s${settled(small)}; ${large.size.toLocaleString('en')} in ${large.seedSeconds.toFixed(1)} s${settled(large)}.`,
);
console.log(
  `\nModel query (listOrganizations, ${MODEL_ITERATIONS} runs, or fewer past ${SCENARIO_SECONDS} s — at least ${MIN_ITERATIONS}), milliseconds; rows on the page and runs at 1k / 100k:`,
);
console.log('| scenario | 1k p50 | 1k p99 | 100k p50 | 100k p99 | p50 ratio 100k/1k | rows | runs |');
console.log('|---|---|---|---|---|---|---|---|');
for (const label of large.labels) {
  const a = small.model[label]!;
  const b = large.model[label]!;
  console.log(
    `| ${label} | ${fixed(a.p50)} | ${fixed(a.p99)} | ${fixed(b.p50)} | ${fixed(b.p99)} | ${(b.p50 / a.p50).toFixed(1)}× | ${a.rows} / ${b.rows} | ${a.runs} / ${b.runs} |`,
  );
}
console.log(`\nNeeds attention (listNeedsAttention, ${MODEL_ITERATIONS} runs), milliseconds:`);
console.log('| owner | 1k p50 | 1k p99 | 100k p50 | 100k p99 | p50 ratio 100k/1k |');
console.log('|---|---|---|---|---|---|');
for (const label of Object.keys(large.attention)) {
  const a = small.attention[label]!;
  const b = large.attention[label]!;
  console.log(`| ${label} | ${fixed(a.p50)} | ${fixed(a.p99)} | ${fixed(b.p50)} | ${fixed(b.p99)} | ${(b.p50 / a.p50).toFixed(1)}× |`);
}
console.log('\nQuery plans at 100k:');
for (const [label, plan] of Object.entries(large.plans)) console.log(`- ${label}: ${plan}`);
