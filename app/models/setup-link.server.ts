import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { renderSetupLinkEmail } from '~/emails/setup-link';
import { lifetimeDaysOf, SETUP_FEATURES, type SetupFeature, type SetupLinkEmailRequest, type SetupLinkRequest } from '~/forms/setup-link';
import { getDb } from '~/utils/db.server';
import { sendEmail, type EmailFailure } from '~/utils/email.server';
import { getEnv } from '~/utils/env.server';
import { SETUP_TOKEN_PREFIX } from '~/utils/link-secrets';
import { recordAuditEvent, type AuditActor } from './audit.server';
import { queueOwnerNotice } from './owner-digest.server';
import { getSettings } from './settings.server';

/**
 * Setup links: the app's own long-lived link to the Admin Portal (decision 004). The token exists
 * only in the response that shows it (copy mode) or the email; the database keeps its SHA-256.
 */

export type SetupLinkStatus = 'active' | 'revoked' | 'expired' | 'completed' | 'failed';

interface SetupLinkRow {
  id: number;
  organization_id: number;
  token_hash: string;
  features: string;
  delivery: 'email' | 'copy';
  recipient_email: string | null;
  recipient_name: string | null;
  expires_at: string;
  status: SetupLinkStatus;
  created_by: number | null;
  created_at: string;
  revoked_by: number | null;
  revoked_at: string | null;
  revoke_reason: string | null;
  first_viewed_at: string | null;
  last_viewed_at: string | null;
  first_launched_at: string | null;
  view_count: number;
  launch_count: number;
  launches: string;
  email_sent_at: string | null;
}

export interface SetupLink {
  id: number;
  organizationId: number;
  features: SetupFeature[];
  delivery: 'email' | 'copy';
  recipientEmail: string | null;
  recipientName: string | null;
  /** When the mail server accepted the email (emailed links only; null while it is being sent). */
  emailSentAt: string | null;
  expiresAt: string;
  status: SetupLinkStatus;
  createdBy: string | null;
  createdAt: string;
  revokedAt: string | null;
  revokeReason: string | null;
  firstViewedAt: string | null;
  lastViewedAt: string | null;
  firstLaunchedAt: string | null;
  viewCount: number;
  launchCount: number;
  launchesByFeature: Partial<Record<SetupFeature, number>>;
  /** First characters of the token's hash: enough to tell links apart in the audit trail. */
  fingerprint: string;
}

/** A new copy-mode link, as shown once: the URL is in this object and nowhere else. */
export interface CopiedSetupLink {
  delivery: 'copy';
  link: SetupLink;
  url: string;
}

/** A new emailed link: the URL went into the email only and is not returned. */
export type EmailedSetupLink =
  | { delivery: 'email'; sent: true; link: SetupLink; recipient: string; messageId: string }
  | { delivery: 'email'; sent: false; link: SetupLink; recipient: string; failure: EmailFailure };

export type IssuedSetupLink = CopiedSetupLink | EmailedSetupLink;

type CopyRequest = SetupLinkRequest & { email?: undefined };
type EmailRequest = SetupLinkRequest & { email: SetupLinkEmailRequest };

/**
 * How long an emailed link may stay active without the mail server's confirmation. Longer than any
 * send can take (each SMTP stage has its own timeout); past it, the process that was sending has
 * died, and a link nobody is known to have received must not stay active.
 */
export const UNCONFIRMED_EMAIL_GRACE_MS = 15 * 60_000;

/** Refused because the organization already has an active link; the message says what to do. */
export class ActiveLinkExistsError extends Error {
  constructor(readonly existing: SetupLink) {
    super(
      `This organization already has an active link (created by ${existing.createdBy ?? 'someone'}, expires ${existing.expiresAt.slice(0, 16).replace('T', ' ')} UTC) — revoke or recreate it.`,
    );
    this.name = 'ActiveLinkExistsError';
  }
}

export class SetupLinkRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetupLinkRuleError';
  }
}

