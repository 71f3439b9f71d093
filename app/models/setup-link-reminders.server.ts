import type { Knex } from 'knex';
import { claimReminder } from './setup-link.server';
import { renderSetupLinkReminderEmail } from '~/emails/setup-link-reminder';
import { transaction, type HandleContext } from '~/utils/db.server';
import { sendEmail } from '~/utils/email.server';
import { getEnv } from '~/utils/env.server';
import { getLogger } from '~/utils/logger.server';
import { recordAuditEvent, type AuditActor } from './audit.server';
import { queueOwnerNotice } from './owner-digest.server';
import { customerFacingProblems, getSettings, type Settings } from './settings.server';
import { LINK_REMINDERS } from '~/domain/setup-links';
import type { SetupFeature } from '~/domain/features';

/**
 * Reminders of emailed setup links the IT admin has not started (decision 025). The app cannot
 * send the link again (it keeps only the token's hash), so a reminder points back to the setup
 * email. This module only claims a reminder (`reminders_sent`, `last_reminded_at`) — one
 * conditional update per reminder; everything else about a link stays with setup-link.server.ts.
 */

const SYSTEM_ACTOR: AuditActor = { type: 'system', label: 'Setup Desk' };
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** What decides whether a reminder is due: the link's times and how many it has had. */
export interface ReminderClock {
  emailSentAt: string;
  expiresAt: string;
  remindersSent: number;
  lastRemindedAt: string | null;
}

/**
 * The reminder due now (1 or 2), or null. The first is due `firstAfterDays` after the email, or
 * a day before expiry if that comes sooner (a short link); the second a day before expiry. Never
 * past the limit, never once the link has expired, and never within `minimumGapHours` of the email
 * or the last reminder — so a link of two days or less gets one reminder at most.
 */
export function dueReminder(link: ReminderClock, rules: Settings['reminders'], now: Date): 1 | 2 | null {
  const next = link.remindersSent + 1;
  if (next > Math.min(rules.limit, LINK_REMINDERS.maxPerLink)) return null;
  const at = now.getTime();
  const expiresAt = Date.parse(link.expiresAt);
  if (at >= expiresAt) return null;
  if (at - Date.parse(link.lastRemindedAt ?? link.emailSentAt) < LINK_REMINDERS.minimumGapHours * HOUR_MS) return null;
  const beforeExpiry = at >= expiresAt - LINK_REMINDERS.beforeExpiryHours * HOUR_MS;
  if (next === 1) return beforeExpiry || at >= Date.parse(link.emailSentAt) + rules.firstAfterDays * DAY_MS ? 1 : null;
  return beforeExpiry ? 2 : null;
}

interface RemindableRow {
  id: number;
  organization_id: number;
  organization_name: string;
  token_hash: string;
  features: string;
  recipient_email: string;
  recipient_name: string | null;
  email_sent_at: string;
  expires_at: string;
  reminders_sent: number;
  last_reminded_at: string | null;
  replaces_link_id: number | null;
}

/**
 * Links that may get a reminder now, due or not: emailed and accepted, active and within their
 * lifetime, of an active organization that has reminders on, below the limit, not reminded (or
 * emailed) within the gap — and not started: no launch of any feature. Page views do not count
 * as a start, as email scanners open links.
 */
function remindable(db: Knex | Knex.Transaction, now: Date, limit: number) {
  const gapStart = new Date(now.getTime() - LINK_REMINDERS.minimumGapHours * HOUR_MS).toISOString();
  return db('setup_links as l')
    .join('organizations as o', 'o.id', 'l.organization_id')
    .where({ 'l.delivery': 'email', 'l.status': 'active', 'o.status': 'active', 'o.remind_it_admin': 1 })
    .where('l.expires_at', '>', now.toISOString())
    .whereNotNull('l.email_sent_at')
    .where('l.reminders_sent', '<', Math.min(limit, LINK_REMINDERS.maxPerLink))
    .whereRaw('COALESCE(l.last_reminded_at, l.email_sent_at) <= ?', [gapStart])
    .whereNotExists(db('setup_link_launches as launch').whereRaw('launch.setup_link_id = l.id').select('launch.setup_link_id'))
    .select(
      'l.id',
      'l.organization_id',
      'o.name as organization_name',
      'l.token_hash',
      'l.features',
      'l.recipient_email',
      'l.recipient_name',
      'l.email_sent_at',
      'l.expires_at',
      'l.reminders_sent',
      'l.last_reminded_at',
      'l.replaces_link_id',
    );
}

