import { beforeAll, describe, expect, it, vi } from 'vitest';
import { getDb } from '~/utils/db.server';
import { createOrganization, createTestStaff, type DomainInput } from '../../test/factories';
import { createSetupLink, findRedeemableLink } from './setup-link.server';
import type { EventSource } from '~/domain/progress';
import { doneFeatures, getSetupProgress, normalizeWorkOSEvent, recordWorkOSEvent } from './setup-progress.server';
import { staffActor } from './staff.server';

let actor: ReturnType<typeof staffActor>;
let ownerId: number;

beforeAll(async () => {
  const owner = await createTestStaff('support', { name: 'Olive Owner' });
  ownerId = owner.id;
  actor = staffActor(owner);
});

let counter = 0;
/**
 * An active organization of Olive's. `createdAt` is when the app created it — and so last had
 * WorkOS's copy of its domains: a domain event older than that is old news.
 */
async function organization({ createdAt, domains }: { createdAt?: string; domains?: DomainInput[] } = {}): Promise<{ id: number; workosId: string }> {
  counter += 1;
  if (createdAt) vi.setSystemTime(new Date(createdAt));
  try {
    const { id, workosId } = await createOrganization({ name: `Initech ${counter}`, owner: { id: ownerId }, domains });
    return { id, workosId: workosId! };
  } finally {
    vi.useRealTimers();
  }
}

let eventCounter = 0;
/** An event as the SDK hands it over (camelCase envelope), created `at`. */
function event(type: string, data: Record<string, unknown>, at: string, id = `event_01TEST${String(++eventCounter).padStart(20, '0')}`) {
  return { id, event: type, createdAt: at, context: {}, data };
}
const connection = (workosId: string, id = 'conn_01A', type = 'OktaSAML') => ({
  object: 'connection',
  id,
  organizationId: workosId,
  type,
  name: 'Okta',
  state: 'active',
});
const directory = (workosId: string, id = 'directory_01A') => ({
  object: 'directory',
  id,
  organizationId: workosId,
  type: 'okta scim v2.0',
  name: 'Dir',
  state: 'active',
});

async function record(raw: unknown, source: EventSource = 'webhook') {
  return getDb().transaction((trx) => recordWorkOSEvent(raw, source, { db: trx }));
}

async function statusOf(workosId: string, feature: string) {
  return getDb()('feature_status').where({ workos_organization_id: workosId, feature }).first();
}

async function auditCount(organizationId: number, action: string): Promise<number> {
  const [row] = await getDb()('audit_events').where({ organization_id: organizationId, action }).count<{ count: number }[]>({ count: '*' });
  return Number(row!.count);
}

