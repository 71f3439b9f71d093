import { beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '~/utils/db.server';
import { createTestStaff } from '../../test/staff';
import { listNeedsAttention, type AttentionKind } from './attention.server';
import { confirmSetupLinkLaunch, createSetupLink, recordSetupLinkLaunchFailure, recordSetupLinkView } from './setup-link.server';
import { recordWorkOSEvent } from './setup-progress.server';
import { staffActor } from './staff.server';

let rita: Awaited<ReturnType<typeof createTestStaff>>;
let otto: Awaited<ReturnType<typeof createTestStaff>>;
const DAY = 86_400_000;

beforeAll(async () => {
  rita = await createTestStaff('support', { name: 'Rita Rep' });
  otto = await createTestStaff('support', { name: 'Otto Other' });
});

let counter = 0;
async function organization(name: string, ownerId: number, status: 'active' | 'pending' = 'active', lastError: string | null = null) {
  counter += 1;
  const now = new Date().toISOString();
  const workosId = status === 'active' ? `org_01ATTN${String(counter).padStart(19, '0')}` : null;
  const [row] = await getDb()('organizations')
    .insert({
      name,
      workos_id: workosId,
      status,
      idempotency_key: `attention-${counter}`,
      cs_owner_id: ownerId,
      last_error: lastError,
      created_at: now,
      updated_at: now,
    })
    .returning('id');
  return { id: (row as { id: number }).id, workosId };
}

const names = (groups: Awaited<ReturnType<typeof listNeedsAttention>>, kind: AttentionKind) =>
  groups.find((group) => group.kind === kind)!.items.map((item) => `${item.organizationName}: ${item.detail}`);

describe('needs attention', () => {
  it('lists each situation in its group, for the owner or everyone', async () => {
    const actor = staffActor(rita);
    const now = Date.now();
    const link = { features: ['sso' as const, 'dsync' as const], lifetimeDays: 7 };

    const expiring = await organization('Expiring Co', rita.id);
    await createSetupLink(expiring.id, link, actor, { now: new Date(now - 6.5 * DAY) });

    // Emailed 4 days ago, never opened (the email's confirmation is written as the send would).
    const unopened = await organization('Unopened Co', rita.id);
    const sent = await createSetupLink(unopened.id, { ...link, lifetimeDays: 14 }, actor, { now: new Date(now - 4 * DAY) });
    await getDb()('setup_links')
      .where({ id: sent.link.id })
      .update({ delivery: 'email', recipient_email: 'it@unopened.example', email_sent_at: new Date(now - 4 * DAY).toISOString() });

    const stalled = await organization('Stalled Co', rita.id);
    const opened = await createSetupLink(stalled.id, { ...link, lifetimeDays: 14 }, actor, { now: new Date(now - 9 * DAY) });
    await recordSetupLinkView(opened.link, { now: new Date(now - 8 * DAY) });

    const flagged = await organization('Flagged Co', rita.id);
    await getDb().transaction((trx) =>
      recordWorkOSEvent(
        {
          id: `event_attention_${counter}`,
          event: 'organization_domain.verification_failed',
          createdAt: new Date().toISOString(),
          data: { reason: 'x', organizationDomain: { id: 'org_domain_1', domain: 'flagged.example', organizationId: flagged.workosId } },
        },
        'webhook',
        { db: trx },
      ),
    );

    const launchFailed = await organization('Launch Failed Co', rita.id);
    const launchLink = await createSetupLink(launchFailed.id, { ...link, lifetimeDays: 14 }, actor);
    await recordSetupLinkLaunchFailure(launchLink.link, 'sso', 'unavailable');

    await organization('Pending Co', rita.id, 'pending', JSON.stringify({ kind: 'unavailable', message: 'WorkOS did not answer.' }));

    const completed = await organization('Completed Co', rita.id);
    await createSetupLink(completed.id, { features: ['sso'], lifetimeDays: 7 }, actor);
    await getDb().transaction((trx) =>
      recordWorkOSEvent(
        {
          id: `event_attention_done_${counter}`,
          event: 'connection.activated',
          createdAt: new Date().toISOString(),
          data: { id: 'conn_1', organizationId: completed.workosId, type: 'OktaSAML' },
        },
        'poller',
        { db: trx },
      ),
    );

    const failed = await organization('Failed Co', rita.id);
    const failedLink = await createSetupLink(failed.id, link, actor);
    await getDb()('setup_links').where({ id: failedLink.link.id }).update({ status: 'failed', delivery: 'email', recipient_email: 'it@failed.example' });

    const others = await organization('Otto’s Expiring Co', otto.id);
    await createSetupLink(others.id, link, staffActor(otto), { now: new Date(now - 6.5 * DAY) });
    // Fine: a fresh link, nothing to do.
    const fine = await organization('Fine Co', rita.id);
    await createSetupLink(fine.id, link, actor);

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
