import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { STORED_NOTE_MAX_LENGTH } from '~/domain/history';
import { MAX_ID } from '~/forms/ids';
import { getDb, type ModelContext } from '~/utils/db.server';
import { fromIndexed, jsonText, jsonForColumn } from '~/utils/dialect.server';
import { scrubLinkValues } from '~/utils/link-secrets';
import {
  assertRecordableAuditEvent,
  noteLabelOf,
  summarizeAuditEvent,
  type AuditAction,
  type AuditDetails,
  type RecordableAuditAction,
} from './audit-catalog.server';

export { AUDIT_ACTIONS, type AuditAction, type AuditDetails, type RecordableAuditAction } from './audit-catalog.server';

export type AuditActorType = 'staff' | 'system' | 'it_admin' | 'cli';

export interface AuditActor {
  type: AuditActorType;
  id?: number | null;
  /** The actor's name at the time (kept even if the account is renamed or disabled). */
  label: string;
}

// Details may be left out only where the action's schema takes an empty object.
type DetailsField<A extends RecordableAuditAction> =
  Record<string, never> extends AuditDetails<A> ? { details?: AuditDetails<A> } : { details: AuditDetails<A> };

/** One event to write; its details are checked against its action's schema when it compiles, and again when it is written. */
export type AuditEventInput<A extends RecordableAuditAction = RecordableAuditAction> = {
  actor: AuditActor;
  action: A;
  organizationId?: number | null;
  setupLinkId?: number | null;
  note?: string | null;
  requestId?: string | null;
} & DetailsField<A>;

export interface RecordedAuditEvent {
  id: number;
  /** True when the note (or a detail) held something link-like that was replaced by a marker. */
  scrubbed: boolean;
}

const ACTION_PATTERN = /^[a-z][a-z_]*\.[a-z][a-z_]*$/;

/**
 * Appends one event to the audit trail. Pass a transaction as `ctx.db` to write it atomically
 * with the change it records; the request id is the event's own or the context's. The action
 * must be in the audit catalog (not retired) and its details must match the action's schema. A
 * note is checked by its form (NOTE_MAX_LENGTH, after scrubbing); the trail takes
 * STORED_NOTE_MAX_LENGTH, room for the app's own words around it. The note and every string in
 * `details` pass through the link scrubber first: the audit trail must never hold a link value.
 * The event's time is when it is recorded, whatever clock the caller's change ran on.
 */
