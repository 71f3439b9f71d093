import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { renderSetupLinkEmail } from '~/emails/setup-link';
import { type SetupLinkEmailRequest, type SetupLinkInvitationRequest, type SetupLinkRequest } from '~/forms/setup-link';
import { getDb, transaction, type HandleContext, type ModelContext, type TransactionContext } from '~/utils/db.server';
import { greatest, isUniqueViolation, least } from '~/utils/dialect.server';
import { sendEmail, type EmailFailure, type SendOutcome } from '~/utils/email.server';
import { getEnv } from '~/utils/env.server';
import { getLogger } from '~/utils/logger.server';
import { singleton } from '~/utils/singleton.server';
import { describeWorkOSError, type WorkOSProblem } from '~/utils/workos-errors.server';
import { getWorkOSWithoutRetries, portalUserIdOf, rootWorkOSError, withPersonDeadline, WorkOSBusyError, WorkOSDeadlineError } from '~/utils/workos.server';
import { formatDateTime } from '~/utils/format';
import { SETUP_TOKEN_PREFIX } from '~/utils/link-secrets';
import { latestEventOf, recordAuditEvent, type AuditActor } from './audit.server';
import { queueOwnerNotice } from './owner-digest.server';
import { customerFacingProblems, getSettings } from './settings.server';
import { lifetimeDaysOf, SETUP_LINK_STATUSES, WORKOS_INVITATION_DAYS, type DeliveryMethod, type SetupLinkStatus } from '~/domain/setup-links';
import { canBeInvited, SETUP_FEATURES, type SetupFeature } from '~/domain/features';
import {
  describeItContactError,
  ensureItContact,
  InvitationExistsError,
  inviteItContact,
  revokeInvitation,
  UnexpectedWorkOSAnswerError,
} from './it-contacts.server';

/**
 * Setup links: the app's own long-lived link to the Admin Portal (decision 004), and the one
 * owner of a link's whole life (decision 014). Every change of `setup_links` and of
 * `setup_link_launches` happens here:
 *
 *   (email)  sending ──mail server accepted──▶ active ──▶ revoked | expired | completed
 *            sending ──refused / never confirmed──▶ failed
 *   (workos) sending ──WorkOS sent its invitation──▶ active ──▶ …, as above
 *            sending ──WorkOS refused / did not answer──▶ failed
 *   (copy)   active, at once
 *
 * Reads never write: a link past its expiry reads as expired everywhere (`linkStatusSql`), and
 * the maintenance loop records it once (`settleLapsedLinks`). The token exists only in the
 * response that shows it (copy mode) or the email; the database keeps its SHA-256. A WorkOS-sent
 * link's token is WorkOS's own and never reaches the app: its row keeps the hash of a token made
 * for the row and given to nobody, so that it is told apart like any other link (decision 025).
 */

export { SETUP_LINK_STATUSES, type SetupLinkStatus };

const SYSTEM_ACTOR: AuditActor = { type: 'system', label: 'Setup Desk' };
const IT_ADMIN: AuditActor = { type: 'it_admin', label: 'IT admin' };

interface SetupLinkRow {
  id: number;
  organization_id: number;
  token_hash: string;
  features: string;
  delivery: DeliveryMethod;
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
  view_count: number;
  email_sent_at: string | null;
  completed_at: string | null;
  replaces_link_id: number | null;
  it_contact_id: string | null;
  reminders_sent: number;
  last_reminded_at: string | null;
  extended_at: string | null;
  invitation_revoke_due_at: string | null;
}

type ReadRow = SetupLinkRow & { effective_status: SetupLinkStatus; creator_name: string | null; revoker_name: string | null };

/** The IT admin's launches of one feature through one link. */
export interface FeatureLaunches {
  count: number;
  firstAt: string;
  lastAt: string;
}

export interface SetupLink {
  id: number;
  organizationId: number;
  features: SetupFeature[];
  delivery: DeliveryMethod;
  recipientEmail: string | null;
  recipientName: string | null;
  /** When the mail server accepted the email (emailed links only). */
  emailSentAt: string | null;
  expiresAt: string;
  /** What the link is now: an active link past its expiry is `expired` before anything records it. */
  status: SetupLinkStatus;
  createdBy: string | null;
  createdAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
  revokeReason: string | null;
  completedAt: string | null;
  firstViewedAt: string | null;
  lastViewedAt: string | null;
  viewCount: number;
  launchCount: number;
  launches: Partial<Record<SetupFeature, FeatureLaunches>>;
  /** The link this one replaces once it is delivered (a resend or recreate by email). */
  replacesLinkId: number | null;
  /** First characters of the token's hash: enough to tell links apart in the audit trail. */
  fingerprint: string;
  /** The WorkOS IT contact a WorkOS-sent link was sent to. */
  itContactId: string | null;
  /** Reminders sent of an emailed link (decision 025), the last one's time. */
  remindersSent: number;
  lastRemindedAt: string | null;
  /** When its expiry was last pushed out, if ever. */
  extendedAt: string | null;
  /** Ended here, while WorkOS has not yet confirmed ending its invitation (WorkOS-sent links). */
  invitationEndPending: boolean;
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
  | { delivery: 'email'; sent: false; link: SetupLink; recipient: string; failure: EmailFailure; previousLinkActive: boolean };

/** A new WorkOS-sent link: WorkOS emailed its own link, which the app never sees. */
export type InvitedSetupLink =
  | { delivery: 'workos'; sent: true; link: SetupLink; recipient: string }
  | {
      delivery: 'workos';
      sent: false;
      link: SetupLink;
      recipient: string;
      problem: WorkOSProblem;
      previousLinkActive: boolean;
      /** WorkOS gave no answer (rather than refusing): it may still act on the call. */
      unanswered: boolean;
      /** WorkOS may have sent this invitation all the same: Setup Desk is ending it. */
      mayHaveBeenSent: boolean;
      /** What became of the invitation of the WorkOS-sent link this one was to replace. */
      earlierInvitation: 'untouched' | 'asked' | 'ended';
    };

export type IssuedSetupLink = CopiedSetupLink | EmailedSetupLink | InvitedSetupLink;

/** Why a link was not delivered, in words for the rep: the mail server's failure, or WorkOS's refusal. */
export function failureReasonOf(issued: Extract<IssuedSetupLink, { sent: false }>): string {
  return issued.delivery === 'email' ? issued.failure.reason : issued.problem.message;
}

type CopyRequest = SetupLinkRequest & { email?: undefined; invitation?: undefined };
type EmailRequest = SetupLinkRequest & { email: SetupLinkEmailRequest; invitation?: undefined };
type InvitationRequest = SetupLinkRequest & { invitation: SetupLinkInvitationRequest; email?: undefined };

/**
 * How long an emailed link may stay `sending`. Longer than any send can take (each SMTP stage has
 * its own timeout); past it, the process that was sending has died, and a link nobody is known to
 * have received must not become active.
 */
export const UNCONFIRMED_EMAIL_GRACE_MS = 15 * 60_000;

/** A request the setup link's rules refuse; the message says why, and what to do. */
export class SetupLinkRuleError extends Error {
  constructor(
    message: string,
    /** The form field the refusal is about, when there is one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'SetupLinkRuleError';
  }

  /** The message for a person who reads times in `timeZone` (decision 020); `message` is in UTC, for logs. */
  messageIn(_timeZone: string): string {
    return this.message;
  }
}

/** Refused because the organization already has an active link, which it carries. */
export class ActiveLinkExistsError extends SetupLinkRuleError {
  constructor(readonly existing: SetupLink) {
    super(
      `This organization already has an active link (created by ${existing.createdBy ?? 'someone'}, expires ${existing.expiresAt.slice(0, 16).replace('T', ' ')} UTC) — revoke or recreate it.`,
    );
    this.name = 'ActiveLinkExistsError';
  }

