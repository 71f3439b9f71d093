import { z } from 'zod';

export type FieldErrors = Record<string, string[] | undefined>;

/** Parses form data with a zod schema; on failure returns the errors keyed by field name. */
export function parseForm<Schema extends z.ZodType>(
  schema: Schema,
  formData: FormData,
): { success: true; data: z.output<Schema> } | { success: false; fieldErrors: FieldErrors } {
  const result = schema.safeParse(Object.fromEntries(formData));
  if (result.success) return { success: true, data: result.data };
  return { success: false, fieldErrors: z.flattenError(result.error).fieldErrors as FieldErrors };
}
