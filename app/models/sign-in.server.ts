import crypto from 'node:crypto';
import net from 'node:net';
import type { Knex } from 'knex';
import { renderEmail } from '~/emails/render';
import { getDb, transaction, type ModelContext } from '~/utils/db.server';
import { sendEmail } from '~/utils/email.server';
import { getEnv } from '~/utils/env.server';
import { getLogger } from '~/utils/logger.server';
import { recordAuditEvent, type AuditActor } from './audit.server';
import { spendPasswordCheckTime, verifyPassword } from './password.server';
import { createSession, deleteExpiredSessions } from './session.server';
import { getSettings } from './settings.server';
import { findStaffRowByEmail, listActiveAdmins, recordStaffSignIn, toStaff, type Staff } from './staff.server';

/**
 * Throttling (decision 015). A stranger must not be able to lock a member out, so only the pair
 * of one account and one address locks; past the higher ceiling for an account (from anywhere)
 * the addresses it was never signed in from share one try per `slowedSeconds` (the member's own
 * are not held back), and past the ceiling for an address (across accounts) that address may try
 * once per `slowedSeconds` — slowed, never stopped. A success for the account clears what counted
 * against it.
 */
export const SIGN_IN_LIMITS = {
  windowMinutes: 15,
  /** Failures for one account from one address: that pair is locked for the rest of the window. */
  failuresPerAccountAndAddress: 5,
  /** Failures for one account from any address: slowed, an admin told. */
  failuresPerAccount: 20,
  /** Failures from one address across accounts (a spray, or everyone behind a misread proxy): slowed. */
  failuresPerAddress: 30,
  slowedSeconds: 30,
};

const SIGN_IN_PAGE: AuditActor = { type: 'system', label: 'Sign-in page' };

type ThrottleScope = 'pair' | 'account' | 'ip';

export type SignInResult =
  | { ok: true; staff: Staff; token: string; expiresAt: Date }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; scope: ThrottleScope; retryAfterSeconds: number };

/**
 * What the attempts table knows of an account: a keyed hash of the typed email, never the text
 * (someone may paste a token into the field). Keyed with the session secret, so the table alone
 * does not reveal which addresses were tried.
 */
export function signInAccountKey(email: string): string {
  return crypto.createHmac('sha256', `sign-in-attempts:${getEnv().SESSION_SECRET}`).update(email.trim().toLowerCase()).digest('hex');
}

/**
 * Checks an email and password and starts a session. Every outcome is audited. The caller shows
 * one generic message for every failure except throttling, which says when to try again.
 */
export async function signIn(
  {
    email,
    password,
    ip,
    timeZone,
  }: { email: string; password: string; ip: string; /** The browser's zone, as the form read it (decision 020). */ timeZone?: string },
  { now = new Date(), db = getDb(), requestId }: ModelContext = {},
): Promise<SignInResult> {
  const normalizedEmail = email.trim().toLowerCase();
  const accountKey = signInAccountKey(normalizedEmail);
  const address = addressKey(ip);
  // The check and this attempt's row are one transaction: fifty attempts at once are counted one
  // after another, so a burst gets no more guesses than a sequence (and a threshold is reached once).
  const reserved = await transaction(db, async (trx) => {
    const throttle = await throttleFor(accountKey, address, now, trx);
    if (throttle) return { throttle } as const;
    const [row] = await trx('sign_in_attempts').insert({ at: now.toISOString(), ip: address, account_key: accountKey, succeeded: 0 }).returning('id');
    const counts = await countFailures(accountKey, address, now, trx);
    return {
      attemptId: (row as { id: number }).id,
      reached: {
        pair: counts.pair.length === SIGN_IN_LIMITS.failuresPerAccountAndAddress,
        account: counts.account.length === SIGN_IN_LIMITS.failuresPerAccount,
        address: counts.address.length === SIGN_IN_LIMITS.failuresPerAddress,
      },
    } as const;
  });
  if ('throttle' in reserved && reserved.throttle) {
    const { scope, retryAfterSeconds } = reserved.throttle;
    // Not an audit event each: a stranger must not be able to fill the trail. The thresholds are.
    getLogger().info({ scope, retryAfterSeconds }, 'sign-in attempt held back');
    return { ok: false, reason: 'throttled', scope, retryAfterSeconds };
  }

  const row = await findStaffRowByEmail(normalizedEmail, { db });
  const passwordMatches = row ? await verifyPassword(row.password_hash, password) : (await spendPasswordCheckTime(password), false);

  if (!row || !passwordMatches || row.disabled_at) {
    const reason = !row ? 'unknown_email' : !passwordMatches ? 'wrong_password' : 'account_disabled';
    await recordAuditEvent(
      {
        actor: row ? { type: 'staff', id: row.id, label: row.name } : SIGN_IN_PAGE,
        action: 'staff.sign_in_failed',
        requestId,
        details: { email: normalizedEmail, ip: address, reason },
      },
      { db },
    );
    await recordThresholdsReached(reserved.reached, { accountKey, email: normalizedEmail, ip: address, now, requestId, known: Boolean(row) }, db);
    return { ok: false, reason: 'invalid' };
  }

  const staff = toStaff(row);
  const session = await transaction(db, async (trx) => {
    await trx('sign_in_attempts').where({ id: reserved.attemptId }).update({ succeeded: 1 });
    await recordStaffSignIn(staff.id, { browserTimeZone: timeZone }, { db: trx, now, requestId });
    const created = await createSession(staff.id, { now, db: trx });
    await recordAuditEvent(
      { actor: { type: 'staff', id: staff.id, label: staff.name }, action: 'staff.signed_in', requestId, details: { ip: address } },
      { db: trx },
    );
    return created;
  });
  // Housekeeping rides on sign-ins: bounded, indexed deletes, no timer to manage.
  await pruneOldAttempts(now, db);
  await deleteExpiredSessions({ now, db });
  return { ok: true, staff, token: session.token, expiresAt: session.expiresAt };
}

