import { type SettingsInput } from '~/forms/settings';
import { getDb, transaction, type ModelContext } from '~/utils/db.server';
import { DEV_COMPANY_NAME, DEV_SUPPORT_EMAIL, getEnv, parseMailbox, type Env } from '~/utils/env.server';
import { recordAuditEvent, type AuditActor } from './audit.server';
import { SETTING_FIELDS, SETTING_LABELS, type SettingField } from '~/domain/settings';
import { LINK_LIFETIME_DAYS, LINK_REMINDERS } from '~/domain/setup-links';

/**
 * What customers see of the company and how links are issued: set in the environment, and
 * overridable by an admin on the Configuration page (a row in `settings` per override). Read per
 * request — a handful of rows — so a change applies at once, in every process.
 */
export interface Settings {
  companyName: string;
  supportEmail: string;
  linkLifetime: { defaultDays: number; maxDays: number };
  mailFrom: { name: string; address: string };
  mailReplyTo: string;
  /**
   * Reminders of an emailed link the IT admin has not started (decision 025): at most `limit` per
   * link (0: none), the first `firstAfterDays` after the email.
   */
  reminders: { limit: number; firstAfterDays: number };
  /** Which fields come from the Configuration page rather than the environment. */
  overridden: SettingField[];
}

const KEYS: Record<SettingField, string> = {
  companyName: 'company_name',
  supportEmail: 'support_email',
  linkLifetimeDefaultDays: 'link_lifetime_default_days',
  linkLifetimeMaxDays: 'link_lifetime_max_days',
  mailFrom: 'mail_from',
  mailReplyTo: 'mail_reply_to',
  reminderLimit: 'reminder_limit',
  reminderFirstAfterDays: 'reminder_first_after_days',
};

export class SettingsRuleError extends Error {
  constructor(
    readonly field: SettingField,
    message: string,
  ) {
    super(message);
    this.name = 'SettingsRuleError';
  }
}

/** The environment's values: what a blank field falls back to. */
export function environmentSettings(env: Env = getEnv()): Omit<Settings, 'overridden'> {
  return {
    companyName: env.COMPANY_NAME,
    supportEmail: env.SUPPORT_EMAIL,
    linkLifetime: { defaultDays: LINK_LIFETIME_DAYS.default, maxDays: LINK_LIFETIME_DAYS.max },
    mailFrom: env.MAIL_FROM,
    mailReplyTo: env.MAIL_REPLY_TO,
    // Not from the environment: the product's defaults, which the Configuration page overrides.
    reminders: { limit: LINK_REMINDERS.defaultLimit, firstAfterDays: LINK_REMINDERS.firstAfterDays.default },
  };
}

/**
 * What is not yet fit for a customer's eyes: the company name still the product's own ("Setup
 * Desk", the development default) or no real support contact. Production refuses to send a
 * setup email until this is empty; the doctor and the Configuration page say the same.
 */
export function customerFacingProblems(settings: Pick<Settings, 'companyName' | 'supportEmail'>): string[] {
  const problems: string[] = [];
  if (!settings.companyName.trim() || settings.companyName.trim().toLowerCase() === DEV_COMPANY_NAME.toLowerCase()) {
    problems.push(`The company name is still "${DEV_COMPANY_NAME}", the name of this tool: set the name customers know you by`);
  }
  const support = settings.supportEmail.trim().toLowerCase();
  if (!support || support === DEV_SUPPORT_EMAIL) problems.push('No support contact is set: set the address IT admins write to for help');
  return problems;
}

/**
 * The company name as an IT admin may read it: in production, never the placeholder ("Setup
 * Desk") — null then, and the page uses neutral words. Development shows what is set.
 */
export function companyNameForCustomers(settings: Pick<Settings, 'companyName'>, { production }: { production: boolean }): string | null {
  if (production && customerFacingProblems({ companyName: settings.companyName, supportEmail: 'x' }).length > 0) return null;
  return settings.companyName;
}

/**
 * The support address as an IT admin may read it: in production, never the placeholder (or
 * none) — null then, and the page offers no address rather than one nobody reads.
 */
export function supportEmailForCustomers(settings: Pick<Settings, 'supportEmail'>, { production }: { production: boolean }): string | null {
  if (production && customerFacingProblems({ companyName: 'x', supportEmail: settings.supportEmail }).length > 0) return null;
  return settings.supportEmail;
}

function formatMailbox(mailbox: { name: string; address: string }): string {
  return mailbox.name ? `${mailbox.name} <${mailbox.address}>` : mailbox.address;
}

