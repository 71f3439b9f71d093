import type { Knex } from 'knex';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getDb, openDatabase } from '~/utils/db.server';
import { acquireLease, getJobState, LeaseLostError, type JobLease, type LeaseAttempt } from './background-jobs.server';
import { testDatabaseLocation } from '../../test/backend';

/** A second handle on the same file: another instance of the app. */
let other: Knex;
const t0 = Date.parse('2026-03-02T09:00:00.000Z');
const at = (ms: number) => () => new Date(t0 + ms);

beforeAll(() => {
  other = openDatabase(testDatabaseLocation());
});
afterAll(async () => {
  await other.destroy();
});
beforeEach(async () => {
  await getDb()('background_jobs')
    .where({ name: 'maintenance' })
    .update({ holder: null, lease_until: null, last_started_at: null, last_finished_at: null, last_succeeded_at: null, last_error: null });
});

function leaseOf(attempt: LeaseAttempt): JobLease {
  if (!attempt.taken) throw new Error(`expected the lease, got ${attempt.reason}`);
  return attempt.lease;
}

describe('job leases', () => {
  it('the migrations seed a row for every job', async () => {
    expect(await getDb()('background_jobs').orderBy('name').pluck('name')).toEqual(['maintenance', 'organization_sync', 'workos_events_poller']);
  });

  it('of two instances asking at once, exactly one gets the lease; the other is told who holds it', async () => {
    const attempts = await Promise.all([
      acquireLease('maintenance', { holder: 'instance-a', leaseMs: 60_000, clock: at(0) }),
      acquireLease('maintenance', { holder: 'instance-b', leaseMs: 60_000, clock: at(0) }, { db: other }),
    ]);
    const taken = attempts.filter((attempt) => attempt.taken);
    expect(taken).toHaveLength(1);
    const winner = leaseOf(taken[0]!).holder;
    expect(attempts.filter((attempt) => !attempt.taken)).toEqual([{ taken: false, reason: 'busy', holder: winner }]);
    expect((await getJobState('maintenance')).holder).toBe(winner);
  });

  it('a lapsed lease is taken over exactly once; the holder that lapsed learns it at its next renewal and cannot release the new lease', async () => {
    const lapsed = leaseOf(await acquireLease('maintenance', { holder: 'hung', leaseMs: 60_000, clock: at(0) }));
    expect(await acquireLease('maintenance', { holder: 'early', leaseMs: 60_000, clock: at(59_999) })).toEqual({
      taken: false,
      reason: 'busy',
      holder: 'hung',
    });

    const attempts = await Promise.all([
      acquireLease('maintenance', { holder: 'instance-a', leaseMs: 60_000, clock: at(60_000) }),
      acquireLease('maintenance', { holder: 'instance-b', leaseMs: 60_000, clock: at(60_000) }, { db: other }),
    ]);
    expect(attempts.filter((attempt) => attempt.taken)).toHaveLength(1);
    const successor = (await getJobState('maintenance')).holder;
    expect(successor).toMatch(/^instance-[ab]$/);

    await expect(lapsed.renew()).rejects.toBeInstanceOf(LeaseLostError);
    await lapsed.release('woke up late');
    expect(await getJobState('maintenance')).toMatchObject({ holder: successor, lastError: null, lastFinishedAt: null });
  });

  it('renewing pushes the lease on from the time of renewal', async () => {
    let now = 0;
    const lease = leaseOf(await acquireLease('maintenance', { holder: 'slow', leaseMs: 60_000, clock: () => new Date(t0 + now) }));
    now = 50_000;
    await lease.renew();
    expect((await getJobState('maintenance')).leaseUntil).toBe(new Date(t0 + 110_000).toISOString());
    expect(await acquireLease('maintenance', { holder: 'other', leaseMs: 60_000, clock: at(100_000) })).toMatchObject({ taken: false, reason: 'busy' });
  });

  it('on an interval, a job is not due again until the interval has passed since the last start, on whichever instance', async () => {
    const first = leaseOf(await acquireLease('maintenance', { holder: 'instance-a', leaseMs: 60_000, everyMs: 30_000, clock: at(0) }));
    await first.release(null);
    expect(await acquireLease('maintenance', { holder: 'instance-b', leaseMs: 60_000, everyMs: 30_000, clock: at(29_999) }, { db: other })).toEqual({
      taken: false,
      reason: 'not_due',
      holder: null,
    });
    const next = await acquireLease('maintenance', { holder: 'instance-b', leaseMs: 60_000, everyMs: 30_000, clock: at(30_000) }, { db: other });
    expect(next.taken).toBe(true);
  });

  it('release records how the run ended, its error scrubbed of link values', async () => {
    const failed = leaseOf(await acquireLease('maintenance', { holder: 'a', leaseMs: 60_000, clock: at(0) }));
    await failed.release('could not reach https://setup-desk.example/setup/sdl_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG');
    const afterFailure = await getJobState('maintenance');
    expect(afterFailure).toMatchObject({ holder: null, leaseUntil: null, lastSucceededAt: null, lastFinishedAt: new Date(t0).toISOString() });
    expect(afterFailure.lastError).toMatch(/^could not reach /);
    expect(afterFailure.lastError).not.toContain('sdl_abcdefghij');

    const succeeded = leaseOf(await acquireLease('maintenance', { holder: 'a', leaseMs: 60_000, clock: at(1_000) }));
    await succeeded.release(null);
    expect(await getJobState('maintenance')).toMatchObject({ lastError: null, lastSucceededAt: new Date(t0 + 1_000).toISOString() });
  });
});
