/**
 * Extending a link (decision 025): the same token opens for longer, within the longest a link may
 * last from its creation; every extension audited with its reason; a link that no longer opens is
 * not extended; two reps extending at once both land, one after the other, or one is refused.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '~/utils/db.server';
import { createOrganization, createTestStaff } from '../../test/factories';
import {
  createSetupLink,
  extendSetupLink,
  ExtensionTooLongError,
  findRedeemableLink,
  revokeSetupLink,
  settleLapsedLinks,
  SetupLinkRuleError,
} from './setup-link.server';
import { staffActor } from './staff.server';

let actor: ReturnType<typeof staffActor>;
const DAY = 86_400_000;

beforeAll(async () => {
  actor = staffActor(await createTestStaff('support', { name: 'Ezra Extend' }));
});

let counter = 0;
async function copiedLink(lifetimeDays: number, now: Date) {
  counter += 1;
  const organization = await createOrganization({ name: `Extended Co ${counter}` });
  const issued = await createSetupLink(organization.id, { features: ['sso'], lifetimeDays }, actor, { now });
  return { organizationId: organization.id, link: issued.link, token: issued.url.split('/setup/')[1]! };
}

describe('extending a setup link', () => {
  it('the same token opens past its old expiry, until the new one; the history has from, to and why', async () => {
    const created = new Date('2026-12-01T09:00:00.000Z');
    const { organizationId, link, token } = await copiedLink(7, created);
    const later = new Date(created.getTime() + 5 * DAY);
    const extended = await extendSetupLink(link.id, { days: 5, reason: 'IT admin on leave', organizationId, maxDays: 30 }, actor, { now: later });
    expect(extended.expiresAt).toBe('2026-12-13T09:00:00.000Z');
    expect(extended.extendedAt).toBe(later.toISOString());

    // Past the old expiry (8 Dec) the IT admin's link still opens; past the new one it does not.
    expect(await findRedeemableLink(token, { now: new Date('2026-12-10T09:00:00.000Z') })).not.toBeNull();
    expect(await findRedeemableLink(token, { now: new Date('2026-12-13T09:00:01.000Z') })).toBeNull();
    // Maintenance on the old date settles nothing: the link is not expired.
    expect(await settleLapsedLinks({ organizationId }, { db: getDb(), now: new Date('2026-12-09T00:00:00.000Z') })).toBe(0);

    const event = await getDb()('audit_events').where({ setup_link_id: link.id, action: 'setup_link.extended' }).first();
    expect(JSON.parse(event.details)).toEqual({ fingerprint: link.fingerprint, from: '2026-12-08T09:00:00.000Z', to: '2026-12-13T09:00:00.000Z' });
    expect(event.note).toBe('IT admin on leave');
  });

  it('refuses beyond the maximum lifetime from creation, naming the latest date; up to it is allowed', async () => {
    const created = new Date('2026-12-01T09:00:00.000Z');
    const { organizationId, link } = await copiedLink(20, created);
    const attempt = extendSetupLink(link.id, { days: 11, reason: 'More time', organizationId, maxDays: 30 }, actor, { now: created });
    await expect(attempt).rejects.toThrow(ExtensionTooLongError);
    await expect(attempt).rejects.toThrow('A link lasts at most 30 days from its creation: this one can be extended to 2026-12-31 09:00 UTC at the latest.');
    const error = (await attempt.catch((thrown: unknown) => thrown)) as ExtensionTooLongError;
    expect(error.messageIn('America/New_York')).toContain('31 Dec 2026, 04:00');
    const row = await getDb()('setup_links').where({ id: link.id }).first('expires_at', 'extended_at');
    expect(row).toEqual({ expires_at: '2026-12-21T09:00:00.000Z', extended_at: null });

    const exactly = await extendSetupLink(link.id, { days: 10, reason: 'More time', organizationId, maxDays: 30 }, actor, { now: created });
    expect(exactly.expiresAt).toBe('2026-12-31T09:00:00.000Z');
    await expect(extendSetupLink(link.id, { days: 1, reason: 'Even more', organizationId, maxDays: 30 }, actor, { now: created })).rejects.toThrow(
      'This link already lasts the longest allowed (30 days from its creation): recreate it for more time.',
    );
    // A maximum lowered on the Configuration page applies to extensions.
    const { organizationId: otherId, link: other } = await copiedLink(7, created);
    await expect(extendSetupLink(other.id, { days: 7, reason: 'x', organizationId: otherId, maxDays: 10 }, actor, { now: created })).rejects.toThrow(
      'at most 10 days',
    );
  });

  it('a link that no longer opens is not extended: revoked, or expired before the rep asked', async () => {
    const created = new Date('2026-12-01T09:00:00.000Z');
    const revoked = await copiedLink(7, created);
    await revokeSetupLink(revoked.link.id, { reason: 'Wrong person' }, actor, { now: created });
    await expect(
      extendSetupLink(revoked.link.id, { days: 3, reason: 'x', organizationId: revoked.organizationId, maxDays: 30 }, actor, { now: created }),
    ).rejects.toThrow('That link is revoked: only an active link can be extended. Recreate it instead.');

    const lapsed = await copiedLink(2, created);
    await expect(
      extendSetupLink(lapsed.link.id, { days: 3, reason: 'x', organizationId: lapsed.organizationId, maxDays: 30 }, actor, {
        now: new Date(created.getTime() + 3 * DAY),
      }),
    ).rejects.toThrow('That link is expired');
    // Another organization's page names no such link.
    await expect(
      extendSetupLink(lapsed.link.id, { days: 1, reason: 'x', organizationId: revoked.organizationId, maxDays: 30 }, actor, { now: created }),
    ).rejects.toThrow(SetupLinkRuleError);
  });

  it('two reps extending at once: both extensions count, one after the other, or the second is refused — never one lost silently', async () => {
    const created = new Date('2026-12-01T09:00:00.000Z');
    const { organizationId, link } = await copiedLink(7, created);
    const results = await Promise.allSettled(
      [2, 3].map((days) => extendSetupLink(link.id, { days, reason: `Plus ${days}`, organizationId, maxDays: 30 }, actor, { now: created })),
    );
    const landed = results.filter((result) => result.status === 'fulfilled').length;
    const events = await getDb()('audit_events').where({ setup_link_id: link.id, action: 'setup_link.extended' });
    expect(events).toHaveLength(landed);
    const row = await getDb()('setup_links').where({ id: link.id }).first('expires_at');
    const expected = { 2: '2026-12-13T09:00:00.000Z', 1: results[0]!.status === 'fulfilled' ? '2026-12-10T09:00:00.000Z' : '2026-12-11T09:00:00.000Z' };
    expect(row.expires_at).toBe(expected[landed as 1 | 2]);
    for (const result of results) if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(SetupLinkRuleError);
  });
});
