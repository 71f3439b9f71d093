import { beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '~/utils/db.server';
import { getEnv } from '~/utils/env.server';
import { createOrganization, createTestStaff } from '../../test/factories';
import { archiveOrganization } from './organization.server';
import {
  ActiveLinkExistsError,
  createSetupLink,
  findRedeemableLink,
  getActiveSetupLink,
  hashSetupToken,
  confirmSetupLinkLaunch,
  recordSetupLinkLaunchFailure,
  flushSetupLinkViews,
  recordSetupLinkView,
  settleLapsedLinks,
  recreateSetupLink,
  revokeSetupLink,
} from './setup-link.server';
import { staffActor, type Staff } from './staff.server';
import { uniqueViolation } from '../../test/backend';

let rep: Staff;
let actor: ReturnType<typeof staffActor>;
const input = { features: ['sso' as const, 'dsync' as const], lifetimeDays: 7, note: 'For the kick-off' };

beforeAll(async () => {
  rep = await createTestStaff('support', { name: 'Rita Rep' });
  actor = staffActor(rep);
});

let counter = 0;
async function activeOrganization(status: 'active' | 'pending' | 'archived' = 'active'): Promise<number> {
  counter += 1;
  return (await createOrganization({ name: `Linked Co ${counter}`, status })).id;
}

const tokenOf = (url: string) => url.split('/setup/')[1]!;

describe('creating a setup link', () => {
  it('issues a prefixed 32-byte token shown once in a URL; only its SHA-256 is stored', async () => {
    const organizationId = await activeOrganization();
    const { url, link } = await createSetupLink(organizationId, input, actor);
    const token = tokenOf(url);
    expect(url).toMatch(/^http:\/\/localhost:3000\/setup\/sdl_[A-Za-z0-9_-]{43}$/);
    const row = await getDb()('setup_links').where({ id: link.id }).first();
    expect(row.token_hash).toBe(hashSetupToken(token));
    expect(JSON.stringify(row)).not.toContain(token.slice(4));
    const audit = await getDb()('audit_events').where({ setup_link_id: link.id });
    expect(audit.map((event: { action: string }) => event.action)).toEqual(['setup_link.created']);
    expect(JSON.stringify(audit)).not.toContain(token.slice(4));
    expect(JSON.parse(audit[0].details)).toMatchObject({ features: ['sso', 'dsync'], delivery: 'copy', fingerprint: row.token_hash.slice(0, 6) });
    expect(link).toMatchObject({ status: 'active', features: ['sso', 'dsync'], createdBy: 'Rita Rep' });
  });

  it('refuses a second link while one is active, saying who made it and when it expires', async () => {
    const organizationId = await activeOrganization();
    await createSetupLink(organizationId, input, actor);
    const refused = await createSetupLink(organizationId, input, actor).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ActiveLinkExistsError);
    expect((refused as Error).message).toMatch(
      /^This organization already has an active link \(created by Rita Rep, expires \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\) — revoke or recreate it\.$/,
    );
    // The page tells the rep in their own zone (decision 020).
    expect((refused as ActiveLinkExistsError).messageIn('America/Los_Angeles')).toMatch(
      /^This organization already has an active link \(created by Rita Rep, expires \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} P[SD]T\) — revoke or recreate it\.$/,
    );
  });

  it('50 parallel creates leave exactly one active link and 49 clear refusals', async () => {
    const organizationId = await activeOrganization();
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => createSetupLink(organizationId, input, actor)));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const refusals = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(refusals).toHaveLength(49);
    for (const refusal of refusals) expect(refusal.reason).toBeInstanceOf(ActiveLinkExistsError);
    expect(await getDb()('setup_links').where({ organization_id: organizationId, status: 'active' })).toHaveLength(1);
  });

  it('is refused for a pending or archived organization', async () => {
    await expect(createSetupLink(await activeOrganization('pending'), input, actor)).rejects.toThrow(/Create the organization in WorkOS first/);
    await expect(createSetupLink(await activeOrganization('archived'), input, actor)).rejects.toThrow(/archived/);
  });

  it('the database itself refuses a second active link', async () => {
    const organizationId = await activeOrganization();
    await createSetupLink(organizationId, input, actor);
    const now = new Date();
    // Written directly on purpose: the model never tries this, and the constraint under it is the subject.
    await expect(
      getDb()('setup_links').insert({
        organization_id: organizationId,
        token_hash: 'a'.repeat(64),
        features: '["sso"]',
        delivery: 'copy',
        expires_at: new Date(now.getTime() + 1000).toISOString(),
        status: 'active',
        created_at: now.toISOString(),
      }),
    ).rejects.toThrow(uniqueViolation('setup_links_one_active', 'setup_links.organization_id'));
  });
});

