/**
 * Issue 21's "done when": two app processes (the production build) on one PostgreSQL database,
 * over HTTP on loopback, with the WorkOS sandbox and an SMTP catcher behind them.
 * - 50 link creations for one organization spread over both: one active link, 49 clear refusals;
 * - the IT admin's limits (per link, per address) are one budget across the two;
 * - the poller, maintenance and an organization sync each run once across the two;
 * - a rolling restart (SIGTERM to one, start it again, then the other) while requests flow to both
 *   loses no acknowledged request (every note answered is stored, every page shown is counted),
 *   and a draining instance says it is not ready and closes the connections it answers on.
 * A second instance is started with `startBuiltServer(env, { database: first.database })`.
 */
import net from 'node:net';
import type { Knex } from 'knex';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SETUP_EVENT_TYPES } from '~/models/setup-progress.server';
import { openDatabase } from '~/utils/db.server';
import { startSandbox, type RunningSandbox } from '../sandbox/server';
import { describePostgresOnly } from '../test/backend';
import { startBuiltServer, workosSandboxEnv, type RunningServer } from '../test/built-server';
import { createOrganizationInSandbox, createTestStaff, issueSetupLink, signedInStaff } from '../test/factories';
import { startSmtpCatcher, type SmtpCatcher } from '../test/smtp-catcher';

const LAUNCHES_PER_LINK = 4;
const PAGES_PER_ADDRESS = 5;

let sandbox: RunningSandbox;
let catcher: SmtpCatcher;
let db: Knex;
/** Every instance started, in order (a restarted one is a new process): their logs are read at the end. */
const started: RunningServer[] = [];
/** The two instances now: [A, B]; a restart replaces one. */
const instances: RunningServer[] = [];
let repCookie: string;
let adminCookie: string;
const seenTokens: string[] = [];

/** Same environment for every instance: short intervals, low limits, one proxy hop trusted (each test's client has its own address). */
function instanceEnv(): Record<string, string> {
  return {
    ...workosSandboxEnv(sandbox),
    SMTP_URL: catcher.url,
    WORKOS_EVENTS_POLL: 'on',
    WORKOS_EVENTS_POLL_INTERVAL_MS: '1000',
    MAINTENANCE_INTERVAL_MS: '1000',
    SETUP_LAUNCHES_PER_LINK: String(LAUNCHES_PER_LINK),
    SETUP_RATE_LIMIT_PER_MINUTE: String(PAGES_PER_ADDRESS),
    TRUST_PROXY: '1',
    // Views of the IT admin's page are kept in memory for a minute: only a stopping instance writes them within this test.
    SETUP_VIEW_FLUSH_MS: '60000',
  };
}

async function startInstance(database?: string): Promise<RunningServer> {
  const server = await startBuiltServer(instanceEnv(), database ? { database } : {});
  started.push(server);
  return server;
}