  override messageIn(timeZone: string): string {
    return `This organization already has an active link (created by ${this.existing.createdBy ?? 'someone'}, expires ${formatDateTime(this.existing.expiresAt, timeZone)}) — revoke or recreate it.`;
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

/** A piece of SQL with its bindings, for the queries of other models that read links. */
export interface SqlFragment {
  sql: string;
  bindings: string[];
}

const unconfirmedBefore = (now: Date) => new Date(now.getTime() - UNCONFIRMED_EMAIL_GRACE_MS).toISOString();

/**
 * The one definition of a link's status as everyone sees it: an active link past its expiry is
 * expired, and a link still `sending` past the grace period has failed — whether or not the
 * maintenance loop has recorded it yet.
 */
export function linkStatusSql(alias: string, now: Date): SqlFragment {
  return {
    sql: `(CASE WHEN ${alias}.status = 'active' AND ${alias}.expires_at <= ? THEN 'expired' WHEN ${alias}.status = 'sending' AND ${alias}.created_at <= ? THEN 'failed' ELSE ${alias}.status END)`,
    bindings: [now.toISOString(), unconfirmedBefore(now)],
  };
}

/** True for a link that opens now: active and within its lifetime. */
export function linkIsActiveSql(alias: string, now: Date): SqlFragment {
  return { sql: `(${alias}.status = 'active' AND ${alias}.expires_at > ?)`, bindings: [now.toISOString()] };
}

/**
 * `expression` over the organization's current link — the active one, else the newest — as a
 * scalar subquery of the organization row `organizationAlias`.
 */
export function currentLinkSql(organizationAlias: string, expression: SqlFragment | string, now: Date): SqlFragment {
  const value = typeof expression === 'string' ? { sql: expression, bindings: [] } : expression;
  const active = linkIsActiveSql('l', now);
  return {
    sql: `(SELECT ${value.sql} FROM setup_links l WHERE l.organization_id = ${organizationAlias}.id ORDER BY ${active.sql} DESC, l.id DESC LIMIT 1)`,
    bindings: [...value.bindings, ...active.bindings],
  };
}

function linkQuery(db: Knex | Knex.Transaction, now: Date) {
  const status = linkStatusSql('l', now);
  return db('setup_links as l')
    .leftJoin('staff as creator', 'creator.id', 'l.created_by')
    .leftJoin('staff as revoker', 'revoker.id', 'l.revoked_by')
    .select('l.*', 'creator.name as creator_name', 'revoker.name as revoker_name', db.raw(`${status.sql} AS effective_status`, status.bindings));
}

async function launchesOf(db: Knex | Knex.Transaction, linkIds: number[]): Promise<Map<number, Partial<Record<SetupFeature, FeatureLaunches>>>> {
  const byLink = new Map<number, Partial<Record<SetupFeature, FeatureLaunches>>>();
  if (linkIds.length === 0) return byLink;
  const rows = (await db('setup_link_launches').whereIn('setup_link_id', linkIds).select('setup_link_id', 'feature', 'launches', 'first_at', 'last_at')) as {
    setup_link_id: number;
    feature: SetupFeature;
    launches: number;
    first_at: string;
    last_at: string;
  }[];
  for (const row of rows) {
    const launches = byLink.get(row.setup_link_id) ?? {};
    launches[row.feature] = { count: row.launches, firstAt: row.first_at, lastAt: row.last_at };
    byLink.set(row.setup_link_id, launches);
  }
  return byLink;
}

async function toSetupLinks(db: Knex | Knex.Transaction, rows: ReadRow[]): Promise<SetupLink[]> {
  const launches = await launchesOf(
    db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => {
    const byFeature = launches.get(row.id) ?? {};
    return {
      id: row.id,
      organizationId: row.organization_id,
      features: JSON.parse(row.features) as SetupFeature[],
      delivery: row.delivery,
      recipientEmail: row.recipient_email,
      recipientName: row.recipient_name,
      emailSentAt: row.email_sent_at,
      expiresAt: row.expires_at,
      status: row.effective_status,
      createdBy: row.creator_name ?? null,
      createdAt: row.created_at,
      revokedAt: row.revoked_at,
      revokedBy: row.revoker_name ?? null,
      revokeReason: row.revoke_reason,
      completedAt: row.completed_at,
      firstViewedAt: row.first_viewed_at,
      lastViewedAt: row.last_viewed_at,
      viewCount: row.view_count,
      launchCount: Object.values(byFeature).reduce((sum, each) => sum + each.count, 0),
      launches: byFeature,
      replacesLinkId: row.replaces_link_id,
      fingerprint: row.token_hash.slice(0, 6),
      itContactId: row.it_contact_id,
      remindersSent: row.reminders_sent,
      lastRemindedAt: row.last_reminded_at,
      extendedAt: row.extended_at,
      invitationEndPending: row.invitation_revoke_due_at !== null,
    };
  });
}

async function readLink(db: Knex | Knex.Transaction, where: Record<string, unknown>, now: Date): Promise<SetupLink | null> {
  const row = (await linkQuery(db, now).where(where).orderBy('l.id', 'desc').first()) as ReadRow | undefined;
  return row ? (await toSetupLinks(db, [row]))[0]! : null;
}

const fingerprintOf = (row: Pick<SetupLinkRow, 'token_hash'>) => row.token_hash.slice(0, 6);

/** What the organization page needs to tell a link's story. */
export interface SetupLinkOverview {
  /** The link that opens now, if any. */
  active: SetupLink | null;
  /** A link being emailed right now (a first send, or a replacement of `active`). */
  sending: SetupLink | null;
  /** The newest link of any state: when nothing is active, it says why (completed, revoked…). */
  latest: SetupLink | null;
}

/** The organization's links as they read now. Writes nothing. */
export async function getSetupLinkOverview(organizationId: number, { db = getDb(), now = new Date() }: ModelContext = {}): Promise<SetupLinkOverview> {
  const active = linkIsActiveSql('l', now);
  const sending = linkStatusSql('l', now);
  const rows = (await linkQuery(db, now)
    .where('l.organization_id', organizationId)
    .where((query) =>
      query
        .whereRaw(active.sql, active.bindings)
        .orWhereRaw(`${sending.sql} = 'sending'`, sending.bindings)
        .orWhereRaw('l.id = (SELECT max(newest.id) FROM setup_links newest WHERE newest.organization_id = l.organization_id)'),
    )
    .orderBy('l.id', 'desc')) as ReadRow[];
  const links = await toSetupLinks(db, rows);
  return {
    active: links.find((link) => link.status === 'active') ?? null,
    sending: links.find((link) => link.status === 'sending') ?? null,
    latest: links[0] ?? null,
  };
}

/**
 * Whether a WorkOS-sent link of the organization ended here while its invitation may still open
 * at WorkOS: WorkOS has not confirmed ending it, or it lapsed and maintenance has not yet asked.
 * For the organization's page only — not part of the overview, which issuing reads inside its
 * transaction. Writes nothing.
 */
export async function invitationMayStillOpen(organizationId: number, { db = getDb(), now = new Date() }: ModelContext = {}): Promise<boolean> {
  const ending = await db('setup_links')
    .where({ organization_id: organizationId })
    .where((query) =>
      query
        .whereNotNull('invitation_revoke_due_at')
        .orWhere((lapsed) => lapsed.where({ delivery: 'workos', status: 'active' }).where('expires_at', '<=', now.toISOString())),
    )
    .first('id');
  return Boolean(ending);
}

/** The organization's active link, or null. Writes nothing. */
export async function getActiveSetupLink(organizationId: number, { db = getDb(), now = new Date() }: ModelContext = {}): Promise<SetupLink | null> {
  return (await getSetupLinkOverview(organizationId, { db, now })).active;
}

/**
 * Records what time alone has decided: links past their expiry become `expired`, emailed links
 * never confirmed sent within the grace period become `failed` — each once (a conditional update,
 * audited only when it changed the row), with the owner's notice. The maintenance loop runs it;
 * issuing a link runs it for its organization first, to free the one-active slot.
 */
export async function settleLapsedLinks(
  {
    organizationId,
    ended,
  }: {
    organizationId?: number;
    /** Collects the ids of the links that expired, for `endLinksAtWorkOS` after the commit. */
    ended?: number[];
  } = {},
  { db, now = new Date() }: HandleContext,
): Promise<number> {
  // Each link in a transaction of its own (inside the caller's, a savepoint): a backlog of lapsed
  // links is many short transactions, not one long one that a concurrent write to setup_links
  // would make PostgreSQL abort and retry again and again.
  let settled = 0;
  const unconfirmed = db<SetupLinkRow>('setup_links').where({ status: 'sending' }).where('created_at', '<=', unconfirmedBefore(now));
  if (organizationId !== undefined) unconfirmed.where({ organization_id: organizationId });
  for (const row of await unconfirmed.select('id', 'organization_id', 'token_hash', 'recipient_email', 'created_at', 'delivery')) {
    const changed = await transaction(db, async (trx) => {
      // A WorkOS-sent link whose process died while WorkOS was asked: WorkOS may have sent it.
      const updated = await trx('setup_links')
        .where({ id: row.id, status: 'sending' })
        .where('created_at', '<=', unconfirmedBefore(now))
        .update({ status: 'failed', invitation_revoke_due_at: invitationRevokeDue(trx, now) });
      if (updated !== 1) return false;
      await recordAuditEvent(
        {
          actor: SYSTEM_ACTOR,
          action: 'setup_link.email_unconfirmed',
          organizationId: row.organization_id,
          setupLinkId: row.id,
          details: { fingerprint: fingerprintOf(row), recipient: row.recipient_email, ...(row.delivery === 'workos' ? { delivery: 'workos' as const } : {}) },
        },
        { db: trx },
      );
      await queueOwnerNotice({ organizationId: row.organization_id, setupLinkId: row.id, kind: 'delivery_failed' }, { db: trx, now });
      return true;
    });
    if (changed) settled += 1;
  }

  const lapsed = db<SetupLinkRow>('setup_links').where({ status: 'active' }).where('expires_at', '<=', now.toISOString());
  if (organizationId !== undefined) lapsed.where({ organization_id: organizationId });
  for (const row of await lapsed.select('id', 'organization_id', 'token_hash')) {
    const changed = await transaction(db, async (trx) => {
      const updated = await trx('setup_links')
        .where({ id: row.id, status: 'active' })
        .where('expires_at', '<=', now.toISOString())
        .update({ status: 'expired', invitation_revoke_due_at: invitationRevokeDue(trx, now) });
      if (updated !== 1) return false;
      const launched = await trx('setup_link_launches').where({ setup_link_id: row.id }).first('feature');
      await recordAuditEvent(
        {
          actor: SYSTEM_ACTOR,
          action: 'setup_link.expired',
          organizationId: row.organization_id,
          setupLinkId: row.id,
          details: { fingerprint: fingerprintOf(row), unused: !launched },
        },
        { db: trx },
      );
      if (!launched) await queueOwnerNotice({ organizationId: row.organization_id, setupLinkId: row.id, kind: 'link_expired_unused' }, { db: trx, now });
      return true;
    });
    if (!changed) continue;
    settled += 1;
    ended?.push(row.id);
  }
  return settled;
}

/** What a recreate (or resend) adds to a link request: why, and which link it replaces. */
interface Replacing {
  reason: string;
  /** The link the rep saw as active (a resend names it): refused if another has taken its place. */
  expectedActiveLinkId?: number;
}

interface InsertedLink {
  link: SetupLink;
  url: string;
  organizationName: string;
  /** The active link it replaces once delivered (emailed and WorkOS-sent replacements only). */
  replaces: SetupLink | null;
  /** WorkOS-sent: the organization's invitation turn, taken with the insert (`takeInvitationTurn`). */
  invitationTurn?: string;
}

/**
 * How long a turn at an organization's invitation lasts at most: WorkOS revokes by contact and
 * keeps one invitation per organization, so two calls about one organization's invitation at once
 * could end the wrong one (a late revoke landing on a newer invitation). A holder gives it back
 * when done; one that died lets it lapse. Longer than a person's deadline, so that it never lapses
 * under a call still waiting on WorkOS.
 */
const invitationTurnMs = () => getEnv().WORKOS_PERSON_DEADLINE_MS * 2 + 5_000;

/** Takes the organization's invitation turn if nobody holds it (a lapsed one is free): the holder's token, or null. */
async function takeInvitationTurn(db: Knex | Knex.Transaction, organizationId: number): Promise<string | null> {
  // Real time, as leases keep: a turn bounds calls that really take time.
  const now = new Date();
  const holder = crypto.randomBytes(12).toString('base64url');
  await db.raw(
    `INSERT INTO invitation_turns (organization_id, holder, until) VALUES (?, ?, ?)
     ON CONFLICT (organization_id) DO UPDATE SET holder = excluded.holder, until = excluded.until WHERE invitation_turns.until <= ?`,
    [organizationId, holder, new Date(now.getTime() + invitationTurnMs()).toISOString(), now.toISOString()],
  );
  const row = (await db('invitation_turns').where({ organization_id: organizationId }).first('holder')) as { holder: string } | undefined;
  return row?.holder === holder ? holder : null;
}

async function giveBackInvitationTurn(db: Knex, organizationId: number, holder: string): Promise<void> {
  await db('invitation_turns').where({ organization_id: organizationId, holder }).delete();
}

/**
 * How long a turn is kept after a call WorkOS did not answer (the deadline stopped the wait, or
 * the connection broke): WorkOS may still be working on it, and a call that lands late could end a
 * newer invitation — or an invitation could appear after the app was told it did not exist. The
 * turn is left to lapse then, not given back.
 */
const UNANSWERED_TURN_MS = 2 * 60_000;

/** A call that got no answer from WorkOS (as opposed to an answer that refused or failed). */
function unanswered(error: unknown): boolean {
  const root = rootWorkOSError(error);
  if (root instanceof WorkOSDeadlineError) return true;
  // WorkOS's own answers, as the app read them: a 409, a body that was not an IT contact, a busy signal.
  if (root instanceof InvitationExistsError || root instanceof UnexpectedWorkOSAnswerError || root instanceof WorkOSBusyError) return false;
  return typeof (root as { status?: unknown } | null)?.status !== 'number';
}

/** Ends a turn after its calls: given back, or — one went unanswered — kept until WorkOS cannot still be acting on it. */
async function endInvitationTurn(db: Knex, organizationId: number, holder: string, { unansweredCall }: { unansweredCall: boolean }): Promise<void> {
  if (!unansweredCall) return giveBackInvitationTurn(db, organizationId, holder);
  await db('invitation_turns')
    .where({ organization_id: organizationId, holder })
    .update({ until: new Date(Date.now() + UNANSWERED_TURN_MS).toISOString() });
}

async function requireLinkableOrganization(trx: Knex.Transaction, organizationId: number): Promise<string> {
  const organization = await trx('organizations').where({ id: organizationId }).first('status', 'name');
  if (!organization) throw new SetupLinkRuleError('No such organization.');
  if (organization.status !== 'active') {
    throw new SetupLinkRuleError(
      organization.status === 'pending'
        ? 'Create the organization in WorkOS first (retry above), then send its link.'
        : 'This organization is archived: it cannot get a setup link.',
    );
  }
  return organization.name as string;
}

/** Refused while another link of the organization is being emailed: one send at a time. */
export class LinkBeingSentError extends SetupLinkRuleError {
  constructor(readonly sending: SetupLink) {
    super(
      `A new link is being ${sending.delivery === 'workos' ? 'sent by WorkOS' : 'emailed'} to ${sending.recipientEmail ?? 'the IT admin'} right now (started by ${sending.createdBy ?? 'someone'}): wait a moment, then reload the page.`,
    );
    this.name = 'LinkBeingSentError';
  }
}

function refuseWhileSending(sending: SetupLink): never {
  throw new LinkBeingSentError(sending);
}

/** A write refused by the one-active or the one-sending rule (both partial unique indexes on the organization). */
const isOneLinkViolation = (error: unknown) =>
  isUniqueViolation(error, { name: 'setup_links_one_active', columns: 'setup_links.organization_id' }) ||
  isUniqueViolation(error, { name: 'setup_links_one_sending', columns: 'setup_links.organization_id' });

/**
 * Inserts and audits a link. Emailed links start `sending` (outside the one-active index) and
 * become active only when the mail server accepted them; copy-mode links are active at once.
 */
async function insertLink(
  trx: Knex.Transaction,
  organizationId: number,
  input: SetupLinkRequest,
  actor: AuditActor,
  { requestId, now, replaces, action }: { requestId?: string; now: Date; replaces: SetupLink | null; action: 'setup_link.created' | 'setup_link.recreated' },
): Promise<{ link: SetupLink; url: string; invitationTurn?: string }> {
  const token = generateSetupToken();
  const tokenHash = hashSetupToken(token);
  const features = SETUP_FEATURES.filter((feature) => input.features.includes(feature));
  const expiresAt = new Date(now.getTime() + input.lifetimeDays * 24 * 3_600_000);
  const delivery: DeliveryMethod = input.email ? 'email' : input.invitation ? 'workos' : 'copy';
  const recipient = input.email ?? input.invitation;
  let invitationTurn: string | undefined;
  if (delivery === 'workos') {
    refuseNotInvitable(features, expiresAt, now);
    invitationTurn = (await takeInvitationTurn(trx, organizationId)) ?? undefined;
    if (!invitationTurn) {
      throw new SetupLinkRuleError(
        'Setup Desk is talking to WorkOS about this organization’s invitation right now, or waiting out a call WorkOS did not answer: try again in a minute or two.',
      );
    }
  }
  const [row] = await trx('setup_links')
    .insert({
      organization_id: organizationId,
      token_hash: tokenHash,
      features: JSON.stringify(features),
      delivery,
      recipient_email: recipient?.address ?? null,
      recipient_name: recipient?.name ?? null,
      expires_at: expiresAt.toISOString(),
      status: delivery === 'copy' ? 'active' : 'sending',
      created_by: actor.type === 'staff' ? (actor.id ?? null) : null,
      created_at: now.toISOString(),
      replaces_link_id: replaces?.id ?? null,
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
        ...(recipient ? { recipient: recipient.address } : {}),
        expiresAt: expiresAt.toISOString(),
        fingerprint: tokenHash.slice(0, 6),
        ...(replaces ? { replacesFingerprint: replaces.fingerprint } : {}),
      },
    },
    { db: trx },
  );
  return { link: (await readLink(trx, { 'l.id': id }, now))!, url: setupUrl(token), ...(invitationTurn ? { invitationTurn } : {}) };
}

/**
 * The model's own check of what a WorkOS-sent link may be (the form says it first): the features
 * an invitation carries, and a lifetime within WorkOS's own.
 */
function refuseNotInvitable(features: SetupFeature[], expiresAt: Date, now: Date): void {
  if (!features.every(canBeInvited))
    throw new SetupLinkRuleError('WorkOS cannot send an invitation for Audit Logs or certificate renewal: send that link by email.');
  if (expiresAt.getTime() - now.getTime() > WORKOS_INVITATION_DAYS * 86_400_000) {
    throw new SetupLinkRuleError(`A WorkOS-sent invitation lasts at most ${WORKOS_INVITATION_DAYS} days.`);
  }
}

/**
 * A WorkOS-sent link that ends here must end at WorkOS too (its invitation would still open):
 * the row says so until WorkOS confirms (`endLinksAtWorkOS`). Other links: nothing to do.
 */
function invitationRevokeDue(trx: Knex.Transaction, now: Date): Knex.Raw {
  return trx.raw("CASE WHEN delivery = 'workos' AND it_contact_id IS NOT NULL THEN ? ELSE NULL END", [now.toISOString()]);
}

async function revokeRow(
  trx: Knex.Transaction,
  row: Pick<SetupLinkRow, 'id' | 'organization_id' | 'token_hash'>,
  actor: AuditActor,
  { reason, requestId, now, from, replacedBy }: { reason: string; requestId?: string; now: Date; from: 'active' | 'sending'; replacedBy?: string },
): Promise<boolean> {
  const query = trx('setup_links').where({ id: row.id, status: from });
  // An active link past its expiry has expired; revoking it would rewrite what happened.
  if (from === 'active') query.where('expires_at', '>', now.toISOString());
  const changed = await query.update({
    status: 'revoked',
    revoked_at: now.toISOString(),
    revoked_by: actor.type === 'staff' ? (actor.id ?? null) : null,
    revoke_reason: reason,
    invitation_revoke_due_at: invitationRevokeDue(trx, now),
  });
  if (changed !== 1) return false;
  await recordAuditEvent(
    {
      actor,
      action: 'setup_link.revoked',
      organizationId: row.organization_id,
      setupLinkId: row.id,
      requestId,
      note: reason,
      details: { fingerprint: fingerprintOf(row), ...(replacedBy ? { replacedBy } : {}) },
    },
    { db: trx },
  );
  return true;
}

/**
 * Hands a just-committed link to its recipient. Copy mode returns the URL (the one time it is
 * shown). Email mode sends it — outside any transaction — then settles it in one transaction:
 * accepted → the link it replaces (if any) is revoked and this one becomes active, so the
 * customer is never without a working link and never has two; refused → this one fails and
 * the link it would have replaced keeps working.
 */
async function deliver(
  inserted: InsertedLink,
  input: SetupLinkRequest,
  actor: AuditActor,
  { requestId, db, reason }: { requestId?: string; db: Knex; reason?: string },
): Promise<IssuedSetupLink> {
  const { link, url } = inserted;
  if (input.invitation) return inviteThroughWorkOS(inserted, input.invitation, actor, { requestId, db, reason });
  if (!input.email) return { delivery: 'copy', link, url };
  const recipient = input.email.address;
  try {
    const settings = await getSettings({}, { db });
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
      replacesEarlierLink: inserted.replaces !== null,
    });
    const outcome = await sendEmail({ to: { address: recipient, name: input.email.name }, ...email }, settings);
    const settled = await transaction(db, (trx) => settleDelivery(trx, inserted, outcome, { actor, requestId, reason, recipient }));
    // The link it replaced was revoked in the swap: its open portal sessions end too.
    if (settled.sent && settled.link.status === 'active' && inserted.replaces) await endLinksAtWorkOS([inserted.replaces.id], { db });
    return settled;
  } catch (error) {
    // Whatever broke after the link was committed, it must not stay `sending` (that blocks every
    // new link for the organization until the grace period ends): it failed.
    await db('setup_links')
      .where({ id: link.id, status: 'sending' })
      .update({ status: 'failed' })
      .catch(() => undefined);
    throw error;
  }
}

/**
 * Has WorkOS send its invitation for a just-committed link, holding the organization's invitation
 * turn (taken with the insert) and within the person's deadline, in this order:
 * 1. invitations of the organization's links that ended here and WorkOS has not confirmed ending
 *    are ended first (they would block this one: one per organization);
 * 2. the earlier WorkOS-sent link it replaces ends at WorkOS (one at a time);
 * 3. the IT admin is made (or found as) an IT contact — recorded on the row before step 4, so that
 *    whatever happens next, Setup Desk knows whom WorkOS may have invited;
 * 4. WorkOS is asked to invite them, once (a retry of a POST whose answer was lost would be
 *    refused as a second invitation).
 * Then one transaction settles it, as an email's delivery is settled. Refused or unanswered: this
 * link fails. When WorkOS may have sent it all the same (no answer at step 4), or the earlier link's
 * invitation may be gone (asked at step 2), the failure says so, and the invitation is due to end
 * at WorkOS (maintenance asks).
 */
async function inviteThroughWorkOS(
  inserted: InsertedLink,
  invitation: SetupLinkInvitationRequest,
  actor: AuditActor,
  context: { requestId?: string; db: Knex; reason?: string },
): Promise<InvitedSetupLink> {
  const { db } = context;
  const turn = inserted.invitationTurn;
  if (!turn) throw new Error('a WorkOS-sent link is delivered holding its organization’s invitation turn');
  let invited: InvitedSetupLink | null = null;
  try {
    invited = await inviteHoldingTurn(inserted, invitation, actor, context);
  } finally {
    const unansweredCall = invited === null || (!invited.sent && invited.unanswered);
    await endInvitationTurn(db, inserted.link.organizationId, turn, { unansweredCall });
  }
  // Ended while WorkOS answered (the organization was archived): its invitation ends at WorkOS now.
  if (invited.sent && invited.link.status !== 'active') await endLinksAtWorkOS([invited.link.id], { db });
  // The link it replaced was an email or a copy: its portal sessions end (a WorkOS-sent one ended at step 2).
  else if (invited.sent && inserted.replaces && inserted.replaces.delivery !== 'workos') await endLinksAtWorkOS([inserted.replaces.id], { db });
  return invited;
}

type InvitationStep = 'pending' | 'earlier' | 'contact' | 'invite';
/** Where the earlier WorkOS-sent link's invitation stands: not asked about, asked (no clear answer), ended. */
type EarlierInvitation = 'untouched' | 'asked' | 'ended';

async function inviteHoldingTurn(
  inserted: InsertedLink,
  invitation: SetupLinkInvitationRequest,
  actor: AuditActor,
  { requestId, db, reason }: { requestId?: string; db: Knex; reason?: string },
): Promise<InvitedSetupLink> {
  const { link, replaces } = inserted;
  const recipient = invitation.address;
  const organization = (await db('organizations').where({ id: link.organizationId }).first('workos_id')) as { workos_id: string | null };
  // An active organization has its WorkOS id (a CHECK of organizations), and only active ones get links.
  const workosId = organization.workos_id!;
  const pending = await invitationsDueToEnd(db, link.organizationId, [link.id, ...(replaces ? [replaces.id] : [])]);
  const ended: DueInvitation[] = [];
  let step: InvitationStep = 'pending';
  let earlier: EarlierInvitation = 'untouched';
  let contactId: string | null = null;
  try {
    await withPersonDeadline(async () => {
      for (const due of pending) {
        await revokeInvitation(workosId, due.it_contact_id);
        ended.push(due);
      }
      if (replaces?.delivery === 'workos' && replaces.itContactId) {
        step = 'earlier';
        earlier = 'asked';
        await revokeInvitation(workosId, replaces.itContactId);
        earlier = 'ended';
      }
      step = 'contact';
      const contact = await ensureItContact(workosId, recipient);
      contactId = contact.id;
      await recordInvitedContact(db, link.id, contact.id);
      step = 'invite';
      await inviteItContact(workosId, contact.id, link.features.filter(canBeInvited));
    });
  } catch (error) {
    const problem = describeItContactError(error);
    const noAnswer = unanswered(error);
    return transaction(db, (trx) =>
      settleFailedInvitation(trx, inserted, {
        problem,
        noAnswer,
        // WorkOS refused the earlier invitation's revoke outright: it still works. Asked and no answer: it may be gone.
        earlier: earlier === 'asked' && problem.refused ? 'untouched' : earlier,
        mayHaveBeenSent: step === 'invite' && !problem.refused,
        ended,
        recipient,
        actor,
        requestId,
      }),
    );
  }
  const settledAt = new Date();
  return transaction(db, async (trx) => {
    for (const due of ended) await confirmInvitationEnded(trx, due);
    const stillSending = Boolean(await trx('setup_links').where({ id: link.id, status: 'sending' }).first('id'));
    if (stillSending) await activateReplacing(trx, { link, replaces }, actor, { requestId, reason, settledAt, via: 'sent by WorkOS' });
    // Ended while WorkOS answered (the organization was archived): WorkOS must end it too.
    else await trx('setup_links').where({ id: link.id }).update({ email_sent_at: settledAt.toISOString(), invitation_revoke_due_at: settledAt.toISOString() });
    // WorkOS ended the earlier link's invitation at step 2: nothing is left to ask.
    if (earlier === 'ended' && replaces) await confirmInvitationEnded(trx, await dueInvitationOf(trx, replaces.id));
    await recordAuditEvent(
      {
        actor,
        action: 'setup_link.invited',
        organizationId: link.organizationId,
        setupLinkId: link.id,
        requestId,
        details: { recipient, fingerprint: link.fingerprint, contactId: contactId!, ...(replaces ? { replacedFingerprint: replaces.fingerprint } : {}) },
      },
      { db: trx },
    );
    return { delivery: 'workos' as const, sent: true as const, link: (await readLink(trx, { 'l.id': link.id }, settledAt))!, recipient };
  });
}

/** The contact WorkOS is about to invite, on the link's row: committed before WorkOS is asked. */
async function recordInvitedContact(db: Knex, linkId: number, contactId: string): Promise<void> {
  await db('setup_links').where({ id: linkId }).update({ it_contact_id: contactId });
}

/**
 * WorkOS did not send the invitation: this link fails. The link it was to replace keeps working —
 * unless its invitation was (or may have been) ended at WorkOS already, which leaves the customer
 * without a link: it is revoked here too, and the rep told. A failure WorkOS may not have meant
 * (no answer to the invitation) leaves this link's invitation due to end at WorkOS.
 */
async function settleFailedInvitation(
  trx: Knex.Transaction,
  { link, replaces }: InsertedLink,
  {
    problem,
    noAnswer,
    earlier,
    mayHaveBeenSent,
    ended,
    recipient,
    actor,
    requestId,
  }: {
    problem: WorkOSProblem;
    noAnswer: boolean;
    earlier: EarlierInvitation;
    mayHaveBeenSent: boolean;
    ended: DueInvitation[];
    recipient: string;
    actor: AuditActor;
    requestId?: string;
  },
): Promise<InvitedSetupLink> {
  const settledAt = new Date();
  for (const due of ended) await confirmInvitationEnded(trx, due);
  await trx('setup_links').where({ id: link.id, status: 'sending' }).update({ status: 'failed' });
  // Whatever its status now (archived meanwhile: revoked), an invitation WorkOS may have sent must end.
  if (mayHaveBeenSent) await trx('setup_links').where({ id: link.id }).update({ invitation_revoke_due_at: settledAt.toISOString() });
  if (earlier !== 'untouched' && replaces) {
    const old = await trx<SetupLinkRow>('setup_links').where({ id: replaces.id }).first('id', 'organization_id', 'token_hash');
    await revokeRow(trx, old!, SYSTEM_ACTOR, {
      reason:
        earlier === 'ended'
          ? 'WorkOS ended its invitation to make room for the new one, which it then did not send.'
          : 'WorkOS was asked to end its invitation to make room for the new one and did not answer: it may no longer open.',
      requestId,
      now: settledAt,
      from: 'active',
    });
    if (earlier === 'ended') await confirmInvitationEnded(trx, await dueInvitationOf(trx, replaces.id));
  }
  const previous = replaces ? await readLink(trx, { 'l.id': replaces.id }, settledAt) : null;
  const previousLinkActive = previous?.status === 'active';
  if (!previousLinkActive)
    await queueOwnerNotice({ organizationId: link.organizationId, setupLinkId: link.id, kind: 'delivery_failed' }, { db: trx, now: settledAt });
  await recordAuditEvent(
    {
      actor,
      action: 'setup_link.invite_failed',
      organizationId: link.organizationId,
      setupLinkId: link.id,
      requestId,
      details: { recipient, fingerprint: link.fingerprint, kind: problem.kind, status: problem.status ?? null, previousLinkActive },
    },
    { db: trx },
  );
  return {
    delivery: 'workos',
    sent: false,
    link: (await readLink(trx, { 'l.id': link.id }, settledAt))!,
    recipient,
    problem,
    previousLinkActive,
    unanswered: noAnswer,
    mayHaveBeenSent,
    earlierInvitation: earlier,
  };
}

/**
 * A delivered link takes its place: lapsed links are recorded first (an old link may have expired
 * during the delivery), the link it replaces is revoked, then this one becomes active — unless the
 * old link was revoked or completed meanwhile, a decision that stands: this one is then revoked
 * too. Old out, then new in: the one-active index holds at every statement.
 */
async function activateReplacing(
  trx: Knex.Transaction,
  { link, replaces }: Pick<InsertedLink, 'link' | 'replaces'>,
  actor: AuditActor,
  { requestId, reason, settledAt, via }: { requestId?: string; reason?: string; settledAt: Date; via: 'emailed' | 'sent by WorkOS' },
): Promise<void> {
  await settleLapsedLinks({ organizationId: link.organizationId }, { db: trx, now: settledAt });
  const replaced = replaces ? await readLink(trx, { 'l.id': replaces.id }, settledAt) : null;
  if (replaced && (replaced.status === 'revoked' || replaced.status === 'completed')) {
    // Delivered all the same: the time it was accepted is true, whatever follows.
    await trx('setup_links').where({ id: link.id }).update({ email_sent_at: settledAt.toISOString() });
    const row = await trx<SetupLinkRow>('setup_links').where({ id: link.id }).first('id', 'organization_id', 'token_hash');
    await revokeRow(trx, row!, SYSTEM_ACTOR, {
      reason: `The link it was to replace was ${replaced.status} while this one was being ${via}.`,
      requestId,
      now: settledAt,
      from: 'sending',
    });
    return;
  }
  if (replaced?.status === 'active') {
    const old = await trx<SetupLinkRow>('setup_links').where({ id: replaced.id }).first('id', 'organization_id', 'token_hash');
    await revokeRow(trx, old!, actor, { reason: reason ?? 'Replaced by a new link.', requestId, now: settledAt, from: 'active', replacedBy: link.fingerprint });
  }
  await trx('setup_links').where({ id: link.id, status: 'sending' }).update({ status: 'active', email_sent_at: settledAt.toISOString() });
}

/**
 * The mail server's answer, recorded in one transaction. Accepted: lapsed links are recorded
 * first (an old link may have expired during the send), the link it replaces is revoked, then this
 * one becomes active — unless the old link was revoked or completed meanwhile, a decision that
 * stands: this one is then revoked too. Refused: this one fails; the old link keeps working.
 */
async function settleDelivery(
  trx: Knex.Transaction,
  { link, replaces }: InsertedLink,
  outcome: SendOutcome,
  { actor, requestId, reason, recipient }: { actor: AuditActor; requestId?: string; reason?: string; recipient: string },
): Promise<EmailedSetupLink> {
  const settledAt = new Date();
  const details = { recipient, fingerprint: link.fingerprint };
  // Ended while the mail server answered (the organization was archived): it stays ended.
  const stillSending = Boolean(await trx('setup_links').where({ id: link.id, status: 'sending' }).first('id'));
  if (outcome.ok) {
    if (stillSending) await activateReplacing(trx, { link, replaces }, actor, { requestId, reason, settledAt, via: 'emailed' });
    await recordAuditEvent(
      {
        actor,
        action: 'setup_link.emailed',
        organizationId: link.organizationId,
        setupLinkId: link.id,
        requestId,
        details: { ...details, messageId: outcome.messageId, ...(replaces ? { replacedFingerprint: replaces.fingerprint } : {}) },
      },
      { db: trx },
    );
    return { delivery: 'email', sent: true, link: (await readLink(trx, { 'l.id': link.id }, settledAt))!, recipient, messageId: outcome.messageId };
  }
  const previous = replaces ? await readLink(trx, { 'l.id': replaces.id }, settledAt) : null;
  const previousLinkActive = previous?.status === 'active';
  if (stillSending) {
    await trx('setup_links').where({ id: link.id, status: 'sending' }).update({ status: 'failed' });
    // The owner hears of it when the customer is left without a link; a failed resend changed nothing for them.
    if (!previousLinkActive) await queueOwnerNotice({ organizationId: link.organizationId, setupLinkId: link.id, kind: 'delivery_failed' }, { db: trx });
  }
  const { failure } = outcome;
  await recordAuditEvent(
    {
      actor,
      action: 'setup_link.email_failed',
      organizationId: link.organizationId,
      setupLinkId: link.id,
      requestId,
      // The class and code, and our own words for them — never the server's text.
      details: { ...details, errorClass: failure.errorClass, responseCode: failure.responseCode, reason: failure.reason, previousLinkActive },
    },
    { db: trx },
  );
  return { delivery: 'email', sent: false, link: (await readLink(trx, { 'l.id': link.id }, settledAt))!, recipient, failure, previousLinkActive };
}

/**
 * Production sends no setup email signed "Setup Desk" or without a support contact: refused
 * (SetupLinkRuleError) before anything is created — no link, no audit event, no email — with
 * what to set and where. Issuing runs it; a caller that makes something first (a new customer's
 * organization) runs it before that.
 */
export async function refuseUnconfiguredEmail(input: Pick<SetupLinkRequest, 'email'>, { db = getDb() }: ModelContext = {}): Promise<void> {
  if (!input.email || !getEnv().isProduction) return;
  const problems = customerFacingProblems(await getSettings({}, { db }));
  if (problems.length === 0) return;
  throw new SetupLinkRuleError(
    `The email was not sent and no link was created: ${problems.join('; ')}. An admin sets both on the Configuration page (or COMPANY_NAME and SUPPORT_EMAIL).`,
  );
}

/**
 * Issues a link when the organization has none. One transaction settles a lapsed link, refuses
 * when one is active or being sent, and inserts and audits the new one; the partial unique
 * indexes settle a race between two reps. Delivery happens after the commit.
 */
export async function createSetupLink(organizationId: number, input: CopyRequest, actor: AuditActor, ctx?: ModelContext): Promise<CopiedSetupLink>;
export async function createSetupLink(organizationId: number, input: EmailRequest, actor: AuditActor, ctx?: ModelContext): Promise<EmailedSetupLink>;
export async function createSetupLink(organizationId: number, input: InvitationRequest, actor: AuditActor, ctx?: ModelContext): Promise<InvitedSetupLink>;
export async function createSetupLink(organizationId: number, input: SetupLinkRequest, actor: AuditActor, ctx?: ModelContext): Promise<IssuedSetupLink>;
export async function createSetupLink(
  organizationId: number,
  input: SetupLinkRequest,
  actor: AuditActor,
  { requestId, db = getDb(), now = new Date() }: ModelContext = {},
): Promise<IssuedSetupLink> {
  await refuseUnconfiguredEmail(input, { db });
  const inserted = await issueInTransaction(db, organizationId, now, async (trx, organizationName, links) => {
    if (links.active) throw new ActiveLinkExistsError(links.active);
    const inserted = await insertLink(trx, organizationId, input, actor, { requestId, now, replaces: null, action: 'setup_link.created' });
    return { ...inserted, organizationName, replaces: null };
  });
  return deliver(inserted, input, actor, { requestId, db });
}

/**
 * Replaces the active link (if any) with a new one. Copy mode swaps them at once, in one
 * transaction (the rep holds the new link). By email the old link keeps working until the mail
 * server accepts the new one; then they swap. Resending an email is this, with the same
 * features and recipient.
 */
export async function recreateSetupLink(
  organizationId: number,
  input: CopyRequest & Replacing,
  actor: AuditActor,
  ctx?: ModelContext,
): Promise<CopiedSetupLink>;
export async function recreateSetupLink(
  organizationId: number,
  input: EmailRequest & Replacing,
  actor: AuditActor,
  ctx?: ModelContext,
): Promise<EmailedSetupLink>;
export async function recreateSetupLink(
  organizationId: number,
  input: InvitationRequest & Replacing,
  actor: AuditActor,
  ctx?: ModelContext,
): Promise<InvitedSetupLink>;
export async function recreateSetupLink(
  organizationId: number,
  input: SetupLinkRequest & Replacing,
  actor: AuditActor,
  ctx?: ModelContext,
): Promise<IssuedSetupLink>;
export async function recreateSetupLink(
  organizationId: number,
  input: SetupLinkRequest & Replacing,
  actor: AuditActor,
  { requestId, db = getDb(), now = new Date() }: ModelContext = {},
): Promise<IssuedSetupLink> {
  await refuseUnconfiguredEmail(input, { db });
  const { reason, expectedActiveLinkId } = input;
  let revokedAtOnce: number | null = null;
  const inserted = await issueInTransaction(db, organizationId, now, async (trx, organizationName, links) => {
    if (expectedActiveLinkId !== undefined && links.active?.id !== expectedActiveLinkId) {
      throw new SetupLinkRuleError('That link is no longer the active one: reload the page to see the current link.');
    }
    // Emailed or sent by WorkOS: the old link works until the new one is delivered.
    if (input.email || input.invitation) {
      const delivered = await insertLink(trx, organizationId, input, actor, { requestId, now, replaces: links.active, action: 'setup_link.recreated' });
      return { ...delivered, organizationName, replaces: links.active };
    }
    if (links.active) {
      const old = await trx<SetupLinkRow>('setup_links').where({ id: links.active.id }).first('id', 'organization_id', 'token_hash');
      await revokeRow(trx, old!, actor, { reason, requestId, now, from: 'active' });
      revokedAtOnce = links.active.id;
    }
    const { link, url } = await insertLink(trx, organizationId, input, actor, { requestId, now, replaces: null, action: 'setup_link.recreated' });
    return { link, url, organizationName, replaces: null };
  });
  if (revokedAtOnce !== null) await endLinksAtWorkOS([revokedAtOnce], { db });
  return deliver(inserted, input, actor, { requestId, db, reason });
}

/**
 * What a resend sends: the active link the rep saw (`linkId`), if it was emailed or sent by
 * WorkOS, again — same features, recipient and lifetime (a maximum lowered since it was issued
 * applies: `maxDays`) — with only the rep's reason and optional message (emails only) added.
 * Refused (SetupLinkRuleError) when that link is no longer the active one, or was copied.
 */
export function resendRequest(
  active: Pick<SetupLink, 'id' | 'delivery' | 'recipientEmail' | 'recipientName' | 'features' | 'createdAt' | 'expiresAt'> | null,
  { linkId, reason, message, maxDays }: { linkId?: number; reason: string; message?: string; maxDays: number },
): (EmailRequest | InvitationRequest) & Replacing {
  if (!active || linkId === undefined || active.id !== linkId) {
    throw new SetupLinkRuleError('That link is no longer the active one: reload the page to see the current link.');
  }
  if (active.delivery === 'copy' || !active.recipientEmail) throw new SetupLinkRuleError('That link was copied, not sent: recreate it to send it by email.');
  const common = {
    features: active.features,
    lifetimeDays: Math.min(lifetimeDaysOf(active), maxDays),
    note: `Resent: ${reason}`,
    expectedActiveLinkId: active.id,
  };
  if (active.delivery === 'workos') {
    return { ...common, invitation: { address: active.recipientEmail, name: active.recipientName ?? undefined }, reason: `Sent again by WorkOS: ${reason}` };
  }
  return {
    ...common,
    email: { address: active.recipientEmail, name: active.recipientName ?? undefined, message: message || undefined },
    reason: `Resent by email: ${reason}`,
  };
}

/**
 * Sends the active link again. Its token cannot be re-sent (it was never stored): a new link goes
 * out (`resendRequest`), the same way, and the old one works until the new one is delivered
 * (WorkOS-sent: WorkOS ends its old invitation first). The named link is checked again inside
 * recreate's transaction, so a resend that raced another one is refused. Returns the new link and
 * what was resent.
 */
export async function resendSetupLink(
  organizationId: number,
  resend: { linkId?: number; reason: string; message?: string; maxDays: number },
  actor: AuditActor,
  ctx: ModelContext = {},
): Promise<{ issued: EmailedSetupLink | InvitedSetupLink; request: EmailRequest | InvitationRequest }> {
  const request = resendRequest(await getActiveSetupLink(organizationId, ctx), resend);
  const issued = (await recreateSetupLink(organizationId, request, actor, ctx)) as EmailedSetupLink | InvitedSetupLink;
  return { issued, request };
}

/**
 * Pushes an active link's expiry out by `days`, without a new token: the IT admin's link keeps
 * working, longer. Within the maximum lifetime counted from its creation (`maxDays`, the
 * Configuration page's; a WorkOS-sent invitation also within WorkOS's own). Audited with the
 * reason; refused (SetupLinkRuleError) with the latest date that is allowed.
 */
export async function extendSetupLink(
  linkId: number,
  { days, reason, organizationId, maxDays }: { days: number; reason: string; organizationId: number; maxDays: number },
  actor: AuditActor,
  { requestId, db = getDb(), now = new Date() }: ModelContext = {},
): Promise<SetupLink> {
  return transaction(db, async (trx) => {
    const link = await readLink(trx, { 'l.id': linkId }, now);
    if (!link || link.organizationId !== organizationId) throw new SetupLinkRuleError('No such setup link.');
    if (link.status !== 'active') throw new SetupLinkRuleError(`That link is ${link.status}: only an active link can be extended. Recreate it instead.`);
    const created = new Date(link.createdAt).getTime();
    const limitDays = link.delivery === 'workos' ? Math.min(maxDays, WORKOS_INVITATION_DAYS) : maxDays;
    const latest = new Date(created + limitDays * 86_400_000);
    const next = new Date(new Date(link.expiresAt).getTime() + days * 86_400_000);
    if (next.getTime() > latest.getTime()) {
      throw new ExtensionTooLongError(latest, limitDays, link.expiresAt);
    }
    const changed = await trx('setup_links')
      .where({ id: linkId, status: 'active', expires_at: link.expiresAt })
      .update({ expires_at: next.toISOString(), extended_at: now.toISOString() });
    if (changed !== 1) throw new SetupLinkRuleError('That link changed meanwhile: reload the page and try again.');
    await recordAuditEvent(
      {
        actor,
        action: 'setup_link.extended',
        organizationId: link.organizationId,
        setupLinkId: link.id,
        requestId,
        note: reason,
        details: { fingerprint: link.fingerprint, from: link.expiresAt, to: next.toISOString() },
      },
      { db: trx },
    );
    return (await readLink(trx, { 'l.id': linkId }, now))!;
  });
}

/** An extension past the longest a link may last: the message names the latest date allowed. */
export class ExtensionTooLongError extends SetupLinkRuleError {
  constructor(
    readonly latest: Date,
    readonly limitDays: number,
    readonly expiresAt: string,
  ) {
    super(
      ExtensionTooLongError.describe(latest, limitDays, expiresAt, (value) => `${value.slice(0, 16).replace('T', ' ')} UTC`),
      'extendDays',
    );
    this.name = 'ExtensionTooLongError';
  }

