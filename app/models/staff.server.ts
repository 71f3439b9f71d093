import type { Knex } from 'knex';
import { emailSchema, roleSchema, staffNameSchema } from '~/forms/staff';
import { getDb, transaction, type ModelContext } from '~/utils/db.server';
import { caseFolded, isUniqueViolation } from '~/utils/dialect.server';
import { recordAuditEvent, type AuditActor, type AuditDetails } from './audit.server';
import { generateTemporaryPassword, hashPassword, passwordProblem, verifyPassword } from './password.server';
import { dropQueuedNotices } from './owner-digest.server';
import { deleteSessionsOfStaff } from './session.server';
import { type StaffRole } from '~/domain/staff';
import { canonicalTimeZone, DEFAULT_TIME_ZONE } from '~/utils/format';

export interface Staff {
  id: number;
  email: string;
  name: string;
  role: StaffRole;
  mustChangePassword: boolean;
  disabledAt: string | null;
  lastSignInAt: string | null;
  createdAt: string;
  /** The IANA zone every staff page shows times in (decision 020); UTC until one is set. */
  timeZone: string;
}

export interface StaffRow {
  id: number;
  email: string;
  name: string;
  role: StaffRole;
  password_hash: string;
  must_change_password: number;
  disabled_at: string | null;
  last_sign_in_at: string | null;
  created_at: string;
  updated_at: string;
  /** NULL until first set (at the first sign-in after migration 012, or on the account page). */
  time_zone: string | null;
}

/** Maps a database row to the Staff the app passes around (never the password hash). */
export function toStaff(row: StaffRow): Staff {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    mustChangePassword: row.must_change_password === 1,
    disabledAt: row.disabled_at,
    lastSignInAt: row.last_sign_in_at,
    createdAt: row.created_at,
    timeZone: canonicalTimeZone(row.time_zone) ?? DEFAULT_TIME_ZONE,
  };
}

/** The audit actor for a staff member. */
export function staffActor(staff: Pick<Staff, 'id' | 'name'>): AuditActor {
  return { type: 'staff', id: staff.id, label: staff.name };
}

/** A staff-management rule was broken; `message` is written for the person who tried. */
export class StaffRuleError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'StaffRuleError';
  }
}

const LAST_ADMIN_MESSAGE = 'This is the last active admin. Make someone else an admin first, so that somebody can still manage staff.';

export async function getStaffById(id: number, { db = getDb() }: ModelContext = {}): Promise<Staff | null> {
  const row = await db<StaffRow>('staff').where({ id }).first();
  return row ? toStaff(row) : null;
}

export async function findStaffRowByEmail(email: string, { db = getDb() }: ModelContext = {}): Promise<StaffRow | undefined> {
  return db<StaffRow>('staff').where({ email: email.trim().toLowerCase() }).first();
}

/**
 * When a staff member signed in last (inside the sign-in's transaction). A member with no time
 * zone yet gets the browser's (`browserTimeZone`, as the sign-in form read it), or UTC when it
 * is absent or not a zone — once: after that the zone is theirs to change on the account page.
 */
export async function recordStaffSignIn(
  staffId: number,
  { browserTimeZone }: { browserTimeZone?: unknown },
  { db = getDb(), now = new Date(), requestId }: ModelContext = {},
): Promise<void> {
  await db('staff').where({ id: staffId }).update({ last_sign_in_at: now.toISOString() });
  const row = await db<StaffRow>('staff').where({ id: staffId }).first('id', 'name', 'time_zone');
  if (!row || row.time_zone !== null) return;
  const browser = canonicalTimeZone(browserTimeZone);
  const timeZone = browser ?? DEFAULT_TIME_ZONE;
  await db('staff').where({ id: staffId }).whereNull('time_zone').update({ time_zone: timeZone, updated_at: now.toISOString() });
  await recordAuditEvent(
    {
      actor: staffActor(row),
      action: 'staff.time_zone_changed',
      requestId,
      details: { staffId, from: null, to: timeZone, source: browser ? 'browser' : 'default' },
    },
    { db },
  );
}

/**
 * A member sets the zone their pages show times in. Refuses a name that is not a time zone
 * (on the `timeZone` field); the same zone again is a no-op, not audited. Returns whether it changed.
 */
export async function setStaffTimeZone(
  staff: Pick<Staff, 'id' | 'name'>,
  timeZone: string,
  { requestId, db = getDb(), now = new Date() }: ModelContext = {},
): Promise<boolean> {
  const zone = canonicalTimeZone(timeZone);
  if (!zone) throw new StaffRuleError('Choose a time zone from the list, like Europe/London or America/Los_Angeles.', 'timeZone');
  return transaction(db, async (trx) => {
    const row = await trx<StaffRow>('staff').where({ id: staff.id }).first('time_zone');
    if (!row) throw new StaffRuleError('No staff member with that id.');
    if (row.time_zone === zone) return false;
    await trx('staff').where({ id: staff.id }).update({ time_zone: zone, updated_at: now.toISOString() });
    await recordAuditEvent(
      {
        actor: staffActor(staff),
        action: 'staff.time_zone_changed',
        requestId,
        details: { staffId: staff.id, from: row.time_zone, to: zone, source: 'account' },
      },
      { db: trx },
    );
    return true;
  });
}

