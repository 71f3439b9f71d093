/**
 * `npm run doctor` as a user runs it (a child process on the real command), against the WorkOS
 * sandbox and a real SMTP server — and broken one way at a time: each failure names its own fix.
 * Then the System status page: the same checks for an admin, refused to support and viewer.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase } from '~/utils/db.server';
import type { CheckResult } from '~/services/doctor.server';
import { startSandbox, type RunningSandbox } from '../sandbox/server';
import { databaseEnv } from '../test/backend';
import { startBuiltServer, workosSandboxEnv, type RunningServer } from '../test/built-server';
import { signedInStaff } from '../test/factories';
import { startSmtpCatcher, type SmtpCatcher } from '../test/smtp-catcher';
import { makeTempDir } from '../test/temp-dirs';

let sandbox: RunningSandbox;
let catcher: SmtpCatcher;
let dir: string;
let migratedPath: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  sandbox.store.seedOrganization({ name: 'Doctor Checks Inc' });
  catcher = await startSmtpCatcher();
  dir = makeTempDir('setup-desk-doctor-');
  migratedPath = path.join(dir, 'migrated.sqlite');
  const db = openDatabase(migratedPath);
  await migrateToLatest(db);
  await db.destroy();
});

afterAll(async () => {
  await catcher.stop();
  await sandbox.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The environment of a healthy development install pointed at the sandbox and the catcher. */
function healthyEnv(): Record<string, string> {
  return { NODE_ENV: 'development', DATABASE_PATH: migratedPath, SMTP_URL: catcher.url, LOG_LEVEL: 'silent', ...workosSandboxEnv(sandbox) };
}

async function doctor(env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; results: CheckResult[]; stderr: string }> {
  const child = spawn(process.execPath, [path.resolve('node_modules/tsx/dist/cli.mjs'), 'scripts/doctor.ts', '--json', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), NODE_ENV: 'development', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    return { code, results: JSON.parse(stdout) as CheckResult[], stderr };
  } catch {
    throw new Error(`doctor printed no JSON (exit ${code}):\n${stdout}\n${stderr}`);
  }
}

const byId = (results: CheckResult[], id: string) => results.find((result) => result.id === id)!;
const failed = (results: CheckResult[]) => results.filter((result) => result.status === 'fail').map((result) => result.id);

