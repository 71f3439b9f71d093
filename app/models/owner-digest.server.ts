import { renderEmail, type RenderedEmail } from '~/emails/render';
import { getDb, transaction, type ModelContext } from '~/utils/db.server';
import { sendEmail } from '~/utils/email.server';
import { getEnv } from '~/utils/env.server';
import { getLogger } from '~/utils/logger.server';
import { recordAuditEvent } from './audit.server';
import { getSettings } from './settings.server';

/**
 * What a CS owner is told by email: a setup completed, a link expired unused, a delivery failed,
 * the IT admin was reminded of a link they had not started.
 * Notices are queued as they happen (inside the transaction that causes them) and sent as one
 * digest per owner per day at most — a UNIQUE (staff_id, day) row makes the limit a database rule.
 */

export type NoticeKind = 'setup_completed' | 'link_expired_unused' | 'delivery_failed' | 'link_reminded';

const NOTICE_WORDS: Record<NoticeKind, (notice: PendingNotice) => string> = {
  setup_completed: () => 'Setup completed: every feature of the link is done.',
  link_expired_unused: () => 'The setup link expired without being used.',
  delivery_failed: () => 'The setup link was never delivered (its email, or WorkOS’s invitation, failed): no link is active.',
  link_reminded: (notice) => `A reminder was sent to ${notice.recipient_email ?? 'the IT admin'}: the setup link has not been used yet.`,
};

/** Drops what is queued for a staff member and not yet in a digest (they opted out). */
export async function dropQueuedNotices(staffId: number, { db = getDb() }: ModelContext = {}): Promise<void> {
  await db('owner_notices').where({ staff_id: staffId }).whereNull('digest_id').delete();
}

/** Queues a notice for the organization's CS owner, unless there is none or they opted out. */
export async function queueOwnerNotice(
  { organizationId, setupLinkId, kind }: { organizationId: number; setupLinkId: number | null; kind: NoticeKind },
  { db: trx = getDb(), now = new Date() }: ModelContext = {},
): Promise<boolean> {
  const owner = await trx('organizations as o')
    .join('staff as s', 's.id', 'o.cs_owner_id')
    .where('o.id', organizationId)
    .whereNull('s.disabled_at')
    .where('s.notify_digest', 1)
    .first('s.id');
  if (!owner) return false;
  await trx('owner_notices').insert({ staff_id: owner.id, organization_id: organizationId, setup_link_id: setupLinkId, kind, created_at: now.toISOString() });
  return true;
}

interface PendingNotice {
  id: number;
  kind: NoticeKind;
  organization_id: number;
  organization_name: string;
  /** The link's recipient, for the notices that name them (a reminder). */
  recipient_email: string | null;
  created_at: string;
}

export function renderOwnerDigest({
  staffName,
  notices,
  publicUrl,
  companyName,
}: {
  staffName: string;
  notices: PendingNotice[];
  publicUrl: string;
  companyName: string;
}): RenderedEmail {
  const completed = notices.filter((notice) => notice.kind === 'setup_completed').length;
  // A reminder is news, not a problem: the link still works, and Setup Desk did the following up.
  const reminded = notices.filter((notice) => notice.kind === 'link_reminded').length;
  const problems = notices.length - completed - reminded;
  const parts = [
    completed ? `${completed} setup${completed === 1 ? '' : 's'} completed` : null,
    problems ? `${problems} to follow up` : null,
    reminded ? `${reminded} reminder${reminded === 1 ? '' : 's'} sent` : null,
  ].filter(Boolean);
  return renderEmail({
    subject: `Setup Desk: ${parts.join(', ')}`,
    preheader: `Your customers’ onboarding since the last digest: ${parts.join(', ')}.`,
    greeting: `Hello ${staffName},`,
    paragraphs: ['Here is what happened to the customers you own in Setup Desk since your last digest.'],
    list: {
      heading: 'Updates:',
      items: notices.map((notice) => ({ title: notice.organization_name, description: NOTICE_WORDS[notice.kind](notice) })),
    },
    action: { label: 'Open Needs attention', url: `${publicUrl}/` },
    notices: [{ text: `You get at most one digest a day. To stop them, turn them off on your account page: ${publicUrl}/account` }],
    help: 'Each customer’s page in Setup Desk has the details and the next step.',
    footer: `Setup Desk · ${companyName}`,
  });
}