/** The admins who can act on an alert (sign-in throttling tells them). */
export async function listActiveAdmins({ db = getDb() }: ModelContext = {}): Promise<{ email: string; name: string }[]> {
  return (await db('staff').where({ role: 'admin' }).whereNull('disabled_at').select('email', 'name')) as { email: string; name: string }[];
}

/** Every staff member, active first, then by name. */
export async function listStaff({ db = getDb() }: ModelContext = {}): Promise<Staff[]> {
  const rows = await db<StaffRow>('staff').orderByRaw(`disabled_at IS NOT NULL, ${caseFolded.order(db, 'name')}, id`);
  return rows.map(toStaff);
}

export interface NewStaff {
  email: string;
  name: string;
  role: StaffRole;
  /** Omit to generate a temporary password, returned once and changed at first sign-in. */
  password?: string;
}

/**
 * Adds a staff member. Without a password, a temporary one is generated and returned (shown once,
 * never stored in clear); the member must choose their own at first sign-in.
 */
export async function createStaff(
  input: NewStaff,
  actor: AuditActor,
  { requestId, db = getDb(), now: at = new Date() }: ModelContext = {},
): Promise<{ staff: Staff; temporaryPassword: string | null }> {
  const email = emailSchema.parse(input.email);
  const name = staffNameSchema.parse(input.name);
  const role = roleSchema.parse(input.role);
  const temporaryPassword = input.password === undefined ? generateTemporaryPassword() : null;
  const password = input.password ?? temporaryPassword!;
  if (input.password !== undefined) {
    const problem = passwordProblem(input.password, [name, email]);
    if (problem) throw new StaffRuleError(problem, 'password');
  }
  const passwordHash = await hashPassword(password);
  const now = at.toISOString();

  try {
    const staff = await transaction(db, async (trx) => {
      const [row] = await trx<StaffRow>('staff')
        .insert({
          email,
          name,
          role,
          password_hash: passwordHash,
          must_change_password: temporaryPassword ? 1 : 0,
          created_at: now,
          updated_at: now,
        })
        .returning('*');
      const created = toStaff(row as StaffRow);
      await recordAuditEvent({ actor, action: 'staff.created', requestId, details: { staffId: created.id, email, name, role } }, { db: trx });
      return created;
    });
    return { staff, temporaryPassword };
  } catch (error) {
    if (isUniqueViolation(error, { name: 'staff_email', columns: 'staff.email' })) throw new StaffRuleError(`${email} already has an account.`, 'email');
    throw error;
  }
}

/** Changes a member's role. Refuses to demote the last active admin. */
export async function changeStaffRole(
  staffId: number,
  role: StaffRole,
  actor: AuditActor,
  { requestId, db = getDb(), now: at = new Date() }: ModelContext = {},
): Promise<Staff> {
  return updateStaff(staffId, actor, requestId, db, async (trx, before) => {
    if (before.role === role) return null;
    await trx('staff').where({ id: staffId }).update({ role, updated_at: at.toISOString() });
    return { action: 'staff.role_changed', details: { from: before.role, to: role } };
  });
}

/** Disables a member: their sessions end at once and they cannot sign in. */
export async function disableStaff(staffId: number, actor: AuditActor, { requestId, db = getDb(), now: at = new Date() }: ModelContext = {}): Promise<Staff> {
  return updateStaff(staffId, actor, requestId, db, async (trx, before) => {
    if (before.disabledAt) return null;
    const now = at.toISOString();
    await trx('staff').where({ id: staffId }).update({ disabled_at: now, updated_at: now });
    const sessionsEnded = await deleteSessionsOfStaff(staffId, {}, { db: trx });
    return { action: 'staff.disabled', details: { sessionsEnded } };
  });
}

export async function enableStaff(staffId: number, actor: AuditActor, { requestId, db = getDb(), now: at = new Date() }: ModelContext = {}): Promise<Staff> {
  return updateStaff(staffId, actor, requestId, db, async (trx, before) => {
    if (!before.disabledAt) return null;
    await trx('staff').where({ id: staffId }).update({ disabled_at: null, updated_at: at.toISOString() });
    return { action: 'staff.enabled', details: {} };
  });
}

/** Ends every session of a member ("sign out everywhere"). */
export async function signOutStaffEverywhere(staffId: number, actor: AuditActor, { requestId, db = getDb() }: ModelContext = {}): Promise<number> {
  let ended = 0;
  await updateStaff(staffId, actor, requestId, db, async (trx) => {
    ended = await deleteSessionsOfStaff(staffId, {}, { db: trx });
    return { action: 'staff.signed_out_everywhere', details: { sessionsEnded: ended } };
  });
  return ended;
}

/**
 * Replaces a member's password with a temporary one (returned once), ends their sessions, and
 * makes them choose a new password at next sign-in.
 */
