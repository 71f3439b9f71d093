/**
 * `npm run bench:audit` (also part of `npm run bench`): writes 10,000 and then 1,000,000 audit
 * events into temporary databases and measures the audit log's filtered pages in process (p50/p99
 * at each size, and the 1M/10k p50 ratio); then, on the 1M database, an export of 100,000 rows
 * over HTTP from the production server — its duration and the server's resident memory while a
 * fast and a slow client download it, beside a 10,000-row export. Figures and ratios only:
 * nothing here asserts a time. On SQLite (temporary files) by default; with DATABASE_URL, on
 * databases of its own on that PostgreSQL server (scripts/bench-env.ts).
 */
import fs from 'node:fs';
import type { Knex } from 'knex';
import { listAuditEvents, type AuditCursor, type AuditFilters } from '../app/models/audit.server';
import { createSession } from '../app/models/session.server';
import { createStaff } from '../app/models/staff.server';
import { sessionCookieHeader } from '../app/services/auth.server';
import { closeDb, getDb, migrateToLatest } from '../app/utils/db.server';
import { seedAuditEvents } from '../db/seed-audit-events';
import { BENCH_BACKEND_LABEL, BENCH_PRODUCTION_ENV, createBenchDatabase, settleAfterSeed, useBenchDatabase } from './bench-env';
import { startBuiltServer, type RunningServer } from '../test/built-server';

const SIZES = [10_000, 1_000_000];
const ORGANIZATIONS = 1_000;
const ITERATIONS = 50;
const PRODUCTION_ENV = BENCH_PRODUCTION_ENV;
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timeFilter(db: Knex, filters: AuditFilters, before: AuditCursor | null = null) {
  const samples: number[] = [];
  let rows = 0;
  for (let run = 0; run < ITERATIONS; run += 1) {
    const started = performance.now();
    rows = (await listAuditEvents(filters, { before, limit: 50 }, { db })).events.length;
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), rows };
}

/** The server's resident memory (Linux), sampled while a download runs. */
function residentMegabytes(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

async function download(server: RunningServer, cookie: string, filters: Record<string, string>, { slow, compressed }: { slow: boolean; compressed: boolean }) {
  const before = residentMegabytes(server.process.pid!);
  let peak = before ?? 0;
  const sampler = setInterval(() => (peak = Math.max(peak, residentMegabytes(server.process.pid!) ?? 0)), 50);
  const started = performance.now();
  const response = await fetch(`${server.url}/audit/export`, {
    method: 'POST',
    headers: {
      Cookie: cookie,
      Origin: PRODUCTION_ENV.PUBLIC_URL,
      'Content-Type': 'application/x-www-form-urlencoded',
      // Gzip shrinks a CSV of similar rows ~10 times: small enough to sit whole in loopback socket
      // buffers, where no backpressure would show. Uncompressed, it cannot.
      'Accept-Encoding': compressed ? 'gzip' : 'identity',
    },
    body: new URLSearchParams({ format: 'csv', ...filters }).toString(),
  });
  if (response.status !== 200) throw new Error(`export answered ${response.status}: ${await response.text()}`);
  let bytes = 0;
  let lines = 0;
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    for (const byte of value) if (byte === 10) lines += 1;
    // A slow client: about 2 MB/s, so the server must wait for it rather than buffer ahead.
    if (slow) await new Promise((resolve) => setTimeout(resolve, value.byteLength / 2_000));
  }
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  // When the server read its last batch: near the client's end if it waited for the client.
  const requestId = response.headers.get('x-request-id');
  const produced = await server.waitForLog((line) => line.msg === 'audit export read to the end' && line.requestId === requestId, 5_000);
  return { rows: lines - 1, megabytes: bytes / 1_048_576, seconds, producedSeconds: Number(produced.ms) / 1000, rssBefore: before, rssPeak: peak };
}

