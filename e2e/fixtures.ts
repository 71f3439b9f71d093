import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { test as base, expect, type Page } from '@playwright/test';
import { WorkOS } from '@workos-inc/node';
import { SandboxClient } from '../sandbox/client';
import { type StaffRole } from '~/domain/staff';

/**
 * The suite's `test`: the base URL of the server that global setup started, and a page that fails
 * the test on any console error or uncaught exception (a CSP violation shows up as one).
 */
export const E2E_PASSWORD = 'granite-sparrow-lantern-88';

/** A staff member created for one test, with the password they can sign in with. */
export interface TestStaff {
  id: number;
  email: string;
  name: string;
  role: StaffRole;
  password: string;
}

/**
 * The test factories (test/factories.ts: data made through the app's own models), pointed at the
 * e2e server's database file. Loaded on first use, after global setup has said where that file is.
 */
async function appModels() {
  const workDir = process.env.E2E_WORK_DIR;
  if (!workDir) throw new Error('E2E_WORK_DIR is not set: run the suite through playwright.config.ts');
  const databasePath = path.join(workDir, 'e2e.sqlite');
  if (process.env.DATABASE_PATH !== databasePath) {
    process.env.NODE_ENV = 'test';
    process.env.DATABASE_PATH = databasePath;
    process.env.LOG_LEVEL = 'silent';
    (await import('~/utils/env.server')).resetEnvCache();
  }
  return {
    db: (await import('~/utils/db.server')).getDb(),
    factories: await import('../test/factories'),
  };
}

/** Creates a staff member in the app's database (arranging data as the app would, not via the UI). */
export async function createStaffMember(role: StaffRole, name?: string): Promise<TestStaff> {
  const { factories } = await appModels();
  const suffix = crypto.randomBytes(4).toString('hex');
  const created = await factories.createTestStaff(role, {
    email: `${role}-${suffix}@staff.example`,
    name: name ?? `E2E ${role} ${suffix}`,
    password: E2E_PASSWORD,
  });
  return { ...created, password: E2E_PASSWORD };
}

/** An active organization: created in the sandbox (as WorkOS, through the SDK) and linked here by the factory, as creation links it. */
export async function arrangeOrganization(name: string, { domains = [] }: { domains?: string[] } = {}): Promise<{ id: number; workosId: string }> {
  const { workos } = e2eSandbox();
  const created = await workos.organizations.createOrganization({ name, domainData: domains.map((domain) => ({ domain, state: 'pending' as never })) });
  const { factories } = await appModels();
  const { id } = await factories.createOrganization({ workos: created, domains });
  return { id, workosId: created.id };
}

/** Notes on an organization, written as the app writes them (through the audit model), oldest first. */
export async function arrangeNotes(organizationId: number, author: TestStaff, notes: string[]): Promise<void> {
  const { db } = await appModels();
  const { recordAuditEvent } = await import('~/models/audit.server');
  for (const note of notes) {
    await recordAuditEvent({ actor: { type: 'staff', id: author.id, label: author.name }, action: 'organization.noted', organizationId, note }, { db });
  }
}

/** A copied setup link issued as a rep issues one (through the setup-link model); remember its URL. */
export async function arrangeCopiedLink(organizationId: number, features: ('sso' | 'dsync')[] = ['sso']): Promise<{ url: string }> {
  const { factories } = await appModels();
  const issued = await factories.issueSetupLink(organizationId, { features });
  return { url: issued.url };
}

/** A WorkOS event recorded and applied as the webhook receiver applies one (e.g. `connection.activated`). */
export async function arrangeWorkOSEvent(event: string, data: Record<string, unknown>): Promise<void> {
  const { factories } = await appModels();
  await factories.deliverWorkOSEvent(event, data);
}

/**
 * Remembers a setup link the test saw, so that global teardown can prove no trace of it (nor of
 * its token without the prefix) is in the database files or the server log.
 */
export function rememberIssuedLink(url: string): void {
  const token = url.split('/setup/')[1];
  if (!token) throw new Error(`not a setup link: ${url}`);
  fs.appendFileSync(path.join(process.env.E2E_WORK_DIR!, 'issued-tokens.txt'), `${token}\n`);
}

