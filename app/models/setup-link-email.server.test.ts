import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '~/utils/db.server';
import { rowsOf } from '~/utils/dialect.server';
import { onPostgres } from '../../test/backend';
import { getEnv, resetEnvCache } from '~/utils/env.server';
import { closedPortUrl, startSmtpCatcher, type SmtpCatcher } from '../../test/smtp-catcher';
import { createOrganization, createTestStaff, insertLinkLeftSending } from '../../test/factories';
import {
  createSetupLink,
  findRedeemableLink,
  getActiveSetupLink,
  hashSetupToken,
  getSetupLinkOverview,
  latestFailedEmail,
  recreateSetupLink,
  resendSetupLink,
  settleLapsedLinks,
  SetupLinkRuleError,
  UNCONFIRMED_EMAIL_GRACE_MS,
} from './setup-link.server';
import { staffActor } from './staff.server';
import { NOTE_MAX_LENGTH } from '~/domain/history';
import { restoreEnv, useProductionEnv } from '../../test/env';

let catcher: SmtpCatcher;
let actor: ReturnType<typeof staffActor>;
const sentTokens: string[] = [];
const request = {
  features: ['domain_verification' as const, 'sso' as const],
  lifetimeDays: 7,
  email: { address: 'it-admin@customer.example', name: 'Pat Admin', message: 'As agreed on our call.' },
};

function pointMailAt(url: string) {
  process.env.SMTP_URL = url;
  resetEnvCache();
}

beforeAll(async () => {
  catcher = await startSmtpCatcher();
  pointMailAt(catcher.url);
  process.env.COMPANY_NAME = 'Acme Analytics';
  process.env.SUPPORT_EMAIL = 'support@acme.example';
  resetEnvCache();
  actor = staffActor(await createTestStaff('support', { name: 'Rita Rep' }));
});

afterEach(() => {
  catcher.behave({ kind: 'accept' });
  pointMailAt(catcher.url);
});

afterAll(async () => {
  await catcher.stop();
  delete process.env.COMPANY_NAME;
  delete process.env.SUPPORT_EMAIL;
  resetEnvCache();
});

let counter = 0;
async function organization(): Promise<number> {
  counter += 1;
  return (await createOrganization({ name: `Globex ${counter}` })).id;
}

/** The token in the last email the catcher received (and remembered for the leak check below). */
function tokenInLastEmail(): string {
  const text = catcher.emails.at(-1)!.mail.text!;
  const token = /\/setup\/(sdl_[A-Za-z0-9_-]{43})/.exec(text)![1]!;
  sentTokens.push(token);
  return token;
}

async function auditOf(linkId: number) {
  return (await getDb()('audit_events').where({ setup_link_id: linkId }).orderBy('id')).map(
    (event: { action: string; details: string; actor_label: string }) => ({
      action: event.action,
      actor: event.actor_label,
      details: JSON.parse(event.details) as Record<string, unknown>,
    }),
  );
}

