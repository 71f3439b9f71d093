import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { settingsFormSchema } from '~/forms/settings';
import { readSetupLinkForm } from '~/forms/setup-link';
import { getDb } from '~/utils/db.server';
import { resetEnvCache } from '~/utils/env.server';
import { startSmtpCatcher, type SmtpCatcher } from '../../test/smtp-catcher';
import { createOrganization, createTestStaff } from '../../test/factories';
import { createSetupLink } from './setup-link.server';
import { companyNameForCustomers, customerFacingProblems, getSettings, SettingsRuleError, supportEmailForCustomers, updateSettings } from './settings.server';
import { staffActor } from './staff.server';

let catcher: SmtpCatcher;
let admin: ReturnType<typeof staffActor>;

beforeAll(async () => {
  catcher = await startSmtpCatcher();
  Object.assign(process.env, {
    SMTP_URL: catcher.url,
    COMPANY_NAME: 'Env Company',
    SUPPORT_EMAIL: 'env-support@vendor.example',
    MAIL_FROM: 'Env Sender <env@vendor.example>',
  });
  resetEnvCache();
  admin = staffActor(await createTestStaff('admin', { name: 'Ada Admin' }));
});

afterEach(async () => {
  await getDb()('settings').delete();
});

afterAll(async () => {
  await catcher.stop();
  process.env.SMTP_URL = 'smtp://127.0.0.1:9';
  for (const key of ['COMPANY_NAME', 'SUPPORT_EMAIL', 'MAIL_FROM']) delete process.env[key];
  resetEnvCache();
});

const form = (values: Record<string, string>) =>
  settingsFormSchema.parse({
    companyName: '',
    supportEmail: '',
    linkLifetimeDefaultDays: '',
    linkLifetimeMaxDays: '',
    mailFrom: '',
    mailReplyTo: '',
    reminderLimit: '',
    reminderFirstAfterDays: '',
    ...values,
  });

