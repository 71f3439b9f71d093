import { z } from 'zod';
import { LINK_LIFETIME_DAYS } from '~/domain/setup-links';

const blankIsUnset = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const days = (label: string) =>
  z.preprocess(
    blankIsUnset,
    z.coerce
      .number({ error: `Enter a number of days from ${LINK_LIFETIME_DAYS.min} to ${LINK_LIFETIME_DAYS.max}.` })
      .int(`${label}: enter a whole number of days.`)
      .min(LINK_LIFETIME_DAYS.min, `${label}: at least ${LINK_LIFETIME_DAYS.min} day.`)
      .max(LINK_LIFETIME_DAYS.max, `${label}: at most ${LINK_LIFETIME_DAYS.max} days.`)
      .optional(),
  );
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;

export const settingsFormSchema = z.object({
  companyName: z.preprocess(
    blankIsUnset,
    z.string().trim().max(100, 'Use at most 100 characters.').regex(NO_CONTROL_CHARACTERS, 'Use letters, digits and punctuation only.').optional(),
  ),
  supportEmail: z.preprocess(blankIsUnset, z.email({ error: 'Enter an email address such as support@company.com.' }).optional()),
  linkLifetimeDefaultDays: days('Default'),
  linkLifetimeMaxDays: days('Maximum'),
  // Checked by the model with the same parser the environment uses.
  mailFrom: z.preprocess(blankIsUnset, z.string().trim().max(300, 'Use at most 300 characters.').regex(NO_CONTROL_CHARACTERS, 'One line only.').optional()),
  mailReplyTo: z.preprocess(blankIsUnset, z.email({ error: 'Enter an email address such as onboarding@company.com.' }).optional()),
});
export type SettingsInput = z.output<typeof settingsFormSchema>;

/** The System page's test email: where to send it. */
export const testEmailSchema = z.object({ recipient: z.email({ error: 'Enter an email address such as you@company.com.' }) });