describePostgresOnly('two instances on one PostgreSQL database', () => {
  beforeAll(async () => {
    sandbox = await startSandbox();
    catcher = await startSmtpCatcher();
    const a = await startInstance();
    const b = await startInstance(a.database);
    instances.push(a, b);
    db = openDatabase(a.database);
    repCookie = (await signedInStaff('support', { name: 'Rita Rep', db })).cookie;
    adminCookie = (await signedInStaff('admin', { name: 'Ada Admin', db })).cookie;
  });

  afterAll(async () => {
    await db?.destroy();
    for (const server of instances) expect(await server.stop()).toBe(0);
    await catcher?.stop();
    await sandbox?.stop();
    const log = started.flatMap((server) => [...server.stdout, ...server.stderr]).join('\n');
    for (const token of seenTokens) expect(log).not.toContain(token.slice(4));
    // No instance logged an error (a 500, a failed job, a shutdown past its deadline).
    const errors = started.flatMap((server) => server.logs().filter((line) => Number(line.level) >= 50));
    expect(errors).toEqual([]);
  });

  it('both instances use the one database and are ready', async () => {
    const [a, b] = instances as [RunningServer, RunningServer];
    expect(b.database).toBe(a.database);
    for (const server of instances) expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it('50 link creations for one organization, alternating between the instances: one active link, 49 clear refusals, no 5xx', async () => {
    const { id: organizationId } = await createOrganizationInSandbox(sandbox, { name: 'Burst Co', db });
    const body = new URLSearchParams([
      ['intent', 'create_link'],
      ['delivery', 'copy'],
      ['features', 'sso'],
      ['lifetimeDays', '7'],
    ]).toString();
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, index) => {
        const server = instances[index % 2]!;
        return fetch(`${server.url}/organizations/${organizationId}.data`, {
          method: 'POST',
          headers: { Cookie: repCookie, Origin: server.url, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/x-www-form-urlencoded' },
          body,
        }).then(async (response) => ({ status: response.status, text: await response.text() }));
      }),
    );
    expect(responses.filter((response) => response.status >= 500)).toEqual([]);
    const issued = responses.filter((response) => /\/setup\/sdl_/.test(response.text));
    const refused = responses.filter((response) => response.text.includes('already has an active link'));
    expect(issued).toHaveLength(1);
    expect(refused).toHaveLength(49);
    expect(refused.every((response) => response.status >= 400 && response.status < 500)).toBe(true);
    for (const token of issued[0]!.text.match(/sdl_[A-Za-z0-9_-]{43}/g) ?? []) seenTokens.push(token);
    expect(await db('setup_links').where({ organization_id: organizationId, status: 'active' })).toHaveLength(1);
    expect(await db('audit_events').where({ organization_id: organizationId, action: 'setup_link.created' })).toHaveLength(1);
  });

  it(`the per-link launch limit is one budget: ${3 * LAUNCHES_PER_LINK} launches alternating between the instances, ${LAUNCHES_PER_LINK} get through`, async () => {
    const { id: organizationId } = await createOrganizationInSandbox(sandbox, { name: 'Limited Launches', db });
    const { token, link } = await issueSetupLink(organizationId, { features: ['sso'], db });
    seenTokens.push(token);
    const statuses = await Promise.all(
      Array.from({ length: 3 * LAUNCHES_PER_LINK }, async (_, index) => {
        const server = instances[index % 2]!;
        const response = await fetch(`${server.url}/setup/${token}`, {
          method: 'POST',
          redirect: 'manual',
          // Each launch from an address of its own: only the per-link limit is under test.
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, 'X-Forwarded-For': `198.51.100.${index + 1}` },
          body: 'feature=sso',
        });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    expect(statuses.filter((status) => status === 303)).toHaveLength(LAUNCHES_PER_LINK);
    expect(statuses.filter((status) => status === 429)).toHaveLength(2 * LAUNCHES_PER_LINK);
    expect((await db('setup_link_launches').where({ setup_link_id: link.id }).sum({ n: 'launches' }))[0]).toEqual({ n: LAUNCHES_PER_LINK });
  });

  it(`the per-address page limit is one budget: the ${PAGES_PER_ADDRESS + 1}th page, whichever instance, slows down`, async () => {
    const statuses: number[] = [];
    for (let index = 0; index < PAGES_PER_ADDRESS + 3; index += 1) {
      const server = instances[index % 2]!;
      const response = await fetch(`${server.url}/setup/sdl_${'R'.repeat(43)}`, { headers: { 'X-Forwarded-For': '203.0.113.9' } });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    expect(statuses).toEqual([...Array<number>(PAGES_PER_ADDRESS).fill(404), 429, 429, 429]);
  });

  it('the events poller runs on one instance at a time: each WorkOS event is seen once, across both', async () => {
    const emitted: string[] = [];
    for (let index = 0; index < 6; index += 1) {
      const { workosId } = await createOrganizationInSandbox(sandbox, { name: `Polled ${index}`, db });
      emitted.push(
        sandbox.store.emit(
          'dsync.activated',
          { object: 'directory', id: `directory_polled_${index}`, organization_id: workosId, type: 'okta scim v2.0', state: 'active' },
          workosId,
        ).id,
      );
    }
    await until(
      'every event recorded by the poller',
      async () => (await db('workos_events').whereIn('id', emitted).where({ source: 'poller' })).length === emitted.length,
    );
    const setupEvents = sandbox.store.state.events.filter((event) => (SETUP_EVENT_TYPES as readonly string[]).includes(event.event)).length;
    // Each run logs after it gave its lease up: wait for the lines, then see that none counted an event twice.
    await until('the runs logged', async () => sumOfLogged('events poller run', 'seen') >= setupEvents);
    const seen = sumOfLogged('events poller run', 'seen');
    const recorded = (await db('background_jobs').where({ name: 'workos_events_poller' }).first('events_recorded')).events_recorded as number;
    // Had both pollers read the same page, the runs would have seen (though not recorded) events twice.
    expect({ seen, recorded }).toEqual({ seen: setupEvents, recorded: setupEvents });
    expect(await db('workos_events').where({ source: 'poller' })).toHaveLength(setupEvents);
  });

  it('maintenance (and the poller) start once per interval across both: lapsed links expire with one audit event and one owner notice each, one digest', async () => {
    const owner = await createTestStaff('support', { email: 'owen.owner@staff.example', name: 'Owen Owner', db });
    const organizations: number[] = [];
    for (let index = 0; index < 5; index += 1) organizations.push((await createOrganizationInSandbox(sandbox, { name: `Lapsed ${index}`, owner, db })).id);
    // Issued two days ago, less a few seconds, for two days: all five lapse at the same moment, soon
    // (after the last is issued), and both instances' maintenance finds them due at once.
    const issuedAt = new Date(Date.now() - 2 * 86_400_000 + 3_000);
    const lapsed: number[] = [];
    for (const organizationId of organizations) {
      const { token, link } = await issueSetupLink(organizationId, { features: ['sso'], lifetimeDays: 2, now: issuedAt, db });
      seenTokens.push(token);
      lapsed.push(link.id);
    }
    expect(Date.now(), 'the links were issued before they lapse').toBeLessThan(issuedAt.getTime() + 2 * 86_400_000);
    const starts = sampleStarts(['maintenance', 'workos_events_poller']);
    await until('every lapsed link expired', async () => (await db('setup_links').whereIn('id', lapsed).where({ status: 'expired' })).length === lapsed.length);
    await until('the digest sent', async () => catcher.emails.some((email) => email.envelope.to.includes('owen.owner@staff.example')));
    await until('the maintenance runs logged', async () => sumOfLogged('maintenance run', 'digestsSent') >= 1);
    const expired = await db('audit_events').whereIn('setup_link_id', lapsed).where({ action: 'setup_link.expired' }).pluck('setup_link_id');
    expect(expired.sort()).toEqual([...lapsed].sort());
    const notices = await db('owner_notices').whereIn('setup_link_id', lapsed).pluck('setup_link_id');
    expect(notices.sort()).toEqual([...lapsed].sort());
    expect(sumOfLogged('maintenance run', 'expiredLinks')).toBe(lapsed.length);
    const digests = catcher.emails.filter((email) => email.envelope.to.includes('owen.owner@staff.example'));
    expect(digests).toHaveLength(1);
    expect(digests[0]!.mail.subject).toBe(`Setup Desk: ${lapsed.length} to follow up`);
    expect(sumOfLogged('maintenance run', 'digestsSent')).toBe(1);
    // Once per interval between the two, not once per interval each: every start an interval or more after the one before.
    for (const [job, times] of Object.entries(await starts.stop())) {
      expect(times.length, job).toBeGreaterThanOrEqual(3);
      const gaps = times.slice(1).map((time, index) => Date.parse(time) - Date.parse(times[index]!));
      expect(
        gaps.filter((gap) => gap < 1_000),
        `${job}: starts closer than the interval`,
      ).toEqual([]);
    }
  }, 40_000);

  it('two sync starts at once, one on each instance: one sync runs, the other is refused', async () => {
    const before = (await db('organization_syncs').pluck('id')).length;
    // WorkOS holds the first page of organizations: the sync that started is still running when the other start arrives.
    const held = sandbox.faults.add({ method: 'GET', path: '/organizations', hold: true, times: 1 });
    const responses = await Promise.all(
      instances.map(async (server) => {
        const response = await fetch(`${server.url}/organizations/sync`, {
          method: 'POST',
          redirect: 'manual',
          headers: { Cookie: adminCookie, Origin: server.url, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/x-www-form-urlencoded' },
          body: '',
        });
        return { status: response.status, text: await response.text() };
      }),
    );
    expect(responses.map((response) => response.status).sort()).toEqual([302, 409]);
    expect(responses.find((response) => response.status === 409)!.text).toContain('A sync is already running');
    await sandbox.faults.reached(held.id);
    sandbox.faults.release(held.id);
    await until('the sync finished', async () => (await db('organization_syncs').whereNot({ status: 'running' })).length === before + 1);
    const syncs = await db('organization_syncs').orderBy('id').select('status');
    expect(syncs.slice(before)).toEqual([{ status: 'succeeded' }]);
    expect(await db('audit_events').where({ action: 'organization.sync_started' })).toHaveLength(1);
    expect(await db('audit_events').where({ action: 'organization.sync_finished' })).toHaveLength(1);
  });

  it('a rolling restart under traffic to both loses no acknowledged request; a draining instance is not ready', async () => {
    const { id: organizationId } = await createOrganizationInSandbox(sandbox, { name: 'Rolling Co', db });
    const { token, link } = await issueSetupLink(organizationId, { features: ['sso'], db });
    seenTokens.push(token);
    const outcomes: Outcome[] = [];
    const traffic = steadyTraffic({ organizationId, token }, outcomes);
    const acksOn = (server: RunningServer) => outcomes.filter((outcome) => outcome.server === server && outcome.status !== undefined).length;
    try {
      for (const slot of [0, 1]) {
        const old = instances[slot]!;
        await until(`requests acknowledged by instance ${slot}`, async () => acksOn(old) >= 20);
        await drainShowingNotReady(old);
        // The pages the stopped instances showed are counted: each wrote its views as it stopped.
        const shownByStopped = outcomes.filter((outcome) => outcome.kind === 'view' && outcome.status === 200 && sigtermAt.has(outcome.server)).length;
        expect(await viewCount(link.id)).toBeGreaterThanOrEqual(shownByStopped);
        instances[slot] = await startInstance(old.database);
        await until(`requests acknowledged by the restarted instance ${slot}`, async () => acksOn(instances[slot]!) >= 20);
      }
    } finally {
      await traffic.stop();
    }
    // The last test: both instances stop for good, and write the views they still held.
    for (const server of instances.splice(0)) expect(await server.stop()).toBe(0);

    const acknowledged = outcomes.filter((outcome) => outcome.kind === 'note' && outcome.status !== undefined);
    const failed = outcomes.filter((outcome) => outcome.status === undefined);
    // Every answer was the redirect after the note was written, or the page; every other request failed at the connection.
    expect(acknowledged.filter((outcome) => outcome.status !== 302)).toEqual([]);
    const views = outcomes.filter((outcome) => outcome.kind === 'view' && outcome.status !== undefined);
    expect(views.filter((outcome) => outcome.status !== 200)).toEqual([]);
    expect(failed.filter((outcome) => !CONNECTION_ERRORS.has(outcome.error!))).toEqual([]);
    // Each page shown was counted once, every one written by its instance as it stopped.
    expect(await viewCount(link.id)).toBe(views.length);
    const stored = await db('audit_events').where({ organization_id: organizationId, action: 'organization.noted' }).pluck('note');
    const storedOnce = new Set(stored);
    expect(stored.length).toBe(storedOnce.size);
    expect(acknowledged.filter((outcome) => !storedOnce.has(outcome.note))).toEqual([]);
    const sent = new Set(outcomes.filter((outcome) => outcome.kind === 'note').map((outcome) => outcome.note));
    expect(stored.filter((note) => !sent.has(note))).toEqual([]);
    // All four processes took traffic.
    for (const server of started.slice(-4)) expect(acksOn(server)).toBeGreaterThan(0);
    // Sent before the SIGTERM and answered after it: what the draining instances had in hand.
    const inFlight = outcomes.filter(
      (outcome) =>
        outcome.kind === 'note' &&
        sigtermAt.has(outcome.server) &&
        outcome.sentAt < sigtermAt.get(outcome.server)! &&
        outcome.doneAt > sigtermAt.get(outcome.server)!,
    );
    process.stdout.write(
      `rolling restart: ${outcomes.length} requests; notes: ${acknowledged.length} acknowledged (all stored), ` +
        `${stored.length - acknowledged.length} failed at the connection and stored anyway; page views: ${views.length} shown (all counted); ` +
        `failed at the connection: ${countBy(failed, (outcome) => `${outcome.kind} ${outcome.error!}`)}; ` +
        `in flight at a SIGTERM: ${inFlight.filter((outcome) => outcome.status !== undefined).length} acknowledged, ` +
        `${inFlight.filter((outcome) => outcome.status === undefined).length} failed at the connection\n`,
    );
  }, 90_000);
});

// ---------------------------------------------------------------------------------------------

/** Polls `check` until it holds; fails with `what` after the deadline. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function viewCount(linkId: number): Promise<number> {
  return ((await db('setup_links').where({ id: linkId }).first('view_count')) as { view_count: number }).view_count;
}

/** "A ×3, B ×1": how many of `items` have each key. */
function countBy<T>(items: T[], key: (item: T) => string): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].map(([name, count]) => `${name} ×${count}`).join(', ') || 'none';
}

/** A number the instances logged with `msg`, summed over every instance started. */
function sumOfLogged(msg: string, field: string): number {
  return started.flatMap((server) => server.logs().filter((line) => line.msg === msg)).reduce((sum, line) => sum + Number(line[field] ?? 0), 0);
}

/** Every distinct start (`last_started_at`) of `jobs` seen while sampling their rows, oldest first. */
function sampleStarts(jobs: string[]): { stop(): Promise<Record<string, string[]>> } {
  const seen: Record<string, string[]> = Object.fromEntries(jobs.map((job) => [job, []]));
  let stopped = false;
  const sampling = (async () => {
    while (!stopped) {
      for (const row of (await db('background_jobs').whereIn('name', jobs).select('name', 'last_started_at')) as {
        name: string;
        last_started_at: string | null;
      }[]) {
        const times = seen[row.name]!;
        if (row.last_started_at && times.at(-1) !== row.last_started_at) times.push(row.last_started_at);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await sampling;
      return seen;
    },
  };
}

interface Outcome {
  /** A staff member's note (a POST), or a view of the IT admin's page (a GET, counted in memory and written a second later). */
  kind: 'note' | 'view';
  /** The note's text (a view's number, for a view). */
  note: string;
  server: RunningServer;
  sentAt: number;
  doneAt: number;
  status?: number;
  error?: string;
}

/** When each drained instance was sent its SIGTERM. */
const sigtermAt = new Map<RunningServer, number>();

/** Failures at the connection: refused (nobody listening), reset or closed by the server that stops. */
const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/**
 * Steady traffic, alternating between the two instances as a round-robin balancer would send it
 * (to whatever process holds each slot now): staff adding notes, six at a time, and IT admins
 * opening a setup page, two at a time (each from an address of its own: the per-address limit is
 * not under test here). Bounded: it stops when told, or after 4,000 requests.
 */
function steadyTraffic({ organizationId, token }: { organizationId: number; token: string }, outcomes: Outcome[]): { stop(): Promise<void> } {
  let stopped = false;
  let sequence = 0;
  const send = (kind: Outcome['kind'], server: RunningServer, n: number) =>
    kind === 'note'
      ? fetch(`${server.url}/organizations/${organizationId}`, {
          method: 'POST',
          redirect: 'manual',
          headers: { Cookie: repCookie, Origin: server.url, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ intent: 'add_note', note: `Rolling note ${n}` }).toString(),
        })
      : fetch(`${server.url}/setup/${token}`, { headers: { 'X-Forwarded-For': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` } });
  const worker = async (kind: Outcome['kind']) => {
    while (!stopped && sequence < 4_000) {
      sequence += 1;
      const n = sequence;
      const server = instances[n % 2]!;
      const sentAt = Date.now();
      try {
        const response = await send(kind, server, n);
        await response.arrayBuffer();
        outcomes.push({ kind, note: `Rolling note ${n}`, server, sentAt, doneAt: Date.now(), status: response.status });
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause;
        outcomes.push({ kind, note: `Rolling note ${n}`, server, sentAt, doneAt: Date.now(), error: cause?.code ?? String(error) });
        // Pacing, not a wait for a condition: a refused port answers at once.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  };
  const workers = [...Array.from({ length: 6 }, () => worker('note')), ...Array.from({ length: 2 }, () => worker('view'))];
  return {
    async stop() {
      stopped = true;
      await Promise.all(workers);
    },
  };
}

/**
 * SIGTERM to `server` while it has a launch in flight (WorkOS holds its portal link) and a
 * readiness probe half sent: the probe, finished after the signal, answers 503 "shutting_down";
 * a new connection is refused; the launch still completes (303, recorded) and, like the probe's
 * answer, closes its connection; the process exits 0.
 */
async function drainShowingNotReady(server: RunningServer): Promise<void> {
  const { id: organizationId, workosId } = await createOrganizationInSandbox(sandbox, { name: `Draining ${server.port}`, db });
  const { token, link } = await issueSetupLink(organizationId, { features: ['sso'], db });
  seenTokens.push(token);
  const held = sandbox.faults.add({ method: 'POST', path: '/portal/generate_link', bodyIncludes: workosId, hold: true, times: 1 });
  const host = `localhost:${server.port}`;
  // The probe's request line and a header, not yet the blank line that ends it: a request under
  // way, whose connection the shutdown does not close as idle.
  const probe = rawConnection(server.port);
  probe.socket.write(`GET /readyz HTTP/1.1\r\nHost: ${host}\r\n`);
  const launch = rawConnection(server.port);
  launch.socket.write(
    `POST /setup/${token} HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${server.url}\r\nX-Forwarded-For: 192.0.2.${server.port % 250}\r\n` +
      `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\nConnection: keep-alive\r\n\r\nfeature=sso`,
  );
  // The launch is at WorkOS: the server has long since read the probe's first bytes too.
  await sandbox.faults.reached(held.id);
  sigtermAt.set(server, Date.now());
  const exited = server.stop('SIGTERM');
  // It stops listening: a new connection (a load balancer's next probe) is refused. (Its log line
  // comes a moment before it closes the listener: the refusal itself is what is waited for.)
  await server.waitForLog((line) => String(line.msg).startsWith('shutting down'));
  await until('new connections refused', async () => (await connectOutcome(server.port)) === 'ECONNREFUSED', 5_000);
  probe.socket.write('\r\n');
  const readiness = await probe.answer;
  expect(readiness).toMatch(/^HTTP\/1\.1 503 /);
  expect(readiness).toMatch(/^Connection: close\r$/im);
  expect(readiness).toContain('{"status":"not_ready","reason":"shutting_down"}');
  sandbox.faults.release(held.id);
  const launched = await launch.answer;
  expect(launched).toMatch(/^HTTP\/1\.1 303 /);
  // Begun before the SIGTERM, answered after it: it closes its connection rather than invite another request down it.
  expect(launched).toMatch(/^Connection: close\r$/im);
  expect(await exited).toBe(0);
  expect(await db('audit_events').where({ setup_link_id: link.id, action: 'setup_link.launched' })).toHaveLength(1);
}

/** Whether a new connection to `port` is taken ('connected') or refused (the error's code). */
function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const attempt = net.connect(port, '127.0.0.1');
    attempt.once('connect', () => (attempt.destroy(), resolve('connected')));
    attempt.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** A plain TCP connection to the server; `answer` is everything it sent back, once it closed the connection. */
function rawConnection(port: number): { socket: net.Socket; answer: Promise<string> } {
  const socket = net.connect(port, '127.0.0.1');
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  const answer = new Promise<string>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', () => resolve(Buffer.concat(received).toString('utf8')));
  });
  return { socket, answer };
}