  private static describe(latest: Date, limitDays: number, expiresAt: string, format: (value: string) => string): string {
    if (latest.toISOString() <= expiresAt)
      return `This link already lasts the longest allowed (${limitDays} days from its creation): recreate it for more time.`;
    return `A link lasts at most ${limitDays} days from its creation: this one can be extended to ${format(latest.toISOString())} at the latest.`;
  }

  override messageIn(timeZone: string): string {
    return ExtensionTooLongError.describe(this.latest, this.limitDays, this.expiresAt, (value) => formatDateTime(value, timeZone));
  }
}

/** The shared start of create and recreate: the organization may get a link, nothing is being sent. */
async function issueInTransaction(
  db: Knex,
  organizationId: number,
  now: Date,
  issue: (trx: Knex.Transaction, organizationName: string, links: SetupLinkOverview) => Promise<InsertedLink>,
): Promise<InsertedLink> {
  try {
    // What lapsed comes back as the transaction's result: it may run more than once (transaction()).
    const { inserted, lapsed } = await transaction(db, async (trx) => {
      const organizationName = await requireLinkableOrganization(trx, organizationId);
      const ended: number[] = [];
      await settleLapsedLinks({ organizationId, ended }, { db: trx, now });
      const links = await getSetupLinkOverview(organizationId, { db: trx, now });
      if (links.sending) refuseWhileSending(links.sending);
      return { inserted: await issue(trx, organizationName, links), lapsed: ended };
    });
    // A link this recorded as expired ends its portal sessions, as maintenance would have.
    await endLinksAtWorkOS(lapsed, { db });
    return inserted;
  } catch (error) {
    // A race that slipped past the checks met a unique index: say what the winner did.
    if (isOneLinkViolation(error)) {
      const links = await getSetupLinkOverview(organizationId, { db, now });
      if (links.sending) refuseWhileSending(links.sending);
      if (links.active) throw new ActiveLinkExistsError(links.active);
    }
    throw error;
  }
}

/** Revokes a link at once. A link that no longer opens (revoked, expired, completed…) is left as it is. */
export async function revokeSetupLink(
  linkId: number,
  { reason, organizationId }: { reason: string; /** The organization whose page asked: another's link is no such link. */ organizationId?: number },
  actor: AuditActor,
  { requestId, db = getDb(), now = new Date() }: ModelContext = {},
): Promise<{ revoked: boolean; status: SetupLinkStatus; link: SetupLink | null }> {
  const outcome = await transaction(db, async (trx) => {
    const link = await readLink(trx, { 'l.id': linkId }, now);
    if (!link || (organizationId !== undefined && link.organizationId !== organizationId)) throw new SetupLinkRuleError('No such setup link.');
    if (link.status !== 'active') return { revoked: false, status: link.status };
    const row = await trx<SetupLinkRow>('setup_links').where({ id: linkId }).first('id', 'organization_id', 'token_hash');
    const revoked = await revokeRow(trx, row!, actor, { reason, requestId, now, from: 'active' });
    return { revoked, status: revoked ? ('revoked' as const) : link.status };
  });
  if (!outcome.revoked) return { ...outcome, link: null };
  await endLinksAtWorkOS([linkId], { db });
  // As it stands once WorkOS answered (or did not): a WorkOS-sent link says whether its invitation ended.
  return { ...outcome, link: await readLink(db, { 'l.id': linkId }, now) };
}

/**
 * Ends the organization's links inside the caller's transaction (archiving it, WorkOS deleting
 * it): a lapsed one is recorded as such, the active one and one being sent are revoked. Returns
 * the revoked links' ids, for `endLinksAtWorkOS` after the commit.
 */
export async function revokeActiveLinkOf(
  organizationId: number,
  { reason }: { reason: string },
  actor: AuditActor,
  { db: trx, requestId, now = new Date() }: TransactionContext,
): Promise<number[]> {
  await settleLapsedLinks({ organizationId }, { db: trx, now });
  const revoked: number[] = [];
  for (const from of ['active', 'sending'] as const) {
    const row = await trx<SetupLinkRow>('setup_links').where({ organization_id: organizationId, status: from }).first('id', 'organization_id', 'token_hash');
    if (row && (await revokeRow(trx, row, actor, { reason, requestId, now, from }))) revoked.push(row.id);
  }
  return revoked;
}

/**
 * The organization's link that progress may complete: active and within its lifetime. Read in
 * the caller's transaction, so that the check and the completion see one state.
 */
export async function activeLinkForCompletion(
  organizationId: number,
  { db: trx, now = new Date() }: TransactionContext,
): Promise<{ id: number; features: SetupFeature[] } | null> {
  const active = linkIsActiveSql('l', now);
  const row = await trx('setup_links as l').where('l.organization_id', organizationId).whereRaw(active.sql, active.bindings).first('l.id', 'l.features');
  return row ? { id: row.id as number, features: JSON.parse(row.features as string) as SetupFeature[] } : null;
}

/**
 * Completes an active link (WorkOS reported every feature of it done; as WorkOS's own setup links
 * end on completion): audited and the owner told, once.
 */
export async function completeSetupLink(
  linkId: number,
  { source, features }: { source: 'webhook' | 'poller'; features: SetupFeature[] },
  { db: trx, now = new Date() }: TransactionContext,
): Promise<boolean> {
  const row = await trx<SetupLinkRow>('setup_links').where({ id: linkId }).first('id', 'organization_id', 'token_hash');
  if (!row) return false;
  const changed = await trx('setup_links')
    .where({ id: linkId, status: 'active' })
    .where('expires_at', '>', now.toISOString())
    .update({ status: 'completed', completed_at: now.toISOString() });
  if (changed !== 1) return false;
  await recordAuditEvent(
    {
      actor: { type: 'system', label: 'WorkOS' },
      action: 'setup_link.completed',
      organizationId: row.organization_id,
      setupLinkId: linkId,
      details: { features, fingerprint: fingerprintOf(row), source },
    },
    { db: trx },
  );
  await queueOwnerNotice({ organizationId: row.organization_id, setupLinkId: linkId, kind: 'setup_completed' }, { db: trx, now });
  return true;
}

/**
 * Ends at WorkOS what links that ended here still hold there. After the commit, never inside a
 * transaction; each call one attempt within a person's deadline, and a failure is logged, never
 * raised:
 * - the Admin Portal sessions opened through them (revoked, replaced, expired, archived — not
 *   completed: WorkOS reports only some features, and the IT admin may still be setting up Audit
 *   Logs or a directory when the link completes): every portal link the IT admin's page made
 *   carries its setup link's id as `externalUserId`, and `adminPortal.revokeLink` ends them and
 *   their open sessions; WorkOS's own rules end a session anyway;
 * - a WorkOS-sent link's invitation, which would still open (`invitation_revoke_due_at`): once
 *   WorkOS confirms, the row says so and the audit trail records it; until then maintenance asks
 *   again (`endDueInvitations`) and the link card says WorkOS has not confirmed.
 */
export async function endLinksAtWorkOS(linkIds: number[], { db = getDb() }: ModelContext = {}): Promise<void> {
  if (linkIds.length === 0) return;
  try {
    const rows = (await db('setup_links as l')
      .join('organizations as o', 'o.id', 'l.organization_id')
      .whereIn('l.id', linkIds)
      .whereNotNull('o.workos_id')
      .select('l.id', 'l.delivery', 'o.workos_id')) as { id: number; delivery: DeliveryMethod; workos_id: string }[];
    for (const row of rows) {
      if (row.delivery === 'workos') {
        const due = await dueInvitationOf(db, row.id);
        if (due) await endInvitation(due, { db });
        continue;
      }
      try {
        // One attempt, no retries: it is best effort, and a person or a maintenance run is waiting.
        await withPersonDeadline(() =>
          getWorkOSWithoutRetries().adminPortal.revokeLink({ organization: row.workos_id, externalUserId: portalUserIdOf(row.id) }),
        );
      } catch (error) {
        getLogger().warn({ setupLinkId: row.id, kind: describeWorkOSError(error).kind }, 'could not end the Admin Portal sessions of an ended setup link');
      }
    }
  } catch (error) {
    getLogger().warn({ err: error }, 'could not end ended setup links at WorkOS');
  }
}

/** A WorkOS-sent link whose invitation is due to end at WorkOS. */
interface DueInvitation {
  id: number;
  organization_id: number;
  token_hash: string;
  it_contact_id: string;
  invitation_revoke_due_at: string;
  workos_id: string;
}

function dueInvitations(db: Knex | Knex.Transaction) {
  return db('setup_links as l')
    .join('organizations as o', 'o.id', 'l.organization_id')
    .whereNotNull('l.invitation_revoke_due_at')
    .whereNotNull('l.it_contact_id')
    .whereNotNull('o.workos_id')
    .select('l.id', 'l.organization_id', 'l.token_hash', 'l.it_contact_id', 'l.invitation_revoke_due_at', 'o.workos_id');
}

async function dueInvitationOf(db: Knex | Knex.Transaction, linkId: number): Promise<DueInvitation | null> {
  return ((await dueInvitations(db).where('l.id', linkId).first()) as DueInvitation | undefined) ?? null;
}

/** The organization's invitations due to end, but for the links named (the caller's own). */
async function invitationsDueToEnd(db: Knex, organizationId: number, except: number[]): Promise<DueInvitation[]> {
  return (await dueInvitations(db).where('l.organization_id', organizationId).whereNotIn('l.id', except).orderBy('l.id')) as DueInvitation[];
}

/**
 * WorkOS no longer holds the link's invitation: the row says so, once (whoever learnt it first), and
 * the audit trail records it — `superseded` when WorkOS was not asked because it accepted a newer
 * invitation of the organization since (it keeps one: this one had been ended to make room).
 */
async function confirmInvitationEnded(trx: Knex.Transaction, due: DueInvitation | null, { superseded = false } = {}): Promise<void> {
  if (!due) return;
  const confirmed = await trx('setup_links').where({ id: due.id }).whereNotNull('invitation_revoke_due_at').update({ invitation_revoke_due_at: null });
  if (confirmed !== 1) return;
  await recordAuditEvent(
    {
      actor: { type: 'system', label: 'WorkOS' },
      action: 'setup_link.invitation_revoked',
      organizationId: due.organization_id,
      setupLinkId: due.id,
      details: { fingerprint: fingerprintOf(due), contactId: due.it_contact_id, confirmed: true, ...(superseded ? { superseded } : {}) },
    },
    { db: trx },
  );
}

/**
 * Asks WorkOS to end one link's invitation, holding the organization's invitation turn (another
 * holder: not now — maintenance asks again). WorkOS revokes by contact, not by invitation: while
 * holding the turn, a newer invitation WorkOS accepted for the organization means this one was
 * ended to make room, and revoking now could end the newer one — it is then recorded as ended
 * without asking. Unanswered: logged, and moved to the back of maintenance's queue.
 */
async function endInvitation(due: DueInvitation, { db }: { db: Knex }): Promise<void> {
  const turn = await takeInvitationTurn(db, due.organization_id);
  if (!turn) return;
  let unansweredCall = false;
  try {
    // Accepted: WorkOS answered its invitation (`email_sent_at`), whatever became of it since.
    const newer = await db('setup_links')
      .where({ organization_id: due.organization_id, delivery: 'workos' })
      .where('id', '>', due.id)
      .whereNotNull('email_sent_at')
      .first('id');
    if (newer) {
      await transaction(db, (trx) => confirmInvitationEnded(trx, due, { superseded: true }));
      return;
    }
    try {
      await withPersonDeadline(() => revokeInvitation(due.workos_id, due.it_contact_id));
    } catch (error) {
      unansweredCall = unanswered(error);
      getLogger().warn(
        { setupLinkId: due.id, kind: describeItContactError(error).kind },
        'WorkOS did not confirm ending the invitation of an ended setup link',
      );
      await db('setup_links')
        .where({ id: due.id, invitation_revoke_due_at: due.invitation_revoke_due_at })
        .update({ invitation_revoke_due_at: new Date().toISOString() });
      return;
    }
    await transaction(db, (trx) => confirmInvitationEnded(trx, due));
  } finally {
    await endInvitationTurn(db, due.organization_id, turn, { unansweredCall });
  }
}

/** How many invitations one maintenance run asks about, and for how long at most (each call has its deadline). */
const DUE_INVITATIONS_PER_RUN = 20;
const DUE_INVITATIONS_BUDGET_MS = 60_000;

/**
 * Maintenance's turn at the invitations WorkOS has not confirmed ending: those due for a minute or
 * more (a request that ended one asks WorkOS itself, at once), oldest first — one that WorkOS
 * keeps refusing goes to the back each time, so it never starves the rest. Returns how many it
 * asked about.
 */
export async function endDueInvitations({ db = getDb(), now = new Date() }: ModelContext = {}): Promise<number> {
  const started = Date.now();
  const due = (await dueInvitations(db)
    .where('l.invitation_revoke_due_at', '<=', new Date(now.getTime() - 60_000).toISOString())
    .orderBy('l.invitation_revoke_due_at')
    .limit(DUE_INVITATIONS_PER_RUN)) as DueInvitation[];
  let asked = 0;
  for (const row of due) {
    if (Date.now() - started > DUE_INVITATIONS_BUDGET_MS) break;
    await endInvitation(row, { db });
    asked += 1;
  }
  return asked;
}

/** What the IT admin's page needs about a valid link; null for unknown, revoked or expired. */
export interface RedeemableLink {
  link: SetupLink;
  organization: { id: number; name: string; workosId: string };
}

/**
 * Looks a token up by its hash. An active link, or a completed one within its lifetime (to tell
 * the IT admin everything is set), is found; anything else is null — all alike. Writes nothing.
 */
export async function findRedeemableLink(token: string, { db = getDb(), now = new Date() }: ModelContext = {}): Promise<RedeemableLink | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const link = await readLink(db, { 'l.token_hash': hashSetupToken(token) }, now);
  if (!link || (link.status !== 'active' && link.status !== 'completed') || link.expiresAt <= now.toISOString()) return null;
  const organization = await db('organizations').where({ id: link.organizationId }).first('id', 'name', 'workos_id', 'status');
  if (!organization || organization.status !== 'active' || !organization.workos_id) return null;
  return { link, organization: { id: organization.id, name: organization.name, workosId: organization.workos_id } };
}

