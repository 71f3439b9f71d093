/**
 * Reminders of emailed setup links (decision 025), with the clock moved by `now` from the moment
 * the mail server accepted each link's setup email, and a real SMTP catcher receiving both.
 */
import type { Knex } from 'knex';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatDay } from '~/emails/setup-link-reminder';
import { formatExpiry } from '~/emails/setup-link';
import { getDb, openDatabase, transaction } from '~/utils/db.server';
import { resetEnvCache } from '~/utils/env.server';
import { describePostgresOnly, testDatabaseLocation } from '../../test/backend';
import { restoreEnv, useProductionEnv } from '../../test/env';
import { createOrganization, createTestStaff, FACTORY_ACTOR, issueSetupLink, uniqueSuffix } from '../../test/factories';
import { startSmtpCatcher, type CaughtEmail, type SmtpCatcher } from '../../test/smtp-catcher';
import { archiveOrganization, setLinkPreferences } from './organization.server';
import { sendOwnerDigests } from './owner-digest.server';
import { completeSetupLink, confirmSetupLinkLaunch, flushSetupLinkViews, recordSetupLinkView, revokeSetupLink, type SetupLink } from './setup-link.server';
import { sendDueReminders } from './setup-link-reminders.server';
import { updateSettings } from './settings.server';
import { settingsFormSchema } from '~/forms/settings';
import type { SetupFeature } from '~/domain/features';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

let catcher: SmtpCatcher;

beforeAll(async () => {
  catcher = await startSmtpCatcher();
  Object.assign(process.env, { SMTP_URL: catcher.url, COMPANY_NAME: 'Acme Analytics', SUPPORT_EMAIL: 'support@acme.example' });
  resetEnvCache();
});

afterEach(async () => {
  catcher.behave({ kind: 'accept' });
  await getDb()('settings').delete();
  // Every test's links end with it: the next test's clock (days ahead) must find only its own due.
  for (const id of (await getDb()('setup_links').where({ status: 'active' }).pluck('id')) as number[]) {
    await revokeSetupLink(id, { reason: 'End of test.' }, FACTORY_ACTOR);
  }
});

afterAll(async () => {
  await catcher.stop();
  process.env.SMTP_URL = 'smtp://127.0.0.1:9';
  delete process.env.COMPANY_NAME;
  delete process.env.SUPPORT_EMAIL;
  resetEnvCache();
});

interface Emailed {
  link: SetupLink;
  organizationId: number;
  organizationName: string;
  recipient: string;
  /** The moment `days` after the mail server accepted the setup email. */
  at(days: number): Date;
  /** `hours` before the link expires. */
  beforeExpiry(hours: number): Date;
  /** The setup email the catcher received for it. */
  setupEmail: CaughtEmail;
}

/** An emailed link, issued as a rep issues one, to a recipient of its own. */
async function emailedLink({
  lifetimeDays = 7,
  features = ['sso'],
  ownerId,
  db,
}: { lifetimeDays?: number; features?: SetupFeature[]; ownerId?: number; db?: Knex } = {}): Promise<Emailed> {
  const suffix = uniqueSuffix();
  const organization = await createOrganization({ name: `Initech ${suffix}`, owner: ownerId ? { id: ownerId } : undefined, db });
  const recipient = `it-${suffix}@customer.example`;
  const issued = await issueSetupLink(organization.id, { lifetimeDays, features, email: { address: recipient, name: 'Pat Admin' }, db });
  expect(issued.sent).toBe(true);
  const sentAt = Date.parse(issued.link.emailSentAt!);
  const expiresAt = Date.parse(issued.link.expiresAt);
  return {
    link: issued.link,
    organizationId: organization.id,
    organizationName: organization.name,
    recipient,
    at: (days) => new Date(sentAt + days * DAY_MS),
    beforeExpiry: (hours) => new Date(expiresAt - hours * HOUR_MS),
    setupEmail: catcher.emails.filter((email) => email.envelope.to.includes(recipient))[0]!,
  };
}

