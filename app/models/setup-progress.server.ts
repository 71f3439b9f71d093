import type { Knex } from 'knex';
import { z } from 'zod';
import { getDb, type ModelContext, type TransactionContext } from '~/utils/db.server';
import { rowsOf, jsonForColumn } from '~/utils/dialect.server';
import { isoTimestamp } from '~/utils/workos.server';
import { recordAuditEvent, type AuditActor } from './audit.server';
import { applyWorkOSDomainEvent, type DomainUpdate } from './organization.server';
import { activeLinkForCompletion, completeSetupLink, type SetupLink, type SetupLinkOverview } from './setup-link.server';
import { FEATURE_INFO, hasCompletionSignal, SETUP_FEATURES, SIGNAL_FEATURES, type SetupFeature, type SignalFeature } from '~/domain/features';
import type { EventSource, FeatureProgress, FeatureState } from '~/domain/progress';

/**
 * Setup progress (decision 012): WorkOS's events say which features an organization has set up.
 * Webhooks and the events poller both hand events to `recordWorkOSEvent`, which records each once
 * (by event id), keeps the newest state of each connection / directory / domain, derives the
 * feature's status, and completes the organization's active link when all its features are done.
 */

/** The events that carry setup progress (what the poller asks for and the webhook keeps). */
export const SETUP_EVENT_TYPES = [
  'connection.activated',
  'connection.deactivated',
  'connection.deleted',
  'dsync.activated',
  'dsync.deactivated',
  'dsync.deleted',
  'organization_domain.verified',
  'organization_domain.verification_failed',
  'connection.saml_certificate_renewal_required',
  'connection.saml_certificate_renewed',
  'vault.byok_key.verification_completed',
  // Not progress, but WorkOS's view of the organization's domains, kept fresh here (decision 016).
  'organization_domain.created',
  'organization_domain.updated',
  'organization_domain.deleted',
  'organization.updated',
] as const;
export type SetupEventType = (typeof SETUP_EVENT_TYPES)[number];

export { hasCompletionSignal, SIGNAL_FEATURES, type SignalFeature };

type ResourceState = 'active' | 'inactive' | 'deleted' | 'verified' | 'failed' | 'renewal_required' | 'renewed';

/** What one event says about one resource. */
export interface ResourceChange {
  feature: SignalFeature;
  resourceId: string;
  state: ResourceState;
  label: string | null;
  reason?: string;
}

export interface NormalizedEvent {
  id: string;
  event: string;
  createdAt: string;
  workosOrganizationId: string | null;
  /** Null for an event type the app does not use, or a setup event it could not read. */
  change: ResourceChange | null;
  /** What the event says about the organization's domains, when it says anything. */
  domains?: DomainUpdate;
  unreadable?: string;
}

const domainEntrySchema = z.object({ id: z.string().min(1).optional(), domain: z.string().min(1), state: z.string().optional() }).passthrough();

// The SDK's deserialized event (camelCase; `createdAt` a string in SDK 11, a Date in 12) or the
// API's own JSON (snake_case, as the poller reads it): one envelope either way.
const envelopeSchema = z
  .object({
    id: z.string().min(1).max(100),
    event: z.string().min(1).max(200),
    createdAt: z.unknown().optional(),
    created_at: z.unknown().optional(),
    data: z.record(z.string(), z.unknown()),
  })
  .transform((envelope, context) => {
    const createdAt = isoTimestamp(envelope.createdAt ?? envelope.created_at);
    if (!createdAt) {
      context.addIssue({ code: 'custom', path: ['createdAt'], message: 'not a date' });
      return z.NEVER;
    }
    return { id: envelope.id, event: envelope.event, createdAt, data: envelope.data };
  });

// The SDK turns known events into camelCase; events it does not know (the certificate ones) keep
// WorkOS's snake_case. Both spellings are read.
const organizationIdOf = (data: Record<string, unknown>) => {
  const value = data.organizationId ?? data.organization_id;
  return typeof value === 'string' && value.length > 0 ? value : null;
};
const connectionSchema = z.object({ id: z.string().min(1) }).passthrough();
const domainSchema = z.object({ id: z.string().min(1), domain: z.string().min(1) }).passthrough();

