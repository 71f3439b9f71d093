import { z } from 'zod';
import { historyText, NOTE_TOO_LONG, optionalHistoryText } from './history-text';
import { NOTE_MAX_LENGTH } from '~/domain/history';
import { canBeInvited, FEATURE_INFO, INVITATION_FEATURES, SETUP_FEATURES, type SetupFeature } from '~/domain/features';
import { LINK_LIFETIME_DAYS } from '~/domain/setup-links';

// Control characters (a line break in a name would be a header in an email) are refused.
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;

/** The rep's own words, quoted in the setup email (create, recreate and resend): as long as a note may be. */
export const personalMessageSchema = z.string().trim().max(NOTE_MAX_LENGTH, NOTE_TOO_LONG);

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
  message: personalMessageSchema.optional(),
});
const copyLink = z.object({ ...linkFields, delivery: z.literal('copy') });

/** The features a WorkOS-sent invitation cannot carry, in words, or null when it can carry them all. */
export function notInvitable(features: readonly SetupFeature[]): string | null {
  const refused = features.filter((feature) => !canBeInvited(feature));
  if (refused.length === 0) return null;
  const titles = (list: readonly SetupFeature[]) => {
    const words = list.map((feature) => FEATURE_INFO[feature].title);
    return words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words.at(-1)}` : (words[0] ?? '');
  };
  return `WorkOS can send an invitation for ${titles(INVITATION_FEATURES)} only: untick ${titles(refused)}, or send the link by email.`;
}

// WorkOS emails its own invitation (decision 025): no personal message, and a recipient WorkOS
// registers as the organization's IT contact.
const workosLink = z
  .object({ ...linkFields, delivery: z.literal('workos'), recipientEmail: emailLink.shape.recipientEmail, recipientName: emailLink.shape.recipientName })
  .superRefine((value, context) => {
    const problem = notInvitable(value.features);
    if (problem) context.addIssue({ code: 'custom', path: ['features'], message: problem });
  });

export const createSetupLinkSchema = z
  .discriminatedUnion('delivery', [emailLink, copyLink, workosLink], {
    error: 'Choose how the link reaches the IT admin: by email, copied, or sent by WorkOS.',
  })
  .transform((input): SetupLinkRequest => {
    const request: SetupLinkRequest = { features: input.features, lifetimeDays: input.lifetimeDays, ...(input.note ? { note: input.note } : {}) };
    if (input.delivery === 'copy') return request;
    if (input.delivery === 'workos') return { ...request, invitation: { address: input.recipientEmail, name: input.recipientName || undefined } };
    return { ...request, email: { address: input.recipientEmail, name: input.recipientName || undefined, message: input.message || undefined } };
  });

/**
 * What a rep asks for: the link's features and lifetime, and how it travels — an email the app
 * sends, an invitation WorkOS sends (`invitation`), or neither: copy.
 */
export interface SetupLinkRequest {
  features: SetupFeature[];
  lifetimeDays: number;
  note?: string;
  email?: SetupLinkEmailRequest;
  invitation?: SetupLinkInvitationRequest;
}
/** The IT contact WorkOS emails its invitation to. */
export interface SetupLinkInvitationRequest {
  address: string;
  name?: string;
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

/** What the Configuration page allows a link to last: what the form starts with, and at most. */
export interface LinkLifetime {
  defaultDays: number;
  maxDays: number;
}
const BUILT_IN_LIFETIME: LinkLifetime = { defaultDays: LINK_LIFETIME_DAYS.default, maxDays: LINK_LIFETIME_DAYS.max };

/**
 * A form's fields as the schemas read them: each field's value (the first, as `formData.get`
 * reads it), and `features` (repeated checkboxes) as the list of every one ticked.
 */
export function setupLinkInput(formData: FormData): Record<string, unknown> {
  const first = new Map<string, FormDataEntryValue>();
  for (const [name, value] of formData) if (!first.has(name)) first.set(name, value);
  return { ...Object.fromEntries(first), features: formData.getAll('features') };
}

/**
 * The create/recreate/preview form (read from `setupLinkInput`): blank text fields are unset, a
 * missing lifetime is the configured default, and a lifetime past the configured maximum is
 * refused on its field.
 */
export function setupLinkSchema(lifetime: LinkLifetime = BUILT_IN_LIFETIME) {
  const withConfiguredMaximum = createSetupLinkSchema.superRefine((value, context) => {
    if (value.lifetimeDays > lifetime.maxDays) {
      context.addIssue({
        code: 'custom',
        path: ['lifetimeDays'],
        message: `A link lasts at most ${lifetime.maxDays} days here (set on the Configuration page).`,
      });
    }
  });
  return z.preprocess((raw) => {
    const input = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const text = (name: string) => {
      const value = input[name];
      return typeof value === 'string' && value.trim() !== '' ? value : undefined;
    };
    return {
      delivery: input.delivery,
      recipientEmail: text('recipientEmail'),
      recipientName: text('recipientName'),
      message: text('message'),
      features: input.features,
      lifetimeDays: input.lifetimeDays ?? lifetime.defaultDays,
      note: text('note'),
    };
  }, withConfiguredMaximum);
}

/**
 * Reads a create/recreate/preview form (features come as repeated checkboxes; blanks are unset).
 * `lifetime` is what the Configuration page allows (default and maximum days).
 */
export function readSetupLinkForm(formData: FormData, lifetime: LinkLifetime = BUILT_IN_LIFETIME) {
  return setupLinkSchema(lifetime).safeParse(setupLinkInput(formData));
}

/** The IT admin's launch of one feature from their setup page. */
export const setupLaunchSchema = z.object({ feature: z.enum(SETUP_FEATURES) });
