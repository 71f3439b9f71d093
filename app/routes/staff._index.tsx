import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { EmptyState } from '~/components/empty-state';
import { buttonClass, Field, FieldError, FormError } from '~/components/field';
import { OneTimeSecret } from '~/components/one-time-secret';
import { newStaffSchema } from '~/forms/staff';
import { createStaff, listStaff, staffActor, StaffRuleError } from '~/models/staff.server';
import { requireStaff } from '~/services/auth.server';
import { fieldErrorsOf, formErrors, parseForm } from '~/utils/forms';
import { ROLE_DESCRIPTIONS, STAFF_ROLES } from '~/domain/staff';
import { ColumnHeaders } from '~/components/column-headers';
import { DateTime } from '~/components/local-time';

export const meta: MetaFunction = () => [{ title: 'Staff · Setup Desk' }];

export const handle = { access: { loader: 'admin', action: 'admin' } };

export async function loader({ request }: LoaderFunctionArgs) {
  await requireStaff(request, 'admin');
  return { staff: await listStaff() };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireStaff(request, 'admin');
  const formData = await request.formData();
  if (formData.get('intent') !== 'create') throw new Response('Unknown action', { status: 400 });
  const form = parseForm(newStaffSchema, formData);
  if (!form.success) return data({ ...form.errors, created: null }, { status: 400 });
  try {
    const { staff, temporaryPassword } = await createStaff(form.data, staffActor(admin), { requestId: context.requestId });
    // Shown in this response only (never a redirect, a cookie or a URL), then gone.
    return { ...formErrors(null), created: { id: staff.id, name: staff.name, temporaryPassword } };
  } catch (error) {
    if (error instanceof StaffRuleError) return data({ ...formErrors(error.message, { field: error.field }), created: null }, { status: 400 });
    throw error;
  }
}

export default function StaffList() {
  const { staff } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const submitting = navigation.state !== 'idle' && navigation.formMethod === 'POST';
  const fieldErrors = fieldErrorsOf(actionData);
  const created = actionData?.created;

  return (
    <div className="space-y-8">
      <div>
        <h1 className="text-2xl font-bold tracking-tight">Staff</h1>
        <p className="mt-1 text-slate-600">Who can use Setup Desk, and what each person may do.</p>
      </div>

      {created?.temporaryPassword ? (
        <OneTimeSecret label={`Temporary password for ${created.name}`} value={created.temporaryPassword}>
          Give it to {created.name} by a channel you trust. They must choose their own password when they first sign in.
        </OneTimeSecret>
      ) : null}

      <section aria-labelledby="members-title">
        <h2 id="members-title" className="sr-only">
          Members
        </h2>
        {staff.length === 0 ? (
          <EmptyState title="No staff yet">Add the first member below.</EmptyState>
        ) : (
          <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
            <table className="min-w-full text-left text-sm">
              <ColumnHeaders columns={['Name', 'Email', 'Role', 'Status', 'Last sign-in']} />
              <tbody className="divide-y divide-slate-100">
                {staff.map((member) => (
                  <tr key={member.id}>
                    <td className="px-4 py-2">
                      <Link to={`/staff/${member.id}`} className="font-medium text-indigo-700 hover:underline">
                        {member.name}
                      </Link>
                    </td>
                    <td className="px-4 py-2">{member.email}</td>
                    <td className="px-4 py-2">{member.role}</td>
                    <td className="px-4 py-2">{member.disabledAt ? 'Disabled' : member.mustChangePassword ? 'Must change password' : 'Active'}</td>
                    <td className="px-4 py-2">{member.lastSignInAt ? <DateTime iso={member.lastSignInAt} /> : 'Never'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="add-title" className="max-w-xl rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="add-title" className="text-lg font-semibold">
          Add a member
        </h2>
        <p className="mt-1 text-sm text-slate-600">They get a temporary password, shown here once.</p>
        <Form method="post" className="mt-4 space-y-4" noValidate>
          <input type="hidden" name="intent" value="create" />
          <FormError message={actionData?.formError} />
          <Field label="Name" name="name" required maxLength={100} autoComplete="off" errors={fieldErrors.name} />
          <Field label="Email" name="email" type="email" required autoComplete="off" errors={fieldErrors.email} />
          <fieldset>
            <legend className="text-sm font-medium text-slate-800">Role</legend>
            <div className="mt-1 space-y-1">
              {STAFF_ROLES.map((role) => (
                <label key={role} className="flex items-center gap-2 text-sm">
                  <input type="radio" name="role" value={role} defaultChecked={role === 'support'} />
                  {ROLE_DESCRIPTIONS[role]}
                </label>
              ))}
            </div>
            <FieldError errors={fieldErrors.role} />
          </fieldset>
          <button type="submit" className={buttonClass()} disabled={submitting}>
            {submitting ? 'Adding…' : 'Add member'}
          </button>
        </Form>
      </section>
    </div>
  );
}