describe('redeeming a token', () => {
  it('works until the last millisecond of its lifetime, then reads as expired; maintenance records it once', async () => {
    const organizationId = await activeOrganization();
    const created = new Date('2026-11-20T12:00:00.000Z');
    const { url, link } = await createSetupLink(organizationId, { ...input, lifetimeDays: 1 }, actor, { now: created });
    const token = tokenOf(url);
    const expiry = new Date(link.expiresAt).getTime();
    expect(link.expiresAt).toBe('2026-11-21T12:00:00.000Z');
    expect(await findRedeemableLink(token, { now: new Date(expiry - 1) })).not.toBeNull();
    expect(await findRedeemableLink(token, { now: new Date(expiry) })).toBeNull();
    // The read wrote nothing: the row and the trail are as they were.
    expect((await getDb()('setup_links').where({ id: link.id }).first()).status).toBe('active');
    expect(await getDb()('audit_events').where({ setup_link_id: link.id, action: 'setup_link.expired' })).toHaveLength(0);
    expect(await getActiveSetupLink(organizationId, { now: new Date(expiry) })).toBeNull();
    await getDb().transaction((trx) => settleLapsedLinks({}, { db: trx, now: new Date(expiry) }));
    await getDb().transaction((trx) => settleLapsedLinks({}, { db: trx, now: new Date(expiry + 60_000) }));
    expect((await getDb()('setup_links').where({ id: link.id }).first()).status).toBe('expired');
    expect(await getDb()('audit_events').where({ setup_link_id: link.id, action: 'setup_link.expired' })).toHaveLength(1);
    // An expired link no longer blocks a new one.
    await expect(createSetupLink(organizationId, input, actor)).resolves.toBeDefined();
  });

  it('an expired link not yet recorded does not block a new one: issuing records its expiry first, once', async () => {
    const organizationId = await activeOrganization();
    const { link } = await createSetupLink(organizationId, { ...input, lifetimeDays: 1 }, actor, { now: new Date(Date.now() - 2 * 86_400_000) });
    await expect(createSetupLink(organizationId, input, actor)).resolves.toBeDefined();
    await getDb().transaction((trx) => settleLapsedLinks({}, { db: trx }));
    expect(await getDb()('audit_events').where({ setup_link_id: link.id, action: 'setup_link.expired' })).toHaveLength(1);
  });

  it('a revoke from another organization’s page is no such link: the link stays active and nothing is audited', async () => {
    const organizationId = await activeOrganization();
    const other = await activeOrganization();
    const { url, link } = await createSetupLink(organizationId, input, actor);
    const before = await getDb()('audit_events').where({ setup_link_id: link.id }).count({ n: '*' }).first();
    await expect(revokeSetupLink(link.id, { reason: 'Wrong page', organizationId: other }, actor)).rejects.toThrow('No such setup link.');
    expect(await findRedeemableLink(tokenOf(url))).not.toBeNull();
    expect(await getDb()('audit_events').where({ setup_link_id: link.id }).count({ n: '*' }).first()).toEqual(before);
    await expect(revokeSetupLink(link.id, { reason: 'Right page', organizationId }, actor)).resolves.toMatchObject({ revoked: true, status: 'revoked' });
  });

  it('unknown, malformed, revoked and expired tokens are all just null', async () => {
    const organizationId = await activeOrganization();
    const { url, link } = await createSetupLink(organizationId, input, actor);
    await revokeSetupLink(link.id, { reason: 'Wrong contact' }, actor);
    expect(await findRedeemableLink(tokenOf(url))).toBeNull();
    expect(await findRedeemableLink(`sdl_${'A'.repeat(43)}`)).toBeNull();
    expect(await findRedeemableLink('not-a-token')).toBeNull();
  });

  it('counts views (no audit event: a GET may be a mail scanner) and launches per feature, audited without the token', async () => {
    const organizationId = await activeOrganization();
    const { url } = await createSetupLink(organizationId, input, actor);
    const first = (await findRedeemableLink(tokenOf(url)))!;
    recordSetupLinkView(first.link);
    recordSetupLinkView((await findRedeemableLink(tokenOf(url)))!.link);
    await flushSetupLinkViews();
    expect(await confirmSetupLinkLaunch(first.link, 'sso')).toEqual({ ok: true });
    expect(await confirmSetupLinkLaunch(first.link, 'sso')).toEqual({ ok: true });
    await recordSetupLinkLaunchFailure(first.link, 'dsync', 'unavailable');
    const card = (await getActiveSetupLink(organizationId))!;
    expect(card).toMatchObject({ viewCount: 2, launchCount: 2, launches: { sso: { count: 2 } } });
    expect(card.launches.dsync).toBeUndefined();
    expect(card.firstViewedAt).not.toBeNull();
    const actions = (await getDb()('audit_events').where({ setup_link_id: card.id }).orderBy('id').pluck('action')) as string[];
    expect(actions).toEqual(['setup_link.created', 'setup_link.launched', 'setup_link.launched', 'setup_link.launch_failed']);
    expect(JSON.stringify(await getDb()('audit_events').where({ setup_link_id: card.id }))).not.toContain(tokenOf(url).slice(4));
  });

  it('a launch whose link was revoked, completed or expired while WorkOS answered is discarded and audited', async () => {
    for (const end of ['revoked', 'completed', 'expired'] as const) {
      const organizationId = await activeOrganization();
      const issuedAt = end === 'expired' ? new Date(Date.now() - 86_400_000 + 60_000) : new Date();
      const { url, link } = await createSetupLink(organizationId, { ...input, lifetimeDays: 1 }, actor, { now: issuedAt });
      // What the IT admin's page saw when the launch began: the link was active.
      const seen = (await findRedeemableLink(tokenOf(url)))!;
      if (end === 'revoked') await revokeSetupLink(link.id, { reason: 'Wrong person' }, actor);
      if (end === 'completed') {
        const { completeSetupLink } = await import('./setup-link.server');
        await getDb().transaction((trx) => completeSetupLink(link.id, { source: 'webhook', features: ['sso', 'dsync'] }, { db: trx, now: new Date() }));
      }
      // …and WorkOS answers after the end (for expiry: two minutes later, past the lifetime).
      const answeredAt = end === 'expired' ? new Date(Date.now() + 120_000) : new Date();
      expect(await confirmSetupLinkLaunch(seen.link, 'sso', { now: answeredAt })).toEqual({ ok: false, status: end });
      const events = await getDb()('audit_events').where({ setup_link_id: link.id }).whereIn('action', ['setup_link.launched', 'setup_link.launch_discarded']);
      expect(events.map((event: { action: string }) => event.action)).toEqual(['setup_link.launch_discarded']);
      expect(JSON.parse(events[0].details)).toMatchObject({ feature: 'sso', linkStatus: end });
      expect(await getDb()('setup_link_launches').where({ setup_link_id: link.id })).toHaveLength(0);
    }
  });
});

