import { z } from 'zod';
import { historyText, optionalHistoryText } from './history-text';

/** What the IT admin may set up through a link: WorkOS's Admin Portal intents. */
export const SETUP_FEATURES = ['sso', 'dsync', 'domain_verification', 'audit_logs', 'log_streams', 'certificate_renewal', 'bring_your_own_key'] as const;
export type SetupFeature = (typeof SETUP_FEATURES)[number];

export const FEATURE_INFO: Record<SetupFeature, { title: string; description: string }> = {
  sso: { title: 'Single Sign-On', description: 'Connect the company’s identity provider (Okta, Entra ID, Google…) so people sign in with it.' },
  dsync: { title: 'Directory Sync', description: 'Keep users and groups in step with the company directory.' },
  domain_verification: { title: 'Domain Verification', description: 'Prove the company owns its email domains.' },
  audit_logs: { title: 'Audit Logs', description: 'Review and export the audit log.' },
  log_streams: { title: 'Log Streams', description: 'Stream audit events to the company’s SIEM (Datadog, Splunk, S3…).' },
  certificate_renewal: { title: 'Certificate renewal', description: 'Replace an expiring SAML signing certificate.' },
  bring_your_own_key: { title: 'Bring Your Own Key', description: 'Encrypt data with a key the company controls.' },
};

/** Features WorkOS reports on. Audit Logs and Log Streams emit nothing: only launches are known. */
export const SIGNAL_FEATURES = ['sso', 'dsync', 'domain_verification', 'certificate_renewal', 'bring_your_own_key'] as const satisfies readonly SetupFeature[];
export type SignalFeature = (typeof SIGNAL_FEATURES)[number];

export function hasCompletionSignal(feature: SetupFeature): feature is SignalFeature {
  return (SIGNAL_FEATURES as readonly string[]).includes(feature);
}

export const LINK_LIFETIME_DAYS = { min: 1, max: 30, default: 7 };

/**
 * A link's life (decision 014): an emailed link is `sending` until the mail server accepts it;
 * `active` is the one link per organization that opens; the rest are ends.
 */
export const SETUP_LINK_STATUSES = ['sending', 'active', 'revoked', 'expired', 'completed', 'failed'] as const;
export type SetupLinkStatus = (typeof SETUP_LINK_STATUSES)[number];

/** A link that expires within this many hours is "expiring soon" on every page and in every list. */
export const EXPIRING_SOON_HOURS = 48;

export function isExpiringSoon(expiresAt: string, now: string | Date): boolean {
  return new Date(expiresAt).getTime() - new Date(now).getTime() <= EXPIRING_SOON_HOURS * 3_600_000;
}

/** A link's lifetime in whole days (within the allowed range): what a resend or retry reuses. */
export function lifetimeDaysOf(link: { createdAt: string; expiresAt: string }): number {
  const days = Math.round((new Date(link.expiresAt).getTime() - new Date(link.createdAt).getTime()) / 86_400_000);
  return Math.min(LINK_LIFETIME_DAYS.max, Math.max(LINK_LIFETIME_DAYS.min, days));
}

export const DELIVERY_METHODS = ['email', 'copy'] as const;
export type DeliveryMethod = (typeof DELIVERY_METHODS)[number];

// Control characters (a line break in a name would be a header in an email) are refused.
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;

const linkFields = {
  features: z
    .array(z.enum(SETUP_FEATURES, { error: 'Choose features from the list.' }), { error: 'Choose at least one feature.' })
    .min(1, 'Choose at least one feature.'),
  lifetimeDays: z.coerce
    .number({ error: `Enter a number of days from ${LINK_LIFETIME_DAYS.min} to ${LINK_LIFETIME_DAYS.max}.` })
    .int(`Enter a whole number of days from ${LINK_LIFETIME_DAYS.min} to ${LINK_LIFETIME_DAYS.max}.`)
    .min(LINK_LIFETIME_DAYS.min, `A link lasts at least ${LINK_LIFETIME_DAYS.min} day.`)
    .max(LINK_LIFETIME_DAYS.max, `A link lasts at most ${LINK_LIFETIME_DAYS.max} days.`),
  note: optionalHistoryText,
};

// Recipient fields are read only when the link is emailed: with "Copy link" they stay in the page
// (hidden) and whatever they hold is ignored.
const emailLink = z.object({
  ...linkFields,
  delivery: z.literal('email'),
  recipientEmail: z
    .string({ error: 'Enter the IT admin’s email address, or choose Copy link.' })
    .trim()
    .max(254, 'Use at most 254 characters.')
    .pipe(z.email({ error: 'Enter the IT admin’s email address, such as it-admin@customer.com.' })),
  recipientName: z
    .string()
    .trim()
    .max(100, 'Use at most 100 characters.')
    .regex(NO_CONTROL_CHARACTERS, 'Use letters, spaces and punctuation only (no line breaks).')
    .optional(),
  message: z.string().trim().max(2000, 'Use at most 2,000 characters.').optional(),
});
const copyLink = z.object({ ...linkFields, delivery: z.literal('copy') });

export const createSetupLinkSchema = z
  .discriminatedUnion('delivery', [emailLink, copyLink], { error: 'Choose how the link reaches the IT admin: by email, or copied.' })
  .transform((input): SetupLinkRequest => {
    const request: SetupLinkRequest = { features: input.features, lifetimeDays: input.lifetimeDays, ...(input.note ? { note: input.note } : {}) };
    if (input.delivery === 'copy') return request;
    return { ...request, email: { address: input.recipientEmail, name: input.recipientName || undefined, message: input.message || undefined } };
  });

/** What a rep asks for: the link's features and lifetime, and an email to send it in (or none: copy). */
export interface SetupLinkRequest {
  features: SetupFeature[];
  lifetimeDays: number;
  note?: string;
  email?: SetupLinkEmailRequest;
}
export interface SetupLinkEmailRequest {
  address: string;
  name?: string;
  /** The rep's own words, quoted in the email. */
  message?: string;
}

export const revokeSetupLinkSchema = z.object({
  reason: historyText('Say why the link is revoked.'),
});

/**
 * Reads a create/recreate/preview form (features come as repeated checkboxes; blanks are unset).
 * `lifetime` is what the Configuration page allows (default and maximum days).
 */
export function readSetupLinkForm(formData: FormData, lifetime: { defaultDays: number; maxDays: number } = { defaultDays: LINK_LIFETIME_DAYS.default, maxDays: LINK_LIFETIME_DAYS.max }) {
  const text = (name: string) => {
    const value = formData.get(name);
    return typeof value === 'string' && value.trim() !== '' ? value : undefined;
  };
  const withConfiguredMaximum = createSetupLinkSchema.superRefine((value, context) => {
    if (value.lifetimeDays > lifetime.maxDays) {
      context.addIssue({ code: 'custom', path: ['lifetimeDays'], message: `A link lasts at most ${lifetime.maxDays} days here (set on the Configuration page).` });
    }
  });
  return withConfiguredMaximum.safeParse({
    delivery: formData.get('delivery') ?? undefined,
    recipientEmail: text('recipientEmail'),
    recipientName: text('recipientName'),
    message: text('message'),
    features: formData.getAll('features'),
    lifetimeDays: formData.get('lifetimeDays') ?? lifetime.defaultDays,
    note: text('note'),
  });
}