describe('settings', () => {
  it('default to the environment, override it field by field, and return to it when blanked — each change audited', async () => {
    expect(await getSettings()).toMatchObject({
      companyName: 'Env Company',
      supportEmail: 'env-support@vendor.example',
      linkLifetime: { defaultDays: 7, maxDays: 30 },
      mailFrom: { name: 'Env Sender', address: 'env@vendor.example' },
      reminders: { limit: 2, firstAfterDays: 3 },
      overridden: [],
    });
    const saved = await updateSettings(
      form({ companyName: 'Acme Analytics', mailFrom: 'Acme Onboarding <onboarding@acme.example>', linkLifetimeMaxDays: '14' }),
      admin,
    );
    expect(saved.changed).toEqual(['companyName', 'linkLifetimeMaxDays', 'mailFrom']);
    expect(await getSettings()).toMatchObject({
      companyName: 'Acme Analytics',
      supportEmail: 'env-support@vendor.example',
      linkLifetime: { defaultDays: 7, maxDays: 14 },
      mailFrom: { name: 'Acme Onboarding', address: 'onboarding@acme.example' },
      overridden: ['companyName', 'linkLifetimeMaxDays', 'mailFrom'],
    });
    const audit = await getDb()('audit_events').where({ action: 'settings.changed' }).orderBy('id', 'desc').first();
    expect(audit.actor_label).toBe('Ada Admin');
    expect(JSON.parse(audit.details).changes).toEqual([
      { field: 'Company name', from: '(environment)', to: 'Acme Analytics' },
      { field: 'Maximum link lifetime (days)', from: '(environment)', to: '14' },
      { field: 'Email sender', from: '(environment)', to: 'Acme Onboarding <onboarding@acme.example>' },
    ]);

    // Saving the same again records nothing; blanking a field returns it to the environment.
    const auditCount = async () => Number(((await getDb()('audit_events').where({ action: 'settings.changed' }).count({ n: '*' })) as { n: number }[])[0]!.n);
    const before = await auditCount();
    expect(
      (await updateSettings(form({ companyName: 'Acme Analytics', mailFrom: 'Acme Onboarding <onboarding@acme.example>', linkLifetimeMaxDays: '14' }), admin))
        .changed,
    ).toEqual([]);
    expect(await auditCount()).toBe(before);
    await updateSettings(form({ mailFrom: 'Acme Onboarding <onboarding@acme.example>', linkLifetimeMaxDays: '14' }), admin);
    expect((await getSettings()).companyName).toBe('Env Company');
  });

  it('refuses a default longer than the maximum, a bad sender, and out-of-range days, naming the field', async () => {
    await expect(updateSettings(form({ linkLifetimeDefaultDays: '20', linkLifetimeMaxDays: '10' }), admin)).rejects.toMatchObject({
      field: 'linkLifetimeDefaultDays',
      message: 'The default (20 days) cannot be longer than the maximum (10 days).',
    });
    await expect(updateSettings(form({ mailFrom: 'two@a.example, three@b.example' }), admin)).rejects.toBeInstanceOf(SettingsRuleError);
    const parsed = settingsFormSchema.safeParse({ linkLifetimeMaxDays: '45', supportEmail: 'not-an-address', companyName: 'Line\nbreak' });
    expect(parsed.success).toBe(false);
    expect(Object.keys(parsed.error!.flatten().fieldErrors).sort()).toEqual(['companyName', 'linkLifetimeMaxDays', 'supportEmail']);
    expect(await getDb()('settings')).toEqual([]);
  });

  it('set the reminders per link (0 turns them off) and the first reminder’s day, audited; blank returns to the defaults', async () => {
    expect((await updateSettings(form({ reminderLimit: '0', reminderFirstAfterDays: '5' }), admin)).changed).toEqual([
      'reminderLimit',
      'reminderFirstAfterDays',
    ]);
    expect(await getSettings()).toMatchObject({ reminders: { limit: 0, firstAfterDays: 5 }, overridden: ['reminderLimit', 'reminderFirstAfterDays'] });
    const audit = await getDb()('audit_events').where({ action: 'settings.changed' }).orderBy('id', 'desc').first();
    expect(JSON.parse(audit.details).changes).toEqual([
      { field: 'Reminders per link', from: '(environment)', to: '0' },
      { field: 'First reminder after (days)', from: '(environment)', to: '5' },
    ]);
    expect((await updateSettings(form({ reminderLimit: '1' }), admin)).changed).toEqual(['reminderLimit', 'reminderFirstAfterDays']);
    expect((await getSettings()).reminders).toEqual({ limit: 1, firstAfterDays: 3 });
    await updateSettings(form({}), admin);
    expect((await getSettings()).reminders).toEqual({ limit: 2, firstAfterDays: 3 });
  });

  it('refuse a reminder count other than 0, 1 or 2 and a first reminder outside 1–29 days, with the field’s own message', () => {
    const errorsOf = (values: Record<string, string>) => {
      const parsed = settingsFormSchema.safeParse(values);
      return parsed.success ? {} : parsed.error.flatten().fieldErrors;
    };
    for (const bad of ['3', '-1', '1.5', 'two']) {
      expect(errorsOf({ reminderLimit: bad }), bad).toEqual({ reminderLimit: [expect.stringMatching(/^Reminders per link: /)] });
    }
    expect(errorsOf({ reminderLimit: '3' }).reminderLimit).toEqual(['Reminders per link: at most 2.']);
    expect(errorsOf({ reminderFirstAfterDays: '0' }).reminderFirstAfterDays).toEqual(['First reminder: at least 1 day after the email.']);
    expect(errorsOf({ reminderFirstAfterDays: '30' }).reminderFirstAfterDays).toEqual(['First reminder: at most 29 days after the email.']);
    expect(errorsOf({ reminderFirstAfterDays: '2.5' }).reminderFirstAfterDays).toEqual(['First reminder: enter a whole number of days.']);
    expect(errorsOf({ reminderFirstAfterDays: 'soon' }).reminderFirstAfterDays).toEqual(['First reminder: enter a number of days from 1 to 29.']);
    expect(settingsFormSchema.parse({ reminderLimit: '0', reminderFirstAfterDays: '29' })).toMatchObject({ reminderLimit: 0, reminderFirstAfterDays: 29 });
    expect(settingsFormSchema.parse({ reminderLimit: ' ', reminderFirstAfterDays: '' })).toMatchObject({
      reminderLimit: undefined,
      reminderFirstAfterDays: undefined,
    });
  });

  it('reach the setup email (company, support, sender, reply-to) and the link form’s maximum', async () => {
    await updateSettings(
      form({
        companyName: 'Acme Analytics',
        supportEmail: 'help@acme.example',
        mailFrom: 'Acme Onboarding <onboarding@acme.example>',
        mailReplyTo: 'cs@acme.example',
        linkLifetimeMaxDays: '10',
      }),
      admin,
    );
    const { id: organizationId } = await createOrganization({ name: 'Configured Co' });
    const sent = await createSetupLink(organizationId, { features: ['sso'], lifetimeDays: 7, email: { address: 'it@configured.example' } }, admin);
    expect(sent.sent).toBe(true);
    const email = catcher.emails.at(-1)!;
    expect(email.envelope.from).toBe('onboarding@acme.example');
    expect(email.mail.from?.value).toEqual([{ name: 'Acme Onboarding', address: 'onboarding@acme.example' }]);
    expect(email.mail.replyTo?.text).toBe('cs@acme.example');
    expect(email.mail.text).toContain('at Acme Analytics invites you');
    expect(email.mail.text).toContain('help@acme.example');

    const settings = await getSettings();
    const data = new FormData();
    data.set('delivery', 'copy');
    data.append('features', 'sso');
    data.set('lifetimeDays', '12');
    const tooLong = readSetupLinkForm(data, settings.linkLifetime);
    expect(tooLong.success).toBe(false);
    expect(tooLong.error!.flatten().fieldErrors.lifetimeDays).toEqual(['A link lasts at most 10 days here (set on the Configuration page).']);
    data.set('lifetimeDays', '10');
    expect(readSetupLinkForm(data, settings.linkLifetime).success).toBe(true);
  });
});