/**
 * Claims reminder `reminder` of an active link (its counter from `reminder - 1`), in the caller's
 * transaction: true for the one caller that moved it (setup-link-reminders.server.ts sends it).
 */
export async function claimReminder(linkId: number, reminder: 1 | 2, { db: trx, now = new Date() }: TransactionContext): Promise<boolean> {
  const claimed = await trx('setup_links')
    .where({ id: linkId, status: 'active', delivery: 'email', reminders_sent: reminder - 1 })
    .where('expires_at', '>', now.toISOString())
    .update({ reminders_sent: reminder, last_reminded_at: now.toISOString() });
  return claimed === 1;
}

/** Views of one link waiting to be written. */
interface PendingViews {
  count: number;
  firstAt: string;
  lastAt: string;
}

/**
 * How many links' views make a batch that is written at once, before the flush delay
 * (SETUP_VIEW_FLUSH_MS, a second by default) is up: a view costs no commit of its own
 * (decision 023). A crash loses at most the views of that delay.
 */
const VIEW_BATCH_LINKS = 200;

interface ViewBuffer {
  /** Per database (a test may use several), per link. */
  pending: Map<Knex, Map<number, PendingViews>>;
  timer: ReturnType<typeof setTimeout> | null;
  /** The batch being written, if one is: a flush waits for it, so that "flushed" means written. */
  writing: Promise<void>;
}

