/**
 * The races of issue 21 (PostgreSQL scale-out), each run for real: two or more "instances" of the
 * app (separate Knex pools on this file's database) start the competing operations together.
 *
 * A plain Promise.all leaves the interleaving to chance. Where it matters, the PostgreSQL tests fix
 * it instead: a blocker transaction of a third instance holds a lock the operations need *after*
 * their read-then-write (the audit table, or one notice row), the test waits until PostgreSQL
 * reports both operations waiting on a lock (pg_stat_activity: a condition, not a sleep), then lets
 * go. So the first has written and not committed while the second reads — the window a naive
 * READ COMMITTED port loses in. Tests that mean something on SQLite too (it runs one writer at a
 * time, so they must pass there trivially) run on both backends.
 *
 * Checked against a naive port (plain READ COMMITTED transactions, no retry, no advisory lock in
 * the last-admin trigger): the admin, first-digest, connection-status and link-completion tests
 * fail there. The sweep, the digest retry and the lease pass there too — their guard is the
 * conditional update (`WHERE status = 'active'`, `'failed'`, a free lease), which PostgreSQL
 * re-checks after the row lock; without it, both sweeps settle and both workers send.
 *
 * Not here: two instances migrating an empty database at once (db/migrations/migrations.test.ts).
 */
import type { Knex } from 'knex';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getDb, openDatabase, transaction } from '~/utils/db.server';
import { resetEnvCache } from '~/utils/env.server';
import { describePostgresOnly, testDatabaseLocation } from '../../test/backend';
import { createOrganization, createTestStaff, FACTORY_ACTOR, insertLinkLeftSending, issueSetupLink, uniqueSuffix } from '../../test/factories';
import { startSmtpCatcher, type SmtpCatcher } from '../../test/smtp-catcher';
import { acquireLease } from './background-jobs.server';
import { queueOwnerNotice, sendOwnerDigests } from './owner-digest.server';
import { recordWorkOSEvent } from './setup-progress.server';
import { settleLapsedLinks, UNCONFIRMED_EMAIL_GRACE_MS } from './setup-link.server';
import { changeStaffRole, disableStaff, listActiveAdmins, StaffRuleError, type Staff } from './staff.server';

/** Separate pools on the same database: separate instances of the app. */
let instances: Knex[];
/** A third instance that holds the blocker transactions. */
let blocker: Knex;
let catcher: SmtpCatcher;

beforeAll(async () => {
  instances = [openDatabase(testDatabaseLocation(), { poolMax: 10 }), openDatabase(testDatabaseLocation(), { poolMax: 10 })];
  blocker = openDatabase(testDatabaseLocation(), { poolMax: 2 });
  catcher = await startSmtpCatcher();
  process.env.SMTP_URL = catcher.url;
  resetEnvCache();
});

afterAll(async () => {
  await Promise.all([...instances, blocker].map((instance) => instance.destroy()));
  await catcher.stop();
  process.env.SMTP_URL = 'smtp://127.0.0.1:9';
  resetEnvCache();
});

const a = () => instances[0]!;
const b = () => instances[1]!;
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);

/**
 * Holds `lock` (an SQL statement: LOCK TABLE …, SELECT … FOR UPDATE) in an open transaction of the
 * blocker instance until `release` is called.
 */
async function hold(lock: string, bindings: Knex.RawBinding[] = []): Promise<{ release(): Promise<void> }> {
  const trx = await blocker.transaction();
  await trx.raw(lock, bindings);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await trx.commit();
    },
  };
}

