import { renderEmail, type RenderedEmail } from './render';
import { FEATURE_INFO, type SetupFeature } from '~/domain/features';

export interface SetupLinkEmailInput {
  organizationName: string;
  recipientName: string | null;
  /** The rep who sends it, by name. */
  senderName: string;
  companyName: string;
  supportEmail: string;
  features: SetupFeature[];
  /** The setup link — a real one only when sending; previews pass a placeholder. */
  url: string;
  expiresAt: string;
  message: string | null;
  /** A resend (or an emailed recreate of an active link): this one replaces the link sent before. */
  replacesEarlierLink?: boolean;
}

/**
 * The email that brings the IT admin to their setup page. The link is in the button and, as text
 * to copy, beneath it (HTML), and on one line (text): nothing else in the email repeats it.
 */
export function renderSetupLinkEmail(input: SetupLinkEmailInput): RenderedEmail {
  const titles = input.features.map((feature) => FEATURE_INFO[feature].title);
  const organization = input.organizationName;
  return renderEmail({
    subject: setupLinkEmailSubject(input),
    preheader: `${input.senderName} at ${input.companyName} invites you to set up ${joinWords(titles)}. The link expires ${formatExpiry(input.expiresAt)}.`,
    greeting: input.recipientName ? `Hello ${input.recipientName},` : 'Hello,',
    paragraphs: [
      ...(input.replacesEarlierLink ? ['This link replaces the setup link we sent you before: that one no longer works. Please use this one.'] : []),
      `${input.senderName} at ${input.companyName} invites you to set up ${joinWords(titles)} for ${organization}. ` +
        'The setup runs in WorkOS’s Admin Portal, a secure service that connects your company’s systems to ' +
        `${input.companyName}; it takes a few minutes per step and no account is needed.`,
    ],
    quote: input.message ? { label: `Message from ${input.senderName}:`, text: input.message } : undefined,
    list: {
      heading: titles.length === 1 ? 'What you can set up:' : 'What you can set up (in any order):',
      items: input.features.map((feature) => FEATURE_INFO[feature]),
    },
    action: { label: 'Start setup', url: input.url },
    notices: [
      { text: `This link expires on ${formatExpiry(input.expiresAt)}.`, important: true },
      {
        text:
          `This link is personal: anyone who has it can change how ${organization} connects to ${input.companyName}. ` +
          'Please do not forward it. If someone else should do the setup, ask us to send them a link of their own.',
      },
    ],
    help: `Questions, or the link does not work? Write to ${input.supportEmail}.`,
    helpEmail: input.supportEmail,
    footer:
      `Sent by ${input.companyName} because ${input.senderName} asked us to invite you. ` +
      'If you were not expecting this email, you can ignore it: nothing changes until someone completes the setup.',
  });
}

/** The setup email's subject: a reminder quotes it, so the IT admin can find that email. */
export function setupLinkEmailSubject(input: Pick<SetupLinkEmailInput, 'features' | 'organizationName' | 'companyName' | 'replacesEarlierLink'>): string {
  const titles = input.features.map((feature) => FEATURE_INFO[feature].title);
  const subject =
    titles.length <= 2
      ? `Set up ${joinWords(titles)} for ${input.organizationName}`
      : `Set up ${input.organizationName} with ${input.companyName}: ${titles.length} steps`;
  return input.replacesEarlierLink ? `New link, replaces the earlier one: ${subject}` : subject;
}

/** "Wednesday, 2 December 2026 at 14:05 UTC": the IT admin's zone is unknown, so it is named. */
export function formatExpiry(iso: string): string {
  const formatted = new Date(iso).toLocaleString('en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone: 'UTC' });
  return `${formatted} UTC`;
}

export function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}
