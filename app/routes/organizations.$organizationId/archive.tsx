import { Form } from '@remix-run/react';
import { Disclosure } from '~/components/disclosure';
import { ConfirmButton } from '~/components/confirm-button';
import { Field } from '~/components/field';
import type { FieldErrors } from '~/utils/forms';
import { NOTE_MAX_LENGTH } from '~/domain/history';

/** Archiving: hidden here by default, kept in WorkOS. */
export function ArchiveSection({ errors, open }: { errors: FieldErrors; open: boolean }) {
  return (
    <Disclosure id="archive-title" title="Archive" hint="WorkOS keeps it." open={open}>
      <p className="text-sm text-slate-600">Hides it from the default list here. WorkOS keeps the organization: Setup Desk never deletes there.</p>
      <Form method="post" className="mt-3 max-w-2xl space-y-3">
        <input type="hidden" name="intent" value="archive" />
        <Field label="Reason" name="reason" required maxLength={NOTE_MAX_LENGTH} errors={errors.reason} />
        <ConfirmButton confirmLabel="Click again to archive">Archive organization</ConfirmButton>
      </Form>
    </Disclosure>
  );
}
