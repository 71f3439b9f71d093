import { z } from 'zod';
import { historyText } from './history-text';
import { editOrganizationSchema } from './organization';
import { personalMessageSchema, revokeSetupLinkSchema, setupLinkInput, setupLinkSchema, type LinkLifetime } from './setup-link';
import { idSchema } from './ids';
import { ORGANIZATION_PAGE_INTENTS, type OrganizationPageIntent } from './organization-page-intents';

/**
 * Every form on an organization's page, told apart by its `intent` (a hidden field): one schema,
 * so that the page's action reads any of them the same way and each names every wrong field at
 * once. Field names are the forms' own (errors come back on them); the output is what the action
 * needs, named for it.
 */
const intentSchema = z.enum(ORGANIZATION_PAGE_INTENTS);

/** The link a form names (a hidden field, the active link the rep saw): a missing or malformed one names none. */
const namedLinkId = idSchema.optional().catch(undefined);

const chooseOwner = 'Choose a CS owner.';

/** Adds `schema`'s issues for `value` (their paths kept) to `context`: two parts of one form checked together. */
function part<Schema extends z.ZodType>(schema: Schema, value: unknown, context: z.RefinementCtx): z.output<Schema> | undefined {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) context.addIssue({ ...issue });
  return undefined;
}

/** The page's forms; `lifetime` is what the Configuration page allows a link (its default and maximum). */
export function organizationPageSchema(lifetime: LinkLifetime) {
  const link = setupLinkSchema(lifetime);
  const recreateReason = z.object({ recreateReason: historyText('Say why the link is recreated.') });
  return z.discriminatedUnion('intent', [
    z.object({ intent: z.literal('retry_create') }),
    z.object({
      intent: z.literal('set_owner'),
      csOwnerId: z.coerce.number({ error: chooseOwner }).int(chooseOwner).positive(chooseOwner),
    }),
    editOrganizationSchema.extend({ intent: z.literal('edit') }).transform(({ intent, ...details }) => ({ intent, details })),
    z.looseObject({ intent: z.literal('create_link') }).transform((input, context) => {
      const request = part(link, input, context);
      return request === undefined ? z.NEVER : { intent: input.intent, link: request };
    }),
    // The new link's fields and the reason, together: every wrong field is named at once.
    z.looseObject({ intent: z.literal('recreate_link'), linkId: namedLinkId }).transform((input, context) => {
      const request = part(link, input, context);
      const why = part(recreateReason, input, context);
      if (request === undefined || why === undefined) return z.NEVER;
      return { intent: input.intent, link: request, reason: why.recreateReason, linkId: input.linkId };
    }),
    // A resend says only why and, optionally, what to add: the rest is the link's own (see the resend rule).
    z
      .object({
        intent: z.literal('resend_link'),
        linkId: namedLinkId,
        resendReason: historyText('Say why the email is sent again.'),
        message: personalMessageSchema.default(''),
      })
      .transform(({ intent, linkId, resendReason, message }) => ({ intent, linkId, reason: resendReason, message })),
    revokeSetupLinkSchema.extend({ intent: z.literal('revoke_link'), linkId: namedLinkId }),
    z
      .object({
        intent: z.literal('extend_link'),
        linkId: namedLinkId,
        // Digits only: "0x7", "1e1" or "7.0" are not how a person writes a number of days.
        extendDays: z
          .string({ error: `Enter a number of days from 1 to ${lifetime.maxDays}.` })
          .trim()
          .regex(/^\d{1,4}$/, `Enter a whole number of days from 1 to ${lifetime.maxDays}.`)
          .transform(Number)
          .pipe(
            z
              .number()
              .int(`Enter a whole number of days from 1 to ${lifetime.maxDays}.`)
              .min(1, 'Extend by at least 1 day.')
              .max(lifetime.maxDays, `A link lasts at most ${lifetime.maxDays} days here (set on the Configuration page).`),
          ),
        extendReason: historyText('Say why the link is extended.'),
      })
      .transform(({ intent, linkId, extendDays, extendReason }) => ({ intent, linkId, days: extendDays, reason: extendReason })),
    // Checkboxes: present means on. Anything else in them is a tampered form, refused.
    z
      .object({
        intent: z.literal('set_link_preferences'),
        remindItAdmin: z.literal('on', { error: 'Tick the box, or leave it empty.' }).optional(),
        registerItContacts: z.literal('on', { error: 'Tick the box, or leave it empty.' }).optional(),
      })
      .transform(({ intent, remindItAdmin, registerItContacts }) => ({
        intent,
        preferences: { remindItAdmin: remindItAdmin === 'on', registerItContacts: registerItContacts === 'on' },
      })),
    z.object({ intent: z.literal('archive'), reason: historyText('Say why it is archived.') }),
    z.object({ intent: z.literal('add_note'), note: historyText('Write the note.') }),
    z.object({ intent: z.literal('check_progress') }),
  ]);
}

export type OrganizationPageForm = z.output<ReturnType<typeof organizationPageSchema>>;
/** One of the page's forms, by its intent. */
export type OrganizationPageFormOf<Intent extends OrganizationPageIntent> = Extract<OrganizationPageForm, { intent: Intent }>;

/**
 * Reads a submission to the page: `intent` null when it is none of the page's forms; otherwise
 * the form's intent and what parsing it gave.
 */
export function readOrganizationPageForm(formData: FormData, lifetime: LinkLifetime) {
  const intent = intentSchema.safeParse(formData.get('intent'));
  if (!intent.success) return { intent: null } as const;
  return { intent: intent.data, result: organizationPageSchema(lifetime).safeParse(setupLinkInput(formData)) };
}