/**
 * The address attempts are counted by: an IPv4 address as it is, an IPv6 one by its /64 (one
 * subscriber's whole range, which rotating addresses within it must not escape); anything that is
 * not an address (a forged header) counts as one "unknown" address.
 */
export function addressKey(ip: string): string {
  const bare = ip.replace(/^::ffff:/i, '');
  if (net.isIPv4(bare)) return bare;
  if (!net.isIPv6(bare)) return 'unknown';
  const [head = '', tail = ''] = bare.toLowerCase().split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const groups = bare.includes('::') ? [...headParts, ...Array(8 - headParts.length - tailParts.length).fill('0'), ...tailParts] : headParts;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

interface Counts {
  since: string;
  windowStart: string;
  pair: string[];
  account: string[];
  address: string[];
  /** This address signed in to this account before (within the day attempts are kept): the member's own. */
  knownAddress: boolean;
}

/** Failures that count now, newest first, each list capped one past its limit (so "reached just now" is `=== limit`). */
async function countFailures(accountKey: string, ip: string, now: Date, db: Knex | Knex.Transaction): Promise<Counts> {
  const windowStart = new Date(now.getTime() - SIGN_IN_LIMITS.windowMinutes * 60_000).toISOString();
  const lastSuccess = await db('sign_in_attempts').where({ account_key: accountKey, succeeded: 1 }).max({ at: 'at' }).first();
  const since = lastSuccess?.at && lastSuccess.at > windowStart ? (lastSuccess.at as string) : windowStart;
  const failures = (where: Record<string, string>, after: string, limit: number) =>
    db('sign_in_attempts')
      .where({ ...where, succeeded: 0 })
      // No upper bound at `now`: an attempt made at the same moment counts whichever committed
      // first. (On PostgreSQL a transaction that lost a serialization race runs again after the
      // others, with its own earlier `now`: bounded by it, it would miss them and let a burst of
      // twenty get seven guesses instead of five.)
      .where('at', '>', after)
      .orderBy('at', 'desc')
      .limit(limit)
      .pluck('at') as Promise<string[]>;
  // One after another: in a transaction they share one connection (node-postgres queues
  // concurrent queries on a client, and will refuse them).
  const pair = await failures({ account_key: accountKey, ip }, since, SIGN_IN_LIMITS.failuresPerAccountAndAddress + 1);
  const account = await failures({ account_key: accountKey }, since, SIGN_IN_LIMITS.failuresPerAccount + 1);
  const address = await failures({ ip }, windowStart, SIGN_IN_LIMITS.failuresPerAddress + 1);
  const known = await db('sign_in_attempts').where({ account_key: accountKey, ip, succeeded: 1 }).first('id');
  return { since, windowStart, pair, account, address, knownAddress: Boolean(known) };
}

/** Whether this attempt must wait, why, and for how long. */
async function throttleFor(
  accountKey: string,
  ip: string,
  now: Date,
  db: Knex | Knex.Transaction,
): Promise<{ scope: ThrottleScope; retryAfterSeconds: number } | null> {
  const counts = await countFailures(accountKey, ip, now, db);
  if (counts.pair.length >= SIGN_IN_LIMITS.failuresPerAccountAndAddress) {
    // The oldest failure that still counts leaves the window at `oldest + window`.
    const freeAt = new Date(counts.pair[SIGN_IN_LIMITS.failuresPerAccountAndAddress - 1]!).getTime() + SIGN_IN_LIMITS.windowMinutes * 60_000;
    return { scope: 'pair', retryAfterSeconds: Math.max(1, Math.ceil((freeAt - now.getTime()) / 1000)) };
  }
  const slowed = (newest: string | undefined) => {
    if (!newest) return null;
    const wait = Math.ceil((new Date(newest).getTime() + SIGN_IN_LIMITS.slowedSeconds * 1000 - now.getTime()) / 1000);
    return wait > 0 ? wait : null;
  };
  // Under attack from many addresses: the member's own address (one they signed in from before)
  // is not kept waiting; every other address shares one try per `slowedSeconds` for the account.
  if (counts.account.length >= SIGN_IN_LIMITS.failuresPerAccount && !counts.knownAddress) {
    const wait = slowed(counts.account[0]);
    if (wait) return { scope: 'account', retryAfterSeconds: wait };
  }
  if (counts.address.length >= SIGN_IN_LIMITS.failuresPerAddress) {
    const wait = slowed(counts.address[0]);
    if (wait) return { scope: 'ip', retryAfterSeconds: wait };
  }
  return null;
}

/** After a failure: audits each limit this attempt reached (once per window), and tells the admins of an account under attack. */
async function recordThresholdsReached(
  reached: { pair: boolean; account: boolean; address: boolean },
  { accountKey, email, ip, now, requestId, known }: { accountKey: string; email: string; ip: string; now: Date; requestId?: string; known: boolean },
  db: Knex,
): Promise<void> {
  if (reached.pair) {
    const throttle = await throttleFor(accountKey, ip, now, db);
    await recordAuditEvent(
      {
        actor: SIGN_IN_PAGE,
        action: 'staff.sign_in_locked',
        requestId,
        details: { email, ip, scope: 'pair', minutes: Math.ceil((throttle?.retryAfterSeconds ?? 60) / 60) },
      },
      { db },
    );
  }
  if (reached.address) {
    await recordAuditEvent({ actor: SIGN_IN_PAGE, action: 'staff.sign_in_throttled', requestId, details: { email, ip, scope: 'ip' } }, { db });
  }
  if (reached.account) {
    await recordAuditEvent({ actor: SIGN_IN_PAGE, action: 'staff.sign_in_throttled', requestId, details: { email, ip, scope: 'account' } }, { db });
    getLogger().warn({ failures: SIGN_IN_LIMITS.failuresPerAccount, windowMinutes: SIGN_IN_LIMITS.windowMinutes }, 'sign-in attempts for one account slowed');
    // Only for a real account: a spray of made-up addresses is the address limit's business.
    if (known) void tellAdmins(email, now, db).catch((error: unknown) => getLogger().warn({ err: error }, 'could not tell the admins about slowed sign-ins'));
  }
}

/** An email to every active admin: someone keeps failing to sign in as this member. */
async function tellAdmins(email: string, now: Date, db: Knex): Promise<void> {
  const admins = await listActiveAdmins({ db });
  const settings = await getSettings({}, { db });
  const rendered = renderEmail({
    subject: `Sign-in attempts for ${email} were slowed down`,
    preheader: `${SIGN_IN_LIMITS.failuresPerAccount} failed sign-ins in ${SIGN_IN_LIMITS.windowMinutes} minutes.`,
    greeting: 'Hello,',
    paragraphs: [
      `Setup Desk saw ${SIGN_IN_LIMITS.failuresPerAccount} failed sign-ins as ${email} within ${SIGN_IN_LIMITS.windowMinutes} minutes (by ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC). ` +
        `Addresses it was never signed in from may now try that account once every ${SIGN_IN_LIMITS.slowedSeconds} seconds between them until the attempts stop; the member can still sign in from an address they used before.`,
      'If the member did not do this, someone may be guessing their password: the audit log lists the attempts and the addresses they came from.',
    ],
    action: { label: 'Open the audit log', url: `${getEnv().PUBLIC_URL}/audit?action=staff.sign_in_failed` },
    notices: [],
    help: 'You get this email because you are an admin of Setup Desk.',
    footer: settings.companyName,
  });
  for (const admin of admins) await sendEmail({ to: { address: admin.email, name: admin.name }, ...rendered }, settings);
}

async function pruneOldAttempts(now: Date, db: Knex): Promise<void> {
  const dayAgo = new Date(now.getTime() - 24 * 3_600_000).toISOString();
  await db('sign_in_attempts').where('at', '<', dayAgo).delete();
}