describe('recording WorkOS events', () => {
  it('marks SSO done from connection.activated, with its label and source, and audits it', async () => {
    const org = await organization();
    const outcome = await record(event('connection.activated', connection(org.workosId), '2026-11-20T10:00:00.000Z'));
    expect(outcome).toEqual({ recorded: true, applied: true, setupEvent: true, completedLinkId: null });
    expect(await statusOf(org.workosId, 'sso')).toMatchObject({
      state: 'done',
      detail: 'OktaSAML connection active',
      source: 'webhook',
      changed_at: '2026-11-20T10:00:00.000Z',
    });
    const audit = await getDb()('audit_events').where({ organization_id: org.id, action: 'setup.progress' }).first();
    expect(audit.actor_label).toBe('WorkOS');
    expect(JSON.parse(audit.details)).toMatchObject({ feature: 'sso', state: 'done', event: 'connection.activated', source: 'webhook' });
  });

  it('records a replayed event once: the second delivery changes nothing', async () => {
    const org = await organization();
    const activated = event('connection.activated', connection(org.workosId), '2026-11-20T10:00:00.000Z');
    await record(activated);
    const replay = await record(activated, 'poller');
    expect(replay).toMatchObject({ recorded: false, applied: false });
    expect(await auditCount(org.id, 'setup.progress')).toBe(1);
    expect(await statusOf(org.workosId, 'sso')).toMatchObject({ source: 'webhook' });
  });

  it('lets the newest created_at win when activate and deactivate arrive out of order', async () => {
    const org = await organization();
    const activated = event('connection.activated', connection(org.workosId), '2026-11-20T10:00:00.000Z');
    const deactivated = event('connection.deactivated', { ...connection(org.workosId), state: 'inactive' }, '2026-11-20T11:00:00.000Z');
    expect(await record(deactivated)).toMatchObject({ recorded: true, applied: true });
    const late = await record(activated);
    expect(late).toMatchObject({ recorded: true, applied: false });
    expect(await statusOf(org.workosId, 'sso')).toMatchObject({ state: 'attention', detail: 'no active connection (OktaSAML deactivated)' });
    // The same pair in order ends the same way.
    const other = await organization();
    await record(event('connection.activated', connection(other.workosId), '2026-11-20T10:00:00.000Z'));
    await record(event('connection.deactivated', { ...connection(other.workosId), state: 'inactive' }, '2026-11-20T11:00:00.000Z'));
    expect((await statusOf(other.workosId, 'sso')).state).toBe('attention');
  });

  it('breaks a created_at tie by event id, so the outcome does not depend on arrival order', async () => {
    const [first, second] = [await organization(), await organization()];
    const at = '2026-11-20T10:00:00.000Z';
    const pair = (workosId: string) => [
      event('connection.activated', connection(workosId), at, `event_01TIE${workosId.slice(-6)}A`),
      event('connection.deactivated', connection(workosId), at, `event_01TIE${workosId.slice(-6)}B`),
    ];
    const [a1, b1] = pair(first.workosId);
    const [a2, b2] = pair(second.workosId);
    await record(a1);
    await record(b1);
    await record(b2);
    await record(a2);
    expect((await statusOf(first.workosId, 'sso')).state).toBe((await statusOf(second.workosId, 'sso')).state);
  });

  it('keeps SSO done while another connection is still active', async () => {
    const org = await organization();
    await record(event('connection.activated', connection(org.workosId, 'conn_01A', 'OktaSAML'), '2026-11-20T10:00:00.000Z'));
    await record(event('connection.activated', connection(org.workosId, 'conn_01B', 'EntraIdOIDC'), '2026-11-20T10:05:00.000Z'));
    await record(event('connection.deleted', connection(org.workosId, 'conn_01A'), '2026-11-20T10:10:00.000Z'));
    expect(await statusOf(org.workosId, 'sso')).toMatchObject({ state: 'done', detail: 'EntraIdOIDC connection active' });
  });

  it('reads domain verification, its failure, and certificate renewal (snake_case data the SDK leaves alone)', async () => {
    const org = await organization();
    await record(
      event(
        'organization_domain.verification_failed',
        { reason: 'domain_verification_period_expired', organizationDomain: { id: 'org_domain_01A', domain: 'initech.example', organizationId: org.workosId } },
        '2026-11-20T10:00:00.000Z',
      ),
    );
    expect(await statusOf(org.workosId, 'domain_verification')).toMatchObject({ state: 'attention', detail: 'verification of initech.example failed' });
    await record(
      event(
        'organization_domain.verified',
        { id: 'org_domain_01A', domain: 'initech.example', organizationId: org.workosId, state: 'verified' },
        '2026-11-20T11:00:00.000Z',
      ),
    );
    expect(await statusOf(org.workosId, 'domain_verification')).toMatchObject({ state: 'done', detail: 'initech.example verified' });

    await record(
      event(
        'connection.saml_certificate_renewal_required',
        { connection: { id: 'conn_01C', organization_id: org.workosId }, days_until_expiry: 30 },
        '2026-11-20T12:00:00.000Z',
      ),
    );
    expect(await statusOf(org.workosId, 'certificate_renewal')).toMatchObject({ state: 'attention', detail: 'a SAML certificate needs renewal' });
    await record(
      event(
        'connection.saml_certificate_renewed',
        { connection: { id: 'conn_01C', organization_id: org.workosId }, renewed_at: '2026-11-20T13:00:00.000Z' },
        '2026-11-20T13:00:00.000Z',
      ),
    );
    expect(await statusOf(org.workosId, 'certificate_renewal')).toMatchObject({ state: 'done' });
  });

  it('acknowledges other event types without keeping them, and keeps an unreadable setup event without applying it', async () => {
    const org = await organization();
    const other = event('user.created', { id: 'user_01', organizationId: org.workosId }, '2026-11-20T10:00:00.000Z');
    expect(await record(other)).toMatchObject({ setupEvent: false, recorded: false });
    expect(await getDb()('workos_events').where({ id: other.id }).first()).toBeUndefined();

    const broken = event('connection.activated', { object: 'connection' }, '2026-11-20T10:00:00.000Z');
    expect(await record(broken)).toMatchObject({ setupEvent: true, recorded: true, applied: false });
    const stored = await getDb()('workos_events').where({ id: broken.id }).first();
    expect(JSON.parse(stored.summary)).toEqual({ unreadable: 'no connection id' });
  });

  it('reads the SDK 12 event (Date timestamps), the SDK 11 one (strings) and the API’s own JSON (snake_case) alike', () => {
    const data = { id: 'conn_01DATE', organization_id: 'org_01DATE', connection_type: 'OktaSAML' };
    const fromSdk12 = normalizeWorkOSEvent({ id: 'event_01DATE', event: 'connection.activated', createdAt: new Date('2026-11-20T10:00:00.000Z'), data });
    const fromSdk11 = normalizeWorkOSEvent({ id: 'event_01DATE', event: 'connection.activated', createdAt: '2026-11-20T10:00:00.000Z', data });
    const fromApi = normalizeWorkOSEvent({ id: 'event_01DATE', event: 'connection.activated', created_at: '2026-11-20T10:00:00Z', data, object: 'event' });
    expect(fromSdk12).toEqual(fromSdk11);
    expect(fromApi).toEqual(fromSdk11);
    expect(fromSdk12.createdAt).toBe('2026-11-20T10:00:00.000Z');
    expect(() => normalizeWorkOSEvent({ id: 'event_01DATE', event: 'connection.activated', createdAt: new Date('nonsense'), data })).toThrow();
  });

  it('refuses an envelope that is not an event', () => {
    expect(() => normalizeWorkOSEvent({ id: 'x', event: 'connection.activated', createdAt: 'not a date', data: {} })).toThrow();
    expect(() => normalizeWorkOSEvent('nope')).toThrow();
  });

  it('keeps status for an organization the app does not know yet, and shows it once imported', async () => {
    const unknownId = 'org_01NOTIMPORTEDYET00000000000';
    await record(event('dsync.activated', directory(unknownId), '2026-11-20T10:00:00.000Z'));
    expect(await statusOf(unknownId, 'dsync')).toMatchObject({ state: 'done' });
    const progress = await getSetupProgress({ id: 0, workosId: unknownId }, null);
    expect(progress).toEqual([expect.objectContaining({ feature: 'dsync', signal: true, state: 'done', inLink: false })]);
  });
});