describe('revoking and recreating', () => {
  it('revoke is immediate and idempotent', async () => {
    const organizationId = await activeOrganization();
    const { link } = await createSetupLink(organizationId, input, actor);
    expect(await revokeSetupLink(link.id, { reason: 'Sent to the wrong person' }, actor)).toMatchObject({
      revoked: true,
      status: 'revoked',
      link: { id: link.id, status: 'revoked' },
    });
    expect(await revokeSetupLink(link.id, { reason: 'Again' }, actor)).toEqual({ revoked: false, status: 'revoked', link: null });
    const row = await getDb()('setup_links').where({ id: link.id }).first();
    expect(row).toMatchObject({ status: 'revoked', revoke_reason: 'Sent to the wrong person', revoked_by: rep.id });
    expect(await getDb()('audit_events').where({ setup_link_id: link.id, action: 'setup_link.revoked' })).toHaveLength(1);
  });

  it('recreate revokes the active link and issues a new one in one step', async () => {
    const organizationId = await activeOrganization();
    const old = await createSetupLink(organizationId, input, actor);
    const fresh = await recreateSetupLink(organizationId, { features: ['domain_verification'], lifetimeDays: 3, reason: 'Add domains' }, actor);
    expect(await findRedeemableLink(tokenOf(old.url))).toBeNull();
    expect((await findRedeemableLink(tokenOf(fresh.url)))!.link.features).toEqual(['domain_verification']);
    expect(await getDb()('setup_links').where({ organization_id: organizationId, status: 'active' })).toHaveLength(1);
  });

  it('archiving the organization revokes its active link', async () => {
    const organizationId = await activeOrganization();
    const { url } = await createSetupLink(organizationId, input, actor);
    await archiveOrganization(organizationId, { reason: 'Churned' }, actor);
    expect(await findRedeemableLink(tokenOf(url))).toBeNull();
    expect(await getDb()('setup_links').where({ organization_id: organizationId, status: 'revoked' })).toHaveLength(1);
  });
});