const DIRECTORY_STATES: Record<string, ResourceState> = {
  'dsync.activated': 'active',
  'dsync.deactivated': 'inactive',
  'dsync.deleted': 'deleted',
};

const CONNECTION_STATES: Record<string, ResourceState> = {
  'connection.activated': 'active',
  'connection.deactivated': 'inactive',
  'connection.deleted': 'deleted',
};

/**
 * Reads a WorkOS event (as the SDK hands it over) into what setup progress needs. Throws when the
 * envelope itself is not an event; a setup event whose data cannot be read comes back with
 * `unreadable` set, to be recorded and acknowledged rather than retried for ever.
 */
export function normalizeWorkOSEvent(raw: unknown): NormalizedEvent {
  const envelope = envelopeSchema.parse(raw);
  const base = { id: envelope.id, event: envelope.event, createdAt: envelope.createdAt };
  const data = envelope.data;
  const unreadable = (why: string): NormalizedEvent => ({ ...base, workosOrganizationId: organizationIdOf(data), change: null, unreadable: why });
  const withOrganization = (organizationId: string | null, change: ResourceChange): NormalizedEvent =>
    organizationId ? { ...base, workosOrganizationId: organizationId, change } : unreadable('no organization id');

  switch (envelope.event) {
    case 'connection.activated':
    case 'connection.deactivated':
    case 'connection.deleted': {
      const connection = connectionSchema.safeParse(data);
      if (!connection.success) return unreadable('no connection id');
      const type = data.type ?? data.connectionType ?? data.connection_type;
      return withOrganization(organizationIdOf(data), {
        feature: 'sso',
        resourceId: connection.data.id,
        state: CONNECTION_STATES[envelope.event]!,
        label: typeof type === 'string' ? type : null,
      });
    }
    case 'dsync.activated':
    case 'dsync.deactivated':
    case 'dsync.deleted': {
      const directory = connectionSchema.safeParse(data);
      if (!directory.success) return unreadable('no directory id');
      return withOrganization(organizationIdOf(data), {
        feature: 'dsync',
        resourceId: directory.data.id,
        state: DIRECTORY_STATES[envelope.event]!,
        label: typeof data.type === 'string' ? data.type : null,
      });
    }
    case 'vault.byok_key.verification_completed': {
      // One key per provider: a later verification of the same provider's key replaces the earlier.
      const provider = data.keyProvider ?? data.key_provider;
      if (typeof provider !== 'string' || typeof data.verified !== 'boolean') return unreadable('no key provider or verification result');
      return withOrganization(organizationIdOf(data), {
        feature: 'bring_your_own_key',
        resourceId: `byok_${provider}`,
        state: data.verified ? 'verified' : 'failed',
        label: provider,
      });
    }
    case 'organization_domain.verified': {
      const domain = domainSchema.safeParse(data);
      if (!domain.success) return unreadable('no domain');
      return {
        ...withOrganization(organizationIdOf(data), {
          feature: 'domain_verification',
          resourceId: domain.data.id,
          state: 'verified',
          label: domain.data.domain,
        }),
        domains: { kind: 'upsert', domain: domain.data.domain, state: 'verified', domainId: domain.data.id },
      };
    }
    case 'organization_domain.created':
    case 'organization_domain.updated':
    case 'organization_domain.deleted': {
      const domain = domainSchema.safeParse(data);
      const organizationId = organizationIdOf(data);
      if (!domain.success || !organizationId) return unreadable('no domain');
      const update: DomainUpdate =
        envelope.event === 'organization_domain.deleted'
          ? { kind: 'delete', domain: domain.data.domain }
          : { kind: 'upsert', domain: domain.data.domain, state: typeof data.state === 'string' ? data.state : 'pending', domainId: domain.data.id };
      return { ...base, workosOrganizationId: organizationId, change: null, domains: update };
    }
    case 'organization.updated': {
      const organizationId = typeof data.id === 'string' ? data.id : null;
      const domains = z.array(domainEntrySchema).safeParse(data.domains);
      if (!organizationId || !domains.success) return { ...base, workosOrganizationId: organizationId, change: null, unreadable: 'no organization or domains' };
      return {
        ...base,
        workosOrganizationId: organizationId,
        change: null,
        domains: {
          kind: 'replace',
          domains: domains.data.map((entry) => ({ domain: entry.domain, state: entry.state ?? 'pending', domainId: entry.id ?? null })),
        },
      };
    }
    case 'organization_domain.verification_failed': {
      const nested = (data.organizationDomain ?? data.organization_domain) as Record<string, unknown> | undefined;
      const domain = domainSchema.safeParse(nested);
      if (!domain.success || !nested) return unreadable('no domain');
      return {
        ...withOrganization(organizationIdOf(nested), {
          feature: 'domain_verification',
          resourceId: domain.data.id,
          state: 'failed',
          label: domain.data.domain,
          reason: typeof data.reason === 'string' ? data.reason.slice(0, 100) : undefined,
        }),
        domains: { kind: 'upsert', domain: domain.data.domain, state: 'failed', domainId: domain.data.id },
      };
    }
    case 'connection.saml_certificate_renewal_required':
    case 'connection.saml_certificate_renewed': {
      const connection = (data.connection ?? {}) as Record<string, unknown>;
      const parsed = connectionSchema.safeParse(connection);
      if (!parsed.success) return unreadable('no connection id');
      return withOrganization(organizationIdOf(connection), {
        feature: 'certificate_renewal',
        resourceId: parsed.data.id,
        state: envelope.event === 'connection.saml_certificate_renewed' ? 'renewed' : 'renewal_required',
        label: null,
      });
    }
    default:
      return { ...base, workosOrganizationId: organizationIdOf(data), change: null };
  }
}

