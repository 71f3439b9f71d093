import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { useId } from 'react';
import { buttonClass, Field, FieldError, FormError } from '~/components/field';
import { DateTime } from '~/components/local-time';
import { changePasswordSchema, timeZoneFormSchema } from '~/forms/staff';
import { PASSWORD_MIN_LENGTH } from '~/models/password.server';
import { changeOwnPassword, getDigestPreference, setDigestPreference, setStaffTimeZone, StaffRuleError } from '~/models/staff.server';
import { requireStaff } from '~/services/auth.server';
import { timeZoneChoices } from '~/utils/format';
import { fieldErrorsOf, formErrors, parseForm } from '~/utils/forms';
import { redirectWithToast } from '~/utils/toast.server';
import { ROLE_DESCRIPTIONS, roleAtLeast } from '~/domain/staff';

export const meta: MetaFunction = () => [{ title: 'Your account · Setup Desk' }];

export const handle = { access: { loader: 'viewer', action: 'viewer' } };

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, 'viewer', { allowPasswordChange: true });
  return {
    account: { name: staff.name, email: staff.email, role: staff.role, mustChangePassword: staff.mustChangePassword },
    minimumLength: PASSWORD_MIN_LENGTH,
    // Only reps and admins own customers, so only they get digests.
    digest: roleAtLeast(staff.role, 'support') ? { enabled: await getDigestPreference(staff.id) } : null,
    timeZone: staff.timeZone,
    // The server's list, so the page hydrates alike whatever the browser's Intl knows.
    timeZones: timeZoneChoices(staff.timeZone),
    now: new Date().toISOString(),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, 'viewer', { allowPasswordChange: true });
  const formData = await request.formData();
  if (formData.get('intent') === 'digest') {
    const enabled = formData.get('notifyDigest') === 'on';
    await setDigestPreference(staff, enabled, { requestId: context.requestId });
    return redirectWithToast('/account', {
      kind: 'success',
      message: enabled ? 'You will get a daily digest when your customers’ setups need you.' : 'Digest emails are off.',
    });
  }
  if (formData.get('intent') === 'timeZone') {
    const form = parseForm(timeZoneFormSchema, formData);
    if (!form.success) return data({ ...form.errors, intent: 'timeZone' }, { status: 400 });
    try {
      await setStaffTimeZone(staff, form.data.timeZone, { requestId: context.requestId });
    } catch (error) {
      if (error instanceof StaffRuleError) return data({ ...formErrors(error.message, { field: error.field }), intent: 'timeZone' }, { status: 400 });
      throw error;
    }
    return redirectWithToast('/account', { kind: 'success', message: `Times are now shown in ${form.data.timeZone}.` });
  }
  const form = parseForm(changePasswordSchema, formData);
  if (!form.success) return data(form.errors, { status: 400 });
  try {
    await changeOwnPassword(
      staff.id,
      { currentPassword: form.data.currentPassword, newPassword: form.data.newPassword, keepSessionId: staff.sessionId },
      { requestId: context.requestId },
    );
  } catch (error) {
    if (error instanceof StaffRuleError) return data(formErrors(error.message, { field: error.field }), { status: 400 });
    throw error;
  }
  return redirectWithToast('/', {
    kind: 'success',
    message: 'Password changed. Your other sessions have been signed out.',
  });
}

