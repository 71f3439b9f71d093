/**
 * Test data, made the way the app makes it: through the models, never by inserting domain rows —
 * an organization gets its search row, its domains and its history because the model writes them.
 * Every factory takes `db` (default: the test file's own database) so that a server test can
 * arrange data in a built server's database file.
 *
 * The model calls live here, once: when a model's signature changes, this file changes, not every
 * test. The few rows no model can produce (a send that another process left half-way, an
 * organization without any history) have helpers of their own at the end, named for what they
 * are, each saying why it writes the row itself.
 */
import crypto from 'node:crypto';
import type { Organization as WorkOSOrganization } from '@workos-inc/node';
import type { Knex } from 'knex';
import type { SetupLinkEmailRequest } from '~/forms/setup-link';
import { type SetupFeature } from '~/domain/features';
import { type StaffRole } from '~/domain/staff';
import { recordAuditEvent, type AuditActor } from '~/models/audit.server';
import { applyWorkOSOrganization, archiveOrganization, refreshSearchRow, startOrganizationCreation } from '~/models/organization.server';
import { createSession } from '~/models/session.server';
import { createSetupLink, generateSetupToken, hashSetupToken, type CopiedSetupLink, type EmailedSetupLink } from '~/models/setup-link.server';
import type { EventSource } from '~/domain/progress';
import { recordWorkOSEvent, type RecordOutcome } from '~/models/setup-progress.server';
import { createStaff, type Staff } from '~/models/staff.server';
import { sessionCookieHeader } from '~/services/auth.server';
import { getDb } from '~/utils/db.server';
import type { Organization as SandboxOrganization, SandboxStore } from '../sandbox/store';

/** Who arranged the data, in the audit trail. */
export const FACTORY_ACTOR = { type: 'system', label: 'Test setup' } as const satisfies AuditActor;

let sequence = 0;
/** A short text no other call in this run returns (names, emails, ids). */
export function uniqueSuffix(): string {
  sequence += 1;
  return `${sequence.toString(36)}${crypto.randomBytes(3).toString('hex')}`;
}

// ---------------------------------------------------------------------------------------------
// Staff

export const TEST_PASSWORD = 'granite-sparrow-lantern-88';

export interface StaffOptions {
  email?: string;
  name?: string;
  password?: string;
  db?: Knex;
}

/** A staff member (through the model, as the app would) who signs in with TEST_PASSWORD unless told otherwise. */
export async function createTestStaff(role: StaffRole, { email, name, password, db }: StaffOptions = {}): Promise<Staff> {
  const suffix = uniqueSuffix();
  const { staff } = await createStaff(
    {
      email: email ?? `${role}-${suffix}@staff.example`,
      name: name ?? `Test ${role} ${suffix}`,
      role,
      password: password ?? TEST_PASSWORD,
    },
    FACTORY_ACTOR,
    { db },
  );
  return staff;
}

/** Starts a session for `staffId` (at `now`) and returns the Cookie request header that carries it. */
export async function sessionCookieFor(
  staffId: number,
  { now = new Date(), db }: { now?: Date; db?: Knex } = {},
): Promise<{ cookie: string; sessionId: string }> {
  const { token, sessionId, expiresAt } = await createSession(staffId, { now, db });
  const setCookie = await sessionCookieHeader(token, expiresAt);
  return { cookie: setCookie.split(';')[0]!, sessionId };
}

/** A staff member with a session: the member and the Cookie header a browser of theirs would send. */
export async function signedInStaff(role: StaffRole, options: StaffOptions = {}): Promise<{ staff: Staff; cookie: string }> {
  const staff = await createTestStaff(role, options);
  return { staff, cookie: (await sessionCookieFor(staff.id, { db: options.db })).cookie };
}

/**
 * Marks a staff member disabled directly in the database, leaving their sessions in place —
 * bypasses the model on purpose: `disableStaff` ends the sessions, and the test is about a
 * session that outlived its member (another server, or an older release, disabled them).
 */
