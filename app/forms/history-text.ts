import { z } from 'zod';
import { scrubLinkValues } from '~/utils/link-secrets';
import { NOTE_MAX_LENGTH } from '~/domain/history';

/** What a note, reason or personal message past `NOTE_MAX_LENGTH` is told. */
export const NOTE_TOO_LONG = `Use at most ${NOTE_MAX_LENGTH.toLocaleString('en')} characters.`;

/**
 * Free text for the history (a note, a reason). It is checked as it will be stored: the scrubber
 * replaces each link value with a marker, which can make a text longer, so the limit applies
 * after scrubbing — a text that grows past it is a field error, never a refusal by the audit
 * model. The raw text is returned; the audit model scrubs it when it writes.
 */
function fitsWhenStored(text: string, context: z.RefinementCtx) {
  const stored = scrubLinkValues(text);
  if (stored.text.length > NOTE_MAX_LENGTH) {
    context.addIssue({
      code: 'custom',
      message: stored.scrubbed
        ? `${NOTE_TOO_LONG.slice(0, -1)} once its link values are replaced by markers (${stored.text.length.toLocaleString('en')} now).`
        : NOTE_TOO_LONG,
    });
  }
}

/** A required note or reason; `required` is what to say when it is blank. */
export function historyText(required: string) {
  return z
    .string({ error: required })
    .trim()
    .min(1, required)
    .max(NOTE_MAX_LENGTH * 4, NOTE_TOO_LONG)
    .superRefine(fitsWhenStored);
}

/** An optional note: blank is unset. */
export const optionalHistoryText = z
  .string()
  .trim()
  .max(NOTE_MAX_LENGTH * 4, NOTE_TOO_LONG)
  .superRefine(fitsWhenStored)
  .optional();
