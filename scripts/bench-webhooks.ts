/**
 * `npm run bench:webhooks`: how fast the production server answers WorkOS's webhooks — new events
 * (recorded and applied before the 200), replays (refused by event id), and bad signatures — with
 * a few concurrent senders over loopback. Prints figures; asserts nothing about time. The server
 * uses a temporary SQLite file, or with DATABASE_URL a database of its own on that PostgreSQL
 * server (scripts/bench-env.ts; the server migrates it as it starts).
 */
import crypto from 'node:crypto';
import { signWebhook } from '../sandbox/webhooks';
import { startBuiltServer } from '../test/built-server';
import { BENCH_BACKEND, BENCH_BACKEND_LABEL, BENCH_PRODUCTION_ENV, createBenchDatabase } from './bench-env';

const EVENTS = 3_000;
const CONCURRENCY = 8;
const SECRET = `whsec_bench_${crypto.randomBytes(16).toString('hex')}`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Sends every body with CONCURRENCY requests in flight; returns latencies and statuses. */
async function send(url: string, bodies: string[], sign: (body: string) => string) {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const begin = performance.now();
        const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'WorkOS-Signature': sign(body) }, body });
        await response.arrayBuffer();
        latencies.push(performance.now() - begin);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: bodies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), statuses: Object.fromEntries(statuses) };
}

// On SQLite the server's own temporary file, as before; on PostgreSQL a bench database.
const database = BENCH_BACKEND === 'postgres' ? await createBenchDatabase('webhooks') : null;
const server = await startBuiltServer({ ...BENCH_PRODUCTION_ENV, WORKOS_WEBHOOK_SECRET: SECRET, LOG_LEVEL: 'info' }, { database: database?.location });
try {
  const url = `${server.url}/webhooks/workos`;
  // A thousand organizations' connections, activated: each event writes its row, a resource, a
  // status and (the organization being unknown here) no audit event.
  const bodies = Array.from({ length: EVENTS }, (_, index) =>
    JSON.stringify({
      object: 'event',
      id: `event_bench_${String(index).padStart(8, '0')}`,
      event: index % 2 ? 'connection.activated' : 'dsync.activated',
      created_at: new Date(Date.now() + index).toISOString(),
      data: { object: 'connection', id: `conn_bench_${index}`, organization_id: `org_bench_${index % 1000}`, connection_type: 'OktaSAML', state: 'active' },
    }),
  );
  const valid = (body: string) => signWebhook(body, SECRET);
  const fresh = await send(url, bodies, valid);
  const replays = await send(url, bodies, valid);
  const forged = await send(url, bodies.slice(0, 1_000), (body) => signWebhook(body, 'wrong-secret-wrong-secret'));
  console.log(`Webhook receiver (production build, ${BENCH_BACKEND_LABEL}, ${CONCURRENCY} concurrent senders, loopback):`);
  console.log('| requests | count | req/s | p50 ms | p99 ms | statuses |');
  console.log('|---|---|---|---|---|---|');
  for (const [label, result, count] of [
    ['new events (recorded before the 200)', fresh, EVENTS],
    ['replays (same event ids)', replays, EVENTS],
    ['bad signatures', forged, 1_000],
  ] as const) {
    console.log(
      `| ${label} | ${count} | ${result.perSecond.toFixed(0)} | ${result.p50.toFixed(2)} | ${result.p99.toFixed(2)} | ${JSON.stringify(result.statuses)} |`,
    );
  }
  console.log(`Replay / new p50 ratio: ${(replays.p50 / fresh.p50).toFixed(2)}`);
} finally {
  await server.stop();
  await database?.drop();
}
