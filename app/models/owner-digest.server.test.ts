import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getDb, openDatabase } from '~/utils/db.server';
import { resetEnvCache } from '~/utils/env.server';
import { testDatabaseLocation } from '../../test/backend';
import { startSmtpCatcher, type SmtpCatcher } from '../../test/smtp-catcher';
import { createOrganization, createTestStaff, deliverWorkOSEvent, issueSetupLink } from '../../test/factories';
import { sendOwnerDigests } from './owner-digest.server';
import { settleLapsedLinks } from './setup-link.server';
import { setDigestPreference, staffActor } from './staff.server';

let catcher: SmtpCatcher;

beforeAll(async () => {
  catcher = await startSmtpCatcher();
  process.env.SMTP_URL = catcher.url;
  resetEnvCache();
});

afterEach(async () => {
  catcher.behave({ kind: 'accept' });
  catcher.emails.length = 0;
  // Each test starts with no digest history.
  await getDb()('owner_notices').delete();
  await getDb()('owner_digests').delete();
});

afterAll(async () => {
  await catcher.stop();
  process.env.SMTP_URL = 'smtp://127.0.0.1:9';
  resetEnvCache();
});

let counter = 0;
async function ownedOrganization(ownerId: number, name: string) {
  counter += 1;
  const { id, workosId } = await createOrganization({ name, owner: { id: ownerId } });
  return { id, workosId: workosId! };
}

/** One of each notice, through the code paths that raise them. */
async function raiseThreeNotices(owner: Awaited<ReturnType<typeof createTestStaff>>, tag: string) {
  const actor = staffActor(owner);
  const completed = await ownedOrganization(owner.id, `${tag} Completed`);
  await issueSetupLink(completed.id, { features: ['sso'], actor });
  await deliverWorkOSEvent('connection.activated', { id: `conn_${tag}`, organizationId: completed.workosId }, { id: `event_${tag}_${counter}` });
  const expired = await ownedOrganization(owner.id, `${tag} Expired`);
  await issueSetupLink(expired.id, { features: ['dsync'], lifetimeDays: 1, actor, now: new Date(Date.now() - 2 * 86_400_000) });
  await getDb().transaction((trx) => settleLapsedLinks({}, { db: trx }));
  // A delivery to a recipient the mail server refuses.
  const failed = await ownedOrganization(owner.id, `${tag} Failed`);
  catcher.behave({ kind: 'reject_recipient', code: 550 });
  await issueSetupLink(failed.id, { features: ['sso'], actor, email: { address: 'nobody@failed.example' } });
  catcher.behave({ kind: 'accept' });
}

describe('owner digests', () => {
  it('sends one digest listing completed, expired-unused and failed-delivery notices, then nothing more that day', async () => {
    const owner = await createTestStaff('support', { name: 'Dora Digest', email: `dora-${Date.now()}@staff.example` });
    await raiseThreeNotices(owner, 'Alpha');
    const kinds = (await getDb()('owner_notices').where({ staff_id: owner.id }).orderBy('id').select('kind')).map((row: { kind: string }) => row.kind);
    expect(kinds).toEqual(['setup_completed', 'link_expired_unused', 'delivery_failed']);

    expect(await sendOwnerDigests()).toBe(1);
    const digests = catcher.emails.filter((email) => email.envelope.to.includes(owner.email));
    expect(digests).toHaveLength(1);
    const text = digests[0]!.mail.text ?? '';
    expect(digests[0]!.mail.subject).toBe('Setup Desk: 1 setup completed, 2 to follow up');
    expect(text).toContain('Alpha Completed: Setup completed: every feature of the link is done.');
    expect(text).toContain('Alpha Expired: The setup link expired without being used.');
    expect(text).toContain('Alpha Failed: The setup link was never delivered (its email, or WorkOS’s invitation, failed): no link is active.');
    expect(text).toContain('/account');

    // A new notice the same day waits for tomorrow.
    await raiseThreeNotices(owner, 'Beta');
    expect(await sendOwnerDigests()).toBe(0);
    expect(catcher.emails.filter((email) => email.envelope.to.includes(owner.email))).toHaveLength(1);
    const tomorrow = new Date(Date.now() + 86_400_000);
    expect(await sendOwnerDigests({ now: tomorrow })).toBe(1);
    const second = catcher.emails.filter((email) => email.envelope.to.includes(owner.email)).at(-1)!;
    expect(second.mail.text).toContain('Beta Completed');
    expect(second.mail.text).not.toContain('Alpha');
  });

  it('sends at most one digest per owner per day even when two processes run at once', async () => {
    const owner = await createTestStaff('support', { name: 'Cora Concurrent', email: `cora-${Date.now()}@staff.example` });
    await raiseThreeNotices(owner, 'Gamma');
    const second = openDatabase(testDatabaseLocation());
    try {
      const sent = await Promise.all([sendOwnerDigests(), sendOwnerDigests({ db: second })]);
      expect(sent[0] + sent[1]).toBe(1);
      expect(catcher.emails.filter((email) => email.envelope.to.includes(owner.email))).toHaveLength(1);
    } finally {
      await second.destroy();
    }
  });

  it('retries a digest the mail server refused, still as the day’s one digest', async () => {
    const owner = await createTestStaff('support', { name: 'Rhea Retry', email: `rhea-${Date.now()}@staff.example` });
    await raiseThreeNotices(owner, 'Delta');
    catcher.behave({ kind: 'reject_message', code: 451 });
    expect(await sendOwnerDigests()).toBe(0);
    expect(await getDb()('owner_digests').where({ staff_id: owner.id }).first()).toMatchObject({ status: 'failed' });
    expect(await getDb()('owner_notices').where({ staff_id: owner.id }).whereNull('digest_id')).toHaveLength(3);
    catcher.behave({ kind: 'accept' });
    expect(await sendOwnerDigests()).toBe(1);
    expect(await getDb()('owner_digests').where({ staff_id: owner.id })).toEqual([expect.objectContaining({ status: 'sent', notices: 3 })]);
  });

  it('honours an opt-out: nothing is queued or sent, and what was queued is dropped', async () => {
    const owner = await createTestStaff('support', { name: 'Omar Optout', email: `omar-${Date.now()}@staff.example` });
    await raiseThreeNotices(owner, 'Epsilon');
    expect(await setDigestPreference(owner, false)).toBe(true);
    expect(await getDb()('owner_notices').where({ staff_id: owner.id })).toEqual([]);
    await raiseThreeNotices(owner, 'Zeta');
    expect(await getDb()('owner_notices').where({ staff_id: owner.id })).toEqual([]);
    expect(await sendOwnerDigests()).toBe(0);
    expect(catcher.emails.filter((email) => email.envelope.to.includes(owner.email))).toEqual([]);
    const audit = await getDb()('audit_events').where({ action: 'staff.digest_changed', actor_id: owner.id }).first();
    expect(JSON.parse(audit.details)).toEqual({ enabled: false });
  });
});