describe('customerFacingProblems', () => {
  it('names the product name as company (any case, spaces around) and the placeholder or a blank support contact; nothing when both are real', () => {
    expect(customerFacingProblems({ companyName: 'Acme Analytics', supportEmail: 'support@acme.example' })).toEqual([]);
    expect(customerFacingProblems({ companyName: ' setup desk ', supportEmail: 'support@acme.example' })).toEqual([
      'The company name is still "Setup Desk", the name of this tool: set the name customers know you by',
    ]);
    expect(customerFacingProblems({ companyName: 'Acme Analytics', supportEmail: 'Support@Setup-Desk.local' })).toEqual([
      'No support contact is set: set the address IT admins write to for help',
    ]);
    expect(customerFacingProblems({ companyName: 'Acme Analytics', supportEmail: '' })).toHaveLength(1);
  });
});

describe('companyNameForCustomers', () => {
  it('hides the placeholder from IT admins in production only; a real name is always shown', () => {
    expect(companyNameForCustomers({ companyName: 'Setup Desk' }, { production: true })).toBeNull();
    expect(companyNameForCustomers({ companyName: 'Setup Desk' }, { production: false })).toBe('Setup Desk');
    expect(companyNameForCustomers({ companyName: 'Acme Analytics' }, { production: true })).toBe('Acme Analytics');
  });
});

describe('supportEmailForCustomers', () => {
  it('hides the placeholder or a blank address from IT admins in production only; a real one is always shown', () => {
    expect(supportEmailForCustomers({ supportEmail: 'support@setup-desk.local' }, { production: true })).toBeNull();
    expect(supportEmailForCustomers({ supportEmail: '' }, { production: true })).toBeNull();
    expect(supportEmailForCustomers({ supportEmail: 'support@setup-desk.local' }, { production: false })).toBe('support@setup-desk.local');
    expect(supportEmailForCustomers({ supportEmail: 'help@acme.example' }, { production: true })).toBe('help@acme.example');
  });
});