describe('Directory Sync that stops, and Bring Your Own Key', () => {
  it('a deactivated directory is not done: it needs attention, and a later activation makes it done again', async () => {
    const org = await organization();
    await record(event('dsync.activated', directory(org.workosId), '2026-11-20T10:00:00.000Z'));
    expect(await statusOf(org.workosId, 'dsync')).toMatchObject({ state: 'done' });
    await record(event('dsync.deactivated', { ...directory(org.workosId), state: 'inactive' }, '2026-11-21T10:00:00.000Z'));
    expect(await statusOf(org.workosId, 'dsync')).toMatchObject({ state: 'attention', detail: 'no active directory (deactivated)' });
    await record(event('dsync.activated', directory(org.workosId), '2026-11-22T10:00:00.000Z'));
    expect(await statusOf(org.workosId, 'dsync')).toMatchObject({ state: 'done' });
  });

  it('a verified BYOK key is done (and completes a link of BYOK alone); a failed one needs attention', async () => {
    const org = await organization();
    const { link } = await createSetupLink(org.id, { features: ['bring_your_own_key'], lifetimeDays: 7 }, actor);
    const failed = await record(
      event('vault.byok_key.verification_completed', { organization_id: org.workosId, key_provider: 'AWS_KMS', verified: false }, new Date().toISOString()),
    );
    expect(failed.completedLinkId).toBeNull();
    expect(await statusOf(org.workosId, 'bring_your_own_key')).toMatchObject({ state: 'attention', detail: 'verification of the AWS_KMS key failed' });
    const verified = await record(
      event(
        'vault.byok_key.verification_completed',
        { organizationId: org.workosId, keyProvider: 'AWS_KMS', verified: true },
        new Date(Date.now() + 1000).toISOString(),
      ),
    );
    expect(await statusOf(org.workosId, 'bring_your_own_key')).toMatchObject({ state: 'done', detail: 'AWS_KMS key verified' });
    expect(verified.completedLinkId).toBe(link.id);
  });

  it('a BYOK event without its verification result is recorded as unreadable, not guessed', async () => {
    const org = await organization();
    const outcome = await record(
      event('vault.byok_key.verification_completed', { organization_id: org.workosId, key_provider: 'AWS_KMS' }, new Date().toISOString()),
    );
    expect(outcome).toMatchObject({ recorded: true, applied: false });
    expect(await statusOf(org.workosId, 'bring_your_own_key')).toBeUndefined();
  });
});

