/**
 * `POST /webhooks/workos` against the production build: real signatures from the WorkOS sandbox's
 * webhook dispatcher, and hand-made bad ones. Refusals say why in the log, never with the body.
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '~/utils/db.server';
import { signWebhook } from '../sandbox/webhooks';
import { startSandbox, type RunningSandbox } from '../sandbox/server';
import { startBuiltServer, workosSandboxEnv, type RunningServer } from '../test/built-server';
import { createOrganizationInSandbox } from '../test/factories';

const SECRET = 'whsec_test_' + crypto.randomBytes(16).toString('hex');
/** A string every payload carries: it must never appear in the server's output. */
const BODY_MARKER = 'body-marker-' + crypto.randomBytes(6).toString('hex');

let sandbox: RunningSandbox;
let server: RunningServer;
let db: Knex;
let workosOrganizationId: string;
let organizationId: number;

beforeAll(async () => {
  sandbox = await startSandbox();
  server = await startBuiltServer({
    ...workosSandboxEnv(sandbox),
    WORKOS_WEBHOOK_SECRET: SECRET,
  });
  db = openDatabase(server.database);
  ({ id: organizationId, workosId: workosOrganizationId } = await createOrganizationInSandbox(sandbox, { name: 'Kramerica', db }));
});

afterAll(async () => {
  await db.destroy();
  await server.stop();
  await sandbox.stop();
  const output = [...server.stdout, ...server.stderr].join('\n');
  expect(output).not.toContain(BODY_MARKER);
});

let counter = 0;
function connectionEvent(type = 'connection.activated', createdAt = new Date().toISOString()) {
  counter += 1;
  return {
    object: 'event',
    id: `event_01WEBHOOK${String(counter).padStart(16, '0')}`,
    event: type,
    created_at: createdAt,
    context: {},
    data: {
      object: 'connection',
      id: `conn_01WH${counter}`,
      organization_id: workosOrganizationId,
      connection_type: 'OktaSAML',
      name: BODY_MARKER,
      state: 'active',
    },
  };
}

async function post(body: string, signature: string | null) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (signature !== null) headers['WorkOS-Signature'] = signature;
  const response = await fetch(`${server.url}/webhooks/workos`, { method: 'POST', headers, body });
  return { status: response.status, text: await response.text() };
}

async function storedEvent(id: string) {
  return db('workos_events').where({ id }).first();
}

async function refusalLogged(reason: RegExp) {
  return server.waitForLog((line) => line.msg === 'webhook refused' && reason.test(String(line.reason)), 5_000);
}