export async function disableDirectly(staffId: number, { db = getDb() }: { db?: Knex } = {}): Promise<void> {
  await db('staff').where({ id: staffId }).update({ disabled_at: new Date().toISOString() });
}

// ---------------------------------------------------------------------------------------------
// Organizations

export type DomainState = 'pending' | 'verified' | 'failed' | 'unverified' | 'legacy_verified';
export type DomainInput = string | { domain: string; state?: DomainState; id?: string };

export interface OrganizationOptions {
  name?: string;
  /** The CS owner; by default one support rep the factory makes once per database. */
  owner?: Pick<Staff, 'id'>;
  domains?: DomainInput[];
  externalId?: string;
  /** Pending: requested, not yet created in WorkOS. Active (the default): created there. Archived: then archived here. */
  status?: 'pending' | 'active' | 'archived';
  /**
   * Active only: the organization as WorkOS answered (the SDK's shape), for a test whose WorkOS
   * knows it — see `createOrganizationInSandbox`. Without it the factory makes one up, for tests
   * that never reach WorkOS.
   */
  workos?: WorkOSOrganization;
  /**
   * Pending only: the problem a failed creation attempt left on the row. Written directly — the
   * model stores WorkOS's own words, and a test of how the problem is shown picks its own.
   */
  lastError?: { kind: string; message: string };
  db?: Knex;
}

export interface ArrangedOrganization {
  id: number;
  name: string;
  /** Null while pending. */
  workosId: string | null;
}

const defaultOwners = new WeakMap<Knex, Promise<Staff>>();

/** The support rep who owns the factory's organizations unless a test names another: one per database. */
export function defaultOwner(db: Knex = getDb()): Promise<Staff> {
  let owner = defaultOwners.get(db);
  if (!owner) {
    owner = createTestStaff('support', { name: `Default Owner ${uniqueSuffix()}`, db });
    defaultOwners.set(db, owner);
  }
  return owner;
}

/**
 * An organization, made as the app makes one: the rep's request (`startOrganizationCreation`:
 * the row, its domains, its search row, its history), then WorkOS's answer applied as creation
 * applies it (`applyWorkOSOrganization`, audited `organization.created`) — without the call to
 * WorkOS itself, which the test's WorkOS (a sandbox, or none) stands for.
 */
export async function createOrganization(options: OrganizationOptions = {}): Promise<ArrangedOrganization> {
  const db = options.db ?? getDb();
  const status = options.status ?? 'active';
  const name = options.name ?? options.workos?.name ?? `Organization ${uniqueSuffix()}`;
  const domains = (options.domains ?? []).map((entry) => (typeof entry === 'string' ? { domain: entry } : entry));
  const submissionId = crypto.randomUUID();
  const owner = options.owner ?? (await defaultOwner(db));
  const { id } = await startOrganizationCreation(
    {
      submissionId,
      name,
      domains: domains.map((entry) => entry.domain),
      domainsVerified: false,
      externalId: options.externalId ?? null,
      csOwnerId: owner.id,
      note: undefined,
    },
    { ...FACTORY_ACTOR, role: 'admin' },
    { db },
  );
  if (status === 'pending') {
    if (options.lastError) {
      await db('organizations')
        .where({ id })
        .update({ last_error: JSON.stringify(options.lastError), updated_at: new Date().toISOString() });
    }
    return { id, name, workosId: null };
  }
  const workos = options.workos ?? madeUpWorkOSOrganization({ name, domains, externalId: options.externalId, submissionId });
  await db.transaction(async (trx) => {
    await applyWorkOSOrganization(id, workos, { status: 'active' }, { db: trx });
    await recordAuditEvent({ actor: FACTORY_ACTOR, action: 'organization.created', organizationId: id, details: { workosId: workos.id } }, { db: trx });
  });
  if (status === 'archived') await archiveOrganization(id, { reason: 'Arranged archived by a test.' }, FACTORY_ACTOR, { db });
  return { id, name: workos.name, workosId: workos.id };
}

