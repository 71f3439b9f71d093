import { Form } from '@remix-run/react';
import { OwnerSelect } from '~/components/domains-field';
import { buttonClass, FieldError } from '~/components/field';
import type { FieldErrors } from '~/utils/forms';
import type { OrganizationPageData } from './route';

/** Who at our company looks after this customer, and the form to change it. */
export function OwnerSection({ owners, csOwnerId, errors }: { owners: OrganizationPageData['owners']; csOwnerId: number | null; errors: FieldErrors }) {
  return (
    <section aria-labelledby="owner-title" className="max-w-2xl rounded-lg border border-slate-200 bg-white p-6">
      <h2 id="owner-title" className="text-lg font-semibold">
        CS owner
      </h2>
      <Form method="post" className="mt-3 flex flex-wrap items-end gap-3">
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
    </section>
  );
}
