import type { Organization as WorkOSOrganization } from '@workos-inc/node';
import type { Knex } from 'knex';
import { getDb, type ModelContext } from '~/utils/db.server';
import { logger } from '~/utils/logger.server';
import { getWorkOS, isoTimestamp } from '~/utils/workos.server';
import { describeWorkOSError } from '~/utils/workos-errors.server';
import { recordAuditEvent, type AuditActor } from './audit.server';
import { applyWorkOSOrganization, OrganizationRuleError, type OrganizationRow } from './organization.server';
import { revokeActiveLinkOf } from './setup-link.server';

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
  { requestId, db = getDb() }: ModelContext = {},
): Promise<number> {
  const now = new Date();
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
    if (error instanceof Error && /UNIQUE constraint failed/.test(error.message)) {
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
        const outcome = await upsertFromWorkOS(organization, actor, { requestId, db });
        if (outcome === 'created') counts.created += 1;
        if (outcome === 'updated') counts.updated += 1;
      }
      after = page.listMetadata.after ?? undefined;
      await db('organization_syncs')
        .where({ id })
        .update({ ...counts, heartbeat_at: new Date().toISOString() });
    } while (after);

    const active = (await db('organizations').where({ status: 'active' }).whereNotNull('workos_id').select('id', 'workos_id')) as {
      id: number;
      workos_id: string;
    }[];
    for (const row of active.filter((candidate) => !seenWorkOSIds.has(candidate.workos_id))) {
      await db.transaction(async (trx) => {
        const now = new Date().toISOString();
        await trx('organizations').where({ id: row.id, status: 'active' }).update({ status: 'archived', archived_at: now, updated_at: now });
        await recordAuditEvent(
          { actor, action: 'organization.archived_deleted_in_workos', organizationId: row.id, requestId, details: { workosId: row.workos_id } },
          { db: trx },
        );
        await revokeActiveLinkOf(row.id, { reason: 'The organization was deleted in WorkOS.' }, actor, { db: trx, requestId });
      });
      counts.archived += 1;
    }
    await db('organization_syncs')
      .where({ id })
      .update({ ...counts, status: 'succeeded', finished_at: new Date().toISOString(), heartbeat_at: new Date().toISOString() });
    await recordAuditEvent({ actor, action: 'organization.sync_finished', requestId, details: { syncId: id, ...counts } }, { db });
  } catch (error) {
    const problem = describeWorkOSError(error);
    logger.error({ err: error, syncId: id }, 'organization sync failed');
    await db('organization_syncs')
      .where({ id })
      .update({ ...counts, status: 'failed', finished_at: new Date().toISOString(), error: problem.message });
    await recordAuditEvent({ actor, action: 'organization.sync_failed', requestId, details: { syncId: id, kind: problem.kind, ...counts } }, { db });
  }
}

async function upsertFromWorkOS(
  organization: WorkOSOrganization,
  actor: AuditActor,
  { requestId, db }: { requestId?: string; db: Knex },
): Promise<'created' | 'updated' | 'unchanged'> {
  const key = organization.metadata?.setup_desk_key;
  const local =
    (await db<OrganizationRow>('organizations').where({ workos_id: organization.id }).first()) ??
    (key ? await db<OrganizationRow>('organizations').where({ idempotency_key: key, status: 'pending' }).first() : undefined);
  return db.transaction(async (trx) => {
    if (!local) {
      const now = new Date().toISOString();
      const externalTaken = organization.externalId ? await trx('organizations').where({ external_id: organization.externalId }).first('id') : undefined;
      const [row] = await trx('organizations')
        .insert({
          name: organization.name,
          workos_id: organization.id,
          external_id: externalTaken ? null : (organization.externalId ?? null),
          status: 'active',
          idempotency_key: `import:${organization.id}`,
          created_by: actor.id ?? null,
          created_at: isoTimestamp(organization.createdAt) ?? now,
          updated_at: now,
        })
        .returning('id');
      const id = (row as { id: number }).id;
      await applyWorkOSOrganization(id, organization, { keepExternalId: Boolean(externalTaken) }, { db: trx });
      await recordAuditEvent({ actor, action: 'organization.imported', organizationId: id, requestId, details: { workosId: organization.id } }, { db: trx });
      return 'created';
    }
    const domains = (await trx('organization_domains').where({ organization_id: local.id }).orderBy('domain').select('domain', 'state')) as {
      domain: string;
      state: string;
    }[];
    const incoming = organization.domains.map((domain) => ({ domain: domain.domain.toLowerCase(), state: domain.state ?? 'pending' }));
    incoming.sort((a, b) => a.domain.localeCompare(b.domain));
    const changed =
      local.status === 'pending' ||
      local.name !== organization.name ||
      (local.external_id ?? null) !== (organization.externalId ?? null) ||
      JSON.stringify(domains) !== JSON.stringify(incoming);
    if (!changed) return 'unchanged';
    await applyWorkOSOrganization(local.id, organization, { status: local.status === 'pending' ? 'active' : undefined }, { db: trx });
    await recordAuditEvent({ actor, action: 'organization.synced', organizationId: local.id, requestId, details: { workosId: organization.id } }, { db: trx });
    return 'updated';
  });
}