/**
 * Remembers the link in a WorkOS invitation email (`<sandbox>/invitation?token=…`): Setup Desk
 * never sees it, and global teardown proves its token is nowhere in the app's database files or log.
 */
export function rememberWorkOSInvitationLink(url: string): void {
  const token = new URL(url).searchParams.get('token');
  if (!new URL(url).pathname.endsWith('/invitation') || !token) throw new Error(`not a WorkOS invitation link: ${url}`);
  fs.appendFileSync(path.join(process.env.E2E_WORK_DIR!, 'invitation-tokens.txt'), `${token}\n`);
}

/** The e2e WorkOS sandbox: its test controls, and the real SDK pointed at it. */
export function e2eSandbox(): { client: SandboxClient; workos: WorkOS; url: string } {
  const url = process.env.E2E_SANDBOX_URL;
  if (!url) throw new Error('E2E_SANDBOX_URL is not set: run the suite through playwright.config.ts');
  const workos = new WorkOS(process.env.E2E_SANDBOX_API_KEY!, {
    apiHostname: process.env.E2E_SANDBOX_HOST!,
    port: Number(process.env.E2E_SANDBOX_PORT),
    https: false,
  });
  return { client: new SandboxClient(url), workos, url };
}

/** An email as the mail catcher's REST API (MailDev, `GET /email`) returns it. */
export interface CaughtEmail {
  id: string;
  subject: string;
  text: string;
  html: string;
  from: { address: string; name: string }[];
  to: { address: string; name: string }[];
  headers: Record<string, string>;
  date: string;
}

/**
 * The e2e mail catcher, read over its API as any mail client would, and its switch (the app's
 * SMTP connection goes through it; off, the catcher is unreachable to the app).
 */
export function e2eMailbox() {
  const url = process.env.E2E_MAIL_URL;
  const switchUrl = process.env.E2E_SMTP_SWITCH_URL;
  if (!url || !switchUrl) throw new Error('E2E_MAIL_URL is not set: run the suite through playwright.config.ts');
  const all = async (): Promise<CaughtEmail[]> => (await fetch(`${url}/email`)).json() as Promise<CaughtEmail[]>;
  return {
    all,
    /** The emails to `address`, oldest first. */
    async to(address: string): Promise<CaughtEmail[]> {
      return (await all()).filter((email) => email.to.some((recipient) => recipient.address === address));
    },
    async turnOff(): Promise<void> {
      expect((await fetch(`${switchUrl}/off`, { method: 'POST' })).status).toBe(204);
    },
    async turnOn(): Promise<void> {
      expect((await fetch(`${switchUrl}/on`, { method: 'POST' })).status).toBe(204);
    },
  };
}

export const test = base.extend<{
  consoleErrors: ConsoleErrors;
  login: (options: { role: StaffRole; name?: string }) => Promise<TestStaff>;
}>({
  /** Signs a new staff member in by creating their session directly (no form), as a cookie. */
  login: async ({ context, baseURL }, use) => {
    await use(async ({ role, name }) => {
      const member = await createStaffMember(role, name);
      const { factories } = await appModels();
      const { cookie } = await factories.sessionCookieFor(member.id);
      const [cookieName, ...value] = cookie.split('=');
      await context.addCookies([{ name: cookieName!, value: value.join('='), url: baseURL! }]);
      return member;
    });
  },
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures must destructure
  baseURL: async ({}, use) => {
    const baseURL = process.env.E2E_BASE_URL;
    if (!baseURL) throw new Error('E2E_BASE_URL is not set: run the suite through playwright.config.ts');
    await use(baseURL);
  },
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      const allowed: RegExp[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
      await use({ allow: (pattern) => allowed.push(pattern) });
      const unexpected = errors.filter((error) => !allowed.some((pattern) => pattern.test(error)));
      expect(unexpected, 'unexpected console errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

interface ConsoleErrors {
  /** Declares a console error this test causes on purpose (a 404 it asks for, say). */
  allow(pattern: RegExp): void;
}

/** Fails with the list of WCAG 2.1 A/AA violations on the current page, if any. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(
    results.violations.map(
      (violation) =>
        `${violation.id}: ${violation.help} (${violation.nodes
          .map((node) => node.target.join(' '))
          .slice(0, 3)
          .join('; ')})`,
    ),
  ).toEqual([]);
}