export function isSetupEventType(event: string): event is SetupEventType {
  return (SETUP_EVENT_TYPES as readonly string[]).includes(event);
}

interface ResourceRow {
  resource_id: string;
  state: ResourceState;
  label: string | null;
  event_created_at: string;
  source: EventSource;
}

/** A feature's status from the newest known state of its resources. */
export function deriveFeatureStatus(feature: SignalFeature, resources: ResourceRow[]): { state: FeatureState; detail: string } {
  const labelled = (rows: ResourceRow[], fallback: string) => [...new Set(rows.map((row) => row.label ?? fallback))].join(', ');
  const having = (state: ResourceState) => resources.filter((row) => row.state === state);
  switch (feature) {
    case 'sso': {
      const active = having('active');
      if (active.length) return { state: 'done', detail: `${labelled(active, 'SSO')} connection active` };
      if (resources.length)
        return {
          state: 'attention',
          detail: `no active connection (${labelled(resources, 'SSO')} ${resources.every((row) => row.state === 'deleted') ? 'deleted' : 'deactivated'})`,
        };
      return { state: 'pending', detail: 'no connection yet' };
    }
    case 'dsync': {
      const active = having('active');
      if (active.length) return { state: 'done', detail: `${labelled(active, 'directory')} directory active` };
      // A directory that stopped syncing is not done, whether deactivated or deleted.
      if (resources.length)
        return { state: 'attention', detail: `no active directory (${resources.every((row) => row.state === 'deleted') ? 'deleted' : 'deactivated'})` };
      return { state: 'pending', detail: 'no directory yet' };
    }
    case 'bring_your_own_key': {
      const verified = having('verified');
      if (verified.length) return { state: 'done', detail: `${labelled(verified, 'key')} key verified` };
      if (resources.length) return { state: 'attention', detail: `verification of the ${labelled(resources, 'customer')} key failed` };
      return { state: 'pending', detail: 'no key verified yet' };
    }
    case 'domain_verification': {
      const verified = having('verified');
      if (verified.length) return { state: 'done', detail: `${labelled(verified, 'domain')} verified` };
      const failed = having('failed');
      if (failed.length) return { state: 'attention', detail: `verification of ${labelled(failed, 'a domain')} failed` };
      return { state: 'pending', detail: 'no domain verified yet' };
    }
    case 'certificate_renewal': {
      const required = having('renewal_required');
      if (required.length)
        return { state: 'attention', detail: `${required.length === 1 ? 'a SAML certificate needs' : `${required.length} SAML certificates need`} renewal` };
      if (having('renewed').length) return { state: 'done', detail: 'certificate renewed' };
      return { state: 'pending', detail: 'no renewal yet' };
    }
  }
}

export interface RecordOutcome {
  /** False when the event id was already recorded: nothing changed. */
  recorded: boolean;
  /** False when a newer event about the same resource had already arrived (out of order). */
  applied: boolean;
  setupEvent: boolean;
  completedLinkId: number | null;
}