const remindersTo = (recipient: string) =>
  catcher.emails.filter((email) => email.envelope.to.includes(recipient) && email.mail.subject?.startsWith('Reminder:'));

async function auditOf(linkId: number, actions = ['setup_link.reminded', 'setup_link.reminder_failed']) {
  return (await getDb()('audit_events').where({ setup_link_id: linkId }).whereIn('action', actions).orderBy('id')).map(
    (event: { action: string; actor_label: string; details: string }) => ({
      action: event.action,
      actor: event.actor_label,
      details: JSON.parse(event.details) as Record<string, unknown>,
    }),
  );
}

async function configure(values: Record<string, string>) {
  const admin = await createTestStaff('admin');
  await updateSettings(settingsFormSchema.parse(values), { type: 'staff', id: admin.id, label: admin.name });
}

describe('when reminders go out', () => {
  it('by default: none before day 3, the first at day 3, none until a day before expiry, the second then, and no more', async () => {
    const emailed = await emailedLink();
    expect(await sendDueReminders({ db: getDb(), now: emailed.at(2.9) })).toBe(0);
    expect(remindersTo(emailed.recipient)).toHaveLength(0);

    expect(await sendDueReminders({ db: getDb(), now: emailed.at(3) })).toBe(1);
    expect(remindersTo(emailed.recipient)).toHaveLength(1);
    // The same moment again (the next maintenance run): it is claimed.
    expect(await sendDueReminders({ db: getDb(), now: emailed.at(3) })).toBe(0);
    expect(await sendDueReminders({ db: getDb(), now: emailed.beforeExpiry(24.1) })).toBe(0);
    expect(remindersTo(emailed.recipient)).toHaveLength(1);

    expect(await sendDueReminders({ db: getDb(), now: emailed.beforeExpiry(24) })).toBe(1);
    expect(await sendDueReminders({ db: getDb(), now: emailed.beforeExpiry(0.001) })).toBe(0);
    expect(remindersTo(emailed.recipient)).toHaveLength(2);

    const row = await getDb()('setup_links').where({ id: emailed.link.id }).first('reminders_sent', 'last_reminded_at');
    expect(row).toEqual({ reminders_sent: 2, last_reminded_at: emailed.beforeExpiry(24).toISOString() });
    const audit = await auditOf(emailed.link.id);
    expect(audit).toEqual(
      [1, 2].map((reminder, index) => ({
        action: 'setup_link.reminded',
        actor: 'Setup Desk',
        details: {
          recipient: emailed.recipient,
          fingerprint: emailed.link.fingerprint,
          reminder,
          messageId: remindersTo(emailed.recipient)[index]!.mail.messageId,
          expiresAt: emailed.link.expiresAt,
        },
      })),
    );
    expect(await getDb()('owner_notices').where({ setup_link_id: emailed.link.id }).pluck('kind')).toEqual(['link_reminded', 'link_reminded']);
  });

  it('never more than the configured limit: one with a limit of 1, none with 0', async () => {
    await configure({ reminderLimit: '1' });
    const once = await emailedLink();
    expect(await sendDueReminders({ db: getDb(), now: once.at(3) })).toBe(1);
    expect(await sendDueReminders({ db: getDb(), now: once.beforeExpiry(24) })).toBe(0);
    expect(remindersTo(once.recipient)).toHaveLength(1);

    await configure({ reminderLimit: '0' });
    const never = await emailedLink();
    for (const now of [never.at(3), never.beforeExpiry(24), never.beforeExpiry(1)]) expect(await sendDueReminders({ db: getDb(), now })).toBe(0);
    expect(remindersTo(never.recipient)).toHaveLength(0);
    expect(await getDb()('setup_links').where({ id: never.link.id }).first('reminders_sent')).toEqual({ reminders_sent: 0 });
  });

  it('the first after the configured number of days', async () => {
    await configure({ reminderFirstAfterDays: '5' });
    const emailed = await emailedLink({ lifetimeDays: 14 });
    expect(await sendDueReminders({ db: getDb(), now: emailed.at(4.99) })).toBe(0);
    expect(await sendDueReminders({ db: getDb(), now: emailed.at(5) })).toBe(1);
    expect(remindersTo(emailed.recipient)).toHaveLength(1);
  });

  it('a link of two days gets one reminder, a day after the email: the second would come within a day of it', async () => {
    const emailed = await emailedLink({ lifetimeDays: 2 });
    // A day before expiry falls a moment before a day after the email (the link was made just before it was sent).
    expect(await sendDueReminders({ db: getDb(), now: emailed.beforeExpiry(24) })).toBe(0);
    expect(await sendDueReminders({ db: getDb(), now: emailed.at(1) })).toBe(1);
    for (const hours of [12, 1, 0.001]) expect(await sendDueReminders({ db: getDb(), now: emailed.beforeExpiry(hours) })).toBe(0);
    expect(remindersTo(emailed.recipient)).toHaveLength(1);
    expect((await auditOf(emailed.link.id)).map((event) => event.details.reminder)).toEqual([1]);
  });
});

