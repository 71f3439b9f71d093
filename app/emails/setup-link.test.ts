import { describe, expect, it } from 'vitest';
import { formatExpiry, renderSetupLinkEmail, type SetupLinkEmailInput } from './setup-link';

const URL = 'https://desk.acme.example/setup/sdl_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const INPUT: SetupLinkEmailInput = {
  organizationName: 'Globex Corporation',
  recipientName: 'Pat Admin',
  senderName: 'Ada Lovelace',
  companyName: 'Acme Analytics',
  supportEmail: 'support@acme.example',
  features: ['domain_verification', 'sso'],
  url: URL,
  expiresAt: '2026-12-02T14:05:00.000Z',
  message: 'Hi Pat,\nas agreed on our call.',
};

function occurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

describe('the setup-link email', () => {
  const email = renderSetupLinkEmail(INPUT);

  it('names the organization and the features in the subject', () => {
    expect(email.subject).toBe('Set up Domain Verification and Single Sign-On for Globex Corporation');
    expect(renderSetupLinkEmail({ ...INPUT, features: ['sso', 'dsync', 'audit_logs'] }).subject).toBe('Set up Globex Corporation with Acme Analytics: 3 steps');
  });

  it('says who invites them, what each feature lets them do, when it expires (with the zone), not to forward it, and where to get help', () => {
    for (const part of [email.text, email.html]) {
      expect(part).toContain('Ada Lovelace at Acme Analytics invites you to set up Domain Verification and Single Sign-On for Globex Corporation');
      expect(part).toContain('Prove the company owns its email domains.');
      expect(part).toContain('Connect the company’s identity provider');
      expect(part).toContain('This link expires on Wednesday, 2 December 2026 at 14:05 UTC.');
      expect(part).toContain('Please do not forward it.');
      expect(part).toContain('support@acme.example');
    }
    expect(email.text).toMatch(/^Hello Pat Admin,\n/);
    expect(email.text).toContain('Message from Ada Lovelace:\n> Hi Pat,\n> as agreed on our call.');
  });

  it('carries the link in the button and as text beneath it (HTML), and on one line (text), nowhere else', () => {
    expect(occurrences(email.text, URL)).toBe(1);
    expect(occurrences(email.html, URL)).toBe(2);
    expect(email.html.indexOf(`href="${URL}"`)).toBeGreaterThan(-1);
    expect(email.html.indexOf(`>${URL}</span>`)).toBeGreaterThan(email.html.indexOf(`href="${URL}"`));
    expect(email.text).toContain(`Start setup:\n${URL}\n`);
  });

  it('links the support address (mailto) in the HTML part', () => {
    expect(email.html).toContain('Write to <a href="mailto:support@acme.example"');
    expect(email.text).toContain('Write to support@acme.example.');
  });

  it('a replacement says so in its subject and first paragraph; a first link does not', () => {
    const resent = renderSetupLinkEmail({ ...INPUT, replacesEarlierLink: true });
    expect(resent.subject).toBe('New link, replaces the earlier one: Set up Domain Verification and Single Sign-On for Globex Corporation');
    expect(resent.text).toContain('This link replaces the setup link we sent you before');
    expect(email.subject).not.toMatch(/replaces/i);
    expect(email.text).not.toContain('replaces the setup link');
  });

  it('loads nothing from anywhere: no images, no tracking, no scripts, no style sheets', () => {
    expect(email.html).not.toMatch(/<img|<script|<link|<iframe|src=|url\(/i);
    expect(email.html.match(/href="[^"]*"/g)).toEqual([`href="${URL}"`, 'href="mailto:support@acme.example"']);
  });

  it('escapes whatever the rep or the customer typed', () => {
    const hostile = renderSetupLinkEmail({
      ...INPUT,
      organizationName: 'Evil <b>Corp</b>',
      recipientName: '"><img src=x>',
      message: '<script>alert(1)</script> & <a href="https://phish.example">click</a>',
    });
    expect(hostile.html).not.toMatch(/<script|<img|<b>|href="https:\/\/phish/);
    expect(hostile.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;a href=');
    expect(hostile.text).toContain('Evil <b>Corp</b>'); // plain text is not HTML: shown as typed
  });

  it('works without a name or a message', () => {
    const plain = renderSetupLinkEmail({ ...INPUT, recipientName: null, message: null });
    expect(plain.text).toMatch(/^Hello,\n/);
    expect(plain.text).not.toContain('Message from');
    expect(plain.html).not.toContain('<blockquote');
  });

  it('renders one feature in the singular', () => {
    const single = renderSetupLinkEmail({ ...INPUT, features: ['sso'] });
    expect(single.subject).toBe('Set up Single Sign-On for Globex Corporation');
    expect(single.text).toContain('What you can set up:\n- Single Sign-On: ');
  });

  it('formats expiry in UTC, named, whatever the server’s zone', () => {
    expect(formatExpiry('2027-01-01T00:30:00.000Z')).toBe('Friday, 1 January 2027 at 00:30 UTC');
  });
});