export async function recordAuditEvent<A extends RecordableAuditAction>(
  event: AuditEventInput<A>,
  { db = getDb(), requestId }: Pick<ModelContext, 'db' | 'requestId'> = {},
): Promise<RecordedAuditEvent> {
  if (!ACTION_PATTERN.test(event.action)) {
    throw new Error(`Audit action "${event.action}" must look like subject.verb in lower case`);
  }
  const label = event.actor.label.trim();
  if (!label) throw new Error('Audit actor needs a label');
  // The details as given are stored (scrubbed), not the schema's output: a key the schema does not
  // name is kept rather than silently dropped.
  const given: unknown = event.details ?? {};
  assertRecordableAuditEvent(event.action, given);

  const note = event.note?.trim() ? scrubLinkValues(event.note.trim()) : null;
  if (note && note.text.length > STORED_NOTE_MAX_LENGTH) {
    throw new Error(`Audit note is longer than ${STORED_NOTE_MAX_LENGTH} characters`);
  }
  const details = scrubDetails(given);

  const [row] = await db('audit_events')
    .insert({
      at: new Date().toISOString(),
      // Every event can be cited by an id: a request's own, or — for work outside a request (the
      // CLI, a sweep, a background sync) — one made for this event.
      request_id: event.requestId ?? requestId ?? `op-${crypto.randomUUID()}`,
      actor_type: event.actor.type,
      actor_id: event.actor.id ?? null,
      actor_label: label.slice(0, 200),
      action: event.action,
      organization_id: event.organizationId ?? null,
      setup_link_id: event.setupLinkId ?? null,
      details: jsonForColumn(details.value),
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
    summary: summarizeAuditEvent(row.action, details),
    organizationId: row.organization_id,
    organizationName: row.organization_name ?? null,
    setupLinkId: row.setup_link_id,
    details,
    note: row.note,
    noteLabel: noteLabelOf(row.action),
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
  if (!at || !/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(at) || !/^\d{1,10}$/.test(id ?? '') || Number(id) > MAX_ID) return null;
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

/** A page of the trail: the events older than `before`, at most `limit`. */
export interface AuditPage {
  before?: AuditCursor | null;
  limit?: number;
}

/** Up to this many organizations, a page reads each one's newest events and merges them. */
const MERGED_ORGANIZATIONS = 50;

/**
 * One page of events, newest first, after `before` (keyset): each page is an index seek whatever
 * the table's size — the at/id index, or the organization's, actor's or action's. Several
 * organizations (a name search matches up to 20) are read one by one, each its own seek of its
 * newest `limit + 1` events, and merged: one seek over all of them would read every event of every
 * one of them to sort them.
 */
export async function listAuditEvents(
  filters: AuditFilters,
  { before, limit = 50 }: AuditPage = {},
  { db = getDb() }: ModelContext = {},
): Promise<{ events: AuditEventView[]; next: AuditCursor | null }> {
  const newestFirst = [
    { column: 'e.at', order: 'desc' },
    { column: 'e.id', order: 'desc' },
  ];
  const pageOf = (narrowed: AuditFilters) => {
    const statement = filteredEvents(db, narrowed)
      .orderBy(newestFirst)
      .limit(limit + 1);
    if (before) statement.whereRaw('(e.at, e.id) < (?, ?)', [before.at, before.id]);
    return statement;
  };
  const ids = filters.organizationIds;
  let events: Knex.QueryBuilder;
  if (ids && ids.length > 1 && ids.length <= MERGED_ORGANIZATIONS) {
    // Ids and times only (the organization index holds them), merged; then the page's rows.
    const parts = ids.map((id) =>
      pageOf({ ...filters, organizationIds: [id] })
        .select('e.id', 'e.at')
        .toSQL(),
    );
    const merged = db.raw(
      `(${parts.map((part, index) => `SELECT * FROM (${part.sql}) AS part${index}`).join(' UNION ALL ')}) AS m`,
      parts.flatMap((part) => part.bindings) as never,
    );
    const newest = db
      .from(merged)
      .orderBy([
        { column: 'm.at', order: 'desc' },
        { column: 'm.id', order: 'desc' },
      ])
      .limit(limit + 1)
      .select('m.id');
    events = db('audit_events as e').whereIn('e.id', newest).orderBy(newestFirst);
  } else {
    events = pageOf(filters);
  }
  const statement = events.leftJoin('organizations as o', 'o.id', 'e.organization_id').select('e.*', 'o.name as organization_name');
  const rows = (await statement) as AuditRow[];
  const page = rows.slice(0, limit).map(toView);
  const last = page.at(-1);
  return { events: page, next: rows.length > limit && last ? { at: last.at, id: last.id } : null };
}

/**
 * Every event matching the filters, newest first, a batch at a time: each batch is its own short
 * query, so a long export neither holds the database connection nor memory.
 */
export async function* auditEventBatches(
  filters: AuditFilters,
  { batchSize = 1000 }: { batchSize?: number } = {},
  { db = getDb() }: ModelContext = {},
): AsyncGenerator<AuditEventView[]> {
  let before: AuditCursor | null = null;
  for (;;) {
    const { events, next } = await listAuditEvents(filters, { before, limit: batchSize }, { db });
    if (events.length > 0) yield events;
    if (!next) return;
    before = next;
  }
}

/** An organization's history, newest first, a page at a time. */
export async function listOrganizationTimeline(
  organizationId: number,
  { before, limit = 25 }: AuditPage = {},
  { db = getDb() }: ModelContext = {},
): Promise<{ events: AuditEventView[]; next: AuditCursor | null }> {
  return listAuditEvents({ organizationIds: [organizationId] }, { before, limit }, { db });
}

/**
 * Each organization whose IT admin's latest launch (since `since`) failed, as a subquery with
 * organization_id, at, feature and kind (the WorkOS error's) — for a model that joins it to its
 * own rows. The trail's columns and details stay this model's business.
 */
export function latestFailedLaunches({ since }: { since: string }, { db = getDb() }: ModelContext = {}): Knex.QueryBuilder {
  // The action index, named: the week's launches are few, but without statistics the planner
  // would walk the organization index for its grouping — every event that names an organization.
  const latest = db
    .from(db.raw(fromIndexed(db, 'audit_events', 'audit_events', 'audit_events_action')))
    .whereIn('action', ['setup_link.launched', 'setup_link.launch_failed'])
    .where('at', '>=', since)
    .whereNotNull('organization_id')
    .groupBy('organization_id')
    .select(db.raw('max(id) AS id'));
  return db('audit_events')
    .whereIn('id', latest)
    .where('action', 'setup_link.launch_failed')
    .select('organization_id', 'at', db.raw(`${jsonText(db, 'details', 'feature')} AS feature`), db.raw(`${jsonText(db, 'details', 'kind')} AS kind`));
}

/** The newest event among `actions` of one organization or one link, its details parsed. */
export async function latestEventOf(
  subject: { organizationId: number } | { setupLinkId: number },
  actions: AuditAction[],
  { db = getDb() }: ModelContext = {},
): Promise<{ action: AuditAction; at: string; details: Record<string, unknown> } | null> {
  const row = await db('audit_events')
    .where('organizationId' in subject ? { organization_id: subject.organizationId } : { setup_link_id: subject.setupLinkId })
    .whereIn('action', actions)
    .orderBy('id', 'desc')
    .first('action', 'at', 'details');
  return row ? { action: row.action as AuditAction, at: row.at as string, details: JSON.parse(row.details as string) as Record<string, unknown> } : null;
}
