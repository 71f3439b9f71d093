import { Form } from '@remix-run/react';
import { ConfirmButton } from '~/components/confirm-button';
import { Field } from '~/components/field';
import type { FieldErrors } from '~/utils/forms';
import { NOTE_MAX_LENGTH } from '~/domain/history';

/** Archiving: hidden here by default, kept in WorkOS. */
export function ArchiveSection({ errors }: { errors: FieldErrors }) {
  return (
    <section aria-labelledby="archive-title" className="max-w-2xl rounded-lg border border-slate-200 bg-white p-6">
      <h2 id="archive-title" className="text-lg font-semibold">
        Archive
      </h2>
      <p className="mt-1 text-sm text-slate-600">Hides it from the default list here. WorkOS keeps the organization: Setup Desk never deletes there.</p>
      <Form method="post" className="mt-3 space-y-3">
        <input type="hidden" name="intent" value="archive" />
        <Field label="Reason" name="reason" required maxLength={NOTE_MAX_LENGTH} errors={errors.reason} />
        <ConfirmButton confirmLabel="Click again to archive">Archive organization</ConfirmButton>
      </Form>
    </section>
  );
}