/** 32 random bytes, base64url, behind the fixed prefix leak scanners look for. */
export function generateSetupToken(): string {
  return `${SETUP_TOKEN_PREFIX}${crypto.randomBytes(32).toString('base64url')}`;
}

export function hashSetupToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

export function setupUrl(token: string): string {
  return `${getEnv().PUBLIC_URL}/setup/${token}`;
}

const TOKEN_SHAPE = new RegExp(`^${SETUP_TOKEN_PREFIX}[A-Za-z0-9_-]{43}$`);

function toSetupLink(row: SetupLinkRow & { creator_name?: string | null }): SetupLink {
  return {
    id: row.id,
    organizationId: row.organization_id,
    features: JSON.parse(row.features) as SetupFeature[],
    delivery: row.delivery,
    recipientEmail: row.recipient_email,
    recipientName: row.recipient_name,
    emailSentAt: row.email_sent_at,
    expiresAt: row.expires_at,
    status: row.status,
    createdBy: row.creator_name ?? null,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    revokeReason: row.revoke_reason,
    firstViewedAt: row.first_viewed_at,
    lastViewedAt: row.last_viewed_at,
    firstLaunchedAt: row.first_launched_at,
    viewCount: row.view_count,
    launchCount: row.launch_count,
    launchesByFeature: JSON.parse(row.launches) as Partial<Record<SetupFeature, number>>,
    fingerprint: row.token_hash.slice(0, 6),
  };
}

function linkQuery(db: Knex | Knex.Transaction) {
  return db('setup_links as l').leftJoin('staff as creator', 'creator.id', 'l.created_by').select('l.*', 'creator.name as creator_name');
}

/**
 * Settles links whose state is out of date: past their expiry (expired), or emailed but never
 * confirmed sent within the grace period (failed). Both audited; returns how many changed.
 */
export async function expireStaleLinks(trx: Knex | Knex.Transaction, { organizationId, now = new Date() }: { organizationId?: number; now?: Date } = {}): Promise<number> {
  return (await failUnconfirmedEmailLinks(trx, { organizationId, now })) + (await expirePastLinks(trx, { organizationId, now }));
}

async function failUnconfirmedEmailLinks(trx: Knex | Knex.Transaction, { organizationId, now }: { organizationId?: number; now: Date }): Promise<number> {
  const query = trx<SetupLinkRow>('setup_links')
    .where({ status: 'active', delivery: 'email' })
    .whereNull('email_sent_at')
    .where('created_at', '<=', new Date(now.getTime() - UNCONFIRMED_EMAIL_GRACE_MS).toISOString());
  if (organizationId !== undefined) query.where({ organization_id: organizationId });
  const unconfirmed = await query.select('id', 'organization_id', 'token_hash', 'recipient_email');
  for (const row of unconfirmed) {
    await trx('setup_links').where({ id: row.id, status: 'active' }).update({ status: 'failed' });
    await recordAuditEvent(
      {
        actor: { type: 'system', label: 'Setup Desk' },
        action: 'setup_link.email_unconfirmed',
        organizationId: row.organization_id,
        setupLinkId: row.id,
        details: { fingerprint: row.token_hash.slice(0, 6), recipient: row.recipient_email },
      },
      trx,
    );
    await queueOwnerNotice(trx, { organizationId: row.organization_id, setupLinkId: row.id, kind: 'delivery_failed', now });
  }
  return unconfirmed.length;
}

async function expirePastLinks(trx: Knex | Knex.Transaction, { organizationId, now }: { organizationId?: number; now: Date }): Promise<number> {
  const query = trx<SetupLinkRow>('setup_links').where({ status: 'active' }).where('expires_at', '<=', now.toISOString());
  if (organizationId !== undefined) query.where({ organization_id: organizationId });
  const stale = await query.select('id', 'organization_id', 'token_hash', 'launch_count');
  for (const row of stale) {
    await trx('setup_links').where({ id: row.id, status: 'active' }).update({ status: 'expired' });
    await recordAuditEvent(
      {
        actor: { type: 'system', label: 'Setup Desk' },
        action: 'setup_link.expired',
        organizationId: row.organization_id,
        setupLinkId: row.id,
        details: { fingerprint: row.token_hash.slice(0, 6), unused: row.launch_count === 0 },
      },
      trx,
    );
    if (row.launch_count === 0) await queueOwnerNotice(trx, { organizationId: row.organization_id, setupLinkId: row.id, kind: 'link_expired_unused', now });
  }
  return stale.length;
}

