/**
 * WorkOS-sent links (decision 025) against the sandbox's IT contacts, through the real SDK: the
 * invitation WorkOS emails, the one-active rule across every delivery, revoke and recreate ending
 * WorkOS's invitation, what happens while WorkOS is answering, and when it does not answer.
 */
import { WorkOS } from '@workos-inc/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getDb } from '~/utils/db.server';
import { resetEnvCache } from '~/utils/env.server';
import type { RunningSandbox } from '../../sandbox/server';
import { createOrganizationInSandbox, createTestStaff, deliverWorkOSEvent } from '../../test/factories';
import { startSandboxInProcess } from '../../test/sandbox';
import { startSmtpCatcher, type SmtpCatcher } from '../../test/smtp-catcher';
import { archiveOrganization } from './organization.server';
import {
  ActiveLinkExistsError,
  createSetupLink,
  endDueInvitations,
  getSetupLinkOverview,
  LinkBeingSentError,
  recreateSetupLink,
  resendSetupLink,
  revokeSetupLink,
  SetupLinkRuleError,
} from './setup-link.server';
import { staffActor } from './staff.server';

let sandbox: RunningSandbox;
let catcher: SmtpCatcher;
let workos: WorkOS;
let actor: ReturnType<typeof staffActor>;

beforeAll(async () => {
  catcher = await startSmtpCatcher();
  // WorkOS's own mail goes to the catcher too: the test reads the invitation as the IT admin would.
  sandbox = await startSandboxInProcess({ mail: { host: '127.0.0.1', port: catcher.port } });
  workos = new WorkOS(sandbox.apiKey, { ...sandbox.sdkOptions, maxRetries: 0 });
  process.env.SMTP_URL = catcher.url;
  resetEnvCache();
  actor = staffActor(await createTestStaff('support', { name: 'Ivy Invite' }));
});

afterEach(() => {
  sandbox.faults.clear();
  catcher.behave({ kind: 'accept' });
});

afterAll(async () => {
  await sandbox.stop();
  await catcher.stop();
});

let counter = 0;
const address = (label: string) => `${label}-${Date.now()}-${counter++}@customer.example`;

interface ListedInvitation {
  contact_id: string;
  contact_email: string | null;
  intents: string[];
  url: string;
  status: 'active' | 'revoked' | 'expired' | 'completed';
}

async function invitationsOf(workosId: string): Promise<ListedInvitation[]> {
  const response = await fetch(`${sandbox.url}/__sandbox/it-invitations?organization_id=${workosId}`);
  return (await response.json()) as ListedInvitation[];
}

const invited = (features: ('sso' | 'dsync' | 'log_streams' | 'audit_logs')[], to: string) => ({
  features,
  lifetimeDays: 14,
  invitation: { address: to, name: 'Pat Admin' },
});

/** The organization's setup-link history, in order. */
async function auditActions(organizationId: number): Promise<string[]> {
  const actions = (await getDb()('audit_events').where({ organization_id: organizationId }).orderBy('id').pluck('action')) as string[];
  return actions.filter((action) => action.startsWith('setup_link.'));
}

