/**
 * Emailed setup links over HTTP against the production build, with a real SMTP server behind it:
 * the rep's messages, resend, the email preview and its headers, and no token in any log.
 */
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '~/utils/db.server';
import { startSmtpCatcher, type SmtpCatcher } from '../test/smtp-catcher';
import { startBuiltServer, type RunningServer } from '../test/built-server';
import { createOrganization, signedInStaff } from '../test/factories';

let catcher: SmtpCatcher;
/**
 * The emails to the IT admin: the server's maintenance may send an owner's digest into the same
 * catcher at any moment (its notices come from this file's failed sends), and that one is no
 * setup email.
 */
const setupEmails = () => catcher.emails.filter((email) => email.envelope.to.includes('it-admin@customer.example'));
let server: RunningServer;
let db: Knex;
let supportCookie: string;
let viewerCookie: string;
const sentTokens: string[] = [];

async function cookieFor(role: 'support' | 'viewer'): Promise<string> {
  return (await signedInStaff(role, { name: role === 'support' ? 'Rita Rep' : 'Vic Viewer', db })).cookie;
}

beforeAll(async () => {
  catcher = await startSmtpCatcher();
  server = await startBuiltServer({
    SMTP_URL: catcher.url,
    SMTP_TIMEOUT_MS: '2000',
    COMPANY_NAME: 'Vendor Inc',
    SUPPORT_EMAIL: 'help@vendor.example',
    MAIL_FROM: 'Vendor Onboarding <onboarding@vendor.example>',
  });
  db = openDatabase(server.database);
  supportCookie = await cookieFor('support');
  viewerCookie = await cookieFor('viewer');
});

afterAll(async () => {
  await db.destroy();
  await server.stop();
  await catcher.stop();
  const log = [...server.stdout, ...server.stderr].join('\n');
  expect(log).not.toMatch(/sdl_/i);
  for (const token of sentTokens) expect(log).not.toContain(token.slice(4));
});

let counter = 0;
async function organization(): Promise<number> {
  counter += 1;
  return (await createOrganization({ name: `Globex ${counter}`, db })).id;
}

function post(path: string, fields: [string, string][], cookie = supportCookie) {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: cookie, Origin: server.url, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

/** React separates adjacent text in server HTML with empty comments; read the text as a person would. */
const withoutReactMarkers = (html: string) => html.replaceAll('<!-- -->', '');

const EMAIL_FORM: [string, string][] = [
  ['delivery', 'email'],
  ['recipientEmail', 'it-admin@customer.example'],
  ['recipientName', 'Pat Admin'],
  ['message', 'See you <b>Monday</b>'],
  ['features', 'sso'],
  ['features', 'domain_verification'],
  ['lifetimeDays', '7'],
];

describe('sending a link by email (a document POST, as without JavaScript)', () => {
  it('sends it and redirects with a toast; the response never holds the link', async () => {
    const organizationId = await organization();
    const before = setupEmails().length;
    const response = await post(`/organizations/${organizationId}`, [['intent', 'create_link'], ...EMAIL_FORM]);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`/organizations/${organizationId}`);
    expect(await response.text()).not.toMatch(/sdl_/);
    expect(setupEmails()).toHaveLength(before + 1);
    const token = /\/setup\/(sdl_[A-Za-z0-9_-]{43})/.exec(setupEmails().at(-1)!.mail.text!)![1]!;
    sentTokens.push(token);
    expect(setupEmails().at(-1)!.mail.from?.text).toBe('"Vendor Onboarding" <onboarding@vendor.example>');

    const page = await fetch(`${server.url}/organizations/${organizationId}`, { headers: { Cookie: supportCookie } });
    const html = withoutReactMarkers(await page.text());
    expect(html).toContain('Emailed to Pat Admin &lt;it-admin@customer.example&gt;, accepted by the mail server');
    expect(html).not.toContain(token.slice(4));
  });

  it('a refused send answers 502 with what happened and what to do; the form comes back filled in', async () => {
    const organizationId = await organization();
    catcher.behave({ kind: 'reject_recipient', code: 550 });
    try {
      const response = await post(`/organizations/${organizationId}`, [['intent', 'create_link'], ...EMAIL_FORM]);
      expect(response.status).toBe(502);
      const html = withoutReactMarkers(await response.text());
      expect(html).toContain(
        'The email could not be sent: the mail server refused the recipient’s address — check it. No link is active. Try again or use Copy link.',
      );
      expect(html).toMatch(/name="recipientEmail"[^>]*value="it-admin@customer.example"/);
      expect(html).not.toMatch(/sdl_/);
      expect(await db('setup_links').where({ organization_id: organizationId, status: 'active' })).toHaveLength(0);
    } finally {
      catcher.behave({ kind: 'accept' });
    }
    // After a reload, the failure is still explained and the form still starts from it.
    const page = withoutReactMarkers(await (await fetch(`${server.url}/organizations/${organizationId}`, { headers: { Cookie: supportCookie } })).text());
    expect(page).toContain('The last email, to it-admin@customer.example on');
    expect(page).toMatch(/name="recipientEmail"[^>]*value="it-admin@customer.example"/);
  });

  it('resend revokes the active link and emails a new one to the same person, for the same features', async () => {
    const organizationId = await organization();
    await post(`/organizations/${organizationId}`, [['intent', 'create_link'], ...EMAIL_FORM]);
    const first = /\/setup\/(sdl_[A-Za-z0-9_-]{43})/.exec(setupEmails().at(-1)!.mail.text!)![1]!;
    sentTokens.push(first);
    const active = await db('setup_links').where({ organization_id: organizationId, status: 'active' }).first('id');

    const refused = await post(`/organizations/${organizationId}`, [
      ['intent', 'resend_link'],
      ['linkId', String(active.id)],
      ['resendReason', ''],
    ]);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('Say why the email is sent again.');

    const response = await post(`/organizations/${organizationId}`, [
      ['intent', 'resend_link'],
      ['linkId', String(active.id)],
      ['resendReason', 'They cannot find it'],
      // Tampered hidden fields change nothing: the server resends from the link itself.
      ['recipientEmail', 'attacker@evil.example'],
      ['features', 'dsync'],
    ]);
    expect(response.status).toBe(302);
    const resent = setupEmails().at(-1)!;
    expect(resent.envelope.to).toEqual(['it-admin@customer.example']);
    expect(resent.mail.subject).toBe(`New link, replaces the earlier one: Set up Single Sign-On and Domain Verification for Globex ${counter}`);
    const second = /\/setup\/(sdl_[A-Za-z0-9_-]{43})/.exec(resent.mail.text!)![1]!;
    sentTokens.push(second);
    expect(second).not.toBe(first);
    expect((await fetch(`${server.url}/setup/${first}`)).status).toBe(404);
    expect((await fetch(`${server.url}/setup/${second}`)).status).toBe(200);
    const revoked = await db('setup_links').where({ id: active.id }).first('status', 'revoke_reason');
    expect(revoked).toEqual({ status: 'revoked', revoke_reason: 'Resent by email: They cannot find it' });

    // The link that was replaced cannot be "resent" again from a stale tab.
    const stale = await post(`/organizations/${organizationId}`, [
      ['intent', 'resend_link'],
      ['linkId', String(active.id)],
      ['resendReason', 'Again'],
    ]);
    expect(stale.status).toBe(400);
    expect(await stale.text()).toContain('That link is no longer the active one');
  });
});