function viewBuffer(): ViewBuffer {
  return singleton('setup-link-views', () => ({ pending: new Map(), timer: null, writing: Promise.resolve() }));
}

/**
 * Counts a view of the IT admin's page — a GET, and possibly an email scanner's, so it changes
 * nothing else and is no audit event (decision 014). The count is kept in memory and written
 * with the other views of the next second in one transaction, not as a durable commit per view.
 */
export function recordSetupLinkView(link: SetupLink, { db = getDb(), now = new Date() }: ModelContext = {}): void {
  const buffer = viewBuffer();
  let views = buffer.pending.get(db);
  if (!views) buffer.pending.set(db, (views = new Map()));
  const at = now.toISOString();
  const pending = views.get(link.id);
  if (pending) {
    pending.count += 1;
    if (at < pending.firstAt) pending.firstAt = at;
    if (at > pending.lastAt) pending.lastAt = at;
  } else views.set(link.id, { count: 1, firstAt: at, lastAt: at });
  if (views.size >= VIEW_BATCH_LINKS) void flushSetupLinkViews();
  else if (!buffer.timer) {
    buffer.timer = setTimeout(() => void flushSetupLinkViews(), getEnv().SETUP_VIEW_FLUSH_MS);
    // Pending views never hold the process open; shutdown flushes them (server/index.ts).
    buffer.timer.unref();
  }
}

