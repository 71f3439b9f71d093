import { Form } from '@remix-run/react';
import { Disclosure } from '~/components/disclosure';
import { OwnerSelect } from '~/components/domains-field';
import { buttonClass, FieldError } from '~/components/field';
import type { FieldErrors } from '~/utils/forms';
import type { OrganizationPageData } from './route';

/** Who at our company looks after this customer, and the form to change it. */
export function OwnerSection({
  owners,
  csOwnerId,
  csOwnerName,
  errors,
  open,
}: {
  owners: OrganizationPageData['owners'];
  csOwnerId: number | null;
  csOwnerName: string | null;
  errors: FieldErrors;
  /** The last answer refused this form. */
  open: boolean;
}) {
  return (
    <Disclosure id="owner-title" title="CS owner" hint={csOwnerName ?? 'Nobody yet'} open={open}>
      <Form method="post" className="flex flex-wrap items-end gap-3">
        <input type="hidden" name="intent" value="set_owner" />
        <div>
          <label htmlFor="csOwnerId" className="block text-sm font-medium">
            Owner
          </label>
          <OwnerSelect id="csOwnerId" owners={owners} defaultValue={String(csOwnerId ?? '')} />
          <FieldError errors={errors.csOwnerId} />
        </div>
        <button type="submit" className={buttonClass('secondary')}>
          Change owner
        </button>
      </Form>
    </Disclosure>
  );
}