// WorkOS's revoke is named for a contact, and its SDK describes it as ending the organization's
// invitation: the app must be right under either reading.
describe.each(['contact', 'organization'] as const)('a link WorkOS sends (revoke ends the %s’s invitation)', (reading) => {
  beforeEach(() => {
    sandbox.store.readings.itContactRevoke = reading;
  });
  afterEach(() => {
    sandbox.store.readings.itContactRevoke = 'contact';
  });

  it('WorkOS invites the IT admin for the chosen features; the link is active, sent by WorkOS, and no link value reaches the app', async () => {
    const organization = await createOrganizationInSandbox(sandbox);
    const to = address('it');
    const issued = await createSetupLink(organization.id, invited(['sso', 'dsync'], to), actor);
    expect(issued).toMatchObject({ delivery: 'workos', sent: true, recipient: to });
    expect(issued.link).toMatchObject({ status: 'active', delivery: 'workos', recipientEmail: to, features: ['sso', 'dsync'] });
    expect(issued.link.itContactId).toMatch(/^it_contact_/);
    expect(issued).not.toHaveProperty('url');

    const [invitation] = await invitationsOf(organization.workosId);
    expect(invitation).toMatchObject({ status: 'active', contact_email: to, contact_id: issued.link.itContactId, intents: ['sso', 'directory_sync'] });
    // WorkOS's email, with WorkOS's link: the IT admin's inbox, not Setup Desk's database.
    const email = catcher.emails.find((caught) => caught.envelope.to.includes(to));
    expect(email?.mail.text).toContain(invitation!.url);
    const token = new URL(invitation!.url).searchParams.get('token')!;
    const stored = JSON.stringify(await getDb()('setup_links').where({ organization_id: organization.id }));
    const history = JSON.stringify(await getDb()('audit_events').where({ organization_id: organization.id }));
    expect(stored).not.toContain(token);
    expect(history).not.toContain(token);
    expect(await auditActions(organization.id)).toEqual(['setup_link.created', 'setup_link.invited']);
  });

  it('refuses features an invitation cannot carry, before asking WorkOS', async () => {
    const organization = await createOrganizationInSandbox(sandbox);
    await expect(createSetupLink(organization.id, invited(['sso', 'audit_logs'], address('it')), actor)).rejects.toThrow(SetupLinkRuleError);
    expect(await invitationsOf(organization.workosId)).toEqual([]);
    expect(await getDb()('setup_links').where({ organization_id: organization.id })).toEqual([]);
  });

  it('one active link of any kind: a WorkOS-sent link refuses an emailed or copied one, and an emailed one refuses WorkOS', async () => {
    const first = await createOrganizationInSandbox(sandbox);
    await createSetupLink(first.id, invited(['sso'], address('it')), actor);
    await expect(createSetupLink(first.id, { features: ['sso'], lifetimeDays: 7 }, actor)).rejects.toThrow(ActiveLinkExistsError);
    await expect(createSetupLink(first.id, { features: ['sso'], lifetimeDays: 7, email: { address: address('other') } }, actor)).rejects.toThrow(
      ActiveLinkExistsError,
    );
    const second = await createOrganizationInSandbox(sandbox);
    await createSetupLink(second.id, { features: ['sso'], lifetimeDays: 7, email: { address: address('it') } }, actor);
    await expect(createSetupLink(second.id, invited(['sso'], address('it')), actor)).rejects.toThrow(ActiveLinkExistsError);
    expect(await invitationsOf(second.workosId)).toEqual([]);
  });

  it('while WorkOS is answering, the link is being sent: a second rep is refused, and the one-active rule holds when it lands', async () => {
    const organization = await createOrganizationInSandbox(sandbox);
    const hold = sandbox.faults.add({ method: 'POST', path: `/organizations/${organization.workosId}/it_contacts/*`, hold: true, pass: true });
    const first = createSetupLink(organization.id, invited(['sso'], address('it')), actor);
    await sandbox.faults.reached(hold.id);
    const during = await getSetupLinkOverview(organization.id);
    expect(during.sending).toMatchObject({ delivery: 'workos', status: 'sending' });
    expect(during.active).toBeNull();
    await expect(createSetupLink(organization.id, { features: ['sso'], lifetimeDays: 7 }, actor)).rejects.toThrow(LinkBeingSentError);
    await expect(createSetupLink(organization.id, invited(['sso'], address('other')), actor)).rejects.toThrow(LinkBeingSentError);
    sandbox.faults.release(hold.id);
    expect((await first).link.status).toBe('active');
    expect((await invitationsOf(organization.workosId)).filter((invitation) => invitation.status === 'active')).toHaveLength(1);
  });

  it('revoke ends WorkOS’s invitation: its link shows the portal’s expired page, and the audit trail records WorkOS’s confirmation', async () => {
    const organization = await createOrganizationInSandbox(sandbox);
    const { link } = await createSetupLink(organization.id, invited(['sso'], address('it')), actor);
    const [before] = await invitationsOf(organization.workosId);
    expect((await fetch(before!.url)).status).toBe(200);
    const outcome = await revokeSetupLink(link.id, { reason: 'Wrong person', organizationId: organization.id }, actor);
    expect(outcome).toMatchObject({ revoked: true, link: { status: 'revoked', invitationEndPending: false } });
    const [after] = await invitationsOf(organization.workosId);
    expect(after!.status).toBe('revoked');
    const page = await fetch(after!.url);
    expect(page.status).toBe(410);
    expect(await page.text()).toMatch(/expired/i);
    expect(await auditActions(organization.id)).toEqual(expect.arrayContaining(['setup_link.revoked', 'setup_link.invitation_revoked']));
  });

  it('WorkOS not confirming the revoke: revoked here at once, the card says WorkOS has not confirmed, maintenance asks again until it does', async () => {
    const organization = await createOrganizationInSandbox(sandbox);
    const { link } = await createSetupLink(organization.id, invited(['sso'], address('it')), actor);
    sandbox.faults.add({ method: 'POST', path: `/organizations/${organization.workosId}/it_contacts/*`, status: 503, retryAfter: 0, times: 20 });
    const outcome = await revokeSetupLink(link.id, { reason: 'Wrong person', organizationId: organization.id }, actor);
    expect(outcome).toMatchObject({ revoked: true, link: { status: 'revoked', invitationEndPending: true } });
    expect((await invitationsOf(organization.workosId))[0]!.status).toBe('active');
    // A minute has not passed: the request that ended it is asking; maintenance leaves it be.
    sandbox.faults.clear();
    expect(await endDueInvitations({ now: new Date() })).toBe(0);
    expect(await endDueInvitations({ now: new Date(Date.now() + 120_000) })).toBeGreaterThanOrEqual(1);
    expect((await invitationsOf(organization.workosId))[0]!.status).toBe('revoked');
    const row = await getDb()('setup_links').where({ id: link.id }).first('invitation_revoke_due_at');
    expect(row.invitation_revoke_due_at).toBeNull();
    expect((await auditActions(organization.id)).filter((action) => action === 'setup_link.invitation_revoked')).toHaveLength(1);
  });

  it('recreate by WorkOS: WorkOS ends the earlier invitation first (one at a time), then sends the new one', async () => {
    const organization = await createOrganizationInSandbox(sandbox);
    const { link: old } = await createSetupLink(organization.id, invited(['sso'], address('first')), actor);
    const to = address('second');
    const renewed = await recreateSetupLink(
      organization.id,
      { ...invited(['sso', 'log_streams'], to), reason: 'New IT admin', expectedActiveLinkId: old.id },
      actor,
    );
    expect(renewed).toMatchObject({ sent: true, link: { status: 'active', replacesLinkId: old.id } });
    const invitations = await invitationsOf(organization.workosId);
    expect(invitations.map((invitation) => [invitation.contact_email, invitation.status])).toEqual([
      [old.recipientEmail, 'revoked'],
      [to, 'active'],
    ]);
    const overview = await getSetupLinkOverview(organization.id);
    expect(overview.active?.id).toBe(renewed.link.id);
  });

  it('recreate by WorkOS that WorkOS then refuses: the earlier invitation is gone at WorkOS, so the earlier link is revoked here too — the rep is told no link is active', async () => {
    const organization = await createOrganizationInSandbox(sandbox);
    const { link: old } = await createSetupLink(organization.id, invited(['sso'], address('first')), actor);
    sandbox.faults.add({ method: 'POST', path: `/organizations/${organization.workosId}/it_contacts/*`, bodyIncludes: 'intents', status: 422, times: 1 });
    const renewed = await recreateSetupLink(organization.id, { ...invited(['sso'], address('second')), reason: 'New IT admin' }, actor);
    expect(renewed).toMatchObject({ sent: false, previousLinkActive: false, link: { status: 'failed' } });
    const overview = await getSetupLinkOverview(organization.id);
    expect(overview.active).toBeNull();
    const previous = await getDb()('setup_links').where({ id: old.id }).first('status');
    expect(previous.status).toBe('revoked');
    expect((await invitationsOf(organization.workosId)).filter((invitation) => invitation.status === 'active')).toEqual([]);
  });

  it('an emailed recreate of a WorkOS-sent link: the invitation works until the email is accepted, then WorkOS ends it', async () => {
    const organization = await createOrganizationInSandbox(sandbox);
    const { link: old } = await createSetupLink(organization.id, invited(['sso'], address('first')), actor);
    // WorkOS's invitation email is delivered first (the control API waits for it): only the
    // app's email is to wait on the mail server.
    expect((await invitationsOf(organization.workosId))[0]!.status).toBe('active');
    catcher.behave({ kind: 'accept_when_released' });
    const mailTo = address('mail');
    const recreating = recreateSetupLink(organization.id, { features: ['sso'], lifetimeDays: 7, email: { address: mailTo }, reason: 'Mail instead' }, actor);
    // The mail server has the message and has not answered yet.
    await expect.poll(() => catcher.emails.some((caught) => caught.envelope.to.includes(mailTo)), { timeout: 5_000 }).toBe(true);
    expect((await invitationsOf(organization.workosId))[0]!.status).toBe('active');
    expect((await getSetupLinkOverview(organization.id)).active?.id).toBe(old.id);
    catcher.release();
    expect((await recreating).link.status).toBe('active');
    expect((await invitationsOf(organization.workosId))[0]!.status).toBe('revoked');
  });

  it('resend: WorkOS sends a new invitation to the same person for the same features', async () => {
    const organization = await createOrganizationInSandbox(sandbox);
    const to = address('it');
    const { link } = await createSetupLink(organization.id, invited(['sso', 'dsync'], to), actor);
    const { issued, request } = await resendSetupLink(organization.id, { linkId: link.id, reason: 'Lost the email', maxDays: 30 }, actor);
    expect(request).toMatchObject({ invitation: { address: to }, features: ['sso', 'dsync'] });
    expect(issued).toMatchObject({ delivery: 'workos', sent: true, link: { status: 'active' } });
    const invitations = await invitationsOf(organization.workosId);
    expect(invitations.map((invitation) => invitation.status)).toEqual(['revoked', 'active']);
    expect(new Set(invitations.map((invitation) => invitation.contact_id)).size).toBe(1);
  });

  it('an invitation already active at WorkOS for someone else (the dashboard): refused in words, no link active', async () => {
    const organization = await createOrganizationInSandbox(sandbox);
    const stranger = await workos.organizations.createItContact({ organizationId: organization.workosId, email: address('dashboard') });
    await workos.organizations.inviteItContact({ organizationId: organization.workosId, contactId: stranger.id, intents: ['sso'] });
    const issued = await createSetupLink(organization.id, invited(['sso'], address('it')), actor);
    expect(issued).toMatchObject({ sent: false, previousLinkActive: false, problem: { kind: 'invitation_exists', status: 409 } });
    expect(issued.sent ? '' : issued.problem.message).toMatch(/WorkOS dashboard/);
    expect((await getSetupLinkOverview(organization.id)).active).toBeNull();
  });

  it('an answer lost after WorkOS invited: the link fails here, and WorkOS is asked to end the invitation it may have sent', async () => {
    const organization = await createOrganizationInSandbox(sandbox);
    sandbox.faults.add({
      method: 'POST',
      path: `/organizations/${organization.workosId}/it_contacts/*`,
      bodyIncludes: 'intents',
      status: 502,
      phase: 'after',
      times: 10,
    });
    const issued = await createSetupLink(organization.id, invited(['sso'], address('it')), actor);
    expect(issued).toMatchObject({ sent: false, link: { status: 'failed' } });
    // The answer was lost, but WorkOS did send it: the failed link must not leave a working invitation behind.
    sandbox.faults.clear();
    await endDueInvitations({ now: new Date(Date.now() + 120_000) });
    expect((await invitationsOf(organization.workosId)).filter((invitation) => invitation.status === 'active')).toEqual([]);
    // And the next try goes through (WorkOS's one-invitation rule is not left blocked).
    const again = await createSetupLink(organization.id, invited(['sso'], address('it')), actor);
    expect(again).toMatchObject({ sent: true, link: { status: 'active' } });
  });

  it('archived while WorkOS was inviting: the link ends, and WorkOS ends the invitation it sent', async () => {
    const organization = await createOrganizationInSandbox(sandbox);
    const hold = sandbox.faults.add({
      method: 'POST',
      path: `/organizations/${organization.workosId}/it_contacts/*`,
      bodyIncludes: 'intents',
      hold: true,
      pass: true,
    });
    const issuing = createSetupLink(organization.id, invited(['sso'], address('it')), actor);
    await sandbox.faults.reached(hold.id);
    await archiveOrganization(organization.id, { reason: 'Churned' }, actor);
    sandbox.faults.release(hold.id);
    const issued = await issuing;
    expect(issued.link.status).toBe('revoked');
    expect((await invitationsOf(organization.workosId)).map((invitation) => invitation.status)).toEqual(['revoked']);
  });

  it('a recreate whose end of the earlier invitation goes unanswered: the earlier link may be dead at WorkOS, so it is revoked here, the rep is told no link is active, and maintenance ends it', async () => {
    const organization = await createOrganizationInSandbox(sandbox);
    const { link: old } = await createSetupLink(organization.id, invited(['sso'], address('first')), actor);
    const revokePath = `/organizations/${organization.workosId}/it_contacts/${old.itContactId}/revoke`;
    // WorkOS ends it, and every answer is lost.
    sandbox.faults.add({ method: 'POST', path: revokePath, status: 502, phase: 'after', times: 10 });
    const renewed = await recreateSetupLink(organization.id, { ...invited(['sso'], address('second')), reason: 'New IT admin' }, actor);
    expect(renewed).toMatchObject({ sent: false, previousLinkActive: false, link: { status: 'failed' } });
    const earlier = await getDb()('setup_links').where({ id: old.id }).first('status', 'invitation_revoke_due_at');
    expect(earlier.status).toBe('revoked');
    expect(earlier.invitation_revoke_due_at).not.toBeNull();
    expect((await getSetupLinkOverview(organization.id)).active).toBeNull();
    sandbox.faults.clear();
    await endDueInvitations({ now: new Date(Date.now() + 120_000) });
    expect((await getDb()('setup_links').where({ id: old.id }).first('invitation_revoke_due_at')).invitation_revoke_due_at).toBeNull();
    expect((await invitationsOf(organization.workosId)).filter((invitation) => invitation.status === 'active')).toEqual([]);
  });

  it('while WorkOS is ending an earlier invitation, a new WorkOS-sent link waits its turn: refused in words, then sent — the late revoke never lands on it', async () => {
    const organization = await createOrganizationInSandbox(sandbox);
    const { link: first } = await createSetupLink(organization.id, invited(['sso'], address('first')), actor);
    const hold = sandbox.faults.add({
      method: 'POST',
      path: `/organizations/${organization.workosId}/it_contacts/${first.itContactId}/revoke`,
      hold: true,
      pass: true,
    });
    const revoking = revokeSetupLink(first.id, { reason: 'Wrong person', organizationId: organization.id }, actor);
    await sandbox.faults.reached(hold.id);
    await expect(createSetupLink(organization.id, invited(['sso'], address('first')), actor)).rejects.toThrow(
      'Setup Desk is talking to WorkOS about this organization’s invitation right now, or waiting out a call WorkOS did not answer: try again in a minute or two.',
    );
    sandbox.faults.release(hold.id);
    expect(await revoking).toMatchObject({ revoked: true, link: { invitationEndPending: false } });
    const next = await createSetupLink(organization.id, invited(['sso'], address('first')), actor);
    expect(next).toMatchObject({ sent: true, link: { status: 'active' } });
    const invitations = await invitationsOf(organization.workosId);
    expect(invitations.map((invitation) => invitation.status)).toEqual(['revoked', 'active']);
  });

  it('an earlier invitation WorkOS has not confirmed ending is ended before the next one is sent, to anyone', async () => {
    const organization = await createOrganizationInSandbox(sandbox);
    const { link: first } = await createSetupLink(organization.id, invited(['sso'], address('first')), actor);
    sandbox.faults.add({
      method: 'POST',
      path: `/organizations/${organization.workosId}/it_contacts/${first.itContactId}/revoke`,
      status: 503,
      retryAfter: 0,
      times: 20,
    });
    expect(await revokeSetupLink(first.id, { reason: 'Wrong person', organizationId: organization.id }, actor)).toMatchObject({
      link: { invitationEndPending: true },
    });
    sandbox.faults.clear();
    const to = address('second');
    const next = await createSetupLink(organization.id, invited(['dsync'], to), actor);
    expect(next).toMatchObject({ sent: true, link: { status: 'active' } });
    expect((await getDb()('setup_links').where({ id: first.id }).first('invitation_revoke_due_at')).invitation_revoke_due_at).toBeNull();
    const invitations = await invitationsOf(organization.workosId);
    expect(invitations.map((invitation) => [invitation.contact_email, invitation.status])).toEqual([
      [first.recipientEmail, 'revoked'],
      [to, 'active'],
    ]);
  });

  it('progress completes a WorkOS-sent link the same way: WorkOS reports SSO and Directory Sync done, the link completes once', async () => {
    const organization = await createOrganizationInSandbox(sandbox);
    const { link } = await createSetupLink(organization.id, invited(['sso', 'dsync'], address('it')), actor);
    const at = new Date().toISOString();
    const sso = { object: 'connection', id: `conn_${link.id}`, organizationId: organization.workosId, type: 'OktaSAML', name: 'Okta', state: 'active' };
    const directory = {
      object: 'directory',
      id: `directory_${link.id}`,
      organizationId: organization.workosId,
      type: 'okta scim v2.0',
      name: 'Dir',
      state: 'active',
    };
    expect((await deliverWorkOSEvent('connection.activated', sso, { at })).completedLinkId).toBeNull();
    expect((await deliverWorkOSEvent('dsync.activated', directory, { at })).completedLinkId).toBe(link.id);
    const row = await getDb()('setup_links').where({ id: link.id }).first('status', 'invitation_revoke_due_at');
    // Completed, not ended: WorkOS ends its own invitation when setup completes, as for its dashboard's.
    expect(row).toEqual({ status: 'completed', invitation_revoke_due_at: null });
    expect((await auditActions(organization.id)).filter((action) => action === 'setup_link.completed')).toHaveLength(1);
  });

  it('a revoke WorkOS does not answer in time keeps the turn: WorkOS may still act on it, so no new invitation is sent until then — the late revoke cannot end it', async () => {
    const organization = await createOrganizationInSandbox(sandbox);
    const { link: first } = await createSetupLink(organization.id, invited(['sso'], address('first')), actor);
    process.env.WORKOS_PERSON_DEADLINE_MS = '1000';
    resetEnvCache();
    try {
      // WorkOS acts on the revoke, but only after the rep stopped waiting.
      sandbox.faults.add({
        method: 'POST',
        path: `/organizations/${organization.workosId}/it_contacts/${first.itContactId}/revoke`,
        latencyMs: 1_500,
        pass: true,
      });
      expect(await revokeSetupLink(first.id, { reason: 'Wrong person', organizationId: organization.id }, actor)).toMatchObject({
        link: { status: 'revoked', invitationEndPending: true },
      });
      await expect(createSetupLink(organization.id, invited(['sso'], address('first')), actor)).rejects.toThrow('try again in a minute or two');
      await expect.poll(async () => (await invitationsOf(organization.workosId))[0]!.status, { timeout: 5_000 }).toBe('revoked');
    } finally {
      delete process.env.WORKOS_PERSON_DEADLINE_MS;
      resetEnvCache();
    }
    // Two minutes pass: the turn lapses.
    await getDb()('invitation_turns')
      .where({ organization_id: organization.id })
      .update({ until: new Date(Date.now() - 1).toISOString() });
    const next = await createSetupLink(organization.id, invited(['sso'], address('first')), actor);
    expect(next).toMatchObject({ sent: true, link: { status: 'active' } });
    expect((await invitationsOf(organization.workosId)).map((invitation) => invitation.status)).toEqual(['revoked', 'active']);
    // The first link's end was asked about again before the new invitation went out, and confirmed.
    expect((await getDb()('setup_links').where({ id: first.id }).first('invitation_revoke_due_at')).invitation_revoke_due_at).toBeNull();
  });
});
