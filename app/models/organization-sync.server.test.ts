/**
 * The organization sync on several instances: two handles on one database file stand for two
 * instances. A sync started from any of them runs once; a sync whose lease lapsed is taken over
 * exactly once, and when it wakes it stops without touching what its successor did.
 */
import type { Knex } from 'knex';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getDb, openDatabase } from '~/utils/db.server';
import type { RunningSandbox } from '../../sandbox/server';
import { createOrganization, createTestStaff } from '../../test/factories';
import { startSandboxInProcess } from '../../test/sandbox';
import { getJobState } from './background-jobs.server';
import { OrganizationRuleError } from './organization.server';
import { startOrganizationSync, type OrganizationSync } from './organization-sync.server';
import { staffActor } from './staff.server';
import { testDatabaseLocation } from '../../test/backend';

let sandbox: RunningSandbox;
let other: Knex;
let actor: ReturnType<typeof staffActor>;

beforeAll(async () => {
  sandbox = await startSandboxInProcess();
  other = openDatabase(testDatabaseLocation());
  actor = staffActor(await createTestStaff('admin'));
});
afterAll(async () => {
  await other.destroy();
  await sandbox.stop();
});
beforeEach(() => {
  sandbox.faults.clear();
});

/** Starts a sync on `db`; `finished` resolves with its row once its run has ended, however it ended. */
async function start(db: Knex): Promise<{ id: number; finished: Promise<OrganizationSync> }> {
  let finish!: (sync: OrganizationSync) => void;
  const finished = new Promise<OrganizationSync>((resolve) => (finish = resolve));
  const id = await startOrganizationSync(actor, { onFinished: finish }, { db });
  return { id, finished };
}

const auditCount = async (action: string, syncId: number) =>
  (await getDb()('audit_events').where({ action }).pluck('details'))
    .map((details: unknown) => (typeof details === 'string' ? JSON.parse(details) : details) as { syncId?: number })
    .filter((details) => details.syncId === syncId).length;

describe('one organization sync across instances', () => {
  it('started on two instances at once: one sync runs, the other start is refused', async () => {
    // The sync that starts holds at its first WorkOS page until both starts have answered.
    const held = sandbox.faults.add({ method: 'GET', path: '/organizations', hold: true });
    const starts = await Promise.allSettled([start(getDb()), start(other)]);
    const started = starts.filter((each) => each.status === 'fulfilled');
    const refused = starts.filter((each) => each.status === 'rejected');
    expect(started).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(OrganizationRuleError);
    expect(await getDb()('organization_syncs').where({ status: 'running' }).pluck('id')).toEqual([started[0]!.value.id]);

    sandbox.faults.release(held.id);
    expect(await started[0]!.value.finished).toMatchObject({ status: 'succeeded' });
    expect((await getJobState('organization_sync')).holder).toBeNull();
  });

  it('an organization whose creation finished here while the sync was listing WorkOS is not archived as gone; one that was already here is', async () => {
    const before = await createOrganization({ name: 'Gone Before Listing Co' });
    const held = sandbox.faults.add({ method: 'GET', path: '/organizations', hold: true });
    const sync = await start(getDb());
    await sandbox.faults.reached(held.id);
    // Another instance finishes a creation now: WorkOS has it, the listing under way may not.
    const during = await createOrganization({ name: 'Created During Listing Co' });
    sandbox.faults.release(held.id);
    expect(await sync.finished).toMatchObject({ status: 'succeeded' });
    const status = async (id: number) => (await getDb()('organizations').where({ id }).first('status')).status as string;
    // Neither is in the sandbox's WorkOS: the one already here when the listing began is gone; the other is left for the next sync.
    expect(await status(before.id)).toBe('archived');
    expect(await status(during.id)).toBe('active');
  });

  it('a sync whose lease lapsed is taken over once; when it wakes it stops and leaves the successor’s work alone', async () => {
    const held = sandbox.faults.add({ method: 'GET', path: '/organizations', hold: true });
    const hung = await start(getDb());
    await sandbox.faults.reached(held.id);
    // Its lease lapses while WorkOS keeps it waiting (a hung call, or a process that died).
    await getDb()('background_jobs')
      .where({ name: 'organization_sync' })
      .update({ lease_until: new Date(Date.now() - 1).toISOString() });

    const takeovers = await Promise.allSettled([start(getDb()), start(other)]);
    const successors = takeovers.filter((each) => each.status === 'fulfilled');
    expect(successors).toHaveLength(1);
    expect(takeovers.filter((each) => each.status === 'rejected').map((each) => (each as PromiseRejectedResult).reason)).toEqual([
      expect.any(OrganizationRuleError),
    ]);
    const successor = successors[0]!.value;
    expect(await getDb()('organization_syncs').where({ id: hung.id }).first()).toMatchObject({
      status: 'failed',
      error: 'Interrupted: the server stopped during the sync.',
    });
    expect(await successor.finished).toMatchObject({ id: successor.id, status: 'succeeded' });

    // The hung sync gets its page at last: it finds its lease gone and stops.
    sandbox.faults.release(held.id);
    expect(await hung.finished).toMatchObject({ id: hung.id, status: 'failed', error: 'Interrupted: the server stopped during the sync.' });
    expect(await auditCount('organization.sync_finished', successor.id)).toBe(1);
    expect(await auditCount('organization.sync_finished', hung.id)).toBe(0);
    expect(await auditCount('organization.sync_failed', hung.id)).toBe(0);
    expect(await getDb()('organization_syncs').where({ status: 'running' })).toEqual([]);
  });
});
