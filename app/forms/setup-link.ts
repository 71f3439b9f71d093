import { z } from 'zod';
import { historyText, NOTE_TOO_LONG, optionalHistoryText } from './history-text';
import { NOTE_MAX_LENGTH } from '~/domain/history';
import { SETUP_FEATURES, type SetupFeature } from '~/domain/features';
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
export function readSetupLinkForm(
  formData: FormData,
  lifetime: { defaultDays: number; maxDays: number } = { defaultDays: LINK_LIFETIME_DAYS.default, maxDays: LINK_LIFETIME_DAYS.max },
) {
  const text = (name: string) => {
    const value = formData.get(name);
    return typeof value === 'string' && value.trim() !== '' ? value : undefined;
  };
  const withConfiguredMaximum = createSetupLinkSchema.superRefine((value, context) => {
    if (value.lifetimeDays > lifetime.maxDays) {
      context.addIssue({
        code: 'custom',
        path: ['lifetimeDays'],
        message: `A link lasts at most ${lifetime.maxDays} days here (set on the Configuration page).`,
      });
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