export async function resetStaffPassword(
  staffId: number,
  actor: AuditActor,
  { requestId, db = getDb(), now: at = new Date() }: ModelContext = {},
): Promise<{ staff: Staff; temporaryPassword: string }> {
  const temporaryPassword = generateTemporaryPassword();
  const passwordHash = await hashPassword(temporaryPassword);
  const staff = await updateStaff(staffId, actor, requestId, db, async (trx) => {
    await trx('staff').where({ id: staffId }).update({ password_hash: passwordHash, must_change_password: 1, updated_at: at.toISOString() });
    const sessionsEnded = await deleteSessionsOfStaff(staffId, {}, { db: trx });
    return { action: 'staff.password_reset', details: { sessionsEnded } };
  });
  return { staff, temporaryPassword };
}

/**
 * A member changes their own password: the current one must match, the new one must pass the
 * strength rules, and every other session of theirs ends (the current one stays).
 */
export async function changeOwnPassword(
  staffId: number,
  { currentPassword, newPassword, keepSessionId }: { currentPassword: string; newPassword: string; keepSessionId: string },
  { requestId, db = getDb(), now: at = new Date() }: ModelContext = {},
): Promise<void> {
  const row = await db<StaffRow>('staff').where({ id: staffId }).first();
  if (!row || row.disabled_at) throw new StaffRuleError('This account is not active.');
  if (!(await verifyPassword(row.password_hash, currentPassword))) {
    throw new StaffRuleError('The current password is wrong.', 'currentPassword');
  }
  if (newPassword === currentPassword) {
    throw new StaffRuleError('Choose a password different from the current one.', 'newPassword');
  }
  const problem = passwordProblem(newPassword, [row.name, row.email]);
  if (problem) throw new StaffRuleError(problem, 'newPassword');
  const passwordHash = await hashPassword(newPassword);
  await transaction(db, async (trx) => {
    await trx('staff').where({ id: staffId }).update({ password_hash: passwordHash, must_change_password: 0, updated_at: at.toISOString() });
    const sessionsEnded = await deleteSessionsOfStaff(staffId, { exceptSessionId: keepSessionId }, { db: trx });
    await recordAuditEvent({ actor: staffActor(toStaff(row)), action: 'staff.password_changed', requestId, details: { staffId, sessionsEnded } }, { db: trx });
  });
}

type StaffChangeAction = 'staff.role_changed' | 'staff.disabled' | 'staff.enabled' | 'staff.signed_out_everywhere' | 'staff.password_reset';
// updateStaff adds who the member is; a change gives the rest of its action's details.
type StaffChangeEvent = { [A in StaffChangeAction]: { action: A; details: Omit<AuditDetails<A>, 'staffId' | 'email' | 'name'> } }[StaffChangeAction];
type StaffChange = (trx: Knex.Transaction, before: Staff) => Promise<StaffChangeEvent | null>;

/** Runs one audited change to a member in a transaction; a null change is a no-op (not audited). */
async function updateStaff(staffId: number, actor: AuditActor, requestId: string | undefined, db: Knex, change: StaffChange): Promise<Staff> {
  try {
    return await transaction(db, async (trx) => {
      const beforeRow = await trx<StaffRow>('staff').where({ id: staffId }).first();
      if (!beforeRow) throw new StaffRuleError('No staff member with that id.');
      const before = toStaff(beforeRow);
      const result = await change(trx, before);
      if (result) {
        await recordAuditEvent(
          {
            actor,
            action: result.action,
            requestId,
            details: { staffId, email: before.email, name: before.name, ...result.details },
          },
          { db: trx },
        );
      }
      return toStaff((await trx<StaffRow>('staff').where({ id: staffId }).first())!);
    });
  } catch (error) {
    if (error instanceof Error && error.message.includes('last_active_admin')) throw new StaffRuleError(LAST_ADMIN_MESSAGE);
    throw error;
  }
}

/** Whether the staff member gets the daily digest of their customers' setups (audited when changed). */
export async function getDigestPreference(staffId: number, { db = getDb() }: ModelContext = {}): Promise<boolean> {
  const row = await db('staff').where({ id: staffId }).first('notify_digest');
  return Boolean(row?.notify_digest);
}

export async function setDigestPreference(
  staff: { id: number; name: string },
  enabled: boolean,
  { requestId, db = getDb() }: ModelContext = {},
): Promise<boolean> {
  return transaction(db, async (trx) => {
    const changed = await trx('staff')
      .where({ id: staff.id })
      .whereNot({ notify_digest: enabled ? 1 : 0 })
      .update({ notify_digest: enabled ? 1 : 0 });
    if (changed === 0) return false;
    // Opting out drops what was queued: opting back in later must not deliver a backlog.
    if (!enabled) await dropQueuedNotices(staff.id, { db: trx });
    await recordAuditEvent(
      { actor: { type: 'staff', id: staff.id, label: staff.name }, action: 'staff.digest_changed', requestId, details: { enabled } },
      { db: trx },
    );
    return true;
  });
}