describe('an emailed setup link', () => {
  it('is sent with its URL in the email only; the row keeps the hash, the recipient and when it was accepted', async () => {
    const organizationId = await organization();
    const before = catcher.emails.length;
    const issued = await createSetupLink(organizationId, request, actor);
    expect(issued).toMatchObject({ delivery: 'email', sent: true, recipient: 'it-admin@customer.example' });
    expect(issued).not.toHaveProperty('url');
    expect(catcher.emails).toHaveLength(before + 1);

    const caught = catcher.emails.at(-1)!;
    expect(caught.envelope.to).toEqual(['it-admin@customer.example']);
    expect(caught.mail.subject).toBe(`Set up Single Sign-On and Domain Verification for Globex ${counter}`);
    expect(caught.mail.text).toContain('Rita Rep at Acme Analytics invites you');
    expect(caught.mail.text).toContain('> As agreed on our call.');
    expect(caught.mail.text).toContain('Write to support@acme.example.');
    const token = tokenInLastEmail();

    const row = await getDb()('setup_links').where({ id: issued.link.id }).first();
    expect(row).toMatchObject({
      status: 'active',
      delivery: 'email',
      recipient_email: 'it-admin@customer.example',
      recipient_name: 'Pat Admin',
      token_hash: hashSetupToken(token),
    });
    expect(row.email_sent_at).toEqual(expect.any(String));
    const redeemable = await findRedeemableLink(token);
    expect(redeemable!.link.id).toBe(issued.link.id);

    const audit = await auditOf(issued.link.id);
    expect(audit.map((event) => event.action)).toEqual(['setup_link.created', 'setup_link.emailed']);
    expect(audit[1]).toMatchObject({
      actor: 'Rita Rep',
      details: { recipient: 'it-admin@customer.example', messageId: caught.mail.messageId, fingerprint: row.token_hash.slice(0, 6) },
    });
  });

  it('a failed send leaves no active link, audits the error class (not the server’s words), and a retry sends a new link', async () => {
    const organizationId = await organization();
    catcher.behave({ kind: 'reject_recipient', code: 550 });
    const failed = await createSetupLink(organizationId, request, actor);
    expect(failed).toMatchObject({ delivery: 'email', sent: false, failure: { errorClass: 'EENVELOPE', responseCode: 550 } });
    expect(failed.link.status).toBe('failed');
    expect(await getActiveSetupLink(organizationId)).toBeNull();

    const audit = await auditOf(failed.link.id);
    expect(audit.map((event) => event.action)).toEqual(['setup_link.created', 'setup_link.email_failed']);
    expect(audit[1]!.details).toEqual({
      recipient: 'it-admin@customer.example',
      fingerprint: failed.link.fingerprint,
      errorClass: 'EENVELOPE',
      responseCode: 550,
      reason: 'the mail server refused the recipient’s address — check it.',
      previousLinkActive: false,
    });
    expect(JSON.stringify(audit)).not.toContain('Recipient address rejected'); // the server's text
    expect(await latestFailedEmail(organizationId)).toMatchObject({
      recipientEmail: 'it-admin@customer.example',
      recipientName: 'Pat Admin',
      features: ['sso', 'domain_verification'],
      lifetimeDays: 7,
      reason: 'the mail server refused the recipient’s address — check it.',
    });

    catcher.behave({ kind: 'accept' });
    const retried = await createSetupLink(organizationId, request, actor);
    expect(retried).toMatchObject({ sent: true });
    expect(retried.link.id).not.toBe(failed.link.id);
    expect(retried.link.fingerprint).not.toBe(failed.link.fingerprint);
    tokenInLastEmail();
    expect(await latestFailedEmail(organizationId)).toBeNull();
  });

  it('with the mail server down, the rep is told it could not be reached', async () => {
    const organizationId = await organization();
    pointMailAt(await closedPortUrl());
    const failed = await createSetupLink(organizationId, request, actor);
    expect(failed).toMatchObject({ sent: false, failure: { errorClass: 'ESOCKET', reason: 'the mail server could not be reached.' } });
    expect(await getActiveSetupLink(organizationId)).toBeNull();
  });

  it('resend (recreate by email) swaps the links once the new email is accepted; if it fails, the old link still works', async () => {
    const organizationId = await organization();
    const first = await createSetupLink(organizationId, request, actor);
    const oldToken = tokenInLastEmail();

    const resent = await recreateSetupLink(organizationId, { ...request, reason: 'Resent by email: lost it', expectedActiveLinkId: first.link.id }, actor);
    expect(resent.sent).toBe(true);
    const newToken = tokenInLastEmail();
    expect(newToken).not.toBe(oldToken);
    expect(await findRedeemableLink(oldToken)).toBeNull();
    expect(await findRedeemableLink(newToken)).not.toBeNull();
    const revoked = await getDb()('setup_links').where({ id: first.link.id }).first('status', 'revoke_reason');
    expect(revoked).toEqual({ status: 'revoked', revoke_reason: 'Resent by email: lost it' });
    expect((await auditOf(first.link.id)).at(-1)).toMatchObject({ action: 'setup_link.revoked', details: { replacedBy: resent.link.fingerprint } });

    catcher.behave({ kind: 'reject_message', code: 554 });
    const failed = await recreateSetupLink(organizationId, { ...request, reason: 'Resent by email: again' }, actor);
    expect(failed).toMatchObject({ sent: false, previousLinkActive: true, failure: { errorClass: 'EMESSAGE' } });
    expect(failed.link.status).toBe('failed');
    // The customer keeps the link they have.
    expect((await findRedeemableLink(newToken))?.link.id).toBe(resent.link.id);
    expect((await getActiveSetupLink(organizationId))?.id).toBe(resent.link.id);
    expect((await auditOf(failed.link.id)).at(-1)).toMatchObject({ action: 'setup_link.email_failed', details: { previousLinkActive: true } });
  });

  it('a resend with the longest reason a rep may write is sent and swapped: the app’s own words around it fit the trail', async () => {
    const organizationId = await organization();
    const first = await createSetupLink(organizationId, request, actor);
    tokenInLastEmail();
    const reason = 'r'.repeat(NOTE_MAX_LENGTH);
    const { issued } = await resendSetupLink(organizationId, { linkId: first.link.id, reason, maxDays: 30 }, actor);
    expect(issued).toMatchObject({ sent: true, link: { status: 'active' } });
    tokenInLastEmail();
    expect(await getDb()('setup_links').where({ id: first.link.id }).first('status', 'revoke_reason')).toEqual({
      status: 'revoked',
      revoke_reason: `Resent by email: ${reason}`,
    });
    const revokedEvent = await getDb()('audit_events').where({ setup_link_id: first.link.id }).orderBy('id', 'desc').first('action', 'note');
    expect(revokedEvent).toEqual({ action: 'setup_link.revoked', note: `Resent by email: ${reason}` });
  });

  it('while the mail server hangs after taking the new email, the old link still opens and launches; then it is the one left active', async () => {
    const organizationId = await organization();
    const first = await createSetupLink(organizationId, request, actor);
    const oldToken = tokenInLastEmail();
    process.env.SMTP_TIMEOUT_MS = '1500';
    resetEnvCache();
    catcher.behave({ kind: 'stall_after_data' });
    try {
      const emailsBefore = catcher.emails.length;
      const resend = recreateSetupLink(organizationId, { ...request, reason: 'Resent by email: stalled', expectedActiveLinkId: first.link.id }, actor);
      // The server has the message and says nothing: the send is in flight, the new link `sending`.
      await expect.poll(() => catcher.emails.length, { timeout: 5_000 }).toBe(emailsBefore + 1);
      tokenInLastEmail();
      const during = await getDb()('setup_links').where({ organization_id: organizationId }).orderBy('id').select('id', 'status');
      expect(during.map((row: { status: string }) => row.status)).toEqual(['active', 'sending']);
      const seen = await findRedeemableLink(oldToken);
      expect(seen?.link.id).toBe(first.link.id);
      const { confirmSetupLinkLaunch } = await import('./setup-link.server');
      expect(await confirmSetupLinkLaunch(seen!.link, 'sso')).toEqual({ ok: true });

      const outcome = await resend;
      expect(outcome).toMatchObject({ sent: false, previousLinkActive: true });
      expect((await getActiveSetupLink(organizationId))?.id).toBe(first.link.id);
      expect(await findRedeemableLink(oldToken)).not.toBeNull();
    } finally {
      delete process.env.SMTP_TIMEOUT_MS;
      resetEnvCache();
    }
  });

  it('an old link that expires during the resend is recorded expired, and the new one takes over (no crash, no stuck send)', async () => {
    const organizationId = await organization();
    // A link that ran out 30 s ago, resent as of a minute ago (when it still opened).
    const first = await createSetupLink(organizationId, request, actor);
    tokenInLastEmail();
    await getDb()('setup_links')
      .where({ id: first.link.id })
      .update({ created_at: new Date(Date.now() - 7 * 86_400_000).toISOString(), expires_at: new Date(Date.now() - 30_000).toISOString() });
    const resent = await recreateSetupLink(
      organizationId,
      { ...request, reason: 'Resent by email: about to lapse', expectedActiveLinkId: first.link.id },
      actor,
      { now: new Date(Date.now() - 60_000) },
    );
    tokenInLastEmail();
    expect(resent).toMatchObject({ sent: true, link: { status: 'active' } });
    expect(await getDb()('setup_links').where({ organization_id: organizationId }).orderBy('id').pluck('status')).toEqual(['expired', 'active']);
    expect((await auditOf(first.link.id)).filter((event) => event.action === 'setup_link.expired')).toHaveLength(1);
  });

  for (const end of ['revoked', 'completed'] as const) {
    it(`an old link ${end} while its replacement is being emailed stays ${end}, and the replacement does not open either`, async () => {
      const organizationId = await organization();
      const first = await createSetupLink(organizationId, request, actor);
      tokenInLastEmail();
      catcher.behave({ kind: 'accept_when_released' });
      const emailsBefore = catcher.emails.length;
      const resend = recreateSetupLink(organizationId, { ...request, reason: 'Resent by email: race', expectedActiveLinkId: first.link.id }, actor);
      await expect.poll(() => catcher.emails.length, { timeout: 5_000 }).toBe(emailsBefore + 1);
      const newToken = tokenInLastEmail();
      if (end === 'revoked') {
        const { revokeSetupLink } = await import('./setup-link.server');
        await revokeSetupLink(first.link.id, { reason: 'The customer asked us to stop' }, actor);
      } else {
        const { completeSetupLink } = await import('./setup-link.server');
        await getDb().transaction((trx) =>
          completeSetupLink(first.link.id, { source: 'webhook', features: ['sso', 'domain_verification'] }, { db: trx, now: new Date() }),
        );
      }
      catcher.release();
      const outcome = await resend;
      expect(outcome).toMatchObject({ sent: true, link: { status: 'revoked' } });
      expect(await getDb()('setup_links').where({ organization_id: organizationId }).orderBy('id').pluck('status')).toEqual([end, 'revoked']);
      expect(await getActiveSetupLink(organizationId)).toBeNull();
      expect(await findRedeemableLink(newToken)).toBeNull();
      const replacement = await getDb()('setup_links').where({ organization_id: organizationId }).orderBy('id', 'desc').first('revoke_reason');
      expect(replacement.revoke_reason).toBe(`The link it was to replace was ${end} while this one was being emailed.`);
    });
  }

  it('twenty resends at once send one email; exactly one link is active at every moment', async () => {
    const organizationId = await organization();
    const first = await createSetupLink(organizationId, request, actor);
    tokenInLastEmail();
    const emailsBefore = catcher.emails.length;
    let sampling = true;
    const activeCounts: number[] = [];
    const sampler = (async () => {
      while (sampling) {
        activeCounts.push(
          ((await getDb()('setup_links').where({ organization_id: organizationId, status: 'active' }).count({ n: '*' }))[0] as { n: number }).n,
        );
      }
    })();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        recreateSetupLink(organizationId, { ...request, reason: 'Resent by email: twenty', expectedActiveLinkId: first.link.id }, actor),
      ),
    );
    sampling = false;
    await sampler;
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const refusal of results.filter((result): result is PromiseRejectedResult => result.status === 'rejected')) {
      expect((refusal.reason as Error).message).toMatch(/being emailed to it-admin@customer.example right now|no longer the active one/);
    }
    expect(catcher.emails).toHaveLength(emailsBefore + 1);
    tokenInLastEmail();
    expect(activeCounts.length).toBeGreaterThan(0);
    expect(new Set(activeCounts)).toEqual(new Set([1]));
    expect(await getDb()('setup_links').where({ organization_id: organizationId, status: 'active' })).toHaveLength(1);
  });

  it('a link whose send was never confirmed (the process died mid-send) reads as failed after the grace period; maintenance records it once', async () => {
    const organizationId = await organization();
    const created = new Date(Date.now() - UNCONFIRMED_EMAIL_GRACE_MS - 60_000);
    // What a crash between the insert and the mail server's answer leaves behind.
    const linkId = await insertLinkLeftSending(organizationId, { createdAt: created, tokenHash: hashSetupToken('sdl_never-sent') });
    expect(await getActiveSetupLink(organizationId)).toBeNull();
    expect((await getSetupLinkOverview(organizationId)).latest?.status).toBe('failed');
    expect(await latestFailedEmail(organizationId)).toMatchObject({ reason: 'Setup Desk stopped before the mail server confirmed the email.' });
    // Reading it wrote nothing.
    expect(await getDb()('setup_links').where({ id: linkId }).first('status')).toEqual({ status: 'sending' });
    expect(await auditOf(linkId)).toEqual([]);
    await getDb().transaction((trx) => settleLapsedLinks({}, { db: trx }));
    await getDb().transaction((trx) => settleLapsedLinks({}, { db: trx }));
    expect(await getDb()('setup_links').where({ id: linkId }).first('status')).toEqual({ status: 'failed' });
    expect((await auditOf(linkId)).map((event) => [event.action, event.actor])).toEqual([['setup_link.email_unconfirmed', 'Setup Desk']]);
  });

  it('an emailed link still being sent (inside the grace period) is `sending`: not active, and another link is refused meanwhile', async () => {
    const organizationId = await organization();
    // What another process sending it right now has written so far.
    await insertLinkLeftSending(organizationId, { createdAt: new Date(Date.now() - 60_000), lifetimeDays: 1, tokenHash: hashSetupToken('sdl_being-sent') });
    expect(await getActiveSetupLink(organizationId)).toBeNull();
    expect((await getSetupLinkOverview(organizationId)).sending).toMatchObject({ delivery: 'email', emailSentAt: null, status: 'sending' });
    await expect(createSetupLink(organizationId, { features: ['sso'], lifetimeDays: 7 }, actor)).rejects.toThrow(
      /being emailed to it-admin@customer.example right now/,
    );
  });

  it('the HTML part shows the link as text beneath the button and links the support address; a resend says it replaces the earlier link', async () => {
    const organizationId = await organization();
    const first = await createSetupLink(organizationId, request, actor);
    const token = tokenInLastEmail();
    const html = String(catcher.emails.at(-1)!.mail.html);
    const url = `${getEnv().PUBLIC_URL}/setup/${token}`;
    const button = html.indexOf(`href="${url}"`);
    const asText = html.indexOf(`>${url}</span>`);
    expect(button).toBeGreaterThan(-1);
    expect(asText).toBeGreaterThan(button);
    expect(html).toContain('copy this address into your browser');
    expect(html).toContain('<a href="mailto:support@acme.example"');
    expect(html.match(/href="[^"]*"/g)).toEqual([`href="${url}"`, 'href="mailto:support@acme.example"']);
    expect(catcher.emails.at(-1)!.mail.subject).not.toMatch(/replaces/i);

    const { issued } = await resendSetupLink(organizationId, { linkId: first.link.id, reason: 'lost it', maxDays: 30 }, actor);
    expect(issued.sent).toBe(true);
    tokenInLastEmail();
    const resent = catcher.emails.at(-1)!.mail;
    expect(resent.subject).toBe(`New link, replaces the earlier one: Set up Single Sign-On and Domain Verification for Globex ${counter}`);
    expect(resent.text).toContain('This link replaces the setup link we sent you before: that one no longer works.');
  });

  describe('in production', () => {
    const production = useProductionEnv;
    afterEach(restoreEnv);

    for (const [what, overrides] of [
      ['the company name is still "Setup Desk"', { COMPANY_NAME: 'Setup Desk' }],
      ['the support contact is the development placeholder', { SUPPORT_EMAIL: 'support@setup-desk.local' }],
    ] as const) {
      it(`refuses a setup email when ${what}: no link, no audit event, no email`, async () => {
        const organizationId = await organization();
        production(overrides);
        const emailsBefore = catcher.emails.length;
        const eventsBefore = (await getDb()('audit_events').count({ n: '*' }).first()) as { n: number };
        const refusal = await createSetupLink(organizationId, request, actor).catch((error: unknown) => error);
        expect(refusal).toBeInstanceOf(SetupLinkRuleError);
        expect((refusal as Error).message).toMatch(/^The email was not sent and no link was created: .*Configuration page/);
        expect(catcher.emails).toHaveLength(emailsBefore);
        expect(await getDb()('setup_links').where({ organization_id: organizationId })).toEqual([]);
        expect(await getDb()('audit_events').count({ n: '*' }).first()).toEqual(eventsBefore);
        // A copied link shows the rep the link, not the company: it is not refused.
        const copied = await createSetupLink(organizationId, { features: request.features, lifetimeDays: 7 }, actor);
        expect(copied.delivery).toBe('copy');
        await expect(
          recreateSetupLink(organizationId, { ...request, reason: 'Resent by email: lost it', expectedActiveLinkId: copied.link.id }, actor),
        ).rejects.toBeInstanceOf(SetupLinkRuleError);
        expect(catcher.emails).toHaveLength(emailsBefore);
      });
    }

    it('sends once the company name and support contact are real', async () => {
      const organizationId = await organization();
      production({ COMPANY_NAME: 'Acme Analytics', SUPPORT_EMAIL: 'support@acme.example' });
      const issued = await createSetupLink(organizationId, request, actor);
      expect(issued.sent).toBe(true);
      tokenInLastEmail();
    });
  });

  it.runIf(!onPostgres)('leaves no sent token in the database file', async () => {
    expect(sentTokens.length).toBeGreaterThanOrEqual(4);
    await getDb().raw('PRAGMA wal_checkpoint(TRUNCATE)');
    const file = fs.readFileSync(getEnv().DATABASE_PATH).toString('latin1');
    for (const token of sentTokens) expect(file).not.toContain(token.slice(4));
    expect(file).not.toMatch(/sdl_[A-Za-z0-9_-]{43}/);
  });

  it.runIf(onPostgres)('leaves no sent token in any row of any table', async () => {
    expect(sentTokens.length).toBeGreaterThanOrEqual(4);
    const db = getDb();
    const tables = rowsOf<{ table_name: string }>(
      await db.raw("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"),
    );
    expect(tables.map((table) => table.table_name)).toContain('setup_links');
    let everything = '';
    for (const { table_name: table } of tables) {
      everything += rowsOf<{ row: string }>(await db.raw('SELECT row_to_json(t)::text AS row FROM ?? t', [table]))
        .map((row) => row.row)
        .join('\n');
    }
    expect(everything).toContain('"token_hash"');
    for (const token of sentTokens) expect(everything).not.toContain(token.slice(4));
    expect(everything).not.toMatch(/sdl_[A-Za-z0-9_-]{43}/);
  });
});
