import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { idSchema } from '~/forms/ids';
import { ConfirmButton } from '~/components/confirm-button';
import { buttonClass, FormError } from '~/components/field';
import { OneTimeSecret } from '~/components/one-time-secret';
import { roleSchema, staffMemberIntentSchema } from '~/forms/staff';
import {
  changeStaffRole,
  disableStaff,
  enableStaff,
  getStaffById,
  resetStaffPassword,
  signOutStaffEverywhere,
  staffActor,
  StaffRuleError,
} from '~/models/staff.server';
import { requireStaff } from '~/services/auth.server';
import { formErrors } from '~/utils/forms';
import { redirectWithToast } from '~/utils/toast.server';
import { ROLE_DESCRIPTIONS, STAFF_ROLES } from '~/domain/staff';

export const meta: MetaFunction<typeof loader> = ({ data: loaderData }) => [{ title: `${loaderData?.member.name ?? 'Staff member'} · Staff · Setup Desk` }];

export const handle = { access: { loader: 'admin', action: 'admin' } };

async function loadMember(params: LoaderFunctionArgs['params']) {
  const id = idSchema.safeParse(params.staffId);
  const member = id.success ? await getStaffById(id.data) : null;
  if (!member) throw new Response('No staff member with that id', { status: 404 });
  return member;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const admin = await requireStaff(request, 'admin');
  const member = await loadMember(params);
  return { member, isSelf: member.id === admin.id };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const admin = await requireStaff(request, 'admin');
  const member = await loadMember(params);
  const formData = await request.formData();
  const intent = staffMemberIntentSchema.safeParse(formData.get('intent'));
  if (!intent.success) throw new Response('Unknown action', { status: 400 });
  const actor = staffActor(admin);
  const options = { requestId: context.requestId };
  const here = `/staff/${member.id}`;
  const isSelf = member.id === admin.id;
  // The page's forms are buttons and one radio group: what refuses them is said for the page.
  const refuse = (message: string) => data({ ...formErrors(message), temporaryPassword: null }, { status: 400 });

  try {
    switch (intent.data) {
      case 'change_role': {
        const role = roleSchema.safeParse(formData.get('role'));
        if (!role.success) return refuse(role.error.issues[0]!.message);
        if (isSelf) return refuse('Ask another admin to change your own role.');
        await changeStaffRole(member.id, role.data, actor, options);
        return redirectWithToast(here, { kind: 'success', message: `${member.name} is now ${role.data}.` });
      }
      case 'disable': {
        if (isSelf) return refuse('You cannot disable your own account.');
        await disableStaff(member.id, actor, options);
        return redirectWithToast(here, { kind: 'success', message: `${member.name} is disabled and signed out everywhere.` });
      }
      case 'enable':
        await enableStaff(member.id, actor, options);
        return redirectWithToast(here, { kind: 'success', message: `${member.name} can sign in again.` });
      case 'sign_out_everywhere': {
        const ended = await signOutStaffEverywhere(member.id, actor, options);
        return redirectWithToast(here, {
          kind: 'success',
          message: `${member.name} was signed out of ${ended} session${ended === 1 ? '' : 's'}.`,
        });
      }
      case 'reset_password': {
        const { temporaryPassword } = await resetStaffPassword(member.id, actor, options);
        // Shown in this response only; the member must replace it at next sign-in.
        return { ...formErrors(null), temporaryPassword };
      }
    }
  } catch (error) {
    if (error instanceof StaffRuleError) return refuse(error.message);
    throw error;
  }
}

export default function StaffMember() {
  const { member, isSelf } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const temporaryPassword = actionData?.temporaryPassword ?? null;
  const formError = actionData?.formError ?? null;

  return (
    <div className="max-w-2xl space-y-8">
      <div>
        <Link to="/staff" className="text-sm text-indigo-700 hover:underline">
          ← All staff
        </Link>
        <h1 className="mt-2 text-2xl font-bold tracking-tight">{member.name}</h1>
        <p className="text-slate-600">
          {member.email} · {member.role}
          {member.disabledAt ? ' · disabled' : ''}
          {isSelf ? ' · you' : ''}
        </p>
      </div>

      <FormError message={formError} />
      {temporaryPassword ? (
        <OneTimeSecret label={`New temporary password for ${member.name}`} value={temporaryPassword}>
          Their sessions have ended. Give it to {member.name} by a channel you trust; they must choose their own password when they next sign in.
        </OneTimeSecret>
      ) : null}

      <section aria-labelledby="role-title" className="rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="role-title" className="text-lg font-semibold">
          Role
        </h2>
        <Form method="post" className="mt-3 space-y-3">
          <input type="hidden" name="intent" value="change_role" />
          <fieldset disabled={isSelf}>
            <legend className="sr-only">Role</legend>
            {STAFF_ROLES.map((role) => (
              <label key={role} className="flex items-center gap-2 text-sm">
                <input type="radio" name="role" value={role} defaultChecked={member.role === role} />
                {ROLE_DESCRIPTIONS[role]}
              </label>
            ))}
          </fieldset>
          <button type="submit" className={buttonClass()} disabled={isSelf}>
            Change role
          </button>
          {isSelf ? <p className="text-sm text-slate-600">Another admin must change your own role.</p> : null}
        </Form>
      </section>

      <section aria-labelledby="access-title" className="rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="access-title" className="text-lg font-semibold">
          Access
        </h2>
        <div className="mt-3 flex flex-wrap gap-3">
          <Form method="post">
            <input type="hidden" name="intent" value="reset_password" />
            <ConfirmButton confirmLabel="Click again to reset">Reset password</ConfirmButton>
          </Form>
          <Form method="post">
            <input type="hidden" name="intent" value="sign_out_everywhere" />
            <ConfirmButton confirmLabel="Click again to sign out">Sign out everywhere</ConfirmButton>
          </Form>
          {member.disabledAt ? (
            <Form method="post">
              <input type="hidden" name="intent" value="enable" />
              <button type="submit" className={buttonClass('secondary')}>
                Enable account
              </button>
            </Form>
          ) : isSelf ? null : (
            <Form method="post">
              <input type="hidden" name="intent" value="disable" />
              <ConfirmButton confirmLabel="Click again to disable">Disable account</ConfirmButton>
            </Form>
          )}
        </div>
      </section>
    </div>
  );
}
