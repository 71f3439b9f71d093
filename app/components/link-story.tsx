import { DEFAULT_TIME_ZONE, formatDateTime } from '~/utils/format';
import { useTimeZone } from './local-time';
import { FEATURE_INFO, hasCompletionSignal, type SetupFeature } from '~/domain/features';
import { type DeliveryMethod, type SetupLinkStatus } from '~/domain/setup-links';

/** What the story of an organization's current link needs. */
export interface LinkStoryLink {
  status: SetupLinkStatus;
  features: SetupFeature[];
  fingerprint: string;
  expiresAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
  revokeReason: string | null;
  completedAt: string | null;
  recipientEmail: string | null;
  createdBy: string | null;
  delivery: DeliveryMethod;
  /** Ended here; WorkOS has not yet confirmed ending its invitation (WorkOS-sent links). */
  invitationEndPending: boolean;
}

const titles = (features: SetupFeature[]) => features.map((feature) => FEATURE_INFO[feature].title).join(', ');

/**
 * How the organization's current link ended, in one sentence, and what to do next — so that a
 * completed customer is not shown "No active link" and a revoked one does not seem to be waiting.
 * Null while the link is active (its card says it all).
 */
export function linkStory(
  link: LinkStoryLink | null,
  { canEdit, timeZone = DEFAULT_TIME_ZONE }: { canEdit: boolean; /** The reader's zone (decision 020). */ timeZone?: string },
): { tone: 'done' | 'ended' | 'busy'; text: string; next: string | null } | null {
  if (!link) return null;
  const story = storyOf(link, { canEdit, timeZone });
  if (!story || !link.invitationEndPending) return story;
  // The link has ended here; WorkOS's copy of it may still open until WorkOS confirms.
  return { ...story, tone: 'busy', next: `WorkOS has not yet confirmed ending its invitation: Setup Desk keeps asking. ${story.next ?? ''}`.trim() };
}

function storyOf(
  link: LinkStoryLink,
  { canEdit, timeZone }: { canEdit: boolean; timeZone: string },
): { tone: 'done' | 'ended' | 'busy'; text: string; next: string | null } | null {
  const sentBy = link.delivery === 'workos';
  switch (link.status) {
    case 'active':
      return null;
    case 'sending':
      return {
        tone: 'busy',
        text: sentBy
          ? `WorkOS is being asked to send its invitation to ${link.recipientEmail ?? 'the IT admin'} (started by ${link.createdBy ?? 'someone'}).`
          : `A link is being emailed to ${link.recipientEmail ?? 'the IT admin'} (started by ${link.createdBy ?? 'someone'}).`,
        next: sentBy ? 'This page updates when WorkOS answers.' : 'This page updates when the mail server answers.',
      };
    case 'completed':
      return {
        tone: 'done',
        // Only what WorkOS reports on: Audit Logs, Log Streams and BYOK are never "reported done".
        text: `Setup completed on ${formatDateTime(link.completedAt ?? link.expiresAt, timeZone)}: WorkOS reported ${titles(link.features.filter(hasCompletionSignal))} done, and the link (${link.fingerprint}) closed.`,
        next: canEdit ? 'Nothing more to do. Send another link only if the customer needs more.' : null,
      };
    case 'revoked':
      return {
        tone: 'ended',
        text: `The link (${link.fingerprint}) was revoked on ${formatDateTime(link.revokedAt ?? link.expiresAt, timeZone)}${link.revokedBy ? ` by ${link.revokedBy}` : ''}${link.revokeReason ? `: “${link.revokeReason}”` : ''}. It no longer opens, and its setup stopped.`,
        next: canEdit ? 'Create a new link below when the customer is ready.' : null,
      };
    case 'expired':
      return {
        tone: 'ended',
        text: `The link (${link.fingerprint}) expired on ${formatDateTime(link.expiresAt, timeZone)} before the setup was finished.`,
        next: canEdit ? 'Send a new link below.' : null,
      };
    case 'failed':
      return {
        tone: 'ended',
        text: sentBy
          ? link.invitationEndPending
            ? `WorkOS did not answer whether it sent the invitation (${link.fingerprint}) to ${link.recipientEmail ?? 'the IT admin'}: it may have, and Setup Desk is ending it.`
            : `The link (${link.fingerprint}) never reached ${link.recipientEmail ?? 'the IT admin'}: WorkOS did not send its invitation.`
          : `The link (${link.fingerprint}) never reached ${link.recipientEmail ?? 'the IT admin'}: its email could not be sent.`,
        next: canEdit ? 'Send it again below, or use Copy link.' : null,
      };
  }
}

const TONES = {
  done: 'border-emerald-300 bg-emerald-50 text-emerald-900',
  ended: 'border-slate-300 bg-slate-50 text-slate-800',
  busy: 'border-sky-300 bg-sky-50 text-sky-900',
} as const;

export function LinkStory({ link, canEdit }: { link: LinkStoryLink | null; canEdit: boolean }) {
  const story = linkStory(link, { canEdit, timeZone: useTimeZone() });
  if (!story) return null;
  return (
    <div role="status" className={`mt-2 rounded-md border px-3 py-2 text-sm ${TONES[story.tone]}`} data-testid="link-story">
      <p>{story.text}</p>
      {story.next ? <p className="mt-1 font-medium">{story.next}</p> : null}
    </div>
  );
}
