import { beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '~/utils/db.server';
import { createOrganization, createTestStaff, deliverWorkOSEvent, issueSetupLink } from '../../test/factories';
import { listNeedsAttention, type AttentionKind } from './attention.server';
import { confirmSetupLinkLaunch, flushSetupLinkViews, recordSetupLinkLaunchFailure, recordSetupLinkView } from './setup-link.server';
import { staffActor } from './staff.server';

let rita: Awaited<ReturnType<typeof createTestStaff>>;
let otto: Awaited<ReturnType<typeof createTestStaff>>;
const DAY = 86_400_000;

beforeAll(async () => {
  rita = await createTestStaff('support', { name: 'Rita Rep' });
  otto = await createTestStaff('support', { name: 'Otto Other' });
});

let counter = 0;
async function organization(name: string, ownerId: number, status: 'active' | 'pending' = 'active', lastError?: { kind: string; message: string }) {
  counter += 1;
  const { id, workosId } = await createOrganization({ name, owner: { id: ownerId }, status, lastError });
  return { id, workosId };
}

const names = (groups: Awaited<ReturnType<typeof listNeedsAttention>>, kind: AttentionKind) =>
  groups.find((group) => group.kind === kind)!.items.map((item) => `${item.organizationName}: ${item.detail}`);

describe('needs attention', () => {
  it('lists each situation in its group, for the owner or everyone', async () => {
    const actor = staffActor(rita);
    const now = Date.now();
    const link = { features: ['sso' as const, 'dsync' as const], lifetimeDays: 7 };

    const expiring = await organization('Expiring Co', rita.id);
    await issueSetupLink(expiring.id, { ...link, actor, now: new Date(now - 6.5 * DAY) });

    // Emailed 4 days ago, never opened (the email's confirmation is written as the send would).
    const unopened = await organization('Unopened Co', rita.id);
    const sent = await issueSetupLink(unopened.id, { ...link, lifetimeDays: 14, actor, now: new Date(now - 4 * DAY) });
    await getDb()('setup_links')
      .where({ id: sent.link.id })
      .update({ delivery: 'email', recipient_email: 'it@unopened.example', email_sent_at: new Date(now - 4 * DAY).toISOString() });

    const stalled = await organization('Stalled Co', rita.id);
    const opened = await issueSetupLink(stalled.id, { ...link, lifetimeDays: 14, actor, now: new Date(now - 9 * DAY) });
    recordSetupLinkView(opened.link, { now: new Date(now - 8 * DAY) });
    await flushSetupLinkViews();

    const flagged = await organization('Flagged Co', rita.id);
    await deliverWorkOSEvent(
      'organization_domain.verification_failed',
      { reason: 'x', organizationDomain: { id: 'org_domain_1', domain: 'flagged.example', organizationId: flagged.workosId } },
      { id: `event_attention_${counter}` },
    );

    const launchFailed = await organization('Launch Failed Co', rita.id);
    const launchLink = await issueSetupLink(launchFailed.id, { ...link, lifetimeDays: 14, actor });
    await recordSetupLinkLaunchFailure(launchLink.link, 'sso', 'unavailable');

    await organization('Pending Co', rita.id, 'pending', { kind: 'unavailable', message: 'WorkOS did not answer.' });

    const completed = await organization('Completed Co', rita.id);
    await issueSetupLink(completed.id, { features: ['sso'], lifetimeDays: 7, actor });
    await deliverWorkOSEvent(
      'connection.activated',
      { id: 'conn_1', organizationId: completed.workosId, type: 'OktaSAML' },
      { id: `event_attention_done_${counter}`, source: 'poller' },
    );

    const failed = await organization('Failed Co', rita.id);
    // Emailed through this file's mail server: a closed port, so the send fails as it would for real.
    await issueSetupLink(failed.id, { ...link, actor, email: { address: 'it@failed.example' } });

    const others = await organization('Otto’s Expiring Co', otto.id);
    await issueSetupLink(others.id, { ...link, actor: staffActor(otto), now: new Date(now - 6.5 * DAY) });
    // Fine: a fresh link, nothing to do.
    const fine = await organization('Fine Co', rita.id);
    await issueSetupLink(fine.id, { ...link, actor });

    const mine = await listNeedsAttention({ ownerId: rita.id });
    expect(names(mine, 'expiring')).toEqual(['Expiring Co: the link for Single Sign-On, Directory Sync expires soon']);
    expect(names(mine, 'unopened')).toEqual(['Unopened Co: emailed to it@unopened.example, never opened']);
    expect(names(mine, 'stalled')).toEqual(['Stalled Co: opened, but Single Sign-On, Directory Sync not finished']);
    expect(names(mine, 'workos_problem').sort()).toEqual([
      'Flagged Co: Domain Verification: verification of flagged.example failed',
      'Launch Failed Co: the IT admin could not open sso setup (unavailable)',
      'Pending Co: not yet created in WorkOS: WorkOS did not answer.',
    ]);
    expect(names(mine, 'delivery_failed')).toEqual(['Failed Co: the email to it@failed.example could not be sent; no link is active']);
    expect(names(mine, 'completed')).toEqual(['Completed Co: set up Single Sign-On']);
    expect(JSON.stringify(mine)).not.toContain('Fine Co');
    expect(JSON.stringify(mine)).not.toContain('Otto');

    const everyone = await listNeedsAttention({ ownerId: null });
    expect(names(everyone, 'expiring')).toEqual(expect.arrayContaining(['Otto’s Expiring Co: the link for Single Sign-On, Directory Sync expires soon']));
    expect(everyone.find((group) => group.kind === 'expiring')!.items.find((item) => item.organizationName.startsWith('Otto'))!.ownerName).toBe('Otto Other');

    // A later successful launch clears the launch failure.
    await confirmSetupLinkLaunch(launchLink.link, 'sso');
    expect(names(await listNeedsAttention({ ownerId: rita.id }), 'workos_problem')).not.toContain(
      'Launch Failed Co: the IT admin could not open sso setup (unavailable)',
    );
  });
});