/** The organization's active link (after expiring a stale one), or null. */
export async function getActiveSetupLink(organizationId: number, db: Knex = getDb()): Promise<SetupLink | null> {
  await expireStaleLinks(db, { organizationId });
  const row = await linkQuery(db).where({ 'l.organization_id': organizationId, 'l.status': 'active' }).first();
  return row ? toSetupLink(row) : null;
}

type Options = { requestId?: string; db?: Knex; now?: Date };
type RecreateOptions = Options & { reason: string };

interface InsertedLink {
  link: SetupLink;
  url: string;
  organizationName: string;
}

async function insertLink(
  trx: Knex.Transaction,
  organizationId: number,
  input: SetupLinkRequest,
  actor: AuditActor,
  { requestId, now }: { requestId?: string; now: Date },
  action: 'setup_link.created' | 'setup_link.recreated',
): Promise<InsertedLink> {
  const token = generateSetupToken();
  const tokenHash = hashSetupToken(token);
  const features = SETUP_FEATURES.filter((feature) => input.features.includes(feature));
  const expiresAt = new Date(now.getTime() + input.lifetimeDays * 24 * 3_600_000);
  const delivery = input.email ? 'email' : 'copy';
  const [row] = await trx('setup_links')
    .insert({
      organization_id: organizationId,
      token_hash: tokenHash,
      features: JSON.stringify(features),
      delivery,
      recipient_email: input.email?.address ?? null,
      recipient_name: input.email?.name ?? null,
      expires_at: expiresAt.toISOString(),
      status: 'active',
      created_by: actor.type === 'staff' ? (actor.id ?? null) : null,
      created_at: now.toISOString(),
    })
    .returning('id');
  const id = (row as { id: number }).id;
  await recordAuditEvent(
    {
      actor,
      action,
      organizationId,
      setupLinkId: id,
      requestId,
      note: input.note,
      details: {
        features,
        delivery,
        ...(input.email ? { recipient: input.email.address } : {}),
        expiresAt: expiresAt.toISOString(),
        fingerprint: tokenHash.slice(0, 6),
      },
    },
    trx,
  );
  const created = await linkQuery(trx).where({ 'l.id': id }).first();
  const organization = await trx('organizations').where({ id: organizationId }).first('name');
  return { link: toSetupLink(created), url: setupUrl(token), organizationName: organization.name as string };
}

/**
 * Hands a just-committed link to its recipient. Copy mode returns the URL (the one time it is
 * shown). Email mode sends it — outside any transaction — and records the outcome: a failed send
 * marks the link failed, so nothing stays active that nobody received.
 */
async function deliver(inserted: InsertedLink, input: SetupLinkRequest, actor: AuditActor, { requestId, db }: { requestId?: string; db: Knex }): Promise<IssuedSetupLink> {
  const { link, url } = inserted;
  if (!input.email) return { delivery: 'copy', link, url };
  const recipient = input.email.address;
  const settings = await getSettings(db);
  const email = renderSetupLinkEmail({
    organizationName: inserted.organizationName,
    recipientName: input.email.name ?? null,
    senderName: actor.label,
    companyName: settings.companyName,
    supportEmail: settings.supportEmail,
    features: link.features,
    url,
    expiresAt: link.expiresAt,
    message: input.email.message ?? null,
  });
  const outcome = await sendEmail({ to: { address: recipient, name: input.email.name }, ...email }, settings);
  const details = { recipient, fingerprint: link.fingerprint };
  const settled = await db.transaction(async (trx) => {
    if (outcome.ok) {
      await trx('setup_links').where({ id: link.id }).update({ email_sent_at: new Date().toISOString() });
      await recordAuditEvent(
        { actor, action: 'setup_link.emailed', organizationId: link.organizationId, setupLinkId: link.id, requestId, details: { ...details, messageId: outcome.messageId } },
        trx,
      );
    } else {
      // Only an active link fails: one revoked meanwhile keeps its status.
      await trx('setup_links').where({ id: link.id, status: 'active' }).update({ status: 'failed' });
      await recordAuditEvent(
        {
          actor,
          action: 'setup_link.email_failed',
          organizationId: link.organizationId,
          setupLinkId: link.id,
          requestId,
          // The class and code, and our own words for them — never the server's text.
          details: { ...details, errorClass: outcome.failure.errorClass, responseCode: outcome.failure.responseCode, reason: outcome.failure.reason },
        },
        trx,
      );
      await queueOwnerNotice(trx, { organizationId: link.organizationId, setupLinkId: link.id, kind: 'delivery_failed' });
    }
    return toSetupLink(await linkQuery(trx).where({ 'l.id': link.id }).first());
  });
  return outcome.ok
    ? { delivery: 'email', sent: true, link: settled, recipient, messageId: outcome.messageId }
    : { delivery: 'email', sent: false, link: settled, recipient, failure: outcome.failure };
}

