import { getDb, type ModelContext } from '~/utils/db.server';
import { isUniqueViolation } from '~/utils/dialect.server';
import { getLogger } from '~/utils/logger.server';
import { getWorkOS } from '~/utils/workos.server';
import { describeWorkOSError } from '~/utils/workos-errors.server';
import { recordAuditEvent, type AuditActor } from './audit.server';
import { archiveOrganizationsGoneFromWorkOS, OrganizationRuleError, upsertOrganizationFromWorkOS } from './organization.server';

/** A sync that has not reported progress for this long died with its process. */
const STALE_AFTER_MS = 2 * 60_000;
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
 * stored as it goes. One at a time: a second start while one runs is refused.
 */
export async function startOrganizationSync(
  actor: AuditActor,
  { onFinished }: { onFinished?: (sync: OrganizationSync) => void } = {},
  { requestId, db = getDb(), now = new Date() }: ModelContext = {},
): Promise<number> {
  await db('organization_syncs')
    .where({ status: 'running' })
    .where('heartbeat_at', '<', new Date(now.getTime() - STALE_AFTER_MS).toISOString())
    .update({ status: 'failed', finished_at: now.toISOString(), error: 'Interrupted: the server stopped during the sync.' });
  let id: number;
  try {
    const [row] = await db('organization_syncs')
      .insert({ started_by: actor.id ?? null, started_at: now.toISOString(), heartbeat_at: now.toISOString(), status: 'running' })
      .returning('id');
    id = (row as { id: number }).id;
  } catch (error) {
    if (isUniqueViolation(error, { name: 'organization_syncs_one_running', columns: 'organization_syncs.status' })) {
      throw new OrganizationRuleError('A sync is already running. Its progress is shown below.');
    }
    throw error;
  }
  await recordAuditEvent({ actor, action: 'organization.sync_started', requestId, details: { syncId: id } }, { db });
  void runOrganizationSync(id, actor, { requestId, db }).then(async () => {
    const row = (await db('organization_syncs').where({ id }).first()) as SyncRow;
    onFinished?.(toSync(row));
  });
  return id;
}

/**
 * Pages through every WorkOS organization and upserts local rows: new ones are imported, changed
 * ones updated, a pending row whose creation answer was lost is linked. Active rows whose WorkOS
 * organization no longer exists are archived (never deleted). Safe to run again.
 */
export async function runOrganizationSync(id: number, actor: AuditActor, { requestId, db = getDb() }: ModelContext = {}): Promise<void> {
  const counts = { seen: 0, created: 0, updated: 0, archived: 0 };
  const seenWorkOSIds = new Set<string>();
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
      await db('organization_syncs')
        .where({ id })
        .update({ ...counts, heartbeat_at: new Date().toISOString() });
    } while (after);

    // Counted as each commits: a sync that fails part-way still reports what it archived.
    await archiveOrganizationsGoneFromWorkOS({ seenWorkOSIds, onArchived: () => (counts.archived += 1) }, actor, { requestId, db });
    await db('organization_syncs')
      .where({ id })
      .update({ ...counts, status: 'succeeded', finished_at: new Date().toISOString(), heartbeat_at: new Date().toISOString() });
    await recordAuditEvent({ actor, action: 'organization.sync_finished', requestId, details: { syncId: id, ...counts } }, { db });
  } catch (error) {
    const problem = describeWorkOSError(error);
    getLogger().error({ err: error, syncId: id }, 'organization sync failed');
    await db('organization_syncs')
      .where({ id })
      .update({ ...counts, status: 'failed', finished_at: new Date().toISOString(), error: problem.message });
    await recordAuditEvent({ actor, action: 'organization.sync_failed', requestId, details: { syncId: id, kind: problem.kind, ...counts } }, { db });
  }
}
