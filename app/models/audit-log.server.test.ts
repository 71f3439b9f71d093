import { beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '~/utils/db.server';
import { createTestStaff, insertOrganizationWithoutHistory } from '../../test/factories';
import { auditEventBatches, decodeAuditCursor, encodeAuditCursor, listAuditEvents, listOrganizationTimeline, recordAuditEvent } from './audit.server';
import { changeStaffRole, disableStaff, staffActor, type Staff } from './staff.server';

let ada: Staff;
let grace: Staff;
let acme = 0;
let globex = 0;

/** Events written with chosen times (the writer stamps "now"; history needs a spread). */
async function event(at: string, fields: { actor: Staff | 'system' | 'it_admin'; action: string; organizationId?: number; note?: string }) {
  const actor =
    typeof fields.actor === 'string'
      ? { type: fields.actor, id: null, label: fields.actor === 'system' ? 'Setup Desk' : 'IT admin' }
      : staffActor(fields.actor);
  await getDb()('audit_events').insert({
    at,
    request_id: `req-${at}`,
    actor_type: actor.type,
    actor_id: actor.id ?? null,
    actor_label: actor.label,
    action: fields.action,
    organization_id: fields.organizationId ?? null,
    details: JSON.stringify({
      fingerprint: 'abc123',
      features: ['sso'],
      delivery: 'email',
      recipient: 'it@acme.example',
      expiresAt: '2026-11-08T09:00:00.000Z',
    }),
    note: fields.note ?? null,
  });
}

beforeAll(async () => {
  ada = await createTestStaff('support', { name: 'Ada Lovelace' });
  grace = await createTestStaff('admin', { name: 'Grace Hopper' });
  // Organizations with no history of their own: the events below are all of it.
  acme = await insertOrganizationWithoutHistory({ name: 'Acme' });
  globex = await insertOrganizationWithoutHistory({ name: 'Globex' });
  await event('2026-11-01T09:00:00.000Z', { actor: ada, action: 'setup_link.created', organizationId: acme, note: 'Kick-off' });
  // Three events in the same millisecond: the id breaks the tie, and no page skips or repeats one.
  await event('2026-11-02T10:00:00.000Z', { actor: ada, action: 'setup_link.revoked', organizationId: acme, note: 'Wrong contact' });
  await event('2026-11-02T10:00:00.000Z', { actor: grace, action: 'setup_link.created', organizationId: globex });
  await event('2026-11-02T10:00:00.000Z', { actor: 'it_admin', action: 'setup_link.viewed', organizationId: acme });
  await event('2026-11-03T23:59:59.999Z', { actor: 'system', action: 'setup_link.expired', organizationId: globex });
  await event('2026-11-04T00:00:00.000Z', { actor: grace, action: 'organization.noted', organizationId: acme, note: 'Call on Monday' });
});

const idsOf = (events: { action: string; at: string }[]) => events.map((item) => `${item.at.slice(5, 10)} ${item.action}`);

describe('the audit log', () => {
  it('lists newest first, with the actor, the organization by name, the action in words and the note', async () => {
    const { events } = await listAuditEvents({ organizationIds: [acme, globex] });
    expect(idsOf(events)).toEqual([
      '11-04 organization.noted',
      '11-03 setup_link.expired',
      '11-02 setup_link.viewed',
      '11-02 setup_link.created',
      '11-02 setup_link.revoked',
      '11-01 setup_link.created',
    ]);
    expect(events[4]).toMatchObject({
      actorLabel: 'Ada Lovelace',
      organizationName: 'Acme',
      summary: 'revoked the setup link (abc123)',
      note: 'Wrong contact',
      noteLabel: 'Reason',
      requestId: 'req-2026-11-02T10:00:00.000Z',
    });
    expect(events[5]!.summary).toBe('created a setup link for Single Sign-On, to email to it@acme.example (abc123)');
  });

  it('filters by organization, by actor (a staff member, or a kind), by action and by date range (UTC days)', async () => {
    expect(idsOf((await listAuditEvents({ organizationIds: [globex] })).events)).toEqual(['11-03 setup_link.expired', '11-02 setup_link.created']);
    expect(idsOf((await listAuditEvents({ organizationIds: [acme], actor: { type: 'staff', id: ada.id } })).events)).toEqual([
      '11-02 setup_link.revoked',
      '11-01 setup_link.created',
    ]);
    expect(idsOf((await listAuditEvents({ actor: { type: 'it_admin' } })).events)).toEqual(['11-02 setup_link.viewed']);
    expect(idsOf((await listAuditEvents({ action: 'setup_link.created', organizationIds: [acme, globex] })).events)).toEqual([
      '11-02 setup_link.created',
      '11-01 setup_link.created',
    ]);
    // From the start of 2 November to the end of 3 November.
    const range = await listAuditEvents({ organizationIds: [acme, globex], from: '2026-11-02T00:00:00.000Z', to: '2026-11-04T00:00:00.000Z' });
    expect(idsOf(range.events)).toEqual(['11-03 setup_link.expired', '11-02 setup_link.viewed', '11-02 setup_link.created', '11-02 setup_link.revoked']);
    expect((await listAuditEvents({ organizationIds: [] })).events).toEqual([]);
  });

  it('pages by keyset through ties without skipping or repeating an event', async () => {
    const seen: string[] = [];
    let before = null;
    for (let page = 0; page < 10; page += 1) {
      const result: Awaited<ReturnType<typeof listAuditEvents>> = await listAuditEvents({ organizationIds: [acme, globex] }, { limit: 2, before });
      seen.push(...result.events.map((item) => String(item.id)));
      if (!result.next) break;
      // The cursor survives the trip through a URL.
      before = decodeAuditCursor(encodeAuditCursor(result.next));
    }
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);

    const batches: number[] = [];
    for await (const batch of auditEventBatches({ organizationIds: [acme, globex] }, { batchSize: 4 })) batches.push(batch.length);
    expect(batches).toEqual([4, 2]);
  });

  it('several organizations are read one by one and merged: the same events, order and pages as one query over all of them', async () => {
    // Interleaved in time across three organizations, with ties, plus events of others.
    const three = [
      await insertOrganizationWithoutHistory({ name: 'Merge One' }),
      await insertOrganizationWithoutHistory({ name: 'Merge Two' }),
      await insertOrganizationWithoutHistory({ name: 'Merge Three' }),
    ];
    const other = await insertOrganizationWithoutHistory({ name: 'Not Merged' });
    for (let index = 0; index < 40; index += 1) {
      const at = `2026-10-${String(1 + Math.floor(index / 3)).padStart(2, '0')}T0${index % 2}:00:00.000Z`;
      await event(at, { actor: index % 4 ? ada : 'system', action: index % 5 ? 'setup_link.viewed' : 'organization.noted', organizationId: three[index % 3] });
      if (index % 7 === 0) await event(at, { actor: ada, action: 'setup_link.viewed', organizationId: other });
    }
    const every = (await getDb()('audit_events')
      .whereIn('organization_id', three)
      .orderBy([
        { column: 'at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])) as { id: number; action: string; actor_type: string }[];
    for (const filters of [
      { organizationIds: three },
      { organizationIds: three, action: 'setup_link.viewed' },
      { organizationIds: three, actor: { type: 'staff' as const, id: ada.id } },
    ]) {
      const want = every
        .filter((row) => (!filters.action || row.action === filters.action) && (!filters.actor || row.actor_type === 'staff'))
        .map((row) => row.id);
      const got: number[] = [];
      let before = null;
      for (let page = 0; page < 50; page += 1) {
        const result: Awaited<ReturnType<typeof listAuditEvents>> = await listAuditEvents(filters, { before, limit: 7 });
        got.push(...result.events.map((item) => item.id));
        if (!result.next) break;
        before = result.next;
      }
      expect(got, JSON.stringify(filters)).toEqual(want);
      expect((await listAuditEvents(filters, { limit: 7 })).events[0]!.organizationName).toMatch(/^Merge /);
    }
  });

  it('reads a malformed cursor as none', () => {
    for (const bad of ['', 'not-base64!', Buffer.from('2026-11-01|x').toString('base64url'), Buffer.from("1' OR 1=1|3").toString('base64url')]) {
      expect(decodeAuditCursor(bad)).toBeNull();
    }
  });

  it('the organization timeline is the same list for one organization, a page at a time', async () => {
    const first = await listOrganizationTimeline(acme, { limit: 3 });
    expect(idsOf(first.events)).toEqual(['11-04 organization.noted', '11-02 setup_link.viewed', '11-02 setup_link.revoked']);
    const second = await listOrganizationTimeline(acme, { limit: 3, before: first.next });
    expect(idsOf(second.events)).toEqual(['11-01 setup_link.created']);
    expect(second.next).toBeNull();
  });
});

describe('integrity', () => {
  it('every event has an actor, a time and a request id — one is made for work outside a request', async () => {
    const { id } = await recordAuditEvent({
      actor: { type: 'cli', label: 'staff CLI' },
      action: 'staff.created',
      details: { staffId: 1, email: 'new@staff.example', name: 'New Member', role: 'viewer' },
    });
    const row = await getDb()('audit_events').where({ id }).first();
    expect(row.request_id).toMatch(/^op-[0-9a-f-]{36}$/);
    const incomplete = await getDb()('audit_events').whereNull('request_id').orWhereNull('actor_label').orWhereNull('at');
    expect(incomplete).toEqual([]);
  });

  it('a staff member renamed, demoted or disabled keeps the name they acted under', async () => {
    await getDb()('staff').where({ id: ada.id }).update({ name: 'Ada King' });
    await changeStaffRole(ada.id, 'viewer', staffActor(grace));
    await disableStaff(ada.id, staffActor(grace));
    const { events } = await listAuditEvents({ actor: { type: 'staff', id: ada.id }, organizationIds: [acme] });
    expect(events.map((item) => item.actorLabel)).toEqual(['Ada Lovelace', 'Ada Lovelace']);
  });

  it('history cannot be rewritten: UPDATE and DELETE are refused by the database', async () => {
    await expect(getDb()('audit_events').update({ note: 'changed' })).rejects.toThrow(/append-only/);
    await expect(getDb()('audit_events').delete()).rejects.toThrow(/append-only/);
  });
});