async function requireLinkableOrganization(trx: Knex.Transaction, organizationId: number): Promise<void> {
  const organization = await trx('organizations').where({ id: organizationId }).first('status');
  if (!organization) throw new SetupLinkRuleError('No such organization.');
  if (organization.status !== 'active') {
    throw new SetupLinkRuleError(
      organization.status === 'pending' ? 'Create the organization in WorkOS first (retry above), then send its link.' : 'This organization is archived: it cannot get a setup link.',
    );
  }
}

/**
 * Issues a link. One transaction expires a stale link, refuses when one is active, and inserts
 * and audits the new one; the partial unique index settles a race between two reps. Delivery
 * (the email, or the URL returned once) happens after the commit.
 */
export async function createSetupLink(organizationId: number, input: CopyRequest, actor: AuditActor, options?: Options): Promise<CopiedSetupLink>;
export async function createSetupLink(organizationId: number, input: EmailRequest, actor: AuditActor, options?: Options): Promise<EmailedSetupLink>;
export async function createSetupLink(organizationId: number, input: SetupLinkRequest, actor: AuditActor, options?: Options): Promise<IssuedSetupLink>;
export async function createSetupLink(
  organizationId: number,
  input: SetupLinkRequest,
  actor: AuditActor,
  { requestId, db = getDb(), now = new Date() }: Options = {},
): Promise<IssuedSetupLink> {
  let inserted: InsertedLink;
  try {
    inserted = await db.transaction(async (trx) => {
      await requireLinkableOrganization(trx, organizationId);
      await expireStaleLinks(trx, { organizationId, now });
      const active = await linkQuery(trx).where({ 'l.organization_id': organizationId, 'l.status': 'active' }).first();
      if (active) throw new ActiveLinkExistsError(toSetupLink(active));
      return insertLink(trx, organizationId, input, actor, { requestId, now }, 'setup_link.created');
    });
  } catch (error) {
    if (error instanceof Error && /UNIQUE constraint failed: setup_links.organization_id/.test(error.message)) {
      const active = await linkQuery(db).where({ 'l.organization_id': organizationId, 'l.status': 'active' }).first();
      if (active) throw new ActiveLinkExistsError(toSetupLink(active));
    }
    throw error;
  }
  return deliver(inserted, input, actor, { requestId, db });
}

/** Revokes a link at once. Revoking a link that is no longer active changes nothing. */
export async function revokeSetupLink(
  linkId: number,
  actor: AuditActor,
  { reason, requestId, db = getDb(), now = new Date() }: Options & { reason: string },
): Promise<{ revoked: boolean; status: SetupLinkStatus }> {
  return db.transaction(async (trx) => {
    const row = await trx<SetupLinkRow>('setup_links').where({ id: linkId }).first();
    if (!row) throw new SetupLinkRuleError('No such setup link.');
    if (row.status !== 'active') return { revoked: false, status: row.status };
    await revokeRow(trx, row, actor, { reason, requestId, now });
    return { revoked: true, status: 'revoked' as const };
  });
}

