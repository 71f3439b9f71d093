import { z } from 'zod';
import { STAFF_ROLES } from '~/domain/staff';
import { canonicalTimeZone } from '~/utils/format';

export const emailSchema = z
  .string({ error: 'Enter an email address.' })
  .trim()
  .toLowerCase()
  .min(1, 'Enter an email address.')
  .max(254, 'An email address has at most 254 characters.')
  .pipe(z.email({ error: 'Enter a valid email address, like name@company.com.' }));

export const staffNameSchema = z.string({ error: 'Enter a name.' }).trim().min(1, 'Enter a name.').max(100, 'Use at most 100 characters.');

export const roleSchema = z.enum(STAFF_ROLES, { error: 'Choose viewer, support or admin.' });

export const signInSchema = z.object({
  email: z.string({ error: 'Enter your email address.' }).trim().min(1, 'Enter your email address.').max(254),
  password: z.string({ error: 'Enter your password.' }).min(1, 'Enter your password.').max(1024),
  redirectTo: z.string().optional(),
  // The browser's zone, filled in by the page's script: a hint, never a reason to refuse a sign-in.
  timeZone: z.string().max(64).optional().catch(undefined),
});

/** An IANA time zone, as the platform spells it ("America/Los_Angeles"). */
export const timeZoneSchema = z
  .string({ error: 'Choose a time zone.' })
  .trim()
  .min(1, 'Choose a time zone.')
  .transform((value, context) => {
    const zone = canonicalTimeZone(value);
    if (!zone) {
      context.addIssue({ code: 'custom', message: 'That is not a time zone. Choose one from the list, like Europe/London or America/Los_Angeles.' });
      return z.NEVER;
    }
    return zone;
  });

export const timeZoneFormSchema = z.object({ timeZone: timeZoneSchema });

export const newStaffSchema = z.object({
  name: staffNameSchema,
  email: emailSchema,
  role: roleSchema,
});

export const changePasswordSchema = z
  .object({
    currentPassword: z.string({ error: 'Enter your current password.' }).min(1, 'Enter your current password.'),
    newPassword: z.string({ error: 'Enter a new password.' }).min(1, 'Enter a new password.'),
    confirmPassword: z.string({ error: 'Repeat the new password.' }).min(1, 'Repeat the new password.'),
  })
  .refine((value) => value.newPassword === value.confirmPassword, {
    path: ['confirmPassword'],
    message: 'The two new passwords differ.',
  });

/** What an admin does to a staff member from their page. */
export const staffMemberIntentSchema = z.enum(['change_role', 'disable', 'enable', 'reset_password', 'sign_out_everywhere']);