const WORKOS_ACTOR: AuditActor = { type: 'system', label: 'WorkOS' };

/**
 * Records one event and applies it, in the caller's transaction (the poller moves its cursor in
 * the same one). Idempotent by event id; the newest `created_at` (then id) wins per resource.
 */
export async function recordWorkOSEvent(raw: unknown, source: EventSource, { db: trx, now = new Date() }: TransactionContext): Promise<RecordOutcome> {
  const event = normalizeWorkOSEvent(raw);
  const outcome: RecordOutcome = { recorded: false, applied: false, setupEvent: isSetupEventType(event.event), completedLinkId: null };
  // Events of other types (a webhook endpoint may be subscribed to more) are acknowledged, not kept.
  if (!outcome.setupEvent) return outcome;
  const summary = event.change ? { ...event.change } : event.domains ? { domains: event.domains.kind } : { unreadable: event.unreadable ?? 'unknown' };
  const inserted = rowsOf(
    await trx.raw(
      `INSERT INTO workos_events (id, event, workos_organization_id, created_at, received_at, source, summary)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [event.id, event.event, event.workosOrganizationId, event.createdAt, now.toISOString(), source, jsonForColumn(summary)],
    ),
  );
  if (inserted.length === 0) return outcome;
  outcome.recorded = true;
  // WorkOS's domains, newer than what an edit or a sync last brought: the organization model applies them.
  if (event.domains && event.workosOrganizationId) await applyWorkOSDomainEvent(event.workosOrganizationId, event.domains, event.createdAt, { db: trx });
  const change = event.change;
  const organizationWorkosId = event.workosOrganizationId;
  if (!change || !organizationWorkosId) return outcome;

  // Newest wins: an older event (a late delivery, a poller catching up) leaves a newer state alone.
  const applied = rowsOf(
    await trx.raw(
      `INSERT INTO workos_resources (workos_organization_id, feature, resource_id, state, label, event_id, event_created_at, source)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (workos_organization_id, feature, resource_id) DO UPDATE SET
       state = excluded.state, label = COALESCE(excluded.label, workos_resources.label), event_id = excluded.event_id,
       event_created_at = excluded.event_created_at, source = excluded.source
     WHERE (excluded.event_created_at, excluded.event_id) > (workos_resources.event_created_at, workos_resources.event_id)
     RETURNING resource_id`,
      [organizationWorkosId, change.feature, change.resourceId, change.state, change.label, event.id, event.createdAt, source],
    ),
  );
  if (applied.length === 0) return outcome;
  outcome.applied = true;

  const resources: ResourceRow[] = await trx('workos_resources')
    .where({ workos_organization_id: organizationWorkosId, feature: change.feature })
    .select('resource_id', 'state', 'label', 'event_created_at', 'source');
  const status = deriveFeatureStatus(change.feature, resources);
  const newest = resources.reduce((latest, row) => (row.event_created_at > latest.event_created_at ? row : latest));
  await trx('feature_status')
    .insert({
      workos_organization_id: organizationWorkosId,
      feature: change.feature,
      state: status.state,
      detail: status.detail,
      source: newest.source,
      changed_at: newest.event_created_at,
    })
    .onConflict(['workos_organization_id', 'feature'])
    .merge();

  const organization = await trx('organizations').where({ workos_id: organizationWorkosId }).first('id');
  if (!organization) return outcome; // Not (yet) one of ours: the status waits for a sync to import it.
  await recordAuditEvent(
    {
      actor: WORKOS_ACTOR,
      action: 'setup.progress',
      organizationId: organization.id as number,
      details: {
        feature: change.feature,
        event: event.event,
        eventId: event.id,
        label: change.label,
        state: status.state,
        status: status.detail,
        source,
        ...(change.reason ? { reason: change.reason } : {}),
      },
    },
    { db: trx },
  );
  outcome.completedLinkId = await completeLinkIfDone(trx, organization.id as number, organizationWorkosId, { now, source });
  return outcome;
}

/**
 * Completes the organization's active link when every feature of it that WorkOS reports on is
 * done. A link of only Audit Logs / Log Streams / BYOK has nothing to wait for and stays active
 * until it expires or is revoked. The link model makes the change.
 */
async function completeLinkIfDone(
  trx: Knex.Transaction,
  organizationId: number,
  organizationWorkosId: string,
  { now, source }: { now: Date; source: EventSource },
): Promise<number | null> {
  const link = await activeLinkForCompletion(organizationId, { db: trx, now });
  if (!link) return null;
  const signalFeatures = link.features.filter(hasCompletionSignal);
  if (signalFeatures.length === 0) return null;
  const done = await trx('feature_status')
    .where({ workos_organization_id: organizationWorkosId, state: 'done' })
    .whereIn('feature', signalFeatures)
    .count<{ count: number }[]>({ count: '*' });
  if (Number(done[0]?.count ?? 0) < signalFeatures.length) return null;
  return (await completeSetupLink(link.id, { source, features: signalFeatures }, { db: trx, now })) ? link.id : null;
}

/**
 * The checklist: the features of the organization's current link (active, else the newest), then
 * any other feature WorkOS has reported on. Features without a signal show that link's launches.
 */
export async function getSetupProgress(
  organization: { id: number; workosId: string | null },
  link: Pick<SetupLink, 'features' | 'launches'> | null,
  { db = getDb() }: ModelContext = {},
): Promise<FeatureProgress[]> {
  const statuses = organization.workosId
    ? ((await db('feature_status').where({ workos_organization_id: organization.workosId }).select('feature', 'state', 'detail', 'source', 'changed_at')) as {
        feature: SignalFeature;
        state: FeatureState;
        detail: string;
        source: EventSource;
        changed_at: string;
      }[])
    : [];
  const linkFeatures = link?.features ?? [];
  const shown = SETUP_FEATURES.filter((feature) => linkFeatures.includes(feature) || statuses.some((status) => status.feature === feature));
  return shown.map((feature): FeatureProgress => {
    const inLink = linkFeatures.includes(feature);
    const title = FEATURE_INFO[feature].title;
    if (hasCompletionSignal(feature)) {
      const status = statuses.find((candidate) => candidate.feature === feature);
      return status
        ? { feature, title, signal: true, state: status.state, detail: status.detail, changedAt: status.changed_at, source: status.source, inLink }
        : { feature, title, signal: true, state: 'pending', detail: 'WorkOS has reported nothing yet', changedAt: null, source: null, inLink };
    }
    const launched = link?.launches[feature];
    return { feature, title, signal: false, launches: launched?.count ?? 0, lastLaunchedAt: launched?.lastAt ?? null, inLink };
  });
}

/** Done / to do for the IT admin's page: the link's features that WorkOS reports as done. */
export async function doneFeatures(workosOrganizationId: string, features: SetupFeature[], { db = getDb() }: ModelContext = {}): Promise<Set<SetupFeature>> {
  const signal = features.filter(hasCompletionSignal);
  if (signal.length === 0) return new Set();
  const rows = (await db('feature_status')
    .where({ workos_organization_id: workosOrganizationId, state: 'done' })
    .whereIn('feature', signal)
    .select('feature')) as { feature: SetupFeature }[];
  return new Set(rows.map((row) => row.feature));
}

export interface OrganizationProgress {
  /** The link progress is about: the active one, else the newest (its status says how it ended). */
  link: SetupLink | null;
  features: FeatureProgress[];
  /** Signal features of the link that are done, of how many. */
  done: number;
  total: number;
}

/** Progress of the organization's current link, from the links as they read now. */
export async function getOrganizationProgress(
  organization: { id: number; workosId: string | null },
  links: Pick<SetupLinkOverview, 'active' | 'latest'>,
  { db = getDb() }: ModelContext = {},
): Promise<OrganizationProgress> {
  const link = links.active ?? links.latest;
  const features = await getSetupProgress(organization, link, { db });
  const counted = features.filter((item) => item.inLink && item.signal);
  return { link, features, done: counted.filter((item) => item.signal && item.state === 'done').length, total: counted.length };
}

/** When the last event from `source` arrived (the doctor's "do events arrive" check). */
export async function lastEventReceivedAt(source: 'webhook' | 'poller', { db = getDb() }: ModelContext = {}): Promise<string | null> {
  const row = (await db('workos_events').where({ source }).max({ at: 'received_at' }).first()) as { at: string | null } | undefined;
  return row?.at ?? null;
}