describe('who is never reminded', () => {
  it('a revoked, completed, expired, copied or launched link, nor an organization with reminders off or archived — but a link only viewed is', async () => {
    const revoked = await emailedLink();
    await revokeSetupLink(revoked.link.id, { reason: 'Wrong contact.' }, FACTORY_ACTOR);

    const completed = await emailedLink();
    await transaction(getDb(), (trx) => completeSetupLink(completed.link.id, { source: 'poller', features: ['sso'] }, { db: trx }));

    const launched = await emailedLink();
    expect(await confirmSetupLinkLaunch(launched.link, 'sso')).toEqual({ ok: true });

    const remindersOff = await emailedLink();
    await setLinkPreferences(remindersOff.organizationId, { remindItAdmin: false, registerItContacts: false }, FACTORY_ACTOR);

    const archived = await emailedLink();
    await archiveOrganization(archived.organizationId, { reason: 'Customer left.' }, FACTORY_ACTOR);

    const { id: copiedOrganization } = await createOrganization();
    const copied = await issueSetupLink(copiedOrganization, { lifetimeDays: 7 });

    // Views are no start: an email scanner opens links too.
    const viewed = await emailedLink();
    recordSetupLinkView(viewed.link);
    await flushSetupLinkViews();
    expect(await getDb()('setup_links').where({ id: viewed.link.id }).first('view_count')).toEqual({ view_count: 1 });

    const sent = await sendDueReminders({ db: getDb(), now: viewed.at(3) });
    expect(sent).toBe(1);
    expect(remindersTo(viewed.recipient)).toHaveLength(1);
    for (const each of [revoked, completed, launched, remindersOff, archived]) expect(remindersTo(each.recipient), each.organizationName).toHaveLength(0);
    const ours = [revoked, completed, launched, remindersOff, archived, viewed].map((each) => each.link.id);
    expect(
      await getDb()('setup_links')
        .whereIn('id', [...ours, copied.link.id])
        .where('reminders_sent', '>', 0)
        .pluck('id'),
    ).toEqual([viewed.link.id]);
    expect(await auditOf(copied.link.id)).toEqual([]);

    // Past its expiry (whether or not maintenance has recorded it yet), a link gets no reminder.
    const expired = await emailedLink({ lifetimeDays: 7 });
    expect(await sendDueReminders({ db: getDb(), now: expired.beforeExpiry(-1) })).toBe(0);
    expect(remindersTo(expired.recipient)).toHaveLength(0);
  });
});

