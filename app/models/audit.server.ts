import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { FEATURE_INFO, type SetupFeature } from '~/forms/setup-link';
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
      // Every event can be cited by an id: a request's own, or — for work outside a request (the
      // CLI, a sweep, a background sync) — one made for this event.
      request_id: event.requestId ?? `op-${crypto.randomUUID()}`,
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

/** One event as the history and the audit log show it. */
export interface AuditEventView {
  id: number;
  at: string;
  requestId: string | null;
  actorType: AuditActorType;
  actorId: number | null;
  actorLabel: string;
  action: string;
  /** What happened, in words, after the actor's name: "revoked the setup link (3fa2c1)". */
  summary: string;
  organizationId: number | null;
  organizationName: string | null;
  setupLinkId: number | null;
  details: Record<string, unknown>;
  note: string | null;
  /** What the note is to this action: "Reason" for a revocation, else "Note". */
  noteLabel: string;
}

const NOTE_LABELS: Record<string, string> = {
  'setup_link.revoked': 'Reason',
  'organization.archived': 'Reason',
};

/** Sentences for actions; an action without one is shown as its name. */
const ACTION_SUMMARIES: Record<string, (details: Record<string, unknown>) => string> = {
  'organization.noted': () => 'added a note',
  'organization.create_requested': (d) => `asked to create the organization${d.csOwner ? ` (CS owner ${String(d.csOwner)})` : ''}`,
  'organization.created': (d) => `created it in WorkOS (${String(d.workosId)})`,
  'organization.create_failed': (d) => `could not create it in WorkOS yet (${words(d.kind)})`,
  'organization.create_refused': (d) => `had it refused by WorkOS (${words(d.kind)})`,
  'organization.updated': () => 'edited its details in WorkOS',
  'organization.update_failed': (d) => `could not save an edit in WorkOS (${words(d.kind)})`,
  'organization.owner_changed': (d) => `changed the CS owner from ${String(d.from ?? 'nobody')} to ${String(d.to)}`,
  'organization.archived': () => 'archived it',
  'organization.imported': () => 'imported it from WorkOS',
  'organization.synced': () => 'updated it from WorkOS',
  'organization.archived_deleted_in_workos': () => 'archived it: it was deleted in WorkOS',
  'organization.sync_started': () => 'started a sync from WorkOS',
  'organization.sync_finished': (d) => `finished a sync from WorkOS (${Number(d.created ?? 0)} imported, ${Number(d.updated ?? 0)} updated, ${Number(d.archived ?? 0)} archived)`,
  'organization.sync_failed': (d) => `could not finish a sync from WorkOS (${words(d.kind)})`,
  'setup_link.created': (d) => `created a setup link for ${featureList(d.features)}, ${delivery(d)} (${String(d.fingerprint)})`,
  'setup_link.recreated': (d) => `recreated the setup link for ${featureList(d.features)}, ${delivery(d)} (${String(d.fingerprint)})`,
  'setup_link.emailed': (d) => `emailed the setup link to ${String(d.recipient)} (${String(d.fingerprint)})`,
  'setup_link.email_failed': (d) =>
    `could not email the setup link to ${String(d.recipient)} (${String(d.errorClass)}${d.responseCode ? ` ${String(d.responseCode)}` : ''}); it is not active (${String(d.fingerprint)})`,
  'setup_link.email_unconfirmed': (d) =>
    `failed the setup link: its email to ${String(d.recipient)} was never confirmed sent (${String(d.fingerprint)})`,
  'setup_link.revoked': (d) => `revoked the setup link (${String(d.fingerprint)})`,
  'setup_link.expired': (d) => `saw the setup link expire${d.unused ? ' unused' : ''} (${String(d.fingerprint)})`,
  'setup_link.completed': (d) => `completed the setup link: ${featureList(d.features)} done (${String(d.fingerprint)})`,
  'setup.progress': (d) =>
    `reported ${FEATURE_INFO[d.feature as SetupFeature]?.title ?? words(d.feature)} ${d.state === 'done' ? 'done' : d.state === 'attention' ? 'needing attention' : 'not done'}: ${String(d.status)} (by ${d.source === 'webhook' ? 'webhook' : 'events poll'})`,
  'setup_link.viewed': (d) => `opened the setup link${d.first ? ' for the first time' : ''} (${String(d.fingerprint)})`,
  'setup_link.launched': (d) => `started ${words(d.feature)} setup in WorkOS`,
  'setup_link.launch_failed': (d) => `could not start ${words(d.feature)} setup (${words(d.kind)})`,
  'staff.created': (d) => `added ${String(d.name)} (${String(d.email)}) as ${String(d.role)}`,
  'staff.role_changed': (d) => `changed ${String(d.name)}’s role from ${String(d.from)} to ${String(d.to)}`,
  'staff.disabled': (d) => `disabled ${String(d.name)}`,
  'staff.enabled': (d) => `enabled ${String(d.name)} again`,
  'staff.password_reset': (d) => `reset ${String(d.name)}’s password`,
  'staff.signed_out_everywhere': (d) => `signed ${String(d.name)} out everywhere`,
  'staff.password_changed': () => 'changed their password',
  'staff.digest_sent': (d) => `emailed ${String(d.name)} their digest (${Number(d.notices ?? 0)} update${Number(d.notices) === 1 ? '' : 's'})`,
  'staff.digest_changed': (d) => `turned ${d.enabled ? 'on' : 'off'} the daily digest email`,
  'staff.signed_in': () => 'signed in',
  'staff.signed_out': () => 'signed out',
  'staff.sign_in_failed': (d) => `refused a sign-in as ${String(d.email)} (${words(d.reason)})`,
  'staff.sign_in_locked': (d) => `locked sign-in as ${String(d.email)} for ${Number(d.minutes ?? 0)} minutes`,
  'staff.sign_in_throttled': (d) => `slowed down sign-in attempts as ${String(d.email)}`,
  'settings.changed': (d) =>
    `changed the configuration: ${Array.isArray(d.changes) ? (d.changes as { field: string; from: string; to: string }[]).map((change) => `${change.field} from “${change.from}” to “${change.to}”`).join('; ') : 'settings'}`,
  'system.test_email': (d) => `${d.sent ? 'sent' : 'could not send'} a test email to ${String(d.recipient)}`,
  'audit.exported': (d) => `exported ${String(d.format).toUpperCase()} of the audit log (${String(d.filters)})`,
};

