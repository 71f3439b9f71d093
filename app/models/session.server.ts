import crypto from 'node:crypto';
import { getDb, type ModelContext } from '~/utils/db.server';
import { getEnv } from '~/utils/env.server';

/** Last-seen times are written at most this often, so that reads do not each cost a write. */
const TOUCH_INTERVAL_MS = 60_000;

interface SessionRow {
  id: string;
  staff_id: number;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

/** The SHA-256 of a session token: the only form in which the database knows it. */
export function hashSessionToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/**
 * Starts a session for a staff member. Returns the random token for the cookie (never stored)
 * and the session id (its hash).
 */
export async function createSession(
  staffId: number,
  { now = new Date(), db = getDb() }: ModelContext = {},
): Promise<{ token: string; sessionId: string; expiresAt: Date }> {
  const token = crypto.randomBytes(32).toString('base64url');
  const sessionId = hashSessionToken(token);
  const expiresAt = new Date(now.getTime() + getEnv().SESSION_ABSOLUTE_HOURS * 3_600_000);
  await db('sessions').insert({
    id: sessionId,
    staff_id: staffId,
    created_at: now.toISOString(),
    last_seen_at: now.toISOString(),
    expires_at: expiresAt.toISOString(),
  });
  return { token, sessionId, expiresAt };
}

export type SessionLookup = { status: 'active'; sessionId: string; staffId: number } | { status: 'missing' | 'expired' | 'idle' | 'disabled' };

/**
 * Finds the session for a cookie token and checks it: absolute expiry, idle timeout and a
 * disabled account all end it (and delete it) at once.
 */
export async function lookupSession(token: string, { now = new Date(), db = getDb() }: ModelContext = {}): Promise<SessionLookup> {
  const sessionId = hashSessionToken(token);
  // The account's state comes with the session: a disabled account ends it whatever its age.
  const session = (await db('sessions as s')
    .leftJoin('staff as st', 'st.id', 's.staff_id')
    .where('s.id', sessionId)
    .first('s.*', 'st.id as account_id', 'st.disabled_at')) as (SessionRow & { account_id: number | null; disabled_at: string | null }) | undefined;
  if (!session) return { status: 'missing' };
  const idleLimitMs = getEnv().SESSION_IDLE_MINUTES * 60_000;
  let status: SessionLookup['status'] | null = null;
  if (session.account_id === null || session.disabled_at) status = 'disabled';
  else if (new Date(session.expires_at).getTime() <= now.getTime()) status = 'expired';
  else if (now.getTime() - new Date(session.last_seen_at).getTime() >= idleLimitMs) status = 'idle';
  if (status) {
    await db('sessions').where({ id: sessionId }).delete();
    return { status };
  }
  if (now.getTime() - new Date(session.last_seen_at).getTime() >= TOUCH_INTERVAL_MS) {
    await db('sessions').where({ id: sessionId }).update({ last_seen_at: now.toISOString() });
  }
  return { status: 'active', sessionId, staffId: session.staff_id };
}

/** Ends one session (sign-out). */
export async function deleteSession(sessionId: string, { db = getDb() }: ModelContext = {}): Promise<void> {
  await db('sessions').where({ id: sessionId }).delete();
}

/** Ends every session of a staff member, except optionally one; returns how many ended. */
export async function deleteSessionsOfStaff(
  staffId: number,
  { exceptSessionId }: { exceptSessionId?: string } = {},
  { db = getDb() }: ModelContext = {},
): Promise<number> {
  const query = db('sessions').where({ staff_id: staffId });
  if (exceptSessionId) query.whereNot({ id: exceptSessionId });
  return query.delete();
}

/** Removes sessions past their absolute expiry (housekeeping; lookups already refuse them). */
export async function deleteExpiredSessions({ now = new Date(), db = getDb() }: ModelContext = {}): Promise<number> {
  return db('sessions').where('expires_at', '<=', now.toISOString()).delete();
}