describe('in production, with the company name still the placeholder', () => {
  afterEach(restoreEnv);

  it('no reminder is claimed or sent until an admin sets it (as the setup email is refused)', async () => {
    const emailed = await emailedLink();
    useProductionEnv({ COMPANY_NAME: 'Setup Desk' });
    expect(await sendDueReminders({ db: getDb(), now: emailed.at(3) })).toBe(0);
    expect(await getDb()('setup_links').where({ id: emailed.link.id }).first('reminders_sent')).toEqual({ reminders_sent: 0 });
    useProductionEnv({ COMPANY_NAME: 'Acme Analytics' });
    expect(await sendDueReminders({ db: getDb(), now: emailed.at(3) })).toBe(1);
    expect(remindersTo(emailed.recipient)).toHaveLength(1);
  });
});

describe('two maintenance runs at once', () => {
  /** Separate pools on this file's database: two instances of the app. */
  let instances: Knex[];
  beforeAll(() => {
    instances = [openDatabase(testDatabaseLocation(), { poolMax: 4 }), openDatabase(testDatabaseLocation(), { poolMax: 4 })];
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.destroy()));
  });

  async function expectEachRemindedOnce(links: Emailed[], sent: number[]) {
    expect(sent.reduce((total, each) => total + each, 0)).toBe(links.length);
    for (const emailed of links) {
      expect(remindersTo(emailed.recipient), emailed.recipient).toHaveLength(1);
      expect(await auditOf(emailed.link.id, ['setup_link.reminded'])).toHaveLength(1);
      expect(await getDb()('owner_notices').where({ setup_link_id: emailed.link.id, kind: 'link_reminded' }).pluck('id')).toHaveLength(1);
      expect(await getDb()('setup_links').where({ id: emailed.link.id }).first('reminders_sent')).toEqual({ reminders_sent: 1 });
    }
  }

  it('send each due reminder once: one email per link, one audit event, one owner notice', async () => {
    const links = [await emailedLink(), await emailedLink(), await emailedLink()];
    const now = links.at(-1)!.at(3);
    const sent = await Promise.all(instances.map((db) => sendDueReminders({ db, now })));
    await expectEachRemindedOnce(links, sent);
  });

  describePostgresOnly('interleaved (PostgreSQL)', () => {
    it('both runs read the link as due before either claims it: still one email', async () => {
      const links = [await emailedLink()];
      const now = links[0]!.at(3);
      // A third instance holds the link's row: both runs have read it as due and wait to claim it.
      const blocker = openDatabase(testDatabaseLocation(), { poolMax: 2 });
      try {
        const held = await blocker.transaction();
        await held.raw('SELECT id FROM setup_links WHERE id = ? FOR UPDATE', [links[0]!.link.id]);
        const running = Promise.all(instances.map((db) => sendDueReminders({ db, now })));
        await lockWaiters(blocker, 2);
        await held.commit();
        await expectEachRemindedOnce(links, await running);
      } finally {
        await blocker.destroy();
      }
    });
  });
});