describe('POST /webhooks/workos', () => {
  it('accepts an event the WorkOS sandbox signs and delivers, and the organization shows SSO done', async () => {
    await fetch(`${sandbox.url}/__sandbox/webhook-endpoints`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: `${server.url}/webhooks/workos`, secret: SECRET }),
    });
    const emitted = sandbox.store.emit(
      'connection.activated',
      { object: 'connection', id: 'conn_01DELIVERED', organization_id: workosOrganizationId, connection_type: 'AzureSAML', name: BODY_MARKER, state: 'active' },
      workosOrganizationId,
    );
    const deliveries = (await (await fetch(`${sandbox.url}/__sandbox/webhook-deliveries`)).json()) as { eventId: string; status: number }[];
    expect(deliveries.filter((delivery) => delivery.eventId === emitted.id)).toEqual([expect.objectContaining({ status: 200 })]);
    expect(await storedEvent(emitted.id)).toMatchObject({ source: 'webhook', event: 'connection.activated', workos_organization_id: workosOrganizationId });
    expect(await db('feature_status').where({ workos_organization_id: workosOrganizationId, feature: 'sso' }).first()).toMatchObject({
      state: 'done',
      detail: 'AzureSAML connection active',
    });
    // The stored summary keeps what progress needs, not the payload.
    expect(JSON.stringify(await storedEvent(emitted.id))).not.toContain(BODY_MARKER);
  });

  it('refuses a bad signature with 400 and logs why, without the body', async () => {
    const body = JSON.stringify(connectionEvent());
    const forged = signWebhook(body, 'not-the-secret-at-all');
    expect(await post(body, forged)).toEqual({ status: 400, text: 'Webhook refused: Signature hash does not match the expected signature hash for payload.' });
    await refusalLogged(/does not match/);
    // A body changed after signing fails the same way.
    const signed = signWebhook(body, SECRET);
    expect((await post(body.replace('OktaSAML', 'EvilSAML'), signed)).status).toBe(400);
    expect(await storedEvent(JSON.parse(body).id)).toBeUndefined();
  });

  it('refuses a stale timestamp, and one from the future', async () => {
    const event = connectionEvent();
    const body = JSON.stringify(event);
    const stale = signWebhook(body, SECRET, Date.now() - 10 * 60_000);
    expect(await post(body, stale)).toEqual({ status: 400, text: 'Webhook refused: Timestamp outside the tolerance zone.' });
    await refusalLogged(/tolerance/);
    const future = signWebhook(body, SECRET, Date.now() + 10 * 60_000);
    expect(await post(body, future)).toEqual({ status: 400, text: 'Webhook refused: signature timestamp in the future.' });
    expect(await storedEvent(event.id)).toBeUndefined();
  });

  it('refuses a missing signature header and a signed body that is not an event', async () => {
    expect((await post('{}', null)).status).toBe(400);
    await refusalLogged(/no WorkOS-Signature header/);
    const notEvent = JSON.stringify({ hello: BODY_MARKER });
    expect((await post(notEvent, signWebhook(notEvent, SECRET))).status).toBe(400);
    await refusalLogged(/not a WorkOS event/);
    const notJson = `not json ${BODY_MARKER}`;
    expect((await post(notJson, signWebhook(notJson, SECRET))).status).toBe(400);
  });

  it('treats a replay as a duplicate: 200, and nothing changes', async () => {
    const event = connectionEvent();
    const body = JSON.stringify(event);
    expect(JSON.parse((await post(body, signWebhook(body, SECRET))).text)).toEqual({ received: true, duplicate: false });
    const auditBefore = await db('audit_events').where({ organization_id: organizationId }).count<{ count: number }[]>({ count: '*' });
    const replay = await post(body, signWebhook(body, SECRET));
    expect(replay.status).toBe(200);
    expect(JSON.parse(replay.text)).toEqual({ received: true, duplicate: true });
    const auditAfter = await db('audit_events').where({ organization_id: organizationId }).count<{ count: number }[]>({ count: '*' });
    expect(auditAfter).toEqual(auditBefore);
  });

  it('applies the newest of activate / deactivate whatever order they arrive in', async () => {
    const activated = connectionEvent('connection.activated', '2026-11-20T10:00:00.000Z');
    const deactivated = {
      ...activated,
      id: `${activated.id}X`,
      event: 'connection.deactivated',
      created_at: '2026-11-20T11:00:00.000Z',
      data: { ...activated.data, state: 'inactive' },
    };
    for (const event of [deactivated, activated]) {
      const body = JSON.stringify(event);
      expect((await post(body, signWebhook(body, SECRET))).status).toBe(200);
    }
    const resource = await db('workos_resources').where({ resource_id: activated.data.id }).first();
    expect(resource).toMatchObject({ state: 'inactive', event_id: deactivated.id });
  });

  it('acknowledges events of other types without keeping them', async () => {
    const event = { ...connectionEvent(), event: 'user.created' };
    const body = JSON.stringify(event);
    expect(JSON.parse((await post(body, signWebhook(body, SECRET))).text)).toEqual({ received: true, duplicate: false });
    expect(await storedEvent(event.id)).toBeUndefined();
  });

  it('refuses a body over 256 KB with 413', async () => {
    const body = JSON.stringify({ ...connectionEvent(), padding: 'x'.repeat(300 * 1024) });
    expect((await post(body, signWebhook(body, SECRET))).status).toBe(413);
  });

  it('answers a GET with 405', async () => {
    expect((await fetch(`${server.url}/webhooks/workos`)).status).toBe(405);
  });
});
