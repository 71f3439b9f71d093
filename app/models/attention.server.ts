import type { Knex } from 'knex';
import { getDb, type ModelContext } from '~/utils/db.server';
import { fromIndexed, jsonText, notLeading } from '~/utils/dialect.server';
import { latestFailedLaunches } from './audit.server';
import { linkIsActiveSql, linkStatusSql } from './setup-link.server';
import { ATTENTION_KINDS, ATTENTION_LIMITS, type AttentionKind } from '~/domain/attention';
import { FEATURE_INFO, type SetupFeature } from '~/domain/features';

/**
 * "Needs attention" on the home page: the customers a rep should act on today, each group with
 * the next action. Every query starts from a small, indexed set (active links by expiry, failed or
 * completed links, features WorkOS flagged, recent launch failures) and is capped per group.
 */

export { ATTENTION_KINDS, ATTENTION_LIMITS, type AttentionKind };
const GROUP_LIMIT = 50;

export interface AttentionItem {
  organizationId: number;
  organizationName: string;
  ownerName: string | null;
  /** What happened, in words. */
  detail: string;
  /** When it happened or will happen (expiry). */
  at: string;
}

export interface AttentionGroup {
  kind: AttentionKind;
  items: AttentionItem[];
  /** True when more rows exist than shown. */
  truncated: boolean;
}

type OwnerFilter = { ownerId: number } | { ownerId: null };

interface Row {
  organization_id: number;
  organization_name: string;
  owner_name: string | null;
  at: string;
  detail?: string | null;
  features?: string | null;
  recipient_email?: string | null;
  delivery?: string;
  still_active?: number | null;
}

function base(db: Knex, ownerId: number | null, index?: string) {
  const query = db
    .from(db.raw(fromIndexed(db, 'organizations', 'o', index)))
    .leftJoin('staff as owner', 'owner.id', 'o.cs_owner_id')
    .whereNot('o.status', 'archived');
  // The unary + keeps SQLite from starting at the owner index (a fifth of all organizations):
  // each group starts from its own small, indexed set and checks the owner per row. PostgreSQL
  // finds that order from its statistics, which the + would hide (notLeading).
  if (ownerId !== null) query.whereRaw(`${notLeading(db, 'o.cs_owner_id')} = ?`, [ownerId]);
  return query;
}

function featureTitles(json: string | null | undefined): string {
  if (!json) return 'the setup';
  return (JSON.parse(json) as SetupFeature[]).map((feature) => FEATURE_INFO[feature]?.title ?? feature).join(', ');
}

function group(kind: AttentionKind, rows: Row[], detail: (row: Row) => string): AttentionGroup {
  return {
    kind,
    truncated: rows.length > GROUP_LIMIT,
    items: rows.slice(0, GROUP_LIMIT).map((row) => ({
      organizationId: row.organization_id,
      organizationName: row.organization_name,
      ownerName: row.owner_name,
      detail: detail(row),
      at: row.at,
    })),
  };
}

const SELECT = ['o.id as organization_id', 'o.name as organization_name', 'owner.name as owner_name'];