/**
 * Writes every view counted so far (the timer does this each second; shutdown and tests call it);
 * returns how many views it wrote.
 * A batch that cannot be written is logged and dropped: views are a hint for staff, not a record.
 */
export async function flushSetupLinkViews(): Promise<number> {
  const buffer = viewBuffer();
  if (buffer.timer) clearTimeout(buffer.timer);
  buffer.timer = null;
  const batches = [...buffer.pending];
  buffer.pending = new Map();
  let written = 0;
  const previous = buffer.writing;
  const writing = previous.then(async () => {
    for (const [db, views] of batches) {
      try {
        await transaction(
          db,
          async (trx) => {
            for (const [linkId, linkViews] of views) {
              await trx('setup_links')
                .where({ id: linkId })
                .whereIn('status', ['active', 'completed'])
                .update({
                  view_count: trx.raw('view_count + ?', [linkViews.count]),
                  // Another process may have written a later (or earlier) batch first: the latest and
                  // the earliest view win, whatever the order of the writes.
                  last_viewed_at: trx.raw(greatest(trx, "COALESCE(last_viewed_at, '')", '?'), [linkViews.lastAt]),
                  first_viewed_at: trx.raw(least(trx, 'COALESCE(first_viewed_at, ?)', '?'), [linkViews.firstAt, linkViews.firstAt]),
                });
            }
          },
          { commutative: true },
        );
        for (const linkViews of views.values()) written += linkViews.count;
      } catch (error) {
        getLogger().warn({ err: error, links: views.size }, 'could not write setup link views; these views are not counted');
      }
    }
  });
  buffer.writing = writing;
  await writing;
  return written;
}