/** An active organization that the WorkOS sandbox knows too (seeded in its store), linked here as creation links it. */
export async function createOrganizationInSandbox(
  sandbox: { store: SandboxStore },
  options: Omit<OrganizationOptions, 'workos' | 'domains' | 'status' | 'lastError'> & { domains?: string[]; status?: 'active' | 'archived' } = {},
): Promise<ArrangedOrganization & { workosId: string }> {
  // Seeded as WorkOS holds it (pending domains); the SDK's view of it is what creation applies here.
  const seeded = sandbox.store.seedOrganization({
    name: options.name ?? `Organization ${uniqueSuffix()}`,
    domains: options.domains,
    externalId: options.externalId,
  });
  const arranged = await createOrganization({ ...options, workos: asSdkOrganization(seeded) });
  return { ...arranged, workosId: seeded.id };
}

/** The sandbox's stored organization (WorkOS's wire shape) as the SDK hands it over. */
export function asSdkOrganization(wire: SandboxOrganization): WorkOSOrganization {
  return {
    object: 'organization',
    id: wire.id,
    name: wire.name,
    allowProfilesOutsideOrganization: wire.allow_profiles_outside_organization,
    domains: wire.domains.map((domain) => ({
      object: 'organization_domain',
      id: domain.id,
      domain: domain.domain,
      organizationId: domain.organization_id,
      state: domain.state as WorkOSOrganization['domains'][number]['state'],
      verificationStrategy: domain.verification_strategy as WorkOSOrganization['domains'][number]['verificationStrategy'],
      verificationToken: domain.verification_token,
      verificationPrefix: domain.verification_prefix,
      createdAt: new Date(domain.created_at),
      updatedAt: new Date(domain.updated_at),
    })),
    createdAt: new Date(wire.created_at),
    updatedAt: new Date(wire.updated_at),
    externalId: wire.external_id,
    metadata: wire.metadata,
  } as WorkOSOrganization;
}

/** A WorkOS organization no WorkOS holds, shaped as the SDK returns one, for tests that never call WorkOS. */
function madeUpWorkOSOrganization({
  name,
  domains,
  externalId,
  submissionId,
}: {
  name: string;
  domains: { domain: string; state?: DomainState; id?: string }[];
  externalId?: string;
  submissionId: string;
}): WorkOSOrganization {
  const now = new Date();
  const id = `org_01${crypto.randomBytes(12).toString('hex').toUpperCase()}`;
  return {
    object: 'organization',
    id,
    name,
    allowProfilesOutsideOrganization: false,
    domains: domains.map((entry) => ({
      object: 'organization_domain',
      id: entry.id ?? `org_domain_01${crypto.randomBytes(12).toString('hex').toUpperCase()}`,
      domain: entry.domain,
      organizationId: id,
      state: (entry.state ?? 'pending') as WorkOSOrganization['domains'][number]['state'],
      verificationStrategy: 'dns' as WorkOSOrganization['domains'][number]['verificationStrategy'],
      createdAt: now,
      updatedAt: now,
    })),
    createdAt: now,
    updatedAt: now,
    externalId: externalId ?? null,
    metadata: { setup_desk_key: submissionId },
  } as WorkOSOrganization;
}

// ---------------------------------------------------------------------------------------------
// Setup links

export interface SetupLinkOptions {
  features?: SetupFeature[];
  lifetimeDays?: number;
  /** Emailed (through the app's mail server) rather than copied. */
  email?: SetupLinkEmailRequest;
  note?: string;
  actor?: AuditActor;
  /** When the rep issued it: a link issued in the past may have expired by now. */
  now?: Date;
  db?: Knex;
}

