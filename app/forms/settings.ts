import { z } from 'zod';
import { LINK_LIFETIME_DAYS, LINK_REMINDERS } from '~/domain/setup-links';

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
const reminderLimit = z.preprocess(
  blankIsUnset,
  z.coerce
    .number({ error: 'Reminders per link: enter 0, 1 or 2 (0 sends none).' })
    .int('Reminders per link: enter 0, 1 or 2 (0 sends none).')
    .min(0, 'Reminders per link: enter 0, 1 or 2 (0 sends none).')
    .max(LINK_REMINDERS.maxPerLink, `Reminders per link: at most ${LINK_REMINDERS.maxPerLink}.`)
    .optional(),
);
const { min: firstMin, max: firstMax } = LINK_REMINDERS.firstAfterDays;
const reminderFirstAfterDays = z.preprocess(
  blankIsUnset,
  z.coerce
    .number({ error: `First reminder: enter a number of days from ${firstMin} to ${firstMax}.` })
    .int('First reminder: enter a whole number of days.')
    .min(firstMin, `First reminder: at least ${firstMin} day after the email.`)
    .max(firstMax, `First reminder: at most ${firstMax} days after the email.`)
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
  reminderLimit,
  reminderFirstAfterDays,
});
export type SettingsInput = z.output<typeof settingsFormSchema>;

/** The System page's test email: where to send it. */
export const testEmailSchema = z.object({ recipient: z.email({ error: 'Enter an email address such as you@company.com.' }) });
