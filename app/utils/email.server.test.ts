import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closedPortUrl, startSilentServer, startSmtpCatcher, type SmtpCatcher } from '../../test/smtp-catcher';
import { describeEmailFailure, sendEmail, smtpTransportOptions } from './email.server';
import { parseEnv, resetEnvCache } from './env.server';

const EMAIL = {
  to: { address: 'it-admin@customer.example', name: 'Pat Admin' },
  subject: 'Set up Single Sign-On for Globex',
  text: 'Hello Pat,\n\nThe text part.\n',
  html: '<!DOCTYPE html><html><body><p>The HTML part.</p></body></html>',
};

let catcher: SmtpCatcher;
const originalEnv = { ...process.env };

function useMailServer(url: string, extra: Record<string, string> = {}) {
  Object.assign(process.env, { SMTP_URL: url, ...extra });
  resetEnvCache();
}

beforeAll(async () => {
  catcher = await startSmtpCatcher();
});

afterEach(() => {
  catcher.behave({ kind: 'accept' });
  for (const key of ['SMTP_URL', 'SMTP_TIMEOUT_MS', 'MAIL_FROM', 'MAIL_REPLY_TO', 'SUPPORT_EMAIL']) {
    if (originalEnv[key] === undefined) delete process.env[key];
    else process.env[key] = originalEnv[key];
  }
  resetEnvCache();
});

afterAll(async () => {
  await catcher.stop();
});

describe('sendEmail over SMTP', () => {
  it('delivers both parts with the configured sender and reply address, and returns the Message-ID', async () => {
    useMailServer(catcher.url, { MAIL_FROM: 'Acme Onboarding <onboarding@acme.example>', MAIL_REPLY_TO: 'cs@acme.example' });
    const before = catcher.emails.length;
    const outcome = await sendEmail(EMAIL);
    expect(outcome.ok).toBe(true);
    const [caught] = catcher.emails.slice(before);
    expect(caught!.envelope).toEqual({ from: 'onboarding@acme.example', to: ['it-admin@customer.example'] });
    expect(caught!.mail.from?.value).toEqual([{ name: 'Acme Onboarding', address: 'onboarding@acme.example' }]);
    expect(caught!.mail.replyTo?.value).toEqual([{ name: '', address: 'cs@acme.example' }]);
    expect(caught!.mail.to).toMatchObject({ value: [{ name: 'Pat Admin', address: 'it-admin@customer.example' }] });
    expect(caught!.mail.subject).toBe(EMAIL.subject);
    expect(caught!.mail.text).toBe(EMAIL.text);
    expect(caught!.mail.html).toContain('<p>The HTML part.</p>');
    expect(outcome.ok && outcome.messageId).toBe(caught!.mail.messageId);
  });

  it('signs in when SMTP_URL carries credentials (percent-encoded characters included)', async () => {
    const guarded = await startSmtpCatcher({ user: 'mailer', password: 'p@ss:w/rd' });
    try {
      useMailServer(guarded.url);
      expect(guarded.url).toContain('mailer:p%40ss%3Aw%2Frd@');
      expect((await sendEmail(EMAIL)).ok).toBe(true);
      expect(guarded.emails).toHaveLength(1);

      useMailServer(guarded.url.replace('p%40ss', 'wrong'));
      const refused = await sendEmail(EMAIL);
      expect(refused).toMatchObject({ ok: false, failure: { errorClass: 'EAUTH', responseCode: 535, transient: false } });
      expect(!refused.ok && refused.failure.reason).toMatch(/refused Setup Desk’s sign-in .* check SMTP_URL/);
    } finally {
      await guarded.stop();
    }
  });

  it('a mail server that is down (connection refused): ESOCKET, worth another try, and no throw', async () => {
    useMailServer(await closedPortUrl());
    const outcome = await sendEmail(EMAIL);
    expect(outcome).toEqual({
      ok: false,
      failure: { errorClass: 'ESOCKET', responseCode: null, transient: true, reason: 'the mail server could not be reached.' },
    });
  });

  it('a mail server that never answers: ETIMEDOUT after SMTP_TIMEOUT_MS, not a hung request', async () => {
    const silent = await startSilentServer();
    try {
      useMailServer(silent.url, { SMTP_TIMEOUT_MS: '1000' });
      const started = Date.now();
      const outcome = await sendEmail(EMAIL);
      expect(outcome).toMatchObject({ ok: false, failure: { errorClass: 'ETIMEDOUT', transient: true, reason: 'the mail server did not answer in time.' } });
      // Bounded by the greeting timeout (1 s) — with a wide margin for a slow machine.
      expect(Date.now() - started).toBeLessThan(8_000);
    } finally {
      await silent.stop();
    }
  });

  it('a refused recipient (550) is permanent and says to check the address', async () => {
    useMailServer(catcher.url);
    catcher.behave({ kind: 'reject_recipient', code: 550 });
    const outcome = await sendEmail(EMAIL);
    expect(outcome).toEqual({
      ok: false,
      failure: { errorClass: 'EENVELOPE', responseCode: 550, transient: false, reason: 'the mail server refused the recipient’s address — check it.' },
    });
  });

  it('a temporary refusal (451) is transient and says to try later', async () => {
    useMailServer(catcher.url);
    catcher.behave({ kind: 'reject_recipient', code: 451 });
    const outcome = await sendEmail(EMAIL);
    expect(outcome).toMatchObject({
      ok: false,
      failure: { responseCode: 451, transient: true, reason: 'the mail server is busy and asked to try again later.' },
    });
  });

  it('a refused message (554 after DATA) is EMESSAGE', async () => {
    useMailServer(catcher.url);
    catcher.behave({ kind: 'reject_message', code: 554 });
    const outcome = await sendEmail(EMAIL);
    expect(outcome).toEqual({
      ok: false,
      failure: { errorClass: 'EMESSAGE', responseCode: 554, transient: false, reason: 'the mail server refused the message.' },
    });
  });
});

