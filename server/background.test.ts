/**
 * The server's background jobs, in the production build: the events poller on its interval (no
 * webhooks configured) and maintenance (expiring links, owner digests) — nothing triggered by hand.
 */
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '~/utils/db.server';
import { startSandbox, type RunningSandbox } from '../sandbox/server';
import { startBuiltServer, workosSandboxEnv, type RunningServer } from '../test/built-server';
import { createOrganizationInSandbox, createTestStaff, issueSetupLink } from '../test/factories';
import { startSmtpCatcher, type SmtpCatcher } from '../test/smtp-catcher';

let sandbox: RunningSandbox;
let catcher: SmtpCatcher;
let server: RunningServer;
let db: Knex;

beforeAll(async () => {
  sandbox = await startSandbox();
  catcher = await startSmtpCatcher();
  server = await startBuiltServer({
    ...workosSandboxEnv(sandbox),
    WORKOS_EVENTS_POLL: 'auto', // no webhook secret: the poller runs
    WORKOS_EVENTS_POLL_INTERVAL_MS: '1000',
    MAINTENANCE_INTERVAL_MS: '1000',
    SMTP_URL: catcher.url,
  });
  db = openDatabase(server.database);
});

afterAll(async () => {
  await db.destroy();
  expect(await server.stop()).toBe(0);
  await catcher.stop();
  await sandbox.stop();
});

async function until<T>(read: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('background jobs', () => {
  it('says at start what runs', async () => {
    const started = await server.waitForLog((line) => line.msg === 'background jobs started');
    expect(started).toMatchObject({ eventsPoller: 'every 1000 ms', webhooks: 'off' });
  });

  it('polls WorkOS on its interval: an event emitted in WorkOS shows up as progress by itself', async () => {
    const { workosId } = await createOrganizationInSandbox(sandbox, { name: 'Pendant Publishing', db });
    const emitted = sandbox.store.emit(
      'dsync.activated',
      { object: 'directory', id: 'directory_01BG', organization_id: workosId, type: 'okta scim v2.0', state: 'active' },
      workosId,
    );
    const stored = await until(async () => (await db('workos_events').where({ id: emitted.id }).first()) ?? undefined);
    expect(stored.source).toBe('poller');
    expect(await db('feature_status').where({ workos_organization_id: workosId, feature: 'dsync' }).first()).toMatchObject({ state: 'done', source: 'poller' });
    await server.waitForLog((line) => line.msg === 'events poller run' && Number(line.recorded) >= 1);
  });

  it('expires a link past its time and emails the CS owner their digest, on its own', async () => {
    const owner = await createTestStaff('support', { email: 'owen.owner@staff.example', name: 'Owen Owner', db });
    const { id: organizationId } = await createOrganizationInSandbox(sandbox, { name: 'Vandelay Imports', owner, db });
    // Issued three days ago for two days: past its time, and nothing has recorded that yet.
    const { link } = await issueSetupLink(organizationId, { features: ['sso'], lifetimeDays: 2, now: new Date(Date.now() - 3 * 86_400_000), db });
    const linkId = link.id;
    await until(async () => ((await db('setup_links').where({ id: linkId, status: 'expired' }).first()) ? true : undefined));
    const email = await until(async () => catcher.emails.find((candidate) => candidate.envelope.to.includes('owen.owner@staff.example')));
    expect(email.mail.subject).toBe('Setup Desk: 1 to follow up');
    expect(email.mail.text).toContain('Vandelay Imports: The setup link expired without being used.');
  });
});
