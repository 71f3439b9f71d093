import { z } from 'zod';
import { STAFF_ROLES } from '~/domain/staff';

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
});

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
