import { getDb, transaction, type ModelContext } from '~/utils/db.server';
import { getLogger } from '~/utils/logger.server';
import { getWorkOS } from '~/utils/workos.server';
import { describeWorkOSError } from '~/utils/workos-errors.server';
import { recordAuditEvent, type AuditActor } from './audit.server';
import { acquireLease, LeaseLostError, type JobLease } from './background-jobs.server';
import { archiveOrganizationsGoneFromWorkOS, OrganizationRuleError, upsertOrganizationFromWorkOS } from './organization.server';

const SYNC_JOB = 'organization_sync';
/** Longer than a page of organizations takes; a sync that has not renewed it for this long died with its process (or hangs) and is taken over. */
export const SYNC_LEASE_MS = 2 * 60_000;
const PAGE_SIZE = 100;

export interface OrganizationSync {
  id: number;
  status: 'running' | 'succeeded' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  seen: number;
  created: number;
  updated: number;
  archived: number;
  error: string | null;
}

interface SyncRow {
  id: number;
  status: OrganizationSync['status'];
  started_at: string;
  finished_at: string | null;
  seen: number;
  created: number;
  updated: number;
  archived: number;
  error: string | null;
}

function toSync(row: SyncRow): OrganizationSync {
  return {
    id: row.id,
    status: row.status,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    seen: row.seen,
    created: row.created,
    updated: row.updated,
    archived: row.archived,
    error: row.error,
  };
}

/** The most recent syncs, newest first. */
export async function listOrganizationSyncs(limit = 5, { db = getDb() }: ModelContext = {}): Promise<OrganizationSync[]> {
  return ((await db('organization_syncs').orderBy('id', 'desc').limit(limit)) as SyncRow[]).map(toSync);
}

/**
 * Starts a sync from WorkOS in the background and returns its id at once; its progress is
 * stored as it goes. One at a time across every instance: the sync holds the job's lease, and a
 * start while another sync holds it is refused. A sync whose lease lapsed (its process died, or
 * it hangs) is recorded as interrupted by the one start that takes the lease over.
 */
export async function startOrganizationSync(
  actor: AuditActor,
  { onFinished, leaseMs = SYNC_LEASE_MS }: { onFinished?: (sync: OrganizationSync) => void; leaseMs?: number } = {},
  { requestId, db = getDb(), now = new Date() }: ModelContext = {},
): Promise<number> {
  const attempt = await acquireLease(SYNC_JOB, { leaseMs }, { db });
  if (!attempt.taken) throw new OrganizationRuleError('A sync is already running. Its progress is shown below.');
  const { lease } = attempt;
  let id: number;
  try {
    // Holding the lease, nothing else runs a sync: a row still running was left by a holder whose lease lapsed.
    await db('organization_syncs')
      .where({ status: 'running' })
      .update({ status: 'failed', finished_at: now.toISOString(), error: 'Interrupted: the server stopped during the sync.' });
    const [row] = await db('organization_syncs')
      .insert({ started_by: actor.id ?? null, started_at: now.toISOString(), heartbeat_at: now.toISOString(), status: 'running' })
      .returning('id');
    id = (row as { id: number }).id;
    await recordAuditEvent({ actor, action: 'organization.sync_started', requestId, details: { syncId: id } }, { db });
  } catch (error) {
    await lease.release(error instanceof Error ? error.message : String(error));
    throw error;
  }
  void runOrganizationSync(id, actor, lease, { requestId, db }).then(async () => {
    const row = (await db('organization_syncs').where({ id }).first()) as SyncRow;
    onFinished?.(toSync(row));
  });
  return id;
}

/**
 * Pages through every WorkOS organization and upserts local rows: new ones are imported, changed
 * ones updated, a pending row whose creation answer was lost is linked. Active rows whose WorkOS
 * organization no longer exists are archived (never deleted). Safe to run again. The lease is
 * renewed with each page's progress; a run that finds it taken over stops, and leaves its row
 * to the start that took over (it says "interrupted").
 */
async function runOrganizationSync(id: number, actor: AuditActor, lease: JobLease, { requestId, db = getDb() }: ModelContext = {}): Promise<void> {
  const counts = { seen: 0, created: 0, updated: 0, archived: 0 };
  const seenWorkOSIds = new Set<string>();
  // What changed here once the listing began may be missing from it (created since, on any instance).
  const listedFrom = new Date().toISOString();
  try {
    let after: string | undefined;
    do {
      const page = await getWorkOS().organizations.listOrganizations({ limit: PAGE_SIZE, after, order: 'desc' });
      for (const organization of page.data) {
        seenWorkOSIds.add(organization.id);
        counts.seen += 1;
        const outcome = await upsertOrganizationFromWorkOS(organization, actor, { requestId, db });
        if (outcome === 'created') counts.created += 1;
        if (outcome === 'updated') counts.updated += 1;
      }
      after = page.listMetadata.after ?? undefined;
      await transaction(db, async (trx) => {
        await lease.renew({ db: trx });
        await trx('organization_syncs')
          .where({ id })
          .update({ ...counts, heartbeat_at: new Date().toISOString() });
      });
    } while (after);

    // Counted as each commits: a sync that fails part-way still reports what it archived.
    await archiveOrganizationsGoneFromWorkOS({ seenWorkOSIds, listedFrom, onArchived: () => (counts.archived += 1) }, actor, { requestId, db });
    await transaction(db, async (trx) => {
      await lease.renew({ db: trx });
      await trx('organization_syncs')
        .where({ id })
        .update({ ...counts, status: 'succeeded', finished_at: new Date().toISOString(), heartbeat_at: new Date().toISOString() });
      await recordAuditEvent({ actor, action: 'organization.sync_finished', requestId, details: { syncId: id, ...counts } }, { db: trx });
    });
    await lease.release(null);
  } catch (error) {
    if (error instanceof LeaseLostError) {
      getLogger().warn({ syncId: id }, 'organization sync stopped: its lease lapsed and another sync took over');
      return;
    }
    const problem = describeWorkOSError(error);
    getLogger().error({ err: error, syncId: id }, 'organization sync failed');
    // Audited only if this run still owned its row (a successor may have marked it interrupted).
    await transaction(db, async (trx) => {
      const failed = await trx('organization_syncs')
        .where({ id, status: 'running' })
        .update({ ...counts, status: 'failed', finished_at: new Date().toISOString(), error: problem.message });
      if (failed === 1)
        await recordAuditEvent({ actor, action: 'organization.sync_failed', requestId, details: { syncId: id, kind: problem.kind, ...counts } }, { db: trx });
    });
    await lease.release(problem.message);
  }
}