export default function Account() {
  const { account, minimumLength, digest, timeZone, timeZones, now } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const timeZoneAnswer = actionData && 'intent' in actionData && actionData.intent === 'timeZone';
  const fieldErrors = timeZoneAnswer ? {} : fieldErrorsOf(actionData);
  const timeZoneErrors = timeZoneAnswer ? fieldErrorsOf(actionData).timeZone : undefined;
  const timeZoneId = useId();
  const submitting = navigation.state !== 'idle' && navigation.formMethod === 'POST';

  return (
    <div className="max-w-xl space-y-8">
      <div>
        <h1 className="text-2xl font-bold tracking-tight">Your account</h1>
        <dl className="mt-4 grid grid-cols-[8rem_1fr] gap-y-2 text-sm">
          <dt className="text-slate-600">Name</dt>
          <dd>{account.name}</dd>
          <dt className="text-slate-600">Email</dt>
          <dd>{account.email}</dd>
          <dt className="text-slate-600">Role</dt>
          <dd>{ROLE_DESCRIPTIONS[account.role]}</dd>
        </dl>
      </div>

      <section aria-labelledby="time-zone-title" className="rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="time-zone-title" className="text-lg font-semibold">
          Time zone
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          Every time Setup Desk shows you is in this zone — now: <DateTime iso={now} />. Hover over a time for the exact time in UTC.
        </p>
        <Form method="post" className="mt-4 flex flex-wrap items-end gap-4" noValidate>
          <input type="hidden" name="intent" value="timeZone" />
          <div>
            <label htmlFor={timeZoneId} className="block text-sm font-medium text-slate-800">
              Your time zone
            </label>
            <select
              id={timeZoneId}
              name="timeZone"
              defaultValue={timeZone}
              aria-invalid={timeZoneErrors?.length ? true : undefined}
              aria-describedby={timeZoneErrors?.length ? `${timeZoneId}-error` : undefined}
              className={`mt-1 block rounded-md border px-3 py-2 text-sm shadow-sm ${timeZoneErrors?.length ? 'border-red-500' : 'border-slate-300'}`}
            >
              {timeZones.map((zone) => (
                <option key={zone} value={zone}>
                  {zone.replace(/_/g, ' ')}
                </option>
              ))}
            </select>
            <FieldError id={`${timeZoneId}-error`} errors={timeZoneErrors} />
          </div>
          <button type="submit" className={buttonClass('secondary')} disabled={submitting}>
            Save time zone
          </button>
        </Form>
      </section>

      {digest ? (
        <section aria-labelledby="digest-title" className="rounded-lg border border-slate-200 bg-white p-6">
          <h2 id="digest-title" className="text-lg font-semibold">
            Email digest
          </h2>
          <p className="mt-1 text-sm text-slate-600">
            At most one email a day about the customers you own: setups completed, links that expired unused, emails that could not be delivered.
          </p>
          <Form method="post" className="mt-4 flex flex-wrap items-center gap-4">
            <input type="hidden" name="intent" value="digest" />
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="notifyDigest" defaultChecked={digest.enabled} className="h-4 w-4" />
              Send me the daily digest
            </label>
            <button type="submit" className={buttonClass('secondary')} disabled={submitting}>
              Save
            </button>
          </Form>
        </section>
      ) : null}

      <section aria-labelledby="password-title" className="rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="password-title" className="text-lg font-semibold">
          Change your password
        </h2>
        {account.mustChangePassword ? (
          <p role="status" className="mt-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
            You signed in with a temporary password. Choose your own password to continue.
          </p>
        ) : (
          <p className="mt-1 text-sm text-slate-600">Changing it signs you out everywhere else.</p>
        )}
        <Form method="post" className="mt-4 space-y-4" noValidate>
          <FormError message={timeZoneAnswer ? null : actionData?.formError} />
          <Field
            label="Current password"
            name="currentPassword"
            type="password"
            autoComplete="current-password"
            required
            errors={fieldErrors.currentPassword}
          />
          <Field
            label="New password"
            name="newPassword"
            type="password"
            autoComplete="new-password"
            required
            minLength={minimumLength}
            hint={`At least ${minimumLength} characters. Not a common password, and not your name or email.`}
            errors={fieldErrors.newPassword}
          />
          <Field
            label="Repeat the new password"
            name="confirmPassword"
            type="password"
            autoComplete="new-password"
            required
            errors={fieldErrors.confirmPassword}
          />
          <button type="submit" className={buttonClass()} disabled={submitting}>
            {submitting ? 'Changing…' : 'Change password'}
          </button>
        </Form>
      </section>
    </div>
  );
}