/**
 * Sends each owner with pending notices their digest, if they have had none today (UTC). Claiming
 * the day's row first means two processes never both send; a failed send is retried on the next
 * run, still as the day's one digest. Returns how many digests were sent.
 */
export async function sendOwnerDigests({ db = getDb(), now = new Date() }: ModelContext = {}): Promise<number> {
  const env = getEnv();
  const day = now.toISOString().slice(0, 10);
  // A digest left "sending" by a process that died: its notices go back to the queue.
  const interrupted = db('owner_digests')
    .where({ status: 'sending' })
    .where('started_at', '<', new Date(now.getTime() - 15 * 60_000).toISOString());
  await db('owner_notices').whereIn('digest_id', interrupted.clone().select('id')).update({ digest_id: null });
  await interrupted.update({ status: 'failed', error: 'interrupted before the mail server answered' });
  const owners = (await db('owner_notices as n')
    .join('staff as s', 's.id', 'n.staff_id')
    .whereNull('n.digest_id')
    .whereNull('s.disabled_at')
    .where('s.notify_digest', 1)
    .whereNotExists(db('owner_digests as d').whereRaw('d.staff_id = n.staff_id').where('d.day', day).where('d.status', '<>', 'failed'))
    .distinct('s.id', 's.name', 's.email')) as { id: number; name: string; email: string }[];
  let sent = 0;
  for (const owner of owners) {
    const claim = await transaction(db, async (trx) => {
      const existing = await trx('owner_digests').where({ staff_id: owner.id, day }).first('id', 'status');
      if (existing && existing.status !== 'failed') return null;
      const notices = (await trx('owner_notices as n')
        .join('organizations as o', 'o.id', 'n.organization_id')
        .leftJoin('setup_links as l', 'l.id', 'n.setup_link_id')
        .where('n.staff_id', owner.id)
        .whereNull('n.digest_id')
        .orderBy('n.id')
        .select('n.id', 'n.kind', 'n.organization_id', 'o.name as organization_name', 'l.recipient_email', 'n.created_at')) as PendingNotice[];
      if (notices.length === 0) return null;
      let digestId: number;
      if (existing) {
        // Conditional: of two instances retrying the same failed digest, one claims it.
        const claimed = await trx('owner_digests')
          .where({ id: existing.id, status: 'failed' })
          .update({ status: 'sending', notices: notices.length, started_at: now.toISOString(), error: null });
        if (claimed === 0) return null;
        digestId = existing.id as number;
      } else {
        const [row] = await trx('owner_digests')
          .insert({ staff_id: owner.id, day, status: 'sending', notices: notices.length, started_at: now.toISOString() })
          .returning('id');
        digestId = (row as { id: number }).id;
      }
      await trx('owner_notices')
        .whereIn(
          'id',
          notices.map((notice) => notice.id),
        )
        .update({ digest_id: digestId });
      return { digestId, notices };
    });
    if (!claim) continue;
    const settings = await getSettings({}, { db });
    const email = renderOwnerDigest({ staffName: owner.name, notices: claim.notices, publicUrl: env.PUBLIC_URL, companyName: settings.companyName });
    const outcome = await sendEmail({ to: { address: owner.email, name: owner.name }, ...email }, settings);
    await transaction(db, async (trx) => {
      if (outcome.ok) {
        await trx('owner_digests').where({ id: claim.digestId }).update({ status: 'sent', sent_at: new Date().toISOString() });
        await recordAuditEvent(
          { actor: { type: 'system', label: 'Setup Desk' }, action: 'staff.digest_sent', details: { name: owner.name, notices: claim.notices.length } },
          { db: trx },
        );
      } else {
        // The notices go back to the queue: the next run tries again (still today's one digest).
        await trx('owner_digests').where({ id: claim.digestId }).update({ status: 'failed', error: outcome.failure.reason });
        await trx('owner_notices').where({ digest_id: claim.digestId }).update({ digest_id: null });
      }
    });
    if (outcome.ok) {
      sent += 1;
    } else {
      getLogger().warn(
        { staffId: owner.id, errorClass: outcome.failure.errorClass, responseCode: outcome.failure.responseCode },
        'owner digest could not be sent',
      );
    }
  }
  return sent;
}
