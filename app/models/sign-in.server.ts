import type { Knex } from 'knex';
import { getDb } from '~/utils/db.server';
import { recordAuditEvent, type AuditActor } from './audit.server';
import { spendPasswordCheckTime, verifyPassword } from './password.server';
import { createSession, deleteExpiredSessions } from './session.server';
import { findStaffRowByEmail, toStaff, type Staff } from './staff.server';

/** Throttle windows. Failures count; a success for the account clears its count. */
export const SIGN_IN_LIMITS = {
  windowMinutes: 15,
  failuresPerAccount: 5,
  failuresPerIp: 30,
};

const SIGN_IN_PAGE: AuditActor = { type: 'system', label: 'Sign-in page' };

export type SignInResult =
  | { ok: true; staff: Staff; token: string; expiresAt: Date }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; retryAfterMinutes: number };

/**
 * Checks an email and password and starts a session. Every outcome is audited. The caller shows
 * one generic message for every failure except throttling, which says when to try again.
 */
export async function signIn(
  { email, password, ip, requestId }: { email: string; password: string; ip: string; requestId?: string },
  { now = new Date(), db = getDb() }: { now?: Date; db?: Knex } = {},
): Promise<SignInResult> {
  const normalizedEmail = email.trim().toLowerCase();
  const throttle = await throttleFor(normalizedEmail, ip, now, db);
  if (throttle) {
    await recordAuditEvent(
      { actor: SIGN_IN_PAGE, action: 'staff.sign_in_throttled', requestId, details: { email: normalizedEmail, ip, scope: throttle.scope } },
      db,
    );
    return { ok: false, reason: 'throttled', retryAfterMinutes: throttle.retryAfterMinutes };
  }

  const row = await findStaffRowByEmail(normalizedEmail, db);
  const passwordMatches = row ? await verifyPassword(row.password_hash, password) : (await spendPasswordCheckTime(password), false);

  if (!row || !passwordMatches || row.disabled_at) {
    const reason = !row ? 'unknown_email' : !passwordMatches ? 'wrong_password' : 'account_disabled';
    await db('sign_in_attempts').insert({ at: now.toISOString(), ip, email: normalizedEmail, succeeded: 0 });
    await recordAuditEvent(
      {
        actor: row ? { type: 'staff', id: row.id, label: row.name } : SIGN_IN_PAGE,
        action: 'staff.sign_in_failed',
        requestId,
        details: { email: normalizedEmail, ip, reason },
      },
      db,
    );
    const lockedNow = await throttleFor(normalizedEmail, ip, now, db);
    if (lockedNow) {
      await recordAuditEvent(
        {
          actor: SIGN_IN_PAGE,
          action: 'staff.sign_in_locked',
          requestId,
          details: { email: normalizedEmail, ip, scope: lockedNow.scope, minutes: lockedNow.retryAfterMinutes },
        },
        db,
      );
    }
    return { ok: false, reason: 'invalid' };
  }

  const staff = toStaff(row);
  const session = await db.transaction(async (trx) => {
    await trx('sign_in_attempts').insert({ at: now.toISOString(), ip, email: normalizedEmail, succeeded: 1 });
    await trx('staff').where({ id: staff.id }).update({ last_sign_in_at: now.toISOString() });
    const created = await createSession(staff.id, { now, db: trx });
    await recordAuditEvent({ actor: { type: 'staff', id: staff.id, label: staff.name }, action: 'staff.signed_in', requestId, details: { ip } }, trx);
    return created;
  });
  // Housekeeping rides on sign-ins: bounded, indexed deletes, no timer to manage.
  await pruneOldAttempts(now, db);
  await deleteExpiredSessions(now, db);
  return { ok: true, staff, token: session.token, expiresAt: session.expiresAt };
}

/** Whether sign-in is throttled for this account or address, and for how long. */
async function throttleFor(
  email: string,
  ip: string,
  now: Date,
  db: Knex,
): Promise<{ scope: 'account' | 'ip'; retryAfterMinutes: number } | null> {
  const windowStart = new Date(now.getTime() - SIGN_IN_LIMITS.windowMinutes * 60_000).toISOString();
  const lastSuccess = await db('sign_in_attempts').where({ email, succeeded: 1 }).max({ at: 'at' }).first();
  const since = lastSuccess?.at && lastSuccess.at > windowStart ? lastSuccess.at : windowStart;

  const accountFailures = await db('sign_in_attempts')
    .where({ email, succeeded: 0 })
    .where('at', '>', since)
    .orderBy('at', 'desc')
    .limit(SIGN_IN_LIMITS.failuresPerAccount)
    .pluck('at');
  if (accountFailures.length >= SIGN_IN_LIMITS.failuresPerAccount) {
    return { scope: 'account', retryAfterMinutes: minutesUntilFree(accountFailures.at(-1) as string, now) };
  }
  const ipFailures = await db('sign_in_attempts')
    .where({ ip, succeeded: 0 })
    .where('at', '>', windowStart)
    .orderBy('at', 'desc')
    .limit(SIGN_IN_LIMITS.failuresPerIp)
    .pluck('at');
  if (ipFailures.length >= SIGN_IN_LIMITS.failuresPerIp) {
    return { scope: 'ip', retryAfterMinutes: minutesUntilFree(ipFailures.at(-1) as string, now) };
  }
  return null;
}

// The oldest failure that still counts leaves the window at `oldest + window`.
function minutesUntilFree(oldestCountedFailure: string, now: Date): number {
  const freeAt = new Date(oldestCountedFailure).getTime() + SIGN_IN_LIMITS.windowMinutes * 60_000;
  return Math.max(1, Math.ceil((freeAt - now.getTime()) / 60_000));
}

async function pruneOldAttempts(now: Date, db: Knex): Promise<void> {
  const dayAgo = new Date(now.getTime() - 24 * 3_600_000).toISOString();
  await db('sign_in_attempts').where('at', '<', dayAgo).delete();
}