describe('WorkOS’s domains, kept fresh from its events', () => {
  const domainsOf = async (organizationId: number) =>
    Object.fromEntries(
      ((await getDb()('organization_domains').where({ organization_id: organizationId }).select('domain', 'state')) as { domain: string; state: string }[]).map(
        (row) => [row.domain, row.state],
      ),
    );

  it('verified, failed, created, updated and deleted domains, and a whole list in organization.updated — each newer than the last sync', async () => {
    const synced = '2026-11-20T09:00:00.000Z';
    const org = await organization({ createdAt: synced, domains: [{ domain: 'acme.example', state: 'pending', id: 'org_domain_1' }] });
    const domainEvent = (type: string, domain: string, state: string, at: string, id = `org_domain_${domain}`) =>
      event(type, { object: 'organization_domain', id, organizationId: org.workosId, domain, state }, at);

    await record(
      event(
        'organization_domain.verified',
        { id: 'org_domain_1', domain: 'acme.example', organizationId: org.workosId, state: 'verified' },
        '2026-11-20T10:00:00.000Z',
      ),
    );
    expect(await domainsOf(org.id)).toEqual({ 'acme.example': 'verified' });
    await record(domainEvent('organization_domain.created', 'new.example', 'pending', '2026-11-20T10:05:00.000Z'));
    await record(domainEvent('organization_domain.updated', 'new.example', 'verified', '2026-11-20T10:06:00.000Z'));
    expect(await domainsOf(org.id)).toEqual({ 'acme.example': 'verified', 'new.example': 'verified' });
    await record(domainEvent('organization_domain.deleted', 'new.example', 'verified', '2026-11-20T10:07:00.000Z'));
    expect(await domainsOf(org.id)).toEqual({ 'acme.example': 'verified' });
    await record(
      event(
        'organization.updated',
        {
          id: org.workosId,
          name: 'Initech',
          domains: [
            { id: 'd1', domain: 'acme.example', state: 'verified' },
            { id: 'd2', domain: 'second.example', state: 'pending' },
          ],
        },
        '2026-11-20T10:08:00.000Z',
      ),
    );
    expect(await domainsOf(org.id)).toEqual({ 'acme.example': 'verified', 'second.example': 'pending' });
    // The search finds a domain WorkOS added.
    const search = await getDb()('organization_search').where({ rowid: org.id }).first('domains');
    expect(search.domains).toContain('second.example');
  });

  it('events in any order: an older one delivered late never undoes a newer one about the same domain', async () => {
    const org = await organization({ createdAt: '2026-11-21T08:00:00.000Z' });
    const update = (state: string, at: string) =>
      event(
        'organization_domain.updated',
        { object: 'organization_domain', id: 'org_domain_order', organizationId: org.workosId, domain: 'order.example', state },
        at,
      );
    await record(update('verified', '2026-11-21T10:00:00.000Z'));
    await record(update('pending', '2026-11-21T09:00:00.000Z'));
    expect(await domainsOf(org.id)).toEqual({ 'order.example': 'verified' });
    // An old snapshot of the whole list is no newer either.
    await record(event('organization.updated', { id: org.workosId, domains: [] }, '2026-11-21T09:30:00.000Z'));
    expect(await domainsOf(org.id)).toEqual({ 'order.example': 'verified' });
  });

  it('an event older than the last edit or sync changes nothing (that answer was fresher)', async () => {
    const org = await organization({ createdAt: '2026-11-20T12:00:00.000Z', domains: [{ domain: 'late.example', state: 'verified', id: 'org_domain_late' }] });
    await record(
      event(
        'organization_domain.updated',
        { object: 'organization_domain', id: 'org_domain_late', organizationId: org.workosId, domain: 'late.example', state: 'pending' },
        '2026-11-20T11:00:00.000Z',
      ),
    );
    expect(await domainsOf(org.id)).toEqual({ 'late.example': 'verified' });
  });
});

