/**
 * IT contacts through the real SDK (`organizations.*ItContact*`): shapes, every error as the SDK's
 * own exception, the one-active-invitation rule, the invitation email over real SMTP, and the
 * simulated portal the invitation link opens.
 */
import { ConflictException, GenericServerException, NotFoundException, UnprocessableEntityException, WorkOS } from '@workos-inc/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSmtpCatcher, type SmtpCatcher } from '../test/smtp-catcher';
import { INVITATION_LIFETIME_MS } from './it-contacts';
import { startSandbox, type RunningSandbox } from './server';
import type { ItInvitation, ItInvitationStatus } from './store';

const LIMITED_KEY = 'sk_test_sandbox_key_without_it_contacts';

let sandbox: RunningSandbox;
let catcher: SmtpCatcher;
let workos: WorkOS;
let workosNoRetry: WorkOS;

beforeAll(async () => {
  catcher = await startSmtpCatcher();
  sandbox = await startSandbox({ limitedApiKeys: [LIMITED_KEY], mail: { host: '127.0.0.1', port: catcher.port } });
  workos = new WorkOS(sandbox.apiKey, { ...sandbox.sdkOptions, maxRetries: 3 });
  workosNoRetry = new WorkOS(sandbox.apiKey, { ...sandbox.sdkOptions, maxRetries: 0 });
});
afterAll(async () => {
  await sandbox.stop();
  await catcher.stop();
});
beforeEach(() => {
  sandbox.faults.clear();
  catcher.behave({ kind: 'accept' });
});

let counter = 0;
const unique = (label: string) => `${label}-${Date.now()}-${counter++}`;

type ListedInvitation = ItInvitation & { url: string; status: ItInvitationStatus; contact_email: string | null };

/** The control API's view of an organization's invitations (after any email under way was sent). */
async function invitationsOf(organizationId: string): Promise<ListedInvitation[]> {
  const response = await fetch(`${sandbox.url}/__sandbox/it-invitations?organization_id=${organizationId}`);
  expect(response.status).toBe(200);
  return (await response.json()) as ListedInvitation[];
}

/**
 * The body the sandbox last answered on a path ending so: the SDK's UnprocessableEntityException
 * keeps only the error codes (in its message), not which field they are about.
 */
function lastAnswer(pathEnd: string): unknown {
  return sandbox.requests.findLast((request) => request.path.endsWith(pathEnd))?.responseBody;
}

async function organizationWithContacts(...emails: string[]) {
  const organization = await workos.organizations.createOrganization({ name: unique('IT Co') });
  const contacts = [];
  for (const email of emails) contacts.push(await workos.organizations.createItContact({ organizationId: organization.id, email }));
  return { organization, contacts };
}

async function moveClock(ms: number, run: () => Promise<void>): Promise<void> {
  sandbox.clock.offsetMs += ms;
  try {
    await run();
  } finally {
    sandbox.clock.offsetMs -= ms;
  }
}