/** The settings in force: the Configuration page's, over the environment's (`env`: the doctor passes its own lenient reading). */
export async function getSettings({ env = getEnv() }: { env?: Env } = {}, { db = getDb() }: ModelContext = {}): Promise<Settings> {
  const rows = (await db('settings').select('key', 'value')) as { key: string; value: string }[];
  const stored = new Map(rows.map((row) => [row.key, row.value]));
  const base = environmentSettings(env);
  const overridden = SETTING_FIELDS.filter((field) => stored.has(KEYS[field]));
  const value = (field: SettingField) => stored.get(KEYS[field]);
  const maxDays = Number(value('linkLifetimeMaxDays') ?? base.linkLifetime.maxDays);
  const defaultDays = Math.min(maxDays, Number(value('linkLifetimeDefaultDays') ?? base.linkLifetime.defaultDays));
  return {
    companyName: value('companyName') ?? base.companyName,
    supportEmail: value('supportEmail') ?? base.supportEmail,
    linkLifetime: { defaultDays, maxDays },
    mailFrom: (value('mailFrom') && parseMailbox(value('mailFrom')!)) || base.mailFrom,
    mailReplyTo: value('mailReplyTo') ?? base.mailReplyTo,
    reminders: {
      limit: Number(value('reminderLimit') ?? base.reminders.limit),
      firstAfterDays: Number(value('reminderFirstAfterDays') ?? base.reminders.firstAfterDays),
    },
    overridden,
  };
}

/** The values as the form shows them: the override, or blank where the environment applies. */
export async function getSettingsForm({ db = getDb() }: ModelContext = {}): Promise<Record<SettingField, string>> {
  const rows = (await db('settings').select('key', 'value')) as { key: string; value: string }[];
  const stored = new Map(rows.map((row) => [row.key, row.value]));
  return Object.fromEntries(SETTING_FIELDS.map((field) => [field, stored.get(KEYS[field]) ?? ''])) as Record<SettingField, string>;
}

/**
 * Saves the form: a value overrides, a blank returns the field to the environment. Audits what
 * changed (from → to) as one `settings.changed` event; nothing changed, nothing recorded.
 */
export async function updateSettings(
  input: SettingsInput,
  actor: AuditActor,
  { requestId, db = getDb(), now = new Date() }: ModelContext = {},
): Promise<{ changed: SettingField[] }> {
  const env = environmentSettings();
  const next: Record<SettingField, string | undefined> = {
    companyName: input.companyName,
    supportEmail: input.supportEmail,
    linkLifetimeDefaultDays: input.linkLifetimeDefaultDays === undefined ? undefined : String(input.linkLifetimeDefaultDays),
    linkLifetimeMaxDays: input.linkLifetimeMaxDays === undefined ? undefined : String(input.linkLifetimeMaxDays),
    mailFrom: input.mailFrom,
    mailReplyTo: input.mailReplyTo,
    reminderLimit: input.reminderLimit === undefined ? undefined : String(input.reminderLimit),
    reminderFirstAfterDays: input.reminderFirstAfterDays === undefined ? undefined : String(input.reminderFirstAfterDays),
  };
  if (next.mailFrom !== undefined) {
    const mailbox = parseMailbox(next.mailFrom);
    if (!mailbox) throw new SettingsRuleError('mailFrom', 'Enter one sender, such as "Acme Onboarding <onboarding@acme.com>" or onboarding@acme.com.');
    next.mailFrom = formatMailbox(mailbox);
  }
  const maxDays = input.linkLifetimeMaxDays ?? env.linkLifetime.maxDays;
  const defaultDays = input.linkLifetimeDefaultDays ?? env.linkLifetime.defaultDays;
  if (defaultDays > maxDays) {
    throw new SettingsRuleError('linkLifetimeDefaultDays', `The default (${defaultDays} days) cannot be longer than the maximum (${maxDays} days).`);
  }
  return transaction(db, async (trx) => {
    const before = await getSettingsForm({ db: trx });
    const changed = SETTING_FIELDS.filter((field) => (before[field] || undefined) !== next[field]);
    if (changed.length === 0) return { changed };
    for (const field of changed) {
      const value = next[field];
      if (value === undefined) await trx('settings').where({ key: KEYS[field] }).delete();
      else {
        await trx('settings')
          .insert({ key: KEYS[field], value, updated_by: actor.type === 'staff' ? (actor.id ?? null) : null, updated_at: now.toISOString() })
          .onConflict('key')
          .merge();
      }
    }
    await recordAuditEvent(
      {
        actor,
        action: 'settings.changed',
        requestId,
        details: {
          changes: changed.map((field) => ({
            field: SETTING_LABELS[field],
            from: before[field] || '(environment)',
            to: next[field] ?? '(environment)',
          })),
        },
      },
      { db: trx },
    );
    return { changed };
  });
}
