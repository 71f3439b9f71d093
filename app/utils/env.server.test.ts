import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/temp-dirs';
import { EnvError, parseEnv } from './env.server';

const PRODUCTION = {
  NODE_ENV: 'production',
  PUBLIC_URL: 'https://setup-desk.example.com/',
  SESSION_SECRET: 'x'.repeat(32),
  WORKOS_API_KEY: 'sk_live_abc',
  COMPANY_NAME: 'Acme Analytics',
  SUPPORT_EMAIL: 'support@acme.example',
  SMTP_URL: 'smtps://mailer:secret@smtp.acme.example:465',
  MAIL_FROM: 'Acme Onboarding <onboarding@acme.example>',
};

function problemsOf(raw: Record<string, string | undefined>): string[] {
  try {
    parseEnv(raw);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  return [];
}

describe('parseEnv', () => {
  it('runs in development with no variables at all', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      isProduction: false,
      PORT: 3000,
      HOST: '127.0.0.1',
      PUBLIC_URL: 'http://localhost:3000',
      DATABASE_PATH: 'db/setup-desk.sqlite',
      HSTS: false,
      TRUST_PROXY: false,
    });
    expect(env.SESSION_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(env.WORKOS_API_KEY.startsWith('sk_test_')).toBe(true);
    // Mail goes to the catcher `npm run dev` starts, from and to placeholder addresses.
    expect(env).toMatchObject({
      SMTP_URL: 'smtp://127.0.0.1:1025',
      MAIL_FROM: { name: 'Setup Desk', address: 'no-reply@setup-desk.local' },
      MAIL_REPLY_TO: 'support@setup-desk.local',
      SMTP_TIMEOUT_MS: 10_000,
    });
  });

  it('reads the sender as a name and an address; replies go to support unless MAIL_REPLY_TO says otherwise', () => {
    expect(parseEnv(PRODUCTION)).toMatchObject({
      MAIL_FROM: { name: 'Acme Onboarding', address: 'onboarding@acme.example' },
      MAIL_REPLY_TO: 'support@acme.example',
    });
    expect(parseEnv({ ...PRODUCTION, MAIL_FROM: 'onboarding@acme.example', MAIL_REPLY_TO: 'cs@acme.example' })).toMatchObject({
      MAIL_FROM: { name: '', address: 'onboarding@acme.example' },
      MAIL_REPLY_TO: 'cs@acme.example',
    });
    expect(parseEnv({ COMPANY_NAME: 'Acme "Analytics"' }).MAIL_FROM).toEqual({ name: 'Acme Analytics', address: 'no-reply@setup-desk.local' });
  });

  it('derives PUBLIC_URL from PORT in development and strips a trailing slash', () => {
    expect(parseEnv({ PORT: '4123' }).PUBLIC_URL).toBe('http://localhost:4123');
    expect(parseEnv(PRODUCTION).PUBLIC_URL).toBe('https://setup-desk.example.com');
  });

  it('accepts a complete production environment and turns HSTS on', () => {
    const env = parseEnv(PRODUCTION);
    expect(env).toMatchObject({ isProduction: true, HOST: '0.0.0.0', HSTS: true });
  });

  it('treats an empty value as unset', () => {
    expect(problemsOf({ ...PRODUCTION, SESSION_SECRET: '' })).toEqual([expect.stringMatching(/^SESSION_SECRET is required in production/)]);
  });

  it.each([
    ['PUBLIC_URL', { PUBLIC_URL: undefined }, /^PUBLIC_URL is required in production/],
    ['PUBLIC_URL', { PUBLIC_URL: 'http://setup-desk.example.com' }, /^PUBLIC_URL must start with https:\/\//],
    ['PUBLIC_URL', { PUBLIC_URL: 'not a url' }, /^PUBLIC_URL must be an absolute URL/],
    ['SESSION_SECRET', { SESSION_SECRET: 'short' }, /^SESSION_SECRET must be at least 32 characters/],
    ['SESSION_SECRET', { SESSION_SECRET: 'dev-only-session-secret-not-for-production-use' }, /development default/],
    ['WORKOS_API_KEY', { WORKOS_API_KEY: undefined }, /^WORKOS_API_KEY is required in production/],
    ['WORKOS_API_KEY', { WORKOS_API_KEY: 'pk_live_abc' }, /^WORKOS_API_KEY must start with sk_/],
    ['WORKOS_CLIENT_ID', { WORKOS_CLIENT_ID: 'abc' }, /^WORKOS_CLIENT_ID must start with client_/],
    ['WORKOS_API_HTTPS', { WORKOS_API_HTTPS: 'false' }, /^WORKOS_API_HTTPS must not be false in production/],
    ['COMPANY_NAME', { COMPANY_NAME: undefined }, /^COMPANY_NAME is required in production/],
    ['SUPPORT_EMAIL', { SUPPORT_EMAIL: undefined }, /^SUPPORT_EMAIL is required in production/],
    ['SMTP_URL', { SMTP_URL: undefined }, /^SMTP_URL is required in production/],
    ['MAIL_FROM', { MAIL_FROM: undefined }, /^MAIL_FROM is required in production/],
  ])('in production, rejects a bad %s and says how to fix it', (_name, override, expected) => {
    const problems = problemsOf({ ...PRODUCTION, ...override });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  it('reports every problem at once, not only the first', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems.map((problem) => problem.split(' ')[0])).toEqual([
      'PUBLIC_URL',
      'SESSION_SECRET',
      'WORKOS_API_KEY',
      'COMPANY_NAME',
      'SUPPORT_EMAIL',
      'SMTP_URL',
      'MAIL_FROM',
    ]);
  });

  it.each([
    [{ NODE_ENV: 'staging' }, /^NODE_ENV must be development, production or test/],
    [{ PORT: '70000' }, /^PORT must be between 0 and 65535/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    [{ TRUST_PROXY: 'yes' }, /^TRUST_PROXY must be false, true, or the number of proxies/],
    [{ HSTS: 'maybe' }, /^HSTS must be true or false/],
    [{ WORKOS_API_HOSTNAME: 'https://api.workos.com/' }, /^WORKOS_API_HOSTNAME must be a host name/],
    [{ WORKOS_API_PORT: '0' }, /^WORKOS_API_PORT must be between 1 and 65535/],
    [{ SMTP_URL: 'https://smtp.example.com' }, /^SMTP_URL must be an SMTP URL such as smtps:\/\//],
    [{ SMTP_URL: 'smtp.example.com:587' }, /^SMTP_URL must be an SMTP URL/],
    [{ MAIL_FROM: 'Acme Onboarding' }, /^MAIL_FROM must be one sender such as/],
    [{ MAIL_FROM: 'a@acme.example, b@acme.example' }, /^MAIL_FROM must be one sender/],
    [{ MAIL_REPLY_TO: 'cs at acme' }, /^MAIL_REPLY_TO must be an email address/],
    [{ SUPPORT_EMAIL: 'help' }, /^SUPPORT_EMAIL must be an email address/],
    [{ SMTP_TIMEOUT_MS: '50' }, /^SMTP_TIMEOUT_MS must be at least 1000/],
  ])('names the variable in any environment: %o', (raw, expected) => {
    expect(problemsOf(raw)[0]).toMatch(expected);
  });

  it('polls WorkOS events only without a webhook secret, unless told; names bad values', () => {
    expect(parseEnv({}).eventsPolling).toBe(true);
    expect(parseEnv({ WORKOS_WEBHOOK_SECRET: 'whsec_0123456789abcdef' }).eventsPolling).toBe(false);
    expect(parseEnv({ WORKOS_WEBHOOK_SECRET: 'whsec_0123456789abcdef', WORKOS_EVENTS_POLL: 'on' }).eventsPolling).toBe(true);
    expect(parseEnv({ WORKOS_EVENTS_POLL: 'off' }).eventsPolling).toBe(false);
    expect(problemsOf({ WORKOS_EVENTS_POLL: 'sometimes' })).toEqual(['WORKOS_EVENTS_POLL must be auto (poll only without WORKOS_WEBHOOK_SECRET), on or off']);
    expect(problemsOf({ WORKOS_EVENTS_POLL_INTERVAL_MS: '10' })).toEqual(['WORKOS_EVENTS_POLL_INTERVAL_MS must be at least 1000 (1 second)']);
    expect(problemsOf({ WORKOS_WEBHOOK_SECRET: 'short' })[0]).toMatch(/^WORKOS_WEBHOOK_SECRET must be the webhook secret from the WorkOS dashboard/);
  });

  it('reads TRUST_PROXY as a boolean or a hop count', () => {
    expect(parseEnv({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(parseEnv({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
  });
});

describe('loadDotEnv', () => {
  it('fills unset variables from the file and never overrides a set one; a missing file is fine', async () => {
    const { loadDotEnv } = await import('./env.server');
    const fs = await import('node:fs');
    const path = await import('node:path');
    const dir = makeTempDir('setup-desk-dotenv-');
    const file = path.join(dir, '.env');
    fs.writeFileSync(file, 'SD_TEST_FROM_FILE=file\nSD_TEST_ALREADY_SET=file\n');
    const previousNodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'development';
    process.env.SD_TEST_ALREADY_SET = 'shell';
    try {
      loadDotEnv(file);
      expect(process.env.SD_TEST_FROM_FILE).toBe('file');
      expect(process.env.SD_TEST_ALREADY_SET).toBe('shell');
      expect(() => loadDotEnv(path.join(dir, 'missing.env'))).not.toThrow();
    } finally {
      process.env.NODE_ENV = previousNodeEnv;
      delete process.env.SD_TEST_FROM_FILE;
      delete process.env.SD_TEST_ALREADY_SET;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
