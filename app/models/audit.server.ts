import type { Knex } from 'knex';
import { getDb } from '~/utils/db.server';
import { scrubLinkValues } from '~/utils/link-secrets';

export type AuditActorType = 'staff' | 'system' | 'it_admin' | 'cli';

export interface AuditActor {
  type: AuditActorType;
  id?: number | null;
  /** The actor's name at the time (kept even if the account is renamed or disabled). */
  label: string;
}

/** `subject.verb`, lower case: `setup_link.revoked`, `staff.signed_in`. */
export type AuditAction = `${string}.${string}`;

export interface AuditEventInput {
  actor: AuditActor;
  action: AuditAction;
  organizationId?: number | null;
  setupLinkId?: number | null;
  details?: Record<string, unknown>;
  note?: string | null;
  requestId?: string | null;
}

export interface RecordedAuditEvent {
  id: number;
  /** True when the note (or a detail) held something link-like that was replaced by a marker. */
  scrubbed: boolean;
}

export const AUDIT_NOTE_MAX_LENGTH = 5000;
const ACTION_PATTERN = /^[a-z][a-z_]*\.[a-z][a-z_]*$/;

/**
 * Appends one event to the audit trail. Pass a transaction as `db` to write it atomically with
 * the change it records. The note and every string in `details` pass through the link scrubber
 * first: the audit trail must never hold a setup-link value.
 */
export async function recordAuditEvent(
  event: AuditEventInput,
  db: Knex | Knex.Transaction = getDb(),
): Promise<RecordedAuditEvent> {
  if (!ACTION_PATTERN.test(event.action)) {
    throw new Error(`Audit action "${event.action}" must look like subject.verb in lower case`);
  }
  const label = event.actor.label.trim();
  if (!label) throw new Error('Audit actor needs a label');

  const note = event.note?.trim() ? scrubLinkValues(event.note.trim()) : null;
  if (note && note.text.length > AUDIT_NOTE_MAX_LENGTH) {
    throw new Error(`Audit note is longer than ${AUDIT_NOTE_MAX_LENGTH} characters`);
  }
  const details = scrubDetails(event.details ?? {});

  const [row] = await db('audit_events')
    .insert({
      at: new Date().toISOString(),
      request_id: event.requestId ?? null,
      actor_type: event.actor.type,
      actor_id: event.actor.id ?? null,
      actor_label: label.slice(0, 200),
      action: event.action,
      organization_id: event.organizationId ?? null,
      setup_link_id: event.setupLinkId ?? null,
      details: JSON.stringify(details.value),
      note: note?.text ?? null,
    })
    .returning('id');
  return { id: (row as { id: number }).id, scrubbed: Boolean(note?.scrubbed) || details.scrubbed };
}

function scrubDetails(value: unknown): { value: unknown; scrubbed: boolean } {
  if (typeof value === 'string') {
    const result = scrubLinkValues(value);
    return { value: result.text, scrubbed: result.scrubbed };
  }
  if (Array.isArray(value)) {
    const items = value.map(scrubDetails);
    return { value: items.map((item) => item.value), scrubbed: items.some((item) => item.scrubbed) };
  }
  if (value && typeof value === 'object') {
    let scrubbed = false;
    const entries = Object.entries(value).map(([key, inner]) => {
      const result = scrubDetails(inner);
      scrubbed ||= result.scrubbed;
      return [key, result.value] as const;
    });
    return { value: Object.fromEntries(entries), scrubbed };
  }
  return { value, scrubbed: false };
}

export interface TimelineEntry {
  id: number;
  at: string;
  actorLabel: string;
  action: string;
  summary: string;
  note: string | null;
}

/** Sentences for the actions an organization's history shows; others fall back to the action. */
const ACTION_SUMMARIES: Record<string, (details: Record<string, unknown>) => string> = {
  'organization.create_requested': (d) => `asked to create the organization${d.csOwner ? ` (CS owner ${String(d.csOwner)})` : ''}`,
  'organization.created': (d) => `created it in WorkOS (${String(d.workosId)})`,
  'organization.create_failed': (d) => `could not create it in WorkOS yet (${String(d.kind).replace(/_/g, ' ')})`,
  'organization.create_refused': (d) => `had it refused by WorkOS (${String(d.kind).replace(/_/g, ' ')})`,
  'organization.updated': () => 'edited its details in WorkOS',
  'organization.update_failed': (d) => `could not save an edit in WorkOS (${String(d.kind).replace(/_/g, ' ')})`,
  'organization.owner_changed': (d) => `changed the CS owner from ${String(d.from ?? 'nobody')} to ${String(d.to)}`,
  'organization.archived': () => 'archived it',
  'organization.imported': () => 'imported it from WorkOS',
  'organization.synced': () => 'updated it from WorkOS',
  'organization.archived_deleted_in_workos': () => 'archived it: it was deleted in WorkOS',
  'setup_link.created': (d) => `created a setup link for ${featureList(d.features)} (${String(d.fingerprint)})`,
  'setup_link.recreated': (d) => `recreated the setup link for ${featureList(d.features)} (${String(d.fingerprint)})`,
  'setup_link.emailed': (d) => `emailed the setup link to ${String(d.recipient)} (${String(d.fingerprint)})`,
  'setup_link.email_failed': (d) =>
    `could not email the setup link to ${String(d.recipient)} (${String(d.errorClass)}${d.responseCode ? ` ${String(d.responseCode)}` : ''}); it is not active (${String(d.fingerprint)})`,
  'setup_link.email_unconfirmed': (d) =>
    `failed the setup link: its email to ${String(d.recipient)} was never confirmed sent (${String(d.fingerprint)})`,
  'setup_link.revoked': (d) => `revoked the setup link (${String(d.fingerprint)})`,
  'setup_link.expired': (d) => `saw the setup link expire (${String(d.fingerprint)})`,
  'setup_link.viewed': (d) => `opened the setup link${d.first ? ' for the first time' : ''} (${String(d.fingerprint)})`,
  'setup_link.launched': (d) => `started ${String(d.feature).replace(/_/g, ' ')} setup in WorkOS`,
  'setup_link.launch_failed': (d) => `could not start ${String(d.feature).replace(/_/g, ' ')} setup (${String(d.kind).replace(/_/g, ' ')})`,
};

function featureList(value: unknown): string {
  return Array.isArray(value) ? value.map((feature) => String(feature).replace(/_/g, ' ')).join(', ') : 'features';
}

/** An organization's history, newest first. */
export async function listOrganizationTimeline(organizationId: number, { limit = 50, db = getDb() }: { limit?: number; db?: Knex } = {}): Promise<TimelineEntry[]> {
  const rows = (await db('audit_events')
    .where({ organization_id: organizationId })
    .orderBy([
      { column: 'at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit)) as { id: number; at: string; actor_label: string; action: string; details: string; note: string | null }[];
  return rows.map((row) => {
    const details = JSON.parse(row.details) as Record<string, unknown>;
    return {
      id: row.id,
      at: row.at,
      actorLabel: row.actor_label,
      action: row.action,
      summary: ACTION_SUMMARIES[row.action]?.(details) ?? row.action,
      note: row.note,
    };
  });
}
