// Types only: the pages' scripts import `fieldErrorsOf` from here, and a runtime import of zod
// would bring all of it into every page that has a form.
import type { z } from 'zod';

/**
 * How every form in the app is told what was wrong (one shape, one builder):
 *
 * - an action that refuses a form answers `data({ ...formErrors(problem), …extras }, { status })`,
 *   where extras are the page's own: `intent` on a page with several forms (which form it was),
 *   `values` to refill the form with what was typed, a fresh `submissionId`;
 * - `fieldErrors` are keyed by field name and rendered by that field (`Field`'s `errors` prop,
 *   first message shown); `formError` is rendered once, by the form's `FormError`;
 * - a problem with no field, or with a field the person does not see (a hidden id), is the form's.
 */
export type FieldErrors = Record<string, string[] | undefined>;

export interface FormErrors {
  fieldErrors: FieldErrors;
  formError: string | null;
}

interface ProblemOptions {
  /** The field `message` belongs to, when it belongs to one (a model's refusal names it, or not). */
  field?: string | null;
  /** Fields the form carries but does not show: their problems are the form's. */
  hidden?: readonly string[];
}

/**
 * The errors of a refused form, from what refused it: zod's issues (every field at once), one
 * message (on `field` when it names one the form shows, else the form's), or nothing — an action
 * that answers with the page (a one-time secret) still says "no errors" the same way.
 */
export function formErrors(problem: z.ZodError | string | null, { field, hidden = [] }: ProblemOptions = {}): FormErrors {
  if (problem === null) return { fieldErrors: {}, formError: null };
  if (typeof problem === 'string') {
    return field && !hidden.includes(field) ? { fieldErrors: { [field]: [problem] }, formError: null } : { fieldErrors: {}, formError: problem };
  }
  // Flattened as z.flattenError flattens (an issue is its top-level field's, or the form's) —
  // by hand, because z.flattenError is a runtime import.
  const formMessages: string[] = [];
  const byField: FieldErrors = {};
  for (const issue of problem.issues) {
    if (issue.path.length === 0) formMessages.push(issue.message);
    else (byField[String(issue.path[0])] ??= []).push(issue.message);
  }
  const fieldErrors: FieldErrors = {};
  let formError = formMessages[0] ?? null;
  for (const [name, messages] of Object.entries(byField)) {
    if (!messages?.length) continue;
    if (hidden.includes(name)) formError ??= messages[0]!;
    else fieldErrors[name] = messages;
  }
  return { fieldErrors, formError };
}

/** Parses form data with a zod schema; on failure, the errors to answer with (see `formErrors`). */
export function parseForm<Schema extends z.ZodType>(
  schema: Schema,
  formData: FormData,
  options: Pick<ProblemOptions, 'hidden'> = {},
): { success: true; data: z.output<Schema> } | { success: false; errors: FormErrors } {
  const result = schema.safeParse(Object.fromEntries(formData));
  if (result.success) return { success: true, data: result.data };
  return { success: false, errors: formErrors(result.error, options) };
}

/**
 * The field errors an action's answer holds for one form: all of them on a page with one form,
 * or — with `intent` — only when the answer is about that form (a page with several).
 */
export function fieldErrorsOf(answer: (Partial<FormErrors> & { intent?: string | null }) | undefined, intent?: string): FieldErrors {
  if (!answer?.fieldErrors) return {};
  if (intent !== undefined && answer.intent !== intent) return {};
  return answer.fieldErrors;
}
