import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { DomainsField, OwnerSelect } from '~/components/domains-field';
import { buttonClass, Field, FieldError, FormError } from '~/components/field';
import { newOrganizationSchema } from '~/forms/organization';
import { finishOrganizationCreation, listAssignableOwners, OrganizationRuleError, startOrganizationCreation } from '~/models/organization.server';
import { staffActor } from '~/models/staff.server';
import { requireStaff } from '~/services/auth.server';
import { withPersonDeadline } from '~/utils/workos.server';
import { fieldErrorsOf, formErrors, parseForm, type FormErrors } from '~/utils/forms';
import { redirectWithToast } from '~/utils/toast.server';
import { NOTE_MAX_LENGTH } from '~/domain/history';
import { EXTERNAL_ID_MAX, ORGANIZATION_NAME_MAX } from '~/domain/organizations';
import { roleAtLeast } from '~/domain/staff';

export const meta: MetaFunction = () => [{ title: 'New organization · Setup Desk' }];

export const handle = { access: { loader: 'support', action: 'support' } };

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, 'support');
  return {
    owners: await listAssignableOwners(),
    me: staff.id,
    isAdmin: roleAtLeast(staff.role, 'admin'),
    // A fresh id per form shown: the idempotency key of this one creation.
    submissionId: globalThis.crypto.randomUUID(),
  };
}

type ActionData = FormErrors & { submissionId: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, 'support');
  // The submission id is hidden: a stale one is the form's problem ("reload the page").
  const form = parseForm(newOrganizationSchema, await request.formData(), { hidden: ['submissionId'] });
  if (!form.success) return data<ActionData>({ ...form.errors, submissionId: globalThis.crypto.randomUUID() }, { status: 400 });
  const actor = { ...staffActor(staff), role: staff.role };
  let started: { id: number; existing: boolean };
  try {
    started = await startOrganizationCreation(form.data, actor, { requestId: context.requestId });
  } catch (error) {
    if (error instanceof OrganizationRuleError) {
      return data<ActionData>({ ...formErrors(error.message, { field: error.field }), submissionId: form.data.submissionId }, { status: 400 });
    }
    throw error;
  }
  const here = `/organizations/${started.id}`;
  // A double submit: the first request is (or was) creating it; show where it is.
  if (started.existing) return redirectWithToast(here, { kind: 'info', message: 'This organization was already submitted.' });

  const result = await withPersonDeadline(() => finishOrganizationCreation(started.id, actor, { requestId: context.requestId }));
  if (result.ok) return redirectWithToast(here, { kind: 'success', message: `${form.data.name} was created in WorkOS.` });
  if (result.discarded) {
    // WorkOS refused the data: nothing exists anywhere, so the rep corrects the form (a new key).
    const { problem } = result;
    return data<ActionData>({ ...formErrors(problem.message, { field: problem.field }), submissionId: globalThis.crypto.randomUUID() }, { status: 400 });
  }
  return redirectWithToast(here, {
    kind: 'error',
    message: `Saved here, but not yet created in WorkOS: ${result.problem.message}`,
  });
}

export default function NewOrganization() {
  const { owners, me, isAdmin, submissionId } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const submitting = navigation.state !== 'idle' && navigation.formMethod === 'POST';
  const fieldErrors = fieldErrorsOf(actionData);

  return (
    <div className="max-w-2xl space-y-6">
      <div>
        <Link to="/organizations" className="text-sm text-indigo-700 hover:underline">
          ← Organizations
        </Link>
        <h1 className="mt-2 text-2xl font-bold tracking-tight">New organization</h1>
        <p className="mt-1 text-slate-600">Creates the customer’s organization in WorkOS. You can send its setup link next.</p>
      </div>
      <Form method="post" className="space-y-5 rounded-lg border border-slate-200 bg-white p-6" noValidate>
        <input type="hidden" name="submissionId" value={actionData?.submissionId ?? submissionId} />
        <FormError message={actionData?.formError} />
        <Field label="Name" name="name" required maxLength={ORGANIZATION_NAME_MAX} autoComplete="off" errors={fieldErrors.name} />
        <DomainsField label="Domains" errors={fieldErrors.domains} canVerify={isAdmin} />
        <Field
          label="External id"
          name="externalId"
          maxLength={EXTERNAL_ID_MAX}
          autoComplete="off"
          hint="The customer’s account id in our product. Optional; must be unique."
          errors={fieldErrors.externalId}
        />
        <div>
          <label htmlFor="csOwnerId" className="block text-sm font-medium text-slate-800">
            CS owner
          </label>
          <OwnerSelect id="csOwnerId" owners={owners} defaultValue={String(me)} />
          <FieldError errors={fieldErrors.csOwnerId} />
        </div>
        <div>
          <label htmlFor="note" className="block text-sm font-medium text-slate-800">
            Note
          </label>
          <textarea
            id="note"
            name="note"
            rows={2}
            maxLength={NOTE_MAX_LENGTH}
            className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm"
          />
        </div>
        <button type="submit" className={buttonClass()} disabled={submitting}>
          {submitting ? 'Creating in WorkOS…' : 'Create organization'}
        </button>
      </Form>
    </div>
  );
}