/** Resolves once `count` sessions on this database wait for a lock (PostgreSQL's own account); fails after 10 s. */
async function lockWaiters(count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const row = (await blocker.raw(
      "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    )) as { rows: { waiting: number }[] };
    const waiting = row.rows[0]!.waiting;
    if (waiting >= count) return;
    if (Date.now() > deadline) throw new Error(`expected ${count} sessions waiting for a lock, saw ${waiting}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Runs the `operations` together, with `lock` held until all of them wait for a lock, then lets
 * go. Returns each operation's settled result.
 */
async function interleaved<T>(lock: { sql: string; bindings?: Knex.RawBinding[] }, operations: (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
  const held = await hold(lock.sql, lock.bindings);
  try {
    const running = Promise.allSettled(operations.map((operation) => operation()));
    await lockWaiters(operations.length);
    await held.release();
    return await running;
  } finally {
    await held.release();
  }
}

const AUDIT_LOCK = { sql: 'LOCK TABLE audit_events IN EXCLUSIVE MODE' };

async function count(table: string, where: Record<string, unknown>): Promise<number> {
  const row = (await getDb()(table).where(where).count({ count: '*' }).first()) as { count: number | string };
  return Number(row.count);
}

// ---------------------------------------------------------------------------------------------
// 1. The stale-link sweep

interface Swept {
  settled: number;
  ended: number[];
}
/** The sweep as maintenance runs it (server/background.ts), on one instance. */
const sweep = (db: Knex): Promise<Swept> =>
  transaction(db, async (trx) => {
    const ended: number[] = [];
    return { settled: await settleLapsedLinks({ ended }, { db: trx }), ended };
  });

/** A lapsed active link, and (in another organization) an emailed link left `sending` past its grace: both for the sweep. */
async function linksToSettle(): Promise<{ lapsedId: number; unconfirmedId: number }> {
  const lapsed = await createOrganization();
  const { link } = await issueSetupLink(lapsed.id, { lifetimeDays: 1, now: daysAgo(2) });
  const unconfirmed = await createOrganization();
  const unconfirmedId = await insertLinkLeftSending(unconfirmed.id, { createdAt: new Date(Date.now() - UNCONFIRMED_EMAIL_GRACE_MS - 60_000) });
  return { lapsedId: link.id, unconfirmedId };
}

async function expectSettledOnce({ lapsedId, unconfirmedId }: { lapsedId: number; unconfirmedId: number }, results: PromiseSettledResult<Swept>[]) {
  const swept = results.map((result) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  });
  // Between them the two sweeps settled each link once (which sweep settled which is up to the race).
  expect(swept.reduce((total, result) => total + result.settled, 0)).toBe(2);
  expect(swept.flatMap((result) => result.ended)).toEqual([lapsedId]);
  expect(await count('audit_events', { action: 'setup_link.expired', setup_link_id: lapsedId })).toBe(1);
  expect(await count('owner_notices', { setup_link_id: lapsedId, kind: 'link_expired_unused' })).toBe(1);
  expect(await count('setup_links', { id: lapsedId, status: 'expired' })).toBe(1);
  expect(await count('audit_events', { action: 'setup_link.email_unconfirmed', setup_link_id: unconfirmedId })).toBe(1);
  expect(await count('owner_notices', { setup_link_id: unconfirmedId, kind: 'delivery_failed' })).toBe(1);
  expect(await count('setup_links', { id: unconfirmedId, status: 'failed' })).toBe(1);
}

describe('the stale-link sweep run by two instances at once', () => {
  it('settles each link once: one audit event, one owner notice', async () => {
    await expectSettledOnce(await linksToSettle(), await Promise.allSettled([sweep(a()), sweep(b())]));
  });
});

describePostgresOnly('the stale-link sweep, interleaved (PostgreSQL)', () => {
  it('the second sweep reads a link as unsettled while the first has settled it but not committed: still one of each', async () => {
    const links = await linksToSettle();
    // The first sweep waits at its first audit insert, having settled a link; the second waits on that link's row.
    await expectSettledOnce(links, await interleaved(AUDIT_LOCK, [() => sweep(a()), () => sweep(b())]));
  });
});

// ---------------------------------------------------------------------------------------------
// 2. The last active admin

/** Two new admins, and every other admin disabled (through the model): exactly these two are active. */
async function exactlyTwoActiveAdmins(): Promise<[Staff, Staff]> {
  const pair: [Staff, Staff] = [await createTestStaff('admin'), await createTestStaff('admin')];
  const others = await getDb()('staff')
    .where({ role: 'admin' })
    .whereNull('disabled_at')
    .whereNotIn(
      'id',
      pair.map((staff) => staff.id),
    )
    .pluck('id');
  for (const id of others as number[]) await disableStaff(id, FACTORY_ACTOR);
  expect((await listActiveAdmins()).map((admin) => admin.email).sort()).toEqual(pair.map((staff) => staff.email).sort());
  return pair;
}

async function expectOneAdminLeft(results: PromiseSettledResult<Staff>[]) {
  const refused = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
  expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  expect(refused).toHaveLength(1);
  expect(refused[0]!.reason).toBeInstanceOf(StaffRuleError);
  expect((refused[0]!.reason as Error).message).toMatch(/last active admin/);
  expect(await listActiveAdmins()).toHaveLength(1);
}

describe('two instances changing the only two active admins at once', () => {
  // Three rounds each: left to chance, one round of a naive port does not always lose.
  it('two demotions: one succeeds, the other is refused as the last admin', async () => {
    for (let round = 0; round < 3; round++) {
      const [first, second] = await exactlyTwoActiveAdmins();
      await expectOneAdminLeft(
        await Promise.allSettled([
          changeStaffRole(first.id, 'support', FACTORY_ACTOR, { db: a() }),
          changeStaffRole(second.id, 'support', FACTORY_ACTOR, { db: b() }),
        ]),
      );
    }
  });

  it('a demotion and a disabling: one succeeds, the other is refused as the last admin', async () => {
    for (let round = 0; round < 3; round++) {
      const [first, second] = await exactlyTwoActiveAdmins();
      await expectOneAdminLeft(
        await Promise.allSettled([changeStaffRole(first.id, 'viewer', FACTORY_ACTOR, { db: a() }), disableStaff(second.id, FACTORY_ACTOR, { db: b() })]),
      );
    }
  });
});

describePostgresOnly('the last active admin, interleaved (PostgreSQL)', () => {
  it('each change passes the check while the other is written but not committed: still one refused', async () => {
    const [first, second] = await exactlyTwoActiveAdmins();
    // Both wait before their audit insert (the naive port: both past the trigger's check), or the
    // second at the trigger's advisory lock.
    await expectOneAdminLeft(
      await interleaved(AUDIT_LOCK, [
        () => changeStaffRole(first.id, 'support', FACTORY_ACTOR, { db: a() }),
        () => disableStaff(second.id, FACTORY_ACTOR, { db: b() }),
      ]),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 3. The owner digest claimed by two workers

async function ownerWithNotice(): Promise<Staff> {
  const owner = await createTestStaff('support');
  const { id } = await createOrganization({ owner });
  await queueOwnerNotice({ organizationId: id, setupLinkId: null, kind: 'setup_completed' });
  return owner;
}

/** An owner whose digest for today failed (the mail server refused it): its notices wait for a retry. */
async function ownerWithFailedDigest(): Promise<Staff> {
  const owner = await ownerWithNotice();
  catcher.behave({ kind: 'reject_message', code: 451 });
  expect(await sendOwnerDigests()).toBe(0);
  catcher.behave({ kind: 'accept' });
  expect(await getDb()('owner_digests').where({ staff_id: owner.id }).pluck('status')).toEqual(['failed']);
  catcher.emails.length = 0;
  return owner;
}

/** How many digests the audit trail says were sent (it is append-only: tests compare with the count before). */
const digestsAudited = () => count('audit_events', { action: 'staff.digest_sent' });

async function expectOneDigest(owner: Staff, auditedBefore: number, sent: PromiseSettledResult<number>[]) {
  expect(sent.map((result) => (result.status === 'fulfilled' ? result.value : result.reason))).toEqual(expect.arrayContaining([0, 1]));
  expect(catcher.emails.filter((email) => email.envelope.to.includes(owner.email))).toHaveLength(1);
  expect(await getDb()('owner_digests').where({ staff_id: owner.id }).select('status', 'notices')).toEqual([{ status: 'sent', notices: 1 }]);
  expect(await digestsAudited()).toBe(auditedBefore + 1);
}

/** The notice row the claim updates last: holding it stops the first claimer after it claimed the digest. */
const noticeLock = (owner: Staff) => ({ sql: 'SELECT id FROM owner_notices WHERE staff_id = ? FOR UPDATE', bindings: [owner.id] });

describe('two workers sending owner digests at once', () => {
  beforeEach(async () => {
    // Only this test's owner has notices (the sweep's tests queued some for the factory's owner).
    await getDb()('owner_notices').delete();
    await getDb()('owner_digests').delete();
    catcher.emails.length = 0;
  });

  it('a failed digest retried by both: one email, one sending → sent row', async () => {
    const owner = await ownerWithFailedDigest();
    await expectOneDigest(owner, await digestsAudited(), await Promise.allSettled([sendOwnerDigests({ db: a() }), sendOwnerDigests({ db: b() })]));
  });

  it('a first digest of the day claimed by both: one email, and neither worker fails', async () => {
    const owner = await ownerWithNotice();
    await expectOneDigest(owner, await digestsAudited(), await Promise.allSettled([sendOwnerDigests({ db: a() }), sendOwnerDigests({ db: b() })]));
  });

  describePostgresOnly('interleaved (PostgreSQL)', () => {
    it('the retry: the second claims while the first has claimed but not committed', async () => {
      const owner = await ownerWithFailedDigest();
      await expectOneDigest(
        owner,
        await digestsAudited(),
        await interleaved(noticeLock(owner), [() => sendOwnerDigests({ db: a() }), () => sendOwnerDigests({ db: b() })]),
      );
    });

    it('the first of the day: the second inserts the day’s row while the first has inserted it but not committed', async () => {
      const owner = await ownerWithNotice();
      await expectOneDigest(
        owner,
        await digestsAudited(),
        await interleaved(noticeLock(owner), [() => sendOwnerDigests({ db: a() }), () => sendOwnerDigests({ db: b() })]),
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Two WorkOS events about one organization's connections

let eventSequence = 0;
/** A WorkOS event as the webhook route records it: recordWorkOSEvent in transaction(), on one instance. */
function webhook(db: Knex, event: 'connection.activated' | 'connection.deactivated' | 'dsync.activated', organizationId: string, connectionId: string) {
  eventSequence += 1;
  const raw = {
    id: `event_01RACE${String(eventSequence).padStart(6, '0')}${uniqueSuffix().toUpperCase()}`,
    event,
    createdAt: new Date().toISOString(),
    context: {},
    data: { id: connectionId, organizationId, type: 'OktaSAML' },
  };
  return transaction(db, (trx) => recordWorkOSEvent(raw, 'webhook', { db: trx }));
}

async function ssoStatus(workosId: string): Promise<{ state: string; detail: string }> {
  return (await getDb()('feature_status').where({ workos_organization_id: workosId, feature: 'sso' }).first('state', 'detail')) as {
    state: string;
    detail: string;
  };
}

/** One connection activated, another deactivated, whatever the order: SSO is done. */
const SEQUENTIAL = { state: 'done', detail: expect.stringContaining('active') as unknown };

describe('two WorkOS events for different connections of one organization at once', () => {
  it('over 24 organizations, each ends as a sequential application leaves it: done, a connection is active', async () => {
    const organizations = [];
    for (let index = 0; index < 24; index++) organizations.push(await createOrganization());
    const results = await Promise.all(
      organizations.flatMap((organization, index) => {
        const activate = () => webhook(a(), 'connection.activated', organization.workosId!, `conn_active_${index}_${uniqueSuffix()}`);
        const deactivate = () => webhook(b(), 'connection.deactivated', organization.workosId!, `conn_inactive_${index}_${uniqueSuffix()}`);
        // Half start with the activation, half with the deactivation.
        return index % 2 === 0 ? [activate(), deactivate()] : [deactivate(), activate()];
      }),
    );
    expect(results.every((outcome) => outcome.recorded && outcome.applied)).toBe(true);
    const statuses = await Promise.all(organizations.map((organization) => ssoStatus(organization.workosId!)));
    expect(statuses.filter((status) => status.state !== 'done')).toEqual([]);
    for (const status of statuses) expect(status).toEqual(SEQUENTIAL);
  });
});

describePostgresOnly('two WorkOS events for one organization, interleaved (PostgreSQL)', () => {
  it('the deactivation reads the connections while the activation is written but not committed: still done', async () => {
    for (let iteration = 0; iteration < 3; iteration++) {
      const { workosId } = await createOrganization();
      const held = await hold(AUDIT_LOCK.sql);
      try {
        // The activation derives "done" and waits at its audit insert; then the deactivation reads
        // the organization's connections (the naive port: without the uncommitted activation).
        const activation = webhook(a(), 'connection.activated', workosId!, `conn_on_${uniqueSuffix()}`);
        await lockWaiters(1);
        const deactivation = webhook(b(), 'connection.deactivated', workosId!, `conn_off_${uniqueSuffix()}`);
        await lockWaiters(2);
        await held.release();
        await Promise.all([activation, deactivation]);
      } finally {
        await held.release();
      }
      expect(await ssoStatus(workosId!)).toEqual(SEQUENTIAL);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 4b. The last two features of a link done at once (write skew: each reads the other's status)

/** An organization with an active link for SSO and Directory Sync, neither done yet. */
async function linkAwaitingTwoFeatures(): Promise<{ workosId: string; linkId: number }> {
  const { id, workosId } = await createOrganization();
  const { link } = await issueSetupLink(id, { features: ['sso', 'dsync'] });
  return { workosId: workosId!, linkId: link.id };
}

async function expectCompletedOnce(linkId: number, outcomes: { completedLinkId: number | null }[]) {
  // A sequential application completes the link with the second event.
  expect(outcomes.filter((outcome) => outcome.completedLinkId === linkId)).toHaveLength(1);
  expect(await count('setup_links', { id: linkId, status: 'completed' })).toBe(1);
  expect(await count('audit_events', { action: 'setup_link.completed', setup_link_id: linkId })).toBe(1);
  expect(await count('owner_notices', { setup_link_id: linkId, kind: 'setup_completed' })).toBe(1);
}

const finishBoth = (workosId: string) => [
  () => webhook(a(), 'connection.activated', workosId, `conn_${uniqueSuffix()}`),
  () => webhook(b(), 'dsync.activated', workosId, `directory_${uniqueSuffix()}`),
];

describe('the last two features of a link done at once', () => {
  // One organization at a time, its two events together: on PostgreSQL every one of these
  // transactions reads and writes the same few index pages (feature_status, workos_resources: a
  // small table's keys share a page, and SSI locks pages), so many organizations at once mostly
  // measure how often transaction() retries, not this race.
  it('over 10 organizations, each link is completed exactly once', async () => {
    for (let index = 0; index < 10; index++) {
      const { workosId, linkId } = await linkAwaitingTwoFeatures();
      await expectCompletedOnce(linkId, await Promise.all(finishBoth(workosId).map((deliver) => deliver())));
    }
  });
});

describe('a burst of webhooks: 12 organizations, their last two features done all at once', () => {
  // 24 transactions at once over two instances: on PostgreSQL they collide on shared index pages
  // and are retried (transaction()); none may run out of attempts, and each link completes once.
  it('every event is recorded, and each link is completed exactly once', async () => {
    const links = [];
    for (let index = 0; index < 12; index++) links.push(await linkAwaitingTwoFeatures());
    const outcomes = await Promise.all(links.flatMap(({ workosId }) => finishBoth(workosId).map((deliver) => deliver())));
    for (const { linkId } of links) await expectCompletedOnce(linkId, outcomes);
  });
});

describePostgresOnly('the last two features of a link done at once, interleaved (PostgreSQL)', () => {
  // Both wait at their audit insert, each having marked its own feature done; let go, each counts
  // the done features before the other commits — most times: nothing after the count can be held
  // on a naive port (it writes nothing more), so the test runs five rounds.
  it('each event counts the done features while the other is written but not committed: the link is still completed once', async () => {
    for (let round = 0; round < 5; round++) {
      const { workosId, linkId } = await linkAwaitingTwoFeatures();
      const results = await interleaved(AUDIT_LOCK, finishBoth(workosId));
      await expectCompletedOnce(
        linkId,
        results.map((result) => {
          if (result.status === 'rejected') throw result.reason;
          return result.value;
        }),
      );
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 6. The poller's lease

describe('the poller’s lease asked for by 20 takers at once', () => {
  it('has exactly one winner; the 19 others are told who holds it', async () => {
    const attempts = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        acquireLease('workos_events_poller', { holder: `taker-${index}`, leaseMs: 60_000 }, { db: instances[index % 2]! }),
      ),
    );
    const winners = attempts.filter((attempt) => attempt.taken);
    expect(winners).toHaveLength(1);
    const holder = winners[0]!.taken ? winners[0]!.lease.holder : null;
    expect(attempts.filter((attempt) => !attempt.taken)).toEqual(Array.from({ length: 19 }, () => ({ taken: false, reason: 'busy', holder })));
    expect(await getDb()('background_jobs').where({ name: 'workos_events_poller' }).first('holder')).toEqual({ holder });
  });
});