export type LaunchConfirmation = { ok: true } | { ok: false; status: SetupLinkStatus };

/**
 * Decides a launch after WorkOS answered: counted and audited only if the link still opens now —
 * revoked, completed or expired while WorkOS was answering, the launch is discarded (audited,
 * the portal link dropped). Revoke always wins: the check and the count are one transaction,
 * after WorkOS's answer.
 */
export async function confirmSetupLinkLaunch(
  link: SetupLink,
  feature: SetupFeature,
  { db = getDb(), now = new Date(), requestId }: ModelContext = {},
): Promise<LaunchConfirmation> {
  return transaction(db, async (trx) => {
    const current = await readLink(trx, { 'l.id': link.id }, now);
    const organization = current ? await trx('organizations').where({ id: current.organizationId }).first('status') : null;
    const status: SetupLinkStatus = current?.status ?? 'revoked';
    const launchEvent = { actor: IT_ADMIN, organizationId: link.organizationId, setupLinkId: link.id, requestId };
    if (status !== 'active' || organization?.status !== 'active') {
      // A link that still reads active belongs to an organization archived meanwhile: to the IT admin, revoked.
      const linkStatus = status === 'active' ? 'revoked' : status;
      await recordAuditEvent(
        { ...launchEvent, action: 'setup_link.launch_discarded', details: { feature, fingerprint: link.fingerprint, linkStatus } },
        { db: trx },
      );
      return { ok: false, status: linkStatus };
    }
    await trx.raw(
      `INSERT INTO setup_link_launches (setup_link_id, feature, launches, first_at, last_at) VALUES (?, ?, 1, ?, ?)
       ON CONFLICT (setup_link_id, feature) DO UPDATE SET launches = setup_link_launches.launches + 1, last_at = excluded.last_at`,
      [link.id, feature, now.toISOString(), now.toISOString()],
    );
    await recordAuditEvent({ ...launchEvent, action: 'setup_link.launched', details: { feature, fingerprint: link.fingerprint } }, { db: trx });
    return { ok: true };
  });
}