async function revokeRow(trx: Knex.Transaction, row: SetupLinkRow, actor: AuditActor, { reason, requestId, now }: { reason: string; requestId?: string; now: Date }) {
  await trx('setup_links')
    .where({ id: row.id })
    .update({ status: 'revoked', revoked_at: now.toISOString(), revoked_by: actor.type === 'staff' ? (actor.id ?? null) : null, revoke_reason: reason });
  await recordAuditEvent(
    { actor, action: 'setup_link.revoked', organizationId: row.organization_id, setupLinkId: row.id, requestId, note: reason, details: { fingerprint: row.token_hash.slice(0, 6) } },
    trx,
  );
}

/** Revokes the organization's active link inside the caller's transaction (archiving it, say). */
export async function revokeActiveLinkOf(trx: Knex.Transaction, organizationId: number, actor: AuditActor, { reason, requestId, now = new Date() }: { reason: string; requestId?: string; now?: Date }): Promise<boolean> {
  const active = await trx<SetupLinkRow>('setup_links').where({ organization_id: organizationId, status: 'active' }).first();
  if (!active) return false;
  await revokeRow(trx, active, actor, { reason, requestId, now });
  return true;
}

/**
 * Revokes the active link (if any) and issues a new one, in one transaction; then delivers it.
 * Resending an email is this, with the same features and recipient.
 */
export async function recreateSetupLink(organizationId: number, input: CopyRequest, actor: AuditActor, options: RecreateOptions): Promise<CopiedSetupLink>;
export async function recreateSetupLink(organizationId: number, input: EmailRequest, actor: AuditActor, options: RecreateOptions): Promise<EmailedSetupLink>;
export async function recreateSetupLink(organizationId: number, input: SetupLinkRequest, actor: AuditActor, options: RecreateOptions): Promise<IssuedSetupLink>;
export async function recreateSetupLink(
  organizationId: number,
  input: SetupLinkRequest,
  actor: AuditActor,
  { reason, requestId, db = getDb(), now = new Date() }: RecreateOptions,
): Promise<IssuedSetupLink> {
  const inserted = await db.transaction(async (trx) => {
    await requireLinkableOrganization(trx, organizationId);
    await expireStaleLinks(trx, { organizationId, now });
    const active = await trx<SetupLinkRow>('setup_links').where({ organization_id: organizationId, status: 'active' }).first();
    if (active) await revokeRow(trx, active, actor, { reason, requestId, now });
    return insertLink(trx, organizationId, input, actor, { requestId, now }, 'setup_link.recreated');
  });
  return deliver(inserted, input, actor, { requestId, db });
}

/** What the IT admin's page needs about a valid link; null for unknown, revoked or expired. */
export interface RedeemableLink {
  link: SetupLink;
  organization: { id: number; name: string; workosId: string };
}

/**
 * Looks a token up by its hash. An active or completed link within its lifetime is found (a
 * completed one only to tell the IT admin everything is set); anything else is null — all alike.
 */
export async function findRedeemableLink(token: string, { db = getDb(), now = new Date() }: { db?: Knex; now?: Date } = {}): Promise<RedeemableLink | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const row = await linkQuery(db).where({ 'l.token_hash': hashSetupToken(token) }).first();
  if (!row || (row.status !== 'active' && row.status !== 'completed')) return null;
  if (row.expires_at <= now.toISOString()) {
    if (row.status === 'active') await expireStaleLinks(db, { organizationId: row.organization_id, now });
    return null;
  }
  const organization = await db('organizations').where({ id: row.organization_id }).first('id', 'name', 'workos_id', 'status');
  if (!organization || organization.status !== 'active' || !organization.workos_id) return null;
  return { link: toSetupLink(row), organization: { id: organization.id, name: organization.name, workosId: organization.workos_id } };
}