describe('npm run doctor', () => {
  it('warns when requests came through a proxy while TRUST_PROXY is unset, with the fix', async () => {
    const server = await startBuiltServer({ ...workosSandboxEnv(sandbox), SMTP_URL: catcher.url });
    try {
      expect((await fetch(`${server.url}/login`, { headers: { 'X-Forwarded-For': '203.0.113.5' } })).status).toBe(200);
      const db = openDatabase(server.database);
      try {
        await expect.poll(async () => (await db('server_observations').where({ kind: 'forwarded_without_trust_proxy' })).length).toBe(1);
      } finally {
        await db.destroy();
      }
    } finally {
      await server.stop();
    }
    const env = { ...healthyEnv(), ...databaseEnv(server.database) };
    const untrusted = byId((await doctor(env)).results, 'proxy');
    expect(untrusted.status).toBe('warn');
    expect(untrusted.found).toMatch(/^requests arrive through a proxy \(from 127\.0\.0\.1, last .+ UTC\) but TRUST_PROXY is unset/);
    expect(untrusted.fix).toContain('Set TRUST_PROXY to the number of proxies in front');
    expect(byId((await doctor({ ...env, TRUST_PROXY: '1' })).results, 'proxy')).toMatchObject({
      status: 'pass',
      found: expect.stringContaining('TRUST_PROXY=1'),
    });
  });

  it('passes against the sandbox: exit 0, every required check passes, and no portal link is printed', async () => {
    const { code, results } = await doctor(healthyEnv());
    expect(failed(results)).toEqual([]);
    expect(code).toBe(0);
    expect(results.map((result) => result.id)).toEqual([
      'environment',
      'sdk',
      'node',
      'workos_key',
      'workos_client_id',
      'workos_api',
      'public_url',
      'portal_link',
      'customer_facing',
      'smtp',
      'database',
      'staff_guard',
      'events',
      'proxy',
      'build',
    ]);
    expect(byId(results, 'portal_link').found).toMatch(
      new RegExp(`points to ${sandbox.url.replace(/[.:/]/g, '\\$&')}, which the setup page allows \\(the link is not shown\\)`),
    );
    expect(JSON.stringify(results)).not.toMatch(/token=/);
    expect(byId(results, 'staff_guard').found).toBe('GET /organizations, GET /audit, GET /system, POST /organizations/new → sign-in required');
    expect(byId(results, 'build').found).toMatch(/from the current source$/);
    // Nothing was sent: the mail check only signs in unless asked.
    expect(catcher.emails).toHaveLength(0);
  });

  it('fails the portal-link check when links point where the setup page’s CSP does not allow, with the fix; passes once it does', async () => {
    // A WorkOS whose portal lives on another origin (a custom portal domain).
    const elsewhere = await startSandbox({ portalOrigin: 'http://portal.sandbox.test:4999' });
    elsewhere.store.seedOrganization({ name: 'Custom Portal Inc' });
    try {
      const env = { ...healthyEnv(), ...workosSandboxEnv(elsewhere) };
      const blocked = byId((await doctor(env)).results, 'portal_link');
      expect(blocked.status).toBe('fail');
      expect(blocked.found).toContain('the link points to http://portal.sandbox.test:4999, but the setup page allows only');
      expect(blocked.fix).toBe("Set WORKOS_PORTAL_ORIGIN=http://portal.sandbox.test:4999 (the portal's origin, e.g. a custom portal domain) and restart.");
      const fixed = byId((await doctor({ ...env, WORKOS_PORTAL_ORIGIN: 'http://portal.sandbox.test:4999' })).results, 'portal_link');
      expect(fixed.status).toBe('pass');
    } finally {
      await elsewhere.stop();
    }
  });

  it('sends a test email only when asked, from MAIL_FROM', async () => {
    const { code, results } = await doctor({ ...healthyEnv(), MAIL_FROM: 'Doctor <doctor@vendor.example>' }, ['--send-test-email', 'ops@vendor.example']);
    expect(code).toBe(0);
    expect(byId(results, 'smtp').found).toContain('accepted a test email from doctor@vendor.example to ops@vendor.example');
    expect(catcher.emails.at(-1)!.envelope).toEqual({ from: 'doctor@vendor.example', to: ['ops@vendor.example'] });
  });

  it('fails each broken setting with its own fix: wrong key, stopped SMTP server, HTTP PUBLIC_URL in production, unmigrated database', async () => {
    const stoppedSmtp = await startSmtpCatcher();
    const stoppedUrl = stoppedSmtp.url;
    await stoppedSmtp.stop();
    const [wrongKey, noSmtp, httpProduction, unmigrated] = await Promise.all([
      doctor({ ...healthyEnv(), WORKOS_API_KEY: 'sk_test_not_a_key_the_sandbox_knows' }),
      doctor({ ...healthyEnv(), SMTP_URL: stoppedUrl }),
      doctor({
        ...healthyEnv(),
        NODE_ENV: 'production',
        PUBLIC_URL: 'http://setup-desk.example.com',
        SESSION_SECRET: 'p'.repeat(40),
        COMPANY_NAME: 'Vendor Inc',
        SUPPORT_EMAIL: 'help@vendor.example',
        MAIL_FROM: 'Vendor <onboarding@vendor.example>',
        WORKOS_API_HTTPS: 'true',
      }),
      doctor({ ...healthyEnv(), DATABASE_PATH: path.join(dir, 'never-migrated.sqlite') }),
    ]);

    expect(wrongKey.code).toBe(1);
    expect(failed(wrongKey.results)).toEqual(['workos_api', 'portal_link']);
    expect(byId(wrongKey.results, 'workos_api')).toMatchObject({
      found: 'no: invalid api key (HTTP 401)',
      fix: expect.stringMatching(/^WorkOS rejected the API key\. An admin should check WORKOS_API_KEY/),
    });

    expect(noSmtp.code).toBe(1);
    expect(failed(noSmtp.results)).toEqual(['smtp']);
    expect(byId(noSmtp.results, 'smtp')).toMatchObject({ found: expect.stringContaining('ESOCKET'), fix: expect.stringContaining('Check SMTP_URL') });

    expect(httpProduction.code).toBe(1);
    expect(failed(httpProduction.results)).toContain('public_url');
    expect(byId(httpProduction.results, 'public_url')).toMatchObject({
      found: 'http://setup-desk.example.com is not HTTPS',
      fix: expect.stringMatching(/^WorkOS requires HTTPS redirect URIs in production/),
    });
    expect(byId(httpProduction.results, 'environment').found).toContain('PUBLIC_URL must start with https:// in production');
    // A test key where production is declared is worth a warning, not a failure.
    expect(byId(httpProduction.results, 'workos_key').status).toBe('warn');

    expect(unmigrated.code).toBe(1);
    expect(failed(unmigrated.results)).toEqual(['database']);
    expect(byId(unmigrated.results, 'database')).toMatchObject({
      found: expect.stringMatching(/0 of \d+ migrations applied/),
      fix: expect.stringContaining('npm run db:migrate'),
    });
    // The doctor looked, and changed nothing: the file is still unmigrated.
    const untouched = openDatabase(path.join(dir, 'never-migrated.sqlite'));
    expect(await untouched.schema.hasTable('organizations')).toBe(false);
    await untouched.destroy();
  });
});