/** A launch WorkOS could not serve (its error's kind): audited, and flagged to staff. */
export async function recordSetupLinkLaunchFailure(
  link: SetupLink,
  feature: SetupFeature,
  kind: string,
  { db = getDb(), requestId }: ModelContext = {},
): Promise<void> {
  await recordAuditEvent(
    {
      actor: IT_ADMIN,
      action: 'setup_link.launch_failed',
      organizationId: link.organizationId,
      setupLinkId: link.id,
      requestId,
      details: { feature, fingerprint: link.fingerprint, kind },
    },
    { db },
  );
}

/**
 * The IT admin's last launch attempt, if it failed (a WorkOS error on their page): staff see it
 * flagged on the organization until a later launch succeeds.
 */
export async function latestLaunchFailure(
  organizationId: number,
  { db = getDb() }: ModelContext = {},
): Promise<{ at: string; feature: string; kind: string } | null> {
  const latest = await latestEventOf({ organizationId }, ['setup_link.launched', 'setup_link.launch_failed'], { db });
  if (!latest || latest.action !== 'setup_link.launch_failed') return null;
  const details = latest.details as { feature?: string; kind?: string };
  return { at: latest.at, feature: details.feature ?? 'setup', kind: details.kind ?? 'unavailable' };
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
export async function latestFailedEmail(organizationId: number, { db = getDb(), now = new Date() }: ModelContext = {}): Promise<FailedEmailAttempt | null> {
  const link = await readLink(db, { 'l.organization_id': organizationId }, now);
  if (!link || link.status !== 'failed' || link.delivery !== 'email') return null;
  const event = await latestEventOf({ setupLinkId: link.id }, ['setup_link.email_failed', 'setup_link.email_unconfirmed'], { db });
  const details = (event?.details ?? {}) as { reason?: string };
  const unconfirmed = !event || event.action === 'setup_link.email_unconfirmed';
  return {
    at: event?.at ?? link.createdAt,
    recipientEmail: link.recipientEmail ?? '',
    recipientName: link.recipientName,
    features: link.features,
    lifetimeDays: lifetimeDaysOf(link),
    reason: unconfirmed ? 'Setup Desk stopped before the mail server confirmed the email.' : (details.reason ?? 'the mail server refused it.'),
  };
}