describe('the email preview', () => {
  it('shows the email for a draft with a placeholder link, under a locked-down policy of its own, and creates nothing', async () => {
    const organizationId = await organization();
    const before = setupEmails().length;
    const response = await post(`/organizations/${organizationId}/email-preview`, EMAIL_FORM);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'unsafe-inline'");
    expect(csp).toMatch(/(^|;)\s*sandbox\s*(;|$)/);
    expect(csp).not.toMatch(/script-src/);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('cache-control')).toBe('no-store');

    const html = await response.text();
    expect(html).toContain('Preview — not sent.');
    expect(html).toContain(`Set up Single Sign-On and Domain Verification for Globex ${counter}`);
    expect(html).toContain('Pat Admin &lt;it-admin@customer.example&gt;');
    expect(html).toContain(`href="${server.url}/setup/preview-placeholder"`);
    expect(html).toContain('See you &lt;b&gt;Monday&lt;/b&gt;');
    expect(html).toContain('Plain-text version');
    expect(html).not.toMatch(/sdl_/);
    expect(setupEmails()).toHaveLength(before);
    expect(await db('setup_links').where({ organization_id: organizationId })).toHaveLength(0);
    // The placeholder opens the neutral page, like any link that is not valid.
    expect((await fetch(`${server.url}/setup/preview-placeholder`)).status).toBe(404);
  });

  it('for an organization with an active link (a resend or an emailed recreate), shows the subject saying it replaces the earlier link', async () => {
    const organizationId = await organization();
    const created = await post(`/organizations/${organizationId}`, [['intent', 'create_link'], ...EMAIL_FORM]);
    expect(created.status).toBe(302);
    sentTokens.push(/\/setup\/(sdl_[A-Za-z0-9_-]{43})/.exec(setupEmails().at(-1)!.mail.text!)![1]!);
    const html = await (await post(`/organizations/${organizationId}/email-preview`, EMAIL_FORM)).text();
    expect(html).toContain(`New link, replaces the earlier one: Set up Single Sign-On and Domain Verification for Globex ${counter}`);
    expect(html).toContain('This link replaces the setup link we sent you before');
  });

  it('lists what to fix when the draft is incomplete', async () => {
    const organizationId = await organization();
    const response = await post(`/organizations/${organizationId}/email-preview`, [
      ['delivery', 'email'],
      ['recipientEmail', 'pat@'],
    ]);
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('IT admin’s email: Enter the IT admin’s email address, such as it-admin@customer.com.');
    expect(html).toContain('Features: Choose at least one feature.');
  });

  it('is for support and above; opened directly, it goes back to the organization', async () => {
    const organizationId = await organization();
    expect((await post(`/organizations/${organizationId}/email-preview`, EMAIL_FORM, viewerCookie)).status).toBe(403);
    const direct = await fetch(`${server.url}/organizations/${organizationId}/email-preview`, { headers: { Cookie: supportCookie }, redirect: 'manual' });
    expect(direct.status).toBe(302);
    expect(direct.headers.get('location')).toBe(`/organizations/${organizationId}`);
  });
});