/** Every action the app records, for the audit log's filter. */
export const KNOWN_AUDIT_ACTIONS = Object.keys(ACTION_SUMMARIES).sort();

function words(value: unknown): string {
  return String(value ?? 'unknown').replace(/_/g, ' ');
}

function featureList(value: unknown): string {
  return Array.isArray(value) ? value.map(words).join(', ') : 'features';
}

function delivery(details: Record<string, unknown>): string {
  return details.delivery === 'email' ? `to email to ${String(details.recipient)}` : 'to copy';
}

interface AuditRow {
  id: number;
  at: string;
  request_id: string | null;
  actor_type: AuditActorType;
  actor_id: number | null;
  actor_label: string;
  action: string;
  organization_id: number | null;
  organization_name?: string | null;
  setup_link_id: number | null;
  details: string;
  note: string | null;
}

function toView(row: AuditRow): AuditEventView {
  const details = JSON.parse(row.details) as Record<string, unknown>;
  return {
    id: row.id,
    at: row.at,
    requestId: row.request_id,
    actorType: row.actor_type,
    actorId: row.actor_id,
    actorLabel: row.actor_label,
    action: row.action,
    summary: ACTION_SUMMARIES[row.action]?.(details) ?? row.action,
    organizationId: row.organization_id,
    organizationName: row.organization_name ?? null,
    setupLinkId: row.setup_link_id,
    details,
    note: row.note,
    noteLabel: NOTE_LABELS[row.action] ?? 'Note',
  };
}

