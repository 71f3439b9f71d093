import { renderEmail, type RenderedEmail } from './render';
import { formatExpiry, joinWords, setupLinkEmailSubject } from './setup-link';
import { FEATURE_INFO, type SetupFeature } from '~/domain/features';

export interface SetupLinkReminderInput {
  organizationName: string;
  recipientName: string | null;
  companyName: string;
  supportEmail: string;
  features: SetupFeature[];
  /** When the mail server accepted the setup email this reminds of. */
  emailSentAt: string;
  expiresAt: string;
  /** The setup email replaced an earlier link (its subject said so). */
  replacedEarlierLink: boolean;
}

/**
 * The reminder of a setup link the IT admin has not started (decision 025). It carries no link:
 * the app keeps only the token's hash, and a second copy of a link would be one more to leak. It
 * points back to the setup email (its date and subject), says how long the link works, and who
 * sends a new one.
 */
export function renderSetupLinkReminderEmail(input: SetupLinkReminderInput): RenderedEmail {
  const titles = input.features.map((feature) => FEATURE_INFO[feature].title);
  const organization = input.organizationName;
  const sentOn = formatDay(input.emailSentAt);
  const expires = formatExpiry(input.expiresAt);
  // The subject as the setup email had it (the company name as it is now), to search the inbox for.
  const originalSubject = setupLinkEmailSubject({
    features: input.features,
    organizationName: organization,
    companyName: input.companyName,
    replacesEarlierLink: input.replacedEarlierLink,
  });
  return renderEmail({
    subject: `Reminder: your setup link for ${organization} has not been used yet`,
    preheader: `The setup link we emailed you on ${sentOn} works until ${expires}.`,
    greeting: input.recipientName ? `Hello ${input.recipientName},` : 'Hello,',
    paragraphs: [
      `On ${sentOn} we emailed you a link to set up ${joinWords(titles)} for ${organization} with ${input.companyName}. It has not been used yet.`,
      `To start, open that email — its subject is “${originalSubject}” — and use its Start setup button. ` +
        'For your security, this reminder does not repeat the link.',
    ],
    list: {
      heading: titles.length === 1 ? 'What you can set up:' : 'What you can set up (in any order):',
      items: input.features.map((feature) => FEATURE_INFO[feature]),
    },
    notices: [
      { text: `The link in that email works until ${expires}.`, important: true },
      { text: `Cannot find the email, or should someone else do the setup? Write to ${input.supportEmail} and we will send a new link.` },
    ],
    help: `Questions? Write to ${input.supportEmail}.`,
    helpEmail: input.supportEmail,
    footer:
      `Sent by ${input.companyName} because the setup link emailed to you on ${sentOn} has not been used yet. ` +
      'If the setup is already taken care of, you can ignore this email.',
  });
}

/** "Wednesday, 2 December 2026": the day in UTC, as the setup email's expiry names its zone. */
export function formatDay(iso: string): string {
  return new Date(iso).toLocaleDateString('en-GB', { dateStyle: 'full', timeZone: 'UTC' });
}