/** Counts a view of the IT admin's page (a GET: may be an email scanner, so nothing else changes). */
export async function recordSetupLinkView(link: SetupLink, { db = getDb(), now = new Date() }: { db?: Knex; now?: Date; requestId?: string } = {}): Promise<void> {
  // Not an audit event (setup_link.viewed is retired): the counts are the record of views.
  await db('setup_links')
    .where({ id: link.id })
    .update({
      view_count: db.raw('view_count + 1'),
      last_viewed_at: now.toISOString(),
      first_viewed_at: db.raw('COALESCE(first_viewed_at, ?)', [now.toISOString()]),
    });
}

/** Counts a launch of one feature (the IT admin acted) and audits it. */
export async function recordSetupLinkLaunch(
  link: SetupLink,
  feature: SetupFeature,
  outcome: { ok: true } | { ok: false; kind: string },
  { db = getDb(), now = new Date(), requestId }: { db?: Knex; now?: Date; requestId?: string } = {},
): Promise<void> {
  await db.transaction(async (trx) => {
    if (outcome.ok) {
      await trx('setup_links')
        .where({ id: link.id })
        .update({
          launch_count: trx.raw('launch_count + 1'),
          launches: trx.raw("json_set(launches, ?, COALESCE(json_extract(launches, ?), 0) + 1)", [`$.${feature}`, `$.${feature}`]),
          first_launched_at: trx.raw('COALESCE(first_launched_at, ?)', [now.toISOString()]),
        });
    }
    await recordAuditEvent(
      {
        actor: { type: 'it_admin', label: 'IT admin' },
        action: outcome.ok ? 'setup_link.launched' : 'setup_link.launch_failed',
        organizationId: link.organizationId,
        setupLinkId: link.id,
        requestId,
        details: { feature, fingerprint: link.fingerprint, ...(outcome.ok ? {} : { kind: outcome.kind }) },
      },
      trx,
    );
  });
}

/**
 * The IT admin's last launch attempt, if it failed (a WorkOS error on their page): staff see it
 * flagged on the organization until a later launch succeeds.
 */
export async function latestLaunchFailure(organizationId: number, db: Knex = getDb()): Promise<{ at: string; feature: string; kind: string } | null> {
  const latest = await db('audit_events')
    .where({ organization_id: organizationId })
    .whereIn('action', ['setup_link.launched', 'setup_link.launch_failed'])
    .orderBy('id', 'desc')
    .first('action', 'at', 'details');
  if (!latest || latest.action !== 'setup_link.launch_failed') return null;
  const details = JSON.parse(latest.details as string) as { feature?: string; kind?: string };
  return { at: latest.at as string, feature: details.feature ?? 'setup', kind: details.kind ?? 'unavailable' };
}

/** Why the organization's newest link is not active, when its email failed: the next try starts here. */
export interface FailedEmailAttempt {
  at: string;
  recipientEmail: string;
  recipientName: string | null;
  features: SetupFeature[];
  lifetimeDays: number;
  reason: string;
}

/** The newest link of the organization, if it failed to be emailed (and nothing newer exists). */
export async function latestFailedEmail(organizationId: number, db: Knex = getDb()): Promise<FailedEmailAttempt | null> {
  const latest = await linkQuery(db).where({ 'l.organization_id': organizationId }).orderBy('l.id', 'desc').first();
  if (!latest || latest.status !== 'failed' || latest.delivery !== 'email') return null;
  const link = toSetupLink(latest);
  const event = await db('audit_events')
    .where({ setup_link_id: link.id })
    .whereIn('action', ['setup_link.email_failed', 'setup_link.email_unconfirmed'])
    .orderBy('id', 'desc')
    .first('action', 'at', 'details');
  const details = event ? (JSON.parse(event.details as string) as { reason?: string }) : {};
  return {
    at: (event?.at as string | undefined) ?? link.createdAt,
    recipientEmail: link.recipientEmail ?? '',
    recipientName: link.recipientName,
    features: link.features,
    lifetimeDays: lifetimeDaysOf(link),
    reason:
      event?.action === 'setup_link.email_unconfirmed'
        ? 'Setup Desk stopped before the mail server confirmed the email.'
        : (details.reason ?? 'the mail server refused it.'),
  };
}