describe('link completion', () => {
  it('completes the active link when every feature with a signal is done, audits it and tells the CS owner', async () => {
    const org = await organization();
    const { link, url } = await createSetupLink(org.id, { features: ['sso', 'dsync', 'audit_logs'], lifetimeDays: 7 }, actor);
    const token = url.split('/setup/')[1]!;

    const afterSso = await record(event('connection.activated', connection(org.workosId), new Date().toISOString()));
    expect(afterSso.completedLinkId).toBeNull();
    expect([...(await doneFeatures(org.workosId, link.features))]).toEqual(['sso']);
    expect((await findRedeemableLink(token))?.link.status).toBe('active');

    const afterDsync = await record(event('dsync.activated', directory(org.workosId), new Date().toISOString()), 'poller');
    expect(afterDsync.completedLinkId).toBe(link.id);
    const row = await getDb()('setup_links').where({ id: link.id }).first();
    expect(row.status).toBe('completed');
    expect(row.completed_at).not.toBeNull();
    const completed = await getDb()('audit_events').where({ setup_link_id: link.id, action: 'setup_link.completed' }).first();
    expect(JSON.parse(completed.details)).toMatchObject({ features: ['sso', 'dsync'], source: 'poller' });
    expect(await getDb()('owner_notices').where({ setup_link_id: link.id })).toEqual([
      expect.objectContaining({ staff_id: ownerId, kind: 'setup_completed', digest_id: null }),
    ]);
    // The IT admin's link still opens, to say everything is set.
    expect((await findRedeemableLink(token))?.link.status).toBe('completed');

    const progress = await getSetupProgress(org, link);
    expect(progress.map((item) => [item.feature, item.signal ? item.state : 'launches'])).toEqual([
      ['sso', 'done'],
      ['dsync', 'done'],
      ['audit_logs', 'launches'],
    ]);
  });

  it('never completes a link whose features WorkOS does not report on', async () => {
    const org = await organization();
    const { link } = await createSetupLink(org.id, { features: ['audit_logs', 'log_streams'], lifetimeDays: 7 }, actor);
    await record(event('connection.activated', connection(org.workosId), new Date().toISOString()));
    expect((await getDb()('setup_links').where({ id: link.id }).first()).status).toBe('active');
  });

  it('does not complete on a status that is not done (a failed domain verification)', async () => {
    const org = await organization();
    const { link } = await createSetupLink(org.id, { features: ['domain_verification'], lifetimeDays: 7 }, actor);
    await record(
      event(
        'organization_domain.verification_failed',
        { reason: 'x', organizationDomain: { id: 'org_domain_01Z', domain: 'initech.example', organizationId: org.workosId } },
        new Date().toISOString(),
      ),
    );
    expect((await getDb()('setup_links').where({ id: link.id }).first()).status).toBe('active');
  });
});