const clockOf = (row: RemindableRow): ReminderClock => ({
  emailSentAt: row.email_sent_at,
  expiresAt: row.expires_at,
  remindersSent: row.reminders_sent,
  lastRemindedAt: row.last_reminded_at,
});

/**
 * Sends the reminders due at `now`; returns how many the mail server accepted. Each reminder is
 * first claimed in a transaction of its own — a conditional update from `reminders_sent = k-1` to
 * `k` on a link still active — and sent only after that commits: of two maintenance runs at once,
 * one claims and sends, the other finds it claimed. A claim stands whatever the send's outcome (a
 * refusal is audited, not retried; a process that dies between the claim and the send loses that
 * reminder): a link gets at most the limit's reminders, never one twice.
 */
export async function sendDueReminders({ db, now = new Date() }: HandleContext): Promise<number> {
  // It sends email: inside a caller's transaction, a claim would not be committed before its send.
  if (db.isTransaction) throw new Error('sendDueReminders sends email: call it outside any transaction');
  const settings = await getSettings({}, { db });
  const rules = settings.reminders;
  if (rules.limit <= 0) return 0;
  // Production sends nothing customer-facing signed with the placeholders (as refuseUnconfiguredEmail):
  // the reminders wait, unclaimed, until an admin sets them.
  const problems = customerFacingProblems(settings);
  if (getEnv().isProduction && problems.length > 0) {
    getLogger().warn({ problems }, 'setup link reminders wait: the company name or support contact is not set');
    return 0;
  }
  const candidates = (await remindable(db, now, rules.limit).orderBy('l.expires_at').orderBy('l.id')) as RemindableRow[];
  let sent = 0;
  for (const candidate of candidates) {
    if (dueReminder(clockOf(candidate), rules, now) === null) continue;
    const claim = await transaction(db, async (trx) => {
      // Read again in the transaction: another run may have claimed it, an IT admin started, a rep
      // revoked it or the organization turned reminders off since the list was read.
      const row = (await remindable(trx, now, rules.limit).where('l.id', candidate.id).first()) as RemindableRow | undefined;
      const reminder = row ? dueReminder(clockOf(row), rules, now) : null;
      if (!row || reminder === null) return null;
      // The guard: of two runs that both read it as due, one claims it — SQLite runs one writer at a
      // time; PostgreSQL re-checks the condition after the row lock, or aborts the serializable loser,
      // whose re-run reads it claimed.
      return (await claimReminder(row.id, reminder, { db: trx, now })) ? { row, reminder } : null;
    });
    if (!claim) continue;
    if (await remind(claim.row, claim.reminder, settings, { db, now })) sent += 1;
  }
  return sent;
}

/**
 * Sends one claimed reminder, outside any transaction, then records the outcome. A link revoked
 * or completed between the claim and the send still gets this one email: the window is one send,
 * and the reminder carries no link — at worst it points to a link that now says it has ended.
 */
async function remind(row: RemindableRow, reminder: 1 | 2, settings: Settings, { db, now }: { db: Knex | Knex.Transaction; now: Date }): Promise<boolean> {
  const email = renderSetupLinkReminderEmail({
    organizationName: row.organization_name,
    recipientName: row.recipient_name,
    companyName: settings.companyName,
    supportEmail: settings.supportEmail,
    features: JSON.parse(row.features) as SetupFeature[],
    emailSentAt: row.email_sent_at,
    expiresAt: row.expires_at,
    replacedEarlierLink: row.replaces_link_id !== null,
  });
  const outcome = await sendEmail({ to: { address: row.recipient_email, name: row.recipient_name }, ...email }, settings);
  const base = { recipient: row.recipient_email, fingerprint: row.token_hash.slice(0, 6), reminder };
  await transaction(db, async (trx) => {
    const event = { actor: SYSTEM_ACTOR, organizationId: row.organization_id, setupLinkId: row.id };
    if (outcome.ok) {
      await recordAuditEvent(
        { ...event, action: 'setup_link.reminded', details: { ...base, messageId: outcome.messageId, expiresAt: row.expires_at } },
        { db: trx },
      );
      await queueOwnerNotice({ organizationId: row.organization_id, setupLinkId: row.id, kind: 'link_reminded' }, { db: trx, now });
    } else {
      // The class and our own words for it — never the server's text.
      await recordAuditEvent(
        { ...event, action: 'setup_link.reminder_failed', details: { ...base, errorClass: outcome.failure.errorClass, reason: outcome.failure.reason } },
        { db: trx },
      );
    }
  });
  if (!outcome.ok)
    getLogger().warn({ setupLinkId: row.id, reminder, errorClass: outcome.failure.errorClass }, 'setup link reminder could not be sent; not retried');
  return outcome.ok;
}
