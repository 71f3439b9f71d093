import { z } from 'zod';
import { newOrganizationSchema, type NewOrganizationInput } from './organization';
import { setupLinkInput, setupLinkSchema, type LinkLifetime, type SetupLinkRequest } from './setup-link';
import type { FieldErrors, FormErrors } from '~/utils/forms';
import { formErrors } from '~/utils/forms';

/**
 * The "New customer" screen: the new-organization fields and the setup-link fields in one form.
 * The two share no field name but `note`, which this screen does not show (the history's note is
 * the organization page's). `createAnyway` holds the ids of the possible duplicates the rep saw
 * and chose to go past; `intent` is `retry` when the rep retries a creation WorkOS did not finish.
 */
export interface NewCustomerInput {
  organization: NewOrganizationInput;
  link: SetupLinkRequest;
  /** The possible duplicates (organization ids) the rep saw and went past. */
  createAnyway: number[];
  retry: boolean;
}

const extrasSchema = z.object({
  // A file part (a multipart post) or anything else unexpected is no choice at all.
  createAnyway: z
    .string()
    .optional()
    .catch(undefined)
    .transform((value) =>
      (value ?? '')
        .split(',')
        .map((each) => Number(each))
        .filter((each) => Number.isInteger(each) && each > 0),
    ),
  intent: z.enum(['create', 'retry']).default('create').catch('create'),
});

/** Reads the form: every field of both parts checked at once, their errors as one answer. */
export function readNewCustomerForm(
  formData: FormData,
  lifetime?: LinkLifetime,
): { success: true; data: NewCustomerInput } | { success: false; errors: FormErrors } {
  const fields = Object.fromEntries(formData);
  delete fields.note;
  const organization = newOrganizationSchema.safeParse(fields);
  const link = setupLinkSchema(lifetime).safeParse({ ...setupLinkInput(formData), note: undefined });
  const extras = extrasSchema.parse(fields);
  if (organization.success && link.success) {
    return { success: true, data: { organization: organization.data, link: link.data, createAnyway: extras.createAnyway, retry: extras.intent === 'retry' } };
  }
  const fieldErrors: FieldErrors = {};
  let formError: string | null = null;
  for (const result of [organization, link]) {
    if (result.success) continue;
    const answer = formErrors(result.error, { hidden: ['submissionId'] });
    Object.assign(fieldErrors, answer.fieldErrors);
    formError ??= answer.formError;
  }
  return { success: false, errors: { fieldErrors, formError } };
}

/** What the screen refills after any answer but success: every field as typed. */
export interface NewCustomerDraft {
  name: string;
  domains: string;
  externalId: string;
  csOwnerId: string;
}

export function newCustomerDraftFrom(formData: FormData): NewCustomerDraft {
  const text = (name: string) => {
    const value = formData.get(name);
    return typeof value === 'string' ? value : '';
  };
  return { name: text('name'), domains: text('domains'), externalId: text('externalId'), csOwnerId: text('csOwnerId') };
}

/** The duplicate check's query (`/customers/duplicates?name=…&domains=…`), read leniently: a bad domain is skipped. */
export function duplicateQueryFrom(searchParams: URLSearchParams): { name: string; domains: string[] } {
  const name = (searchParams.get('name') ?? '').trim().slice(0, 200);
  const domains = (searchParams.get('domains') ?? '')
    .slice(0, 20_000)
    .split(/[\s,;]+/)
    .map((entry) => entry.trim().toLowerCase().replace(/\.$/, ''))
    .filter((entry) => entry.length > 0 && entry.length <= 253)
    .slice(0, 100);
  return { name, domains };
}