/** What the audit log can be narrowed to; every part optional. Dates are ISO instants. */
export interface AuditFilters {
  organizationIds?: number[];
  actor?: { type: AuditActorType; id?: number };
  action?: string;
  /** Inclusive. */
  from?: string;
  /** Exclusive. */
  to?: string;
}

/** A position in the newest-first order: the last event seen. */
export interface AuditCursor {
  at: string;
  id: number;
}

export function encodeAuditCursor(cursor: AuditCursor): string {
  return Buffer.from(`${cursor.at}|${cursor.id}`).toString('base64url');
}

export function decodeAuditCursor(value: string | null | undefined): AuditCursor | null {
  if (!value) return null;
  const [at, id] = Buffer.from(value, 'base64url').toString('utf8').split('|');
  if (!at || !/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(at) || !/^\d{1,15}$/.test(id ?? '')) return null;
  return { at, id: Number(id) };
}

function filteredEvents(db: Knex, filters: AuditFilters) {
  const statement = db('audit_events as e');
  if (filters.organizationIds) statement.whereIn('e.organization_id', filters.organizationIds);
  if (filters.actor) {
    statement.where('e.actor_type', filters.actor.type);
    if (filters.actor.id !== undefined) statement.where('e.actor_id', filters.actor.id);
    // Customers' IT admins, the system and the CLI have no id: saying so lets the actor index
    // (type, id, at) serve the newest-first order instead of sorting every such event.
    else if (filters.actor.type !== 'staff') statement.whereNull('e.actor_id');
  }
  if (filters.action) statement.where('e.action', filters.action);
  if (filters.from) statement.where('e.at', '>=', filters.from);
  if (filters.to) statement.where('e.at', '<', filters.to);
  return statement;
}

/**
 * One page of events, newest first, after `before` (keyset): each page is an index seek whatever
 * the table's size — the at/id index, or the organization's, actor's or action's.
 */
export async function listAuditEvents(
  filters: AuditFilters,
  { before, limit = 50, db = getDb() }: { before?: AuditCursor | null; limit?: number; db?: Knex } = {},
): Promise<{ events: AuditEventView[]; next: AuditCursor | null }> {
  const statement = filteredEvents(db, filters)
    .leftJoin('organizations as o', 'o.id', 'e.organization_id')
    .select('e.*', 'o.name as organization_name')
    .orderBy([
      { column: 'e.at', order: 'desc' },
      { column: 'e.id', order: 'desc' },
    ])
    .limit(limit + 1);
  if (before) statement.whereRaw('(e.at, e.id) < (?, ?)', [before.at, before.id]);
  const rows = (await statement) as AuditRow[];
  const page = rows.slice(0, limit).map(toView);
  const last = page.at(-1);
  return { events: page, next: rows.length > limit && last ? { at: last.at, id: last.id } : null };
}

/**
 * Every event matching the filters, newest first, a batch at a time: each batch is its own short
 * query, so a long export neither holds the database connection nor memory.
 */
export async function* auditEventBatches(filters: AuditFilters, { batchSize = 1000, db = getDb() }: { batchSize?: number; db?: Knex } = {}): AsyncGenerator<AuditEventView[]> {
  let before: AuditCursor | null = null;
  for (;;) {
    const { events, next } = await listAuditEvents(filters, { before, limit: batchSize, db });
    if (events.length > 0) yield events;
    if (!next) return;
    before = next;
  }
}

/** An organization's history, newest first, a page at a time. */
export async function listOrganizationTimeline(
  organizationId: number,
  { before, limit = 25, db = getDb() }: { before?: AuditCursor | null; limit?: number; db?: Knex } = {},
): Promise<{ events: AuditEventView[]; next: AuditCursor | null }> {
  return listAuditEvents({ organizationIds: [organizationId] }, { before, limit, db });
}
