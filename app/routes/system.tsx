import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation, useRevalidator } from '@remix-run/react';
import { buttonClass, Field, FormError } from '~/components/field';
import { recordAuditEvent } from '~/models/audit.server';
import { getSettings } from '~/models/settings.server';
import { testEmailSchema } from '~/forms/settings';
import { staffActor } from '~/models/staff.server';
import { requireStaff } from '~/services/auth.server';
import { getDb } from '~/utils/db.server';
import { runDoctor, type CheckResult } from '~/services/doctor.server';
import { sendTestEmail } from '~/utils/email.server';
import { fieldErrorsOf, formErrors, parseForm } from '~/utils/forms';
import { redirectWithToast } from '~/utils/toast.server';
import { getWorkOS, withPersonDeadline } from '~/utils/workos.server';
import { ColumnHeaders } from '~/components/column-headers';
import { DateTime } from '~/components/local-time';

export const meta: MetaFunction = () => [{ title: 'System status · Setup Desk' }];

export const handle = { access: { loader: 'admin', action: 'admin' } };

/** The same checks as `npm run doctor`, run now by the app itself. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(request, 'admin');
  const checkedAt = new Date().toISOString();
  // An admin waits on this page: its WorkOS checks keep the person's deadline.
  const results = await withPersonDeadline(() => runDoctor({ rawEnv: process.env, db: getDb(), workos: getWorkOS(), selfUrl: context.selfUrl ?? null }));
  return { results, checkedAt, sender: (await getSettings()).mailFrom.address };
}

/** Sends one test email (the only way the mail check sends anything), audited. */
export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, 'admin');
  const form = parseForm(testEmailSchema, await request.formData());
  if (!form.success) return data(form.errors, { status: 400 });
  const recipient = form.data.recipient;
  const settings = await getSettings();
  const outcome = await sendTestEmail(recipient, settings, 'Setup Desk’s System status page');
  await recordAuditEvent({
    actor: staffActor(staff),
    action: 'system.test_email',
    requestId: context.requestId,
    details: outcome.ok ? { recipient, sent: true } : { recipient, sent: false, errorClass: outcome.failure.errorClass },
  });
  if (!outcome.ok) return data(formErrors(`The test email could not be sent: ${outcome.failure.reason}`), { status: 502 });
  return redirectWithToast('/system', { kind: 'success', message: `A test email from ${settings.mailFrom.address} was accepted for ${recipient}.` });
}

const STATUS_STYLES: Record<CheckResult['status'], { label: string; className: string }> = {
  pass: { label: 'Pass', className: 'bg-emerald-100 text-emerald-900' },
  warn: { label: 'Warning', className: 'bg-amber-100 text-amber-900' },
  fail: { label: 'Fail', className: 'bg-red-100 text-red-900' },
};

export default function SystemStatus() {
  const { results, checkedAt, sender } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const revalidator = useRevalidator();
  const sending = navigation.state !== 'idle' && navigation.formMethod === 'POST';
  const failed = results.filter((result) => result.status === 'fail').length;
  const warnings = results.filter((result) => result.status === 'warn').length;

  return (
    <div className="space-y-8">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-bold tracking-tight">System status</h1>
          <p className="mt-1 text-slate-600">
            The integration checklist, run now by Setup Desk itself — the same checks as <code>npm run doctor</code>. Checked <DateTime iso={checkedAt} />.
          </p>
        </div>
        <button type="button" className={buttonClass('secondary')} onClick={() => revalidator.revalidate()} disabled={revalidator.state !== 'idle'}>
          {revalidator.state !== 'idle' ? 'Checking…' : 'Check again'}
        </button>
      </div>

      <p
        role="status"
        className={`rounded-md border px-4 py-3 text-sm ${failed ? 'border-red-300 bg-red-50 text-red-900' : warnings ? 'border-amber-300 bg-amber-50 text-amber-900' : 'border-emerald-300 bg-emerald-50 text-emerald-900'}`}
      >
        {failed ? `${failed} check${failed === 1 ? '' : 's'} failed` : 'Every required check passes'}
        {warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}.
      </p>

      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full text-left text-sm">
          <caption className="sr-only">Checks</caption>
          <ColumnHeaders columns={['Check', 'Result', 'Found, and the fix']} />
          <tbody className="divide-y divide-slate-100">
            {results.map((result) => (
              <tr key={result.id} data-check={result.id}>
                <th scope="row" className="px-4 py-2 align-top font-medium">
                  {result.title}
                </th>
                <td className="px-4 py-2 align-top">
                  <span className={`rounded-full px-2 py-0.5 text-xs font-semibold ${STATUS_STYLES[result.status].className}`}>
                    {STATUS_STYLES[result.status].label}
                  </span>
                </td>
                <td className="px-4 py-2 align-top">
                  <p className="break-words">{result.found}</p>
                  {result.fix ? <p className="mt-1 text-slate-700">→ {result.fix}</p> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <section aria-labelledby="test-email-title" className="max-w-2xl rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="test-email-title" className="text-lg font-semibold">
          Send a test email
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          From {sender}, through SMTP_URL: proves the mail server accepts the sender. Nothing else on this page sends mail.
        </p>
        <Form method="post" className="mt-4 flex flex-wrap items-end gap-3" noValidate>
          <FormError message={actionData?.formError} />
          <Field label="Recipient" name="recipient" type="email" required errors={fieldErrorsOf(actionData).recipient} />
          <button type="submit" className={buttonClass()} disabled={sending}>
            {sending ? 'Sending…' : 'Send test email'}
          </button>
        </Form>
      </section>
    </div>
  );
}