describe('views of the IT admin’s page', () => {
  const viewCountOf = async (linkId: number) =>
    (await getDb()('setup_links').where({ id: linkId }).first('view_count', 'first_viewed_at', 'last_viewed_at')) as {
      view_count: number;
      first_viewed_at: string | null;
      last_viewed_at: string | null;
    };

  it('wait in memory and are written together: thirty views of two links are one transaction of two updates', async () => {
    await flushSetupLinkViews();
    const one = (await createSetupLink(await activeOrganization(), input, actor)).link;
    const two = (await createSetupLink(await activeOrganization(), input, actor)).link;
    const writes: string[] = [];
    const listen = (query: { sql: string }) => {
      if (/^(begin|commit|update|insert|delete)\b/i.test(query.sql.trim())) writes.push(query.sql.trim().split(' ')[0]!.toLowerCase());
    };
    getDb().on('query', listen);
    const started = Date.parse('2026-12-02T10:00:00.000Z');
    for (let view = 0; view < 30; view += 1) recordSetupLinkView(view % 3 === 0 ? two : one, { now: new Date(started + view * 1000) });
    // Counted, not yet written: a page view costs no commit of its own.
    expect(writes).toEqual([]);
    expect((await viewCountOf(one.id)).view_count).toBe(0);
    await flushSetupLinkViews();
    getDb().off('query', listen);
    expect(writes.map((sql) => sql.replace(/;$/, ''))).toEqual(['begin', 'update', 'update', 'commit']);
    expect(await viewCountOf(one.id)).toEqual({ view_count: 20, first_viewed_at: '2026-12-02T10:00:01.000Z', last_viewed_at: '2026-12-02T10:00:29.000Z' });
    expect(await viewCountOf(two.id)).toEqual({ view_count: 10, first_viewed_at: '2026-12-02T10:00:00.000Z', last_viewed_at: '2026-12-02T10:00:27.000Z' });
    // A later batch adds to the count and keeps the first view.
    recordSetupLinkView(one, { now: new Date(started + 60_000) });
    await flushSetupLinkViews();
    expect(await viewCountOf(one.id)).toEqual({ view_count: 21, first_viewed_at: '2026-12-02T10:00:01.000Z', last_viewed_at: '2026-12-02T10:01:00.000Z' });
  });

  it('are written within the flush delay without anyone asking', async () => {
    const { link } = await createSetupLink(await activeOrganization(), input, actor);
    recordSetupLinkView(link);
    recordSetupLinkView(link);
    await expect.poll(async () => (await viewCountOf(link.id)).view_count, { timeout: getEnv().SETUP_VIEW_FLUSH_MS * 5, interval: 50 }).toBe(2);
  });

  it('not yet written when their link is revoked are not counted (at most the flush delay’s views)', async () => {
    const { link } = await createSetupLink(await activeOrganization(), input, actor);
    recordSetupLinkView(link);
    await revokeSetupLink(link.id, { reason: 'Wrong contact' }, actor);
    await flushSetupLinkViews();
    expect((await viewCountOf(link.id)).view_count).toBe(0);
  });
});