/** A setup link issued as a rep issues one (`createSetupLink`): copied, with the token its URL carries, or emailed. */
export async function issueSetupLink(organizationId: number, options?: SetupLinkOptions & { email?: undefined }): Promise<CopiedSetupLink & { token: string }>;
export async function issueSetupLink(organizationId: number, options: SetupLinkOptions & { email: SetupLinkEmailRequest }): Promise<EmailedSetupLink>;
export async function issueSetupLink(
  organizationId: number,
  options: SetupLinkOptions = {},
): Promise<(CopiedSetupLink & { token: string }) | EmailedSetupLink> {
  const { features = ['sso'], lifetimeDays = 7, email, note, actor = FACTORY_ACTOR, now, db } = options;
  if (email) return createSetupLink(organizationId, { features, lifetimeDays, note, email }, actor, { db, now });
  const copied = await createSetupLink(organizationId, { features, lifetimeDays, note }, actor, { db, now });
  return { ...copied, token: copied.url.split('/setup/')[1]! };
}

// ---------------------------------------------------------------------------------------------
// WorkOS events

let eventSequence = 0;

export interface WorkOSEventOptions {
  /** When WorkOS says it happened (default: now). */
  at?: Date | string;
  id?: string;
  source?: EventSource;
  db?: Knex;
}

/**
 * A WorkOS event as the SDK hands it over (camelCase envelope), recorded and applied as a webhook
 * or the poller records it (`recordWorkOSEvent`).
 */
export async function deliverWorkOSEvent(event: string, data: Record<string, unknown>, options: WorkOSEventOptions = {}): Promise<RecordOutcome> {
  const { at = new Date(), source = 'webhook', db = getDb() } = options;
  eventSequence += 1;
  const raw = {
    id: options.id ?? `event_01FACTORY${String(eventSequence).padStart(8, '0')}${crypto.randomBytes(5).toString('hex').toUpperCase()}`,
    event,
    createdAt: typeof at === 'string' ? at : at.toISOString(),
    context: {},
    data,
  };
  return db.transaction((trx) => recordWorkOSEvent(raw, source, { db: trx }));
}

// ---------------------------------------------------------------------------------------------
// Rows no model can produce

/**
 * An emailed link still `sending`: as a send in progress in another process leaves it — or a
 * process that died between the insert and the mail server's answer leaves it for good. Written
 * directly on purpose: in this process, `createSetupLink` always finishes the send it started.
 */
export async function insertLinkLeftSending(
  organizationId: number,
  {
    createdAt,
    recipient = 'it-admin@customer.example',
    features = ['sso'],
    lifetimeDays = 7,
    tokenHash = hashSetupToken(generateSetupToken()),
    db = getDb(),
  }: { createdAt: Date; recipient?: string; features?: SetupFeature[]; lifetimeDays?: number; tokenHash?: string; db?: Knex },
): Promise<number> {
  const [row] = await db('setup_links')
    .insert({
      organization_id: organizationId,
      token_hash: tokenHash,
      features: JSON.stringify(features),
      delivery: 'email',
      recipient_email: recipient,
      expires_at: new Date(createdAt.getTime() + lifetimeDays * 86_400_000).toISOString(),
      status: 'sending',
      created_at: createdAt.toISOString(),
    })
    .returning('id');
  return (row as { id: number }).id;
}

/**
 * An active organization with no history at all. Written directly on purpose: every model path
 * audits what it does, and a test of the audit log writes the organization's history itself,
 * with chosen times. Gets its search row as the model's would.
 */
export async function insertOrganizationWithoutHistory({ name, workosId, db = getDb() }: { name: string; workosId?: string; db?: Knex }): Promise<number> {
  const now = new Date().toISOString();
  const [row] = await db('organizations')
    .insert({
      name,
      workos_id: workosId ?? `org_01${crypto.randomBytes(12).toString('hex').toUpperCase()}`,
      status: 'active',
      idempotency_key: crypto.randomUUID(),
      created_at: now,
      updated_at: now,
      synced_at: now,
    })
    .returning('id');
  const id = (row as { id: number }).id;
  await refreshSearchRow(id, { db });
  return id;
}