describe('the System status page', () => {
  let server: RunningServer;
  let db: Knex;
  const cookies: Record<string, string> = {};

  beforeAll(async () => {
    server = await startBuiltServer({ ...workosSandboxEnv(sandbox), SMTP_URL: catcher.url, WORKOS_EVENTS_POLL: 'auto' });
    db = openDatabase(server.database);
    for (const role of ['admin', 'support', 'viewer'] as const) {
      cookies[role] = (await signedInStaff(role, { email: `${role}-status@staff.example`, name: `Status ${role}`, db })).cookie;
    }
  });

  afterAll(async () => {
    await db.destroy();
    await server.stop();
  });

  it('shows an admin the same checks as the command, run by the app itself', async () => {
    const response = await fetch(`${server.url}/system`, { headers: { Cookie: cookies.admin! } });
    expect(response.status).toBe(200);
    const html = await response.text();
    const shown = [...html.matchAll(/data-check="([a-z_]+)"/g)].map((match) => match[1]);
    const { results } = await doctor({ ...healthyEnv(), ...databaseEnv(server.database) });
    expect(shown).toEqual(results.map((result) => result.id));
    expect(html).toContain('Every required check passes');
    expect(html).toContain('GET /organizations, GET /audit, GET /system, POST /organizations/new → sign-in required');
    expect(html).not.toMatch(/token=/);
  });

  it('is refused to support and viewer', async () => {
    for (const role of ['support', 'viewer'] as const) {
      const page = await fetch(`${server.url}/system`, { headers: { Cookie: cookies[role]! }, redirect: 'manual' });
      expect(page.status, role).toBe(403);
      const post = await fetch(`${server.url}/system`, {
        method: 'POST',
        redirect: 'manual',
        headers: { Cookie: cookies[role]!, 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url },
        body: 'recipient=ops%40vendor.example',
      });
      expect(post.status, role).toBe(403);
    }
  });

  it('sends a test email for an admin, audited', async () => {
    const before = catcher.emails.length;
    const response = await fetch(`${server.url}/system`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: cookies.admin!, 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url },
      body: 'recipient=ops%40vendor.example',
    });
    expect(response.status).toBe(302);
    expect(catcher.emails.length).toBe(before + 1);
    expect(catcher.emails.at(-1)!.mail.subject).toBe('Setup Desk: test email');
    expect(await db('audit_events').where({ action: 'system.test_email' }).first()).toMatchObject({ actor_label: 'Status admin' });
    const invalid = await fetch(`${server.url}/system`, {
      method: 'POST',
      headers: { Cookie: cookies.admin!, 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url },
      body: 'recipient=not-an-address',
    });
    expect(invalid.status).toBe(400);
  });
});