/** A database of `events` events over a year (the process database); the filtered pages' figures. */
async function measurePages(events: number) {
  const database = await createBenchDatabase(`audit-${events}`);
  useBenchDatabase(database);
  const db = getDb();
  await migrateToLatest(db);
  const staffIds: number[] = [];
  for (let index = 0; index < 8; index += 1) {
    const { staff } = await createStaff(
      { email: `bench-${index}@staff.example`, name: `Bench rep ${index}`, role: index === 0 ? 'admin' : 'support', password: 'granite-sparrow-lantern-88' },
      { type: 'system', label: 'bench' },
      { db },
    );
    staffIds.push(staff.id);
  }
  const now = new Date().toISOString();
  for (let offset = 0; offset < ORGANIZATIONS; offset += 500) {
    await db('organizations').insert(
      Array.from({ length: 500 }, (_, index) => ({
        name: `Bench Co ${offset + index + 1}`,
        workos_id: `org_bench_${offset + index + 1}`,
        status: 'active',
        idempotency_key: `bench-${offset + index + 1}`,
        created_at: now,
        updated_at: now,
      })),
    );
  }
  console.log(
    `Audit log benchmark on ${BENCH_BACKEND_LABEL}: ${events.toLocaleString('en')} events, ${ORGANIZATIONS} organizations, ${staffIds.length} staff (${database.label})`,
  );
  const writeStarted = performance.now();
  await seedAuditEvents(db, {
    count: events,
    organizations: ORGANIZATIONS,
    staffIds,
    onProgress: (written) => process.stdout.write(`\r  wrote ${written.toLocaleString('en')} events`),
  });
  process.stdout.write('\n');
  await settleAfterSeed(db, { sqliteAnalyze: true });
  console.log(
    `  written and analysed in ${((performance.now() - writeStarted) / 1000).toFixed(1)} s; ${((await database.bytes(db)) / 1_048_576).toFixed(0)} MB on disk`,
  );

  const middle = (await db('audit_events')
    .orderBy([
      { column: 'at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .offset(events / 2)
    .first('at', 'id')) as { at: string; id: number };
  const scenarios: { label: string; filters: AuditFilters; before?: { at: string; id: number } }[] = [
    { label: 'first page, no filter', filters: {} },
    { label: 'deep page (half way in)', filters: {}, before: middle },
    { label: 'one organization', filters: { organizationIds: [417] } },
    { label: 'one staff member', filters: { actor: { type: 'staff', id: staffIds[3]! } } },
    { label: 'customers’ IT admins', filters: { actor: { type: 'it_admin' } } },
    { label: 'one action (common)', filters: { action: 'setup_link.viewed' } },
    { label: 'one action (organization.noted)', filters: { action: 'organization.noted' } },
    { label: 'one week in March', filters: { from: '2026-03-02T00:00:00.000Z', to: '2026-03-09T00:00:00.000Z' } },
    {
      label: 'organization + action + month',
      filters: { organizationIds: [417], action: 'setup_link.revoked', from: '2026-06-01T00:00:00.000Z', to: '2026-07-01T00:00:00.000Z' },
    },
    { label: '20 organizations (a name search)', filters: { organizationIds: Array.from({ length: 20 }, (_, index) => index * 37 + 1) } },
    { label: 'staff member + action', filters: { actor: { type: 'staff', id: staffIds[3]! }, action: 'setup_link.created' } },
    { label: 'action + one week in March', filters: { action: 'setup_link.viewed', from: '2026-03-02T00:00:00.000Z', to: '2026-03-09T00:00:00.000Z' } },
    { label: 'one organization, deep page', filters: { organizationIds: [417] }, before: middle },
  ];
  const results = new Map<string, { p50: number; p99: number; rows: number }>();
  for (const scenario of scenarios) results.set(scenario.label, await timeFilter(db, scenario.filters, scenario.before ?? null));
  return { db, database, staffIds, results };
}

async function main() {
  const [small, large] = SIZES as [number, number];
  const first = await measurePages(small);
  await closeDb();
  await first.database.drop();
  const { db, database, staffIds, results } = await measurePages(large);
  const label = (events: number) => (events >= 1_000_000 ? `${events / 1_000_000}M` : `${events / 1_000}k`);
  console.log(`\nFiltered page of 50, in process (model query; ${ITERATIONS} runs each), milliseconds; rows on the page at ${label(small)} / ${label(large)}:`);
  console.log(
    `| scenario | ${label(small)} p50 | ${label(small)} p99 | ${label(large)} p50 | ${label(large)} p99 | p50 ratio ${label(large)}/${label(small)} | rows |`,
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const [scenario, b] of results) {
    const a = first.results.get(scenario)!;
    console.log(
      `| ${scenario} | ${a.p50.toFixed(2)} | ${a.p99.toFixed(2)} | ${b.p50.toFixed(2)} | ${b.p99.toFixed(2)} | ${(b.p50 / a.p50).toFixed(1)}× | ${a.rows} / ${b.rows} |`,
    );
  }

  const admin = staffIds[0]!;
  const { token, expiresAt } = await createSession(admin, { db });
  const cookie = (await sessionCookieHeader(token, expiresAt)).split(';')[0]!;
  // ~100,000 and ~10,000 rows: 36.5 and 3.65 days of a year of 1,000,000 events.
  const hundredK = { from: '2026-02-01', to: '2026-03-09' };
  const tenK = { from: '2026-02-01', to: '2026-02-04' };
  await closeDb();

  const server = await startBuiltServer(PRODUCTION_ENV, { database: database.location });
  try {
    console.log('\nCSV export over HTTP (production server; its resident memory sampled every 50 ms):');
    console.log('  export                         rows      MB  client s  server read s  RSS before  RSS peak');
    const runs: [string, Record<string, string>, boolean, boolean][] = [
      ['~10k rows, fast, identity', tenK, false, false],
      ['~100k rows, fast, identity', hundredK, false, false],
      ['~100k rows, slow, identity', hundredK, true, false],
      ['~100k rows, fast, gzip', hundredK, false, true],
    ];
    const peaks: number[] = [];
    for (const [label, filters, slow, compressed] of runs) {
      const result = await download(server, cookie, filters, { slow, compressed });
      peaks.push(result.rssPeak);
      console.log(
        `  ${label.padEnd(28)} ${String(result.rows).padStart(7)} ${result.megabytes.toFixed(1).padStart(7)} ${result.seconds.toFixed(1).padStart(9)} ${result.producedSeconds.toFixed(1).padStart(14)}  ${String(result.rssBefore?.toFixed(0) ?? '?').padStart(7)} MB  ${result.rssPeak.toFixed(0).padStart(5)} MB`,
      );
    }
    console.log(`  peak RSS ratio, 100k (fast) / 10k: ${(peaks[1]! / peaks[0]!).toFixed(2)}; 100k (slow) / 10k: ${(peaks[2]! / peaks[0]!).toFixed(2)}`);
    console.log('  ("server read s": when the route read its last batch; near the client\'s end when it waited for the client)');
  } finally {
    await server.stop();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