describe('IT contacts through the SDK', () => {
  it('creates and lists contacts as the SDK deserializes them', async () => {
    const { organization, contacts } = await organizationWithContacts('it@acme.example', 'sec@acme.example');
    const [first] = contacts;
    expect(first).toMatchObject({ object: 'it_contact', email: 'it@acme.example' });
    expect(first!.id).toMatch(/^it_contact_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(first!.createdAt).toBeInstanceOf(Date);
    expect(first!.createdAt.getTime()).not.toBeNaN();
    expect(first!.updatedAt).toEqual(first!.createdAt);

    const list = await workos.organizations.listItContacts({ organizationId: organization.id });
    expect(list.object).toBe('list');
    expect(list.data.map((contact) => contact.email)).toEqual(['it@acme.example', 'sec@acme.example']);
    expect(list.data[0]).toEqual(first);
    expect(list.listMetadata).toEqual({ before: null, after: null });
  });

  it('refuses an unknown organization (404), a bad email (422) and the same email twice, whatever its case (409)', async () => {
    await expect(workosNoRetry.organizations.listItContacts({ organizationId: 'org_01NOPE' })).rejects.toBeInstanceOf(NotFoundException);
    await expect(workosNoRetry.organizations.createItContact({ organizationId: 'org_01NOPE', email: 'a@b.example' })).rejects.toBeInstanceOf(NotFoundException);
    const { organization } = await organizationWithContacts('Dup@Acme.example');
    const invalid = await workosNoRetry.organizations
      .createItContact({ organizationId: organization.id, email: 'not an email' })
      .catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(UnprocessableEntityException);
    expect(invalid).toMatchObject({ status: 422, code: 'invalid_request_parameters', message: expect.stringContaining('invalid') });
    expect(lastAnswer('/it_contacts')).toMatchObject({ errors: [{ field: 'email', code: 'invalid' }] });
    await expect(workosNoRetry.organizations.createItContact({ organizationId: organization.id, email: undefined as never })).rejects.toBeInstanceOf(
      UnprocessableEntityException,
    );
    expect(lastAnswer('/it_contacts')).toMatchObject({ errors: [{ field: 'email', code: 'required' }] });
    const duplicate = await workosNoRetry.organizations
      .createItContact({ organizationId: organization.id, email: 'dup@acme.EXAMPLE' })
      .catch((error: unknown) => error);
    expect(duplicate).toBeInstanceOf(ConflictException);
    expect(duplicate).toMatchObject({ status: 409, message: expect.stringContaining('already has an IT contact') });
  });

  it('answers 403 to a key without the IT-contacts permission on every IT-contacts route; its other routes work', async () => {
    const { organization, contacts } = await organizationWithContacts('perm@acme.example');
    const limited = new WorkOS(LIMITED_KEY, { ...sandbox.sdkOptions, maxRetries: 0 });
    const ids = { organizationId: organization.id, contactId: contacts[0]!.id };
    const calls = [
      () => limited.organizations.listItContacts({ organizationId: organization.id }),
      () => limited.organizations.createItContact({ organizationId: organization.id, email: 'other@acme.example' }),
      () => limited.organizations.deleteItContact(ids),
      () => limited.organizations.inviteItContact({ ...ids, intents: ['sso'] }),
      () => limited.organizations.revokeItContact(ids),
      // Even for an organization that does not exist: the permission is checked first.
      () => limited.organizations.listItContacts({ organizationId: 'org_01NOPE' }),
    ];
    for (const call of calls) {
      const error = await call().catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(GenericServerException);
      expect(error).toMatchObject({ status: 403, message: expect.stringContaining('This API key lacks the permission') });
    }
    await expect(limited.organizations.getOrganization(organization.id)).resolves.toMatchObject({ id: organization.id });
    expect(await invitationsOf(organization.id)).toEqual([]);
    expect((await workos.organizations.listItContacts({ organizationId: organization.id })).data).toHaveLength(1);
  });

  it('invites with the SDK’s intents (void), and refuses unknown, empty or repeated intents and unknown contacts', async () => {
    const { organization, contacts } = await organizationWithContacts('invitee@acme.example');
    const ids = { organizationId: organization.id, contactId: contacts[0]!.id };
    for (const intents of [['dsync'], ['audit_logs'], ['certificate_renewal'], [], ['sso', 'sso'], ['sso', 'payroll']]) {
      const error = await workosNoRetry.organizations.inviteItContact({ ...ids, intents: intents as never }).catch((thrown: unknown) => thrown);
      expect(error, JSON.stringify(intents)).toBeInstanceOf(UnprocessableEntityException);
      expect(lastAnswer('/invite')).toMatchObject({ errors: [{ field: 'intents', code: 'invalid' }] });
    }
    await expect(workosNoRetry.organizations.inviteItContact({ ...ids, contactId: 'it_contact_01NOPE', intents: ['sso'] })).rejects.toBeInstanceOf(
      NotFoundException,
    );
    await expect(workosNoRetry.organizations.inviteItContact({ ...ids, organizationId: 'org_01NOPE', intents: ['sso'] })).rejects.toBeInstanceOf(
      NotFoundException,
    );
    expect(await invitationsOf(organization.id)).toEqual([]);

    await expect(
      workos.organizations.inviteItContact({ ...ids, intents: ['sso', 'directory_sync', 'log_streams', 'domain_verification', 'bring_your_own_key'] }),
    ).resolves.toBeUndefined();
    const [invitation] = await invitationsOf(organization.id);
    expect(invitation).toMatchObject({
      contact_id: ids.contactId,
      contact_email: 'invitee@acme.example',
      status: 'active',
      revoked_at: null,
      completed_at: null,
    });
    expect(invitation!.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Date(invitation!.expires_at).getTime() - new Date(invitation!.created_at).getTime()).toBe(INVITATION_LIFETIME_MS);
    expect(invitation!.url).toBe(`${sandbox.url}/invitation?token=${invitation!.token}`);
  });

  it('keeps one active invitation per organization, across its contacts: until revoked, or expired by the clock', async () => {
    const { organization, contacts } = await organizationWithContacts('one@acme.example', 'two@acme.example');
    const [one, two] = contacts.map((contact) => ({ organizationId: organization.id, contactId: contact.id }));
    await workos.organizations.inviteItContact({ ...one!, intents: ['sso'] });
    for (const ids of [one!, two!]) {
      const error = await workosNoRetry.organizations.inviteItContact({ ...ids, intents: ['directory_sync'] }).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(ConflictException);
      expect(error).toMatchObject({ status: 409, message: expect.stringContaining('active Admin Portal invitation') });
    }
    // Another organization is not held up.
    const other = await organizationWithContacts('else@elsewhere.example');
    await workos.organizations.inviteItContact({ organizationId: other.organization.id, contactId: other.contacts[0]!.id, intents: ['sso'] });

    // Revoking answers for the contact who holds it only; then the organization may invite again.
    await expect(workosNoRetry.organizations.revokeItContact(two!)).rejects.toBeInstanceOf(NotFoundException);
    await expect(workos.organizations.revokeItContact(one!)).resolves.toBeUndefined();
    await expect(workosNoRetry.organizations.revokeItContact(one!)).rejects.toBeInstanceOf(NotFoundException);
    await workos.organizations.inviteItContact({ ...two!, intents: ['directory_sync'] });
    await expect(workosNoRetry.organizations.inviteItContact({ ...one!, intents: ['sso'] })).rejects.toBeInstanceOf(ConflictException);

    // 30 days later the invitation has expired: a new one is allowed, and there is nothing to revoke.
    await moveClock(INVITATION_LIFETIME_MS + 1_000, async () => {
      await expect(workosNoRetry.organizations.revokeItContact(two!)).rejects.toBeInstanceOf(NotFoundException);
      await workos.organizations.inviteItContact({ ...one!, intents: ['sso'] });
      expect((await invitationsOf(organization.id)).map((invitation) => [invitation.contact_id, invitation.status])).toEqual([
        [one!.contactId, 'revoked'],
        [two!.contactId, 'expired'],
        [one!.contactId, 'active'],
      ]);
    });
  });

  it('deleting a contact (void) revokes their invitation; unknown ones are 404', async () => {
    const { organization, contacts } = await organizationWithContacts('leaving@acme.example');
    const ids = { organizationId: organization.id, contactId: contacts[0]!.id };
    await workos.organizations.inviteItContact({ ...ids, intents: ['sso'] });
    await expect(workos.organizations.deleteItContact(ids)).resolves.toBeUndefined();
    expect((await invitationsOf(organization.id)).map((invitation) => invitation.status)).toEqual(['revoked']);
    expect((await workos.organizations.listItContacts({ organizationId: organization.id })).data).toEqual([]);
    await expect(workosNoRetry.organizations.deleteItContact(ids)).rejects.toBeInstanceOf(NotFoundException);
    await expect(workosNoRetry.organizations.revokeItContact(ids)).rejects.toBeInstanceOf(NotFoundException);
    await expect(workosNoRetry.organizations.deleteItContact({ ...ids, organizationId: 'org_01NOPE' })).rejects.toBeInstanceOf(NotFoundException);
  });

  it('deleting the organization drops its contacts and invitations', async () => {
    const { organization, contacts } = await organizationWithContacts('gone@acme.example');
    await workos.organizations.inviteItContact({ organizationId: organization.id, contactId: contacts[0]!.id, intents: ['sso'] });
    const [invitation] = await invitationsOf(organization.id);
    await workos.organizations.deleteOrganization(organization.id);
    expect(sandbox.store.state.itContacts.filter((contact) => contact.organization_id === organization.id)).toEqual([]);
    expect(await invitationsOf(organization.id)).toEqual([]);
    expect((await fetch(invitation!.url)).status).toBe(404);
  });

  it('faults apply to the IT-contacts routes; an answer lost after the invitation was made is replayed on retry', async () => {
    const { organization, contacts } = await organizationWithContacts('faulty@acme.example');
    const ids = { organizationId: organization.id, contactId: contacts[0]!.id };
    sandbox.faults.add({ method: 'GET', path: `/organizations/${organization.id}/it_contacts`, status: 503 });
    await expect(workosNoRetry.organizations.listItContacts({ organizationId: organization.id })).rejects.toMatchObject({ status: 503 });

    sandbox.faults.add({ method: 'POST', path: `/organizations/${organization.id}/it_contacts*`, status: 500, phase: 'after' });
    // The SDK retries the 500 with its idempotency key: the replayed answer, not a 409.
    await expect(workos.organizations.inviteItContact({ ...ids, intents: ['sso'] })).resolves.toBeUndefined();
    const attempts = sandbox.requests.filter((request) => request.path.endsWith(`${ids.contactId}/invite`));
    expect(attempts.map((request) => [request.status, request.replayed])).toEqual([
      [500, false],
      [204, true],
    ]);
    expect(await invitationsOf(organization.id)).toHaveLength(1);
    expect(catcher.emails.filter((email) => email.envelope.to.includes('faulty@acme.example'))).toHaveLength(1);
  });
});

describe('the invitation email', () => {
  it('goes to the contact, once, with a link that opens the invitation; revoked or 30 days on, the link shows the expired page', async () => {
    const email = `${unique('admin')}@customer.example`;
    const { organization, contacts } = await organizationWithContacts(email);
    const ids = { organizationId: organization.id, contactId: contacts[0]!.id };
    await workos.organizations.inviteItContact({ ...ids, intents: ['sso', 'directory_sync'] });
    const [invitation] = await invitationsOf(organization.id);
    expect(invitation).toMatchObject({ email_error: null, email_sent_at: expect.any(String) });

    const received = catcher.emails.filter((caught) => caught.envelope.to.includes(email));
    expect(received).toHaveLength(1);
    const { mail } = received[0]!;
    expect(mail.from?.value).toEqual([{ name: 'WorkOS', address: 'no-reply@workos.com' }]);
    expect(mail.subject).toBe(`Set up Single Sign-On and Directory Sync for ${organization.name}`);
    const link = /https?:\/\/\S+\/invitation\?token=[A-Za-z0-9_-]+/.exec(mail.text ?? '')?.[0];
    expect(link).toBe(invitation!.url);
    expect(mail.html).toContain(`href="${invitation!.url}"`);

    const page = await fetch(link!);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(organization.name);
    expect(html).toContain('Set up Single Sign-On');
    expect(html).toContain('Set up Directory Sync');

    await moveClock(INVITATION_LIFETIME_MS + 1_000, async () => {
      const expired = await fetch(link!);
      expect(expired.status).toBe(410);
      expect(await expired.text()).toContain('This link has expired');
    });

    await workos.organizations.revokeItContact(ids);
    const revoked = await fetch(link!);
    expect(revoked.status).toBe(410);
    expect(await revoked.text()).toContain('This link has expired');
    const unknown = await fetch(`${sandbox.url}/invitation?token=not-a-token`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('This link is not valid');
  });

  it('a refused send is recorded on the invitation, which stands; the sandbox goes on', async () => {
    const email = `${unique('bounce')}@customer.example`;
    const { organization, contacts } = await organizationWithContacts(email);
    catcher.behave({ kind: 'reject_recipient', code: 550 });
    await workos.organizations.inviteItContact({ organizationId: organization.id, contactId: contacts[0]!.id, intents: ['sso'] });
    const [invitation] = await invitationsOf(organization.id);
    expect(invitation).toMatchObject({ status: 'active', email_sent_at: null, email_error: expect.stringContaining('550') });
    expect((await fetch(invitation!.url)).status).toBe(200);
    await expect(workos.organizations.listItContacts({ organizationId: organization.id })).resolves.toMatchObject({ object: 'list' });
  });

  it('without mail configured the invitation is made and listed, and no email is sent', async () => {
    const quiet = await startSandbox({ mail: undefined });
    try {
      const client = new WorkOS(quiet.apiKey, { ...quiet.sdkOptions, maxRetries: 0 });
      const organization = await client.organizations.createOrganization({ name: 'No Mail Co' });
      const email = `${unique('quiet')}@customer.example`;
      const contact = await client.organizations.createItContact({ organizationId: organization.id, email });
      await client.organizations.inviteItContact({ organizationId: organization.id, contactId: contact.id, intents: ['sso'] });
      const listed = (await (await fetch(`${quiet.url}/__sandbox/it-invitations`)).json()) as ListedInvitation[];
      expect(listed).toMatchObject([
        { status: 'active', email_sent_at: null, email_error: null, url: expect.stringContaining(`${quiet.url}/invitation?token=`) },
      ]);
      expect(catcher.emails.filter((caught) => caught.envelope.to.includes(email))).toEqual([]);
      // A reset forgets contacts and invitations with the rest.
      expect((await fetch(`${quiet.url}/__sandbox/reset`, { method: 'POST' })).status).toBe(204);
      expect(await (await fetch(`${quiet.url}/__sandbox/it-invitations`)).json()).toEqual([]);
      expect(quiet.store.state.itContacts).toEqual([]);
    } finally {
      await quiet.stop();
    }
  });
});

describe('the simulated portal from an invitation', () => {
  /** Presses the invitation page's button for `intent`, and returns the portal session's token it leads to. */
  async function openFeature(invitationUrl: string, intent: string): Promise<string> {
    const token = new URL(invitationUrl).searchParams.get('token')!;
    const response = await fetch(`${sandbox.url}/invitation/open?token=${encodeURIComponent(token)}`, {
      method: 'POST',
      body: new URLSearchParams({ intent }),
      redirect: 'manual',
    });
    expect(response.status, intent).toBe(303);
    const launch = new URL(response.headers.get('Location')!, sandbox.url);
    expect(launch.pathname).toBe('/portal/launch');
    expect((await fetch(launch)).status).toBe(200);
    return launch.searchParams.get('token')!;
  }

  async function complete(sessionToken: string, form: Record<string, string>): Promise<void> {
    const response = await fetch(`${sandbox.url}/portal/launch/complete?token=${sessionToken}`, { method: 'POST', body: new URLSearchParams(form) });
    expect(response.status, JSON.stringify(form)).toBe(200);
  }

  async function eventsOf(organizationId: string, types: string[]): Promise<{ event: string; data: { organization_id?: string } }[]> {
    const response = await workos.get<{ data: { event: string; data: { organization_id?: string } }[] }>('/events', {
      query: { events: types.join(','), organization_id: organizationId, order: 'asc' },
    });
    return response.data.data;
  }

  it('completing SSO there emits connection.activated, as a generate_link session does; every feature done completes the invitation', async () => {
    const { organization, contacts } = await organizationWithContacts('setup@acme.example');
    await workos.organizations.inviteItContact({ organizationId: organization.id, contactId: contacts[0]!.id, intents: ['sso', 'directory_sync'] });
    const [invitation] = await invitationsOf(organization.id);

    const sso = await openFeature(invitation!.url, 'sso');
    expect(sandbox.store.state.portalSessions.find((session) => session.token === sso)).toMatchObject({
      intent: 'sso',
      organization_id: organization.id,
      external_user_id: null,
      it_invitation_id: invitation!.id,
    });
    await complete(sso, { step: 'activate_connection', provider: 'OktaSAML' });
    expect((await eventsOf(organization.id, ['connection.activated'])).map((event) => [event.event, event.data.organization_id])).toEqual([
      ['connection.activated', organization.id],
    ]);
    expect((await invitationsOf(organization.id))[0]).toMatchObject({ status: 'active', completed_intents: ['sso'] });
    // Still only one active invitation: the organization cannot be invited again half-way.
    await expect(
      workosNoRetry.organizations.inviteItContact({ organizationId: organization.id, contactId: contacts[0]!.id, intents: ['sso'] }),
    ).rejects.toBeInstanceOf(ConflictException);

    // Directory Sync opens the portal's dsync intent.
    const dsync = await openFeature(invitation!.url, 'directory_sync');
    expect(sandbox.store.state.portalSessions.find((session) => session.token === dsync)?.intent).toBe('dsync');
    await complete(dsync, { step: 'activate_directory', directory: 'okta scim v2.0' });
    expect((await eventsOf(organization.id, ['dsync.activated'])).map((event) => event.event)).toEqual(['dsync.activated']);

    const [completed] = await invitationsOf(organization.id);
    expect(completed).toMatchObject({ status: 'completed', completed_at: expect.any(String) });
    const page = await fetch(invitation!.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Setup complete');
    // Completed is not active: nothing to revoke, and a new invitation may be sent.
    await expect(workosNoRetry.organizations.revokeItContact({ organizationId: organization.id, contactId: contacts[0]!.id })).rejects.toBeInstanceOf(
      NotFoundException,
    );
    await workos.organizations.inviteItContact({ organizationId: organization.id, contactId: contacts[0]!.id, intents: ['domain_verification'] });
  });

  it('an invitation with Log Streams never completes on its own; a feature not invited, or a revoked invitation, opens nothing', async () => {
    const { organization, contacts } = await organizationWithContacts('streams@acme.example');
    const ids = { organizationId: organization.id, contactId: contacts[0]!.id };
    await workos.organizations.inviteItContact({ ...ids, intents: ['log_streams', 'bring_your_own_key'] });
    const [invitation] = await invitationsOf(organization.id);
    await complete(await openFeature(invitation!.url, 'bring_your_own_key'), { step: 'setting', detail: 'AWS KMS' });
    await complete(await openFeature(invitation!.url, 'log_streams'), { step: 'setting', detail: 'Datadog' });
    expect((await invitationsOf(organization.id))[0]).toMatchObject({ status: 'active', completed_intents: ['bring_your_own_key'] });

    const token = invitation!.token;
    const notInvited = await fetch(`${sandbox.url}/invitation/open?token=${token}`, { method: 'POST', body: new URLSearchParams({ intent: 'sso' }) });
    expect(notInvited.status).toBe(400);

    // A revoke ends the link and the portal sessions opened from it.
    const open = await openFeature(invitation!.url, 'bring_your_own_key');
    await workos.organizations.revokeItContact(ids);
    expect((await fetch(`${sandbox.url}/portal/launch?token=${open}`)).status).toBe(410);
    const afterRevoke = await fetch(`${sandbox.url}/invitation/open?token=${token}`, {
      method: 'POST',
      body: new URLSearchParams({ intent: 'log_streams' }),
      redirect: 'manual',
    });
    expect(afterRevoke.status).toBe(410);
  });
});