/** Resolves once `count` sessions on this database wait for a lock (PostgreSQL's own account); fails after 10 s. */
async function lockWaiters(db: Knex, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const result = (await db.raw("SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")) as {
      rows: { waiting: number }[];
    };
    const waiting = result.rows[0]!.waiting;
    if (waiting >= count) return;
    if (Date.now() > deadline) throw new Error(`expected ${count} sessions waiting for a lock, saw ${waiting}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('a reminder the mail server refuses', () => {
  it('is audited as failed, in our words and not the server’s, and not retried; the next reminder still comes', async () => {
    const emailed = await emailedLink();
    catcher.behave({ kind: 'reject_recipient', code: 550 });
    expect(await sendDueReminders({ db: getDb(), now: emailed.at(3) })).toBe(0);
    catcher.behave({ kind: 'accept' });
    expect(await sendDueReminders({ db: getDb(), now: emailed.at(3.5) })).toBe(0);
    expect(remindersTo(emailed.recipient)).toHaveLength(0);
    expect(await auditOf(emailed.link.id)).toEqual([
      {
        action: 'setup_link.reminder_failed',
        actor: 'Setup Desk',
        details: {
          recipient: emailed.recipient,
          fingerprint: emailed.link.fingerprint,
          reminder: 1,
          errorClass: 'EENVELOPE',
          reason: 'the mail server refused the recipient’s address — check it.',
        },
      },
    ]);
    expect(JSON.stringify(await auditOf(emailed.link.id))).not.toContain('Recipient address rejected');
    expect(await getDb()('owner_notices').where({ setup_link_id: emailed.link.id }).pluck('kind')).toEqual([]);
    expect(await getDb()('setup_links').where({ id: emailed.link.id }).first('reminders_sent')).toEqual({ reminders_sent: 1 });

    expect(await sendDueReminders({ db: getDb(), now: emailed.beforeExpiry(24) })).toBe(1);
    expect((await auditOf(emailed.link.id)).map((event) => [event.action, event.details.reminder])).toEqual([
      ['setup_link.reminder_failed', 1],
      ['setup_link.reminded', 2],
    ]);
  });
});

describe('the reminder email', () => {
  it('points back to the setup email (its day and subject), says until when the link works and whom to ask — and carries no link', async () => {
    await configure({ mailFrom: 'Acme Onboarding <onboarding@acme.example>', mailReplyTo: 'cs@acme.example' });
    const emailed = await emailedLink({ features: ['domain_verification', 'sso'] });
    const token = /\/setup\/(sdl_[A-Za-z0-9_-]{43})/.exec(emailed.setupEmail.mail.text!)![1]!;
    await sendDueReminders({ db: getDb(), now: emailed.at(3) });
    const [reminder] = remindersTo(emailed.recipient);
    expect(reminder!.mail.subject).toBe(`Reminder: your setup link for ${emailed.organizationName} has not been used yet`);
    expect(reminder!.mail.from?.value).toEqual([{ name: 'Acme Onboarding', address: 'onboarding@acme.example' }]);
    expect(reminder!.mail.replyTo?.text).toBe('cs@acme.example');
    const text = reminder!.mail.text!;
    const html = reminder!.mail.html as string;
    expect(text).toMatch(/^Hello Pat Admin,\n/);
    for (const part of [text, html]) {
      expect(part).toContain(
        `On ${formatDay(emailed.link.emailSentAt!)} we emailed you a link to set up Single Sign-On and Domain Verification for ${emailed.organizationName} with Acme Analytics. It has not been used yet.`,
      );
      expect(part).toContain(`its subject is “${emailed.setupEmail.mail.subject}”`);
      expect(part).toContain(`The link in that email works until ${formatExpiry(emailed.link.expiresAt)}.`);
      expect(part).toContain('Write to support@acme.example and we will send a new link.');
      expect(part).toContain('Sent by Acme Analytics');
      for (const leak of ['/setup/', token, 'sdl_', 'http://', 'https://']) expect(part).not.toContain(leak);
    }
    expect(formatDay('2026-12-02T23:30:00.000Z')).toBe('Wednesday, 2 December 2026');
    expect(html).toContain('href="mailto:support@acme.example"');
    // The setup email itself did carry the token: the check above looks for the right thing.
    expect(emailed.setupEmail.mail.text).toContain(`/setup/${token}`);
  });
});

describe('the owner’s digest', () => {
  it('lists the reminded links: the organization, and to whom the reminder went', async () => {
    const owner = await createTestStaff('support', { name: 'Olive Owner' });
    const emailed = await emailedLink({ ownerId: owner.id });
    const now = emailed.at(3);
    expect(await sendDueReminders({ db: getDb(), now })).toBe(1);
    expect(await sendOwnerDigests({ now })).toBeGreaterThanOrEqual(1);
    const digest = catcher.emails.filter((email) => email.envelope.to.includes(owner.email));
    expect(digest).toHaveLength(1);
    expect(digest[0]!.mail.subject).toBe('Setup Desk: 1 reminder sent');
    expect(digest[0]!.mail.text).toContain(`${emailed.organizationName}: A reminder was sent to ${emailed.recipient}: the setup link has not been used yet.`);
  });
});