describe('describeEmailFailure', () => {
  it('keeps only a well-formed class and code — never the text of the error', () => {
    const failure = describeEmailFailure(
      Object.assign(new Error('550 5.1.1 <it-admin@customer.example>: unknown; see https://x/setup/sdl_abc'), { code: 'weird code', responseCode: 9999 }),
    );
    expect(failure).toEqual({ errorClass: 'EUNKNOWN', responseCode: null, transient: false, reason: 'the mail server refused the message.' });
    expect(JSON.stringify(failure)).not.toMatch(/sdl_|customer\.example/);
    expect(describeEmailFailure(undefined).errorClass).toBe('EUNKNOWN');
  });
});

describe('smtpTransportOptions', () => {
  const base = {
    NODE_ENV: 'production',
    PUBLIC_URL: 'https://desk.example',
    SESSION_SECRET: 'x'.repeat(32),
    WORKOS_API_KEY: 'sk_live_x',
    COMPANY_NAME: 'Acme',
    SUPPORT_EMAIL: 's@acme.example',
    MAIL_FROM: 'o@acme.example',
  };

  it('smtps:// is TLS from the start on 465; credentials are decoded', () => {
    const options = smtpTransportOptions(parseEnv({ ...base, SMTP_URL: 'smtps://user%40acme:se%2Fcret@smtp.acme.example' }));
    expect(options).toMatchObject({ host: 'smtp.acme.example', port: 465, secure: true, requireTLS: false, auth: { user: 'user@acme', pass: 'se/cret' } });
  });

  it('in production a plain smtp:// to another host must upgrade with STARTTLS; a loopback relay need not', () => {
    expect(smtpTransportOptions(parseEnv({ ...base, SMTP_URL: 'smtp://smtp.acme.example' }))).toMatchObject({
      port: 587,
      secure: false,
      requireTLS: true,
      auth: undefined,
    });
    expect(smtpTransportOptions(parseEnv({ ...base, SMTP_URL: 'smtp://127.0.0.1:25' }))).toMatchObject({ port: 25, requireTLS: false });
    expect(smtpTransportOptions(parseEnv({ SMTP_URL: 'smtp://smtp.acme.example:2525' }))).toMatchObject({ port: 2525, requireTLS: false });
  });

  it('applies SMTP_TIMEOUT_MS to every stage of the conversation', () => {
    const options = smtpTransportOptions(parseEnv({ SMTP_TIMEOUT_MS: '4000' }));
    expect(options).toMatchObject({ connectionTimeout: 4000, greetingTimeout: 4000, socketTimeout: 4000, dnsTimeout: 4000 });
  });
});