export async function listNeedsAttention({ ownerId }: OwnerFilter, { db = getDb(), now = new Date() }: ModelContext = {}): Promise<AttentionGroup[]> {
  const ago = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
  const active = linkIsActiveSql('l', now);
  const status = linkStatusSql('l', now);
  const activeLinks = (index?: string) =>
    base(db, ownerId)
      .join(db.raw(fromIndexed(db, 'setup_links', 'l', index)), 'l.organization_id', 'o.id')
      .whereRaw(active.sql, active.bindings);
  const otherActive = linkIsActiveSql('other', now);

  const [flagged, launchFailures, pendingErrors, failed, expiring, unopened, stalled, completed] = await Promise.all([
    base(db, ownerId)
      .join('feature_status as f', 'f.workos_organization_id', 'o.workos_id')
      .where('f.state', 'attention')
      .orderBy('f.changed_at', 'desc')
      .limit(GROUP_LIMIT + 1)
      .select(...SELECT, 'f.changed_at as at', db.raw("f.feature || ': ' || f.detail AS detail")),
    // The IT admin's latest launch (in the last week) failed on a WorkOS error.
    base(db, ownerId)
      .join(latestFailedLaunches({ since: ago(ATTENTION_LIMITS.stalledDays) }, { db }).as('e'), 'e.organization_id', 'o.id')
      .limit(GROUP_LIMIT + 1)
      .select(
        ...SELECT,
        'e.at as at',
        db.raw("'the IT admin could not open ' || replace(e.feature, '_', ' ') || ' setup (' || replace(e.kind, '_', ' ') || ')' AS detail"),
      ),
    // Named, with literals as it is defined: the planner would take the status index (every
    // pending organization) over this partial one (only those whose creation failed).
    base(db, ownerId, 'organizations_pending_errors')
      .whereRaw("o.status = 'pending' AND o.last_error IS NOT NULL")
      .limit(GROUP_LIMIT + 1)
      .select(...SELECT, 'o.updated_at as at', db.raw(`'not yet created in WorkOS: ' || ${jsonText(db, 'o.last_error', 'message')} AS detail`)),
    base(db, ownerId)
      .join('setup_links as l', 'l.organization_id', 'o.id')
      // Failed, or still "sending" past the grace period (which reads as failed before maintenance
      // records it). Literals: the partial index setup_links_failed_or_sending, newest first.
      .whereRaw("l.status IN ('failed', 'sending')")
      .whereRaw(`${status.sql} = 'failed'`, status.bindings)
      .whereRaw('l.id = (SELECT max(latest.id) FROM setup_links latest WHERE latest.organization_id = l.organization_id)')
      .orderBy('l.created_at', 'desc')
      .limit(GROUP_LIMIT + 1)
      .select(
        ...SELECT,
        'l.created_at as at',
        'l.recipient_email',
        'l.delivery',
        db.raw(
          `EXISTS (SELECT 1 FROM setup_links other WHERE other.organization_id = l.organization_id AND ${otherActive.sql}) AS still_active`,
          otherActive.bindings,
        ),
      ),
    activeLinks()
      .where('l.expires_at', '<=', new Date(now.getTime() + ATTENTION_LIMITS.expiringHours * 3_600_000).toISOString())
      .orderBy('l.expires_at')
      .limit(GROUP_LIMIT + 1)
      .select(...SELECT, 'l.expires_at as at', 'l.features'),
    // Named: without statistics the planner takes the opened-links index for "first_viewed_at IS
    // NULL" (every active link not yet opened) and sorts them.
    activeLinks('setup_links_unopened')
      .where('l.delivery', 'email')
      .where('l.email_sent_at', '<=', ago(ATTENTION_LIMITS.unopenedDays))
      .whereNull('l.first_viewed_at')
      .orderBy('l.email_sent_at')
      .limit(GROUP_LIMIT + 1)
      .select(...SELECT, 'l.email_sent_at as at', 'l.recipient_email'),
    activeLinks()
      .where('l.first_viewed_at', '<=', ago(ATTENTION_LIMITS.stalledDays))
      .orderBy('l.first_viewed_at')
      .limit(GROUP_LIMIT + 1)
      .select(...SELECT, 'l.first_viewed_at as at', 'l.features'),
    base(db, ownerId)
      .join('setup_links as l', 'l.organization_id', 'o.id')
      .where('l.status', 'completed')
      .where('l.completed_at', '>=', ago(ATTENTION_LIMITS.completedDays))
      .orderBy('l.completed_at', 'desc')
      .limit(GROUP_LIMIT + 1)
      .select(...SELECT, 'l.completed_at as at', 'l.features'),
  ]);

  const problems = [...(flagged as Row[]), ...(launchFailures as Row[]), ...(pendingErrors as Row[])].sort((a, b) => b.at.localeCompare(a.at));
  return [
    group('workos_problem', problems, (row) =>
      (row.detail ?? 'WorkOS reported a problem').replace(
        /^(sso|dsync|domain_verification|certificate_renewal|bring_your_own_key): /,
        (_, feature: SetupFeature) => `${FEATURE_INFO[feature].title}: `,
      ),
    ),
    group('delivery_failed', failed as Row[], (row) =>
      row.still_active
        ? `a new link for ${row.recipient_email ?? 'the IT admin'} could not be ${row.delivery === 'workos' ? 'sent by WorkOS' : 'emailed'}; the earlier link still works`
        : `the ${row.delivery === 'workos' ? 'WorkOS invitation' : 'email'} to ${row.recipient_email ?? 'the IT admin'} could not be sent; no link is active`,
    ),
    group('expiring', expiring as Row[], (row) => `the link for ${featureTitles(row.features)} expires soon`),
    group('unopened', unopened as Row[], (row) => `emailed to ${row.recipient_email ?? 'the IT admin'}, never opened`),
    group('stalled', stalled as Row[], (row) => `opened, but ${featureTitles(row.features)} not finished`),
    group('completed', completed as Row[], (row) => `set up ${featureTitles(row.features)}`),
  ];
}
