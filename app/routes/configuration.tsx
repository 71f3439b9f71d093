import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { buttonClass, Field, FormError } from '~/components/field';
import { settingsFormSchema } from '~/forms/settings';
import { customerFacingProblems, environmentSettings, getSettings, getSettingsForm, SettingsRuleError, updateSettings } from '~/models/settings.server';
import { staffActor } from '~/models/staff.server';
import { requireStaff } from '~/services/auth.server';
import { getEnv } from '~/utils/env.server';
import { fieldErrorsOf, formErrors, parseForm } from '~/utils/forms';
import { redirectWithToast } from '~/utils/toast.server';
import { SETTING_FIELDS, SETTING_LABELS, type SettingField } from '~/domain/settings';
import { LINK_LIFETIME_DAYS, LINK_REMINDERS } from '~/domain/setup-links';

export const meta: MetaFunction = () => [{ title: 'Configuration · Setup Desk' }];

export const handle = { access: { loader: 'admin', action: 'admin' } };

export async function loader({ request }: LoaderFunctionArgs) {
  await requireStaff(request, 'admin');
  const env = environmentSettings();
  const [values, effective] = await Promise.all([getSettingsForm(), getSettings()]);
  const mailbox = (value: { name: string; address: string }) => (value.name ? `${value.name} <${value.address}>` : value.address);
  // What a blank field falls back to, shown beside it.
  const environment: Record<SettingField, string> = {
    companyName: env.companyName,
    supportEmail: env.supportEmail,
    linkLifetimeDefaultDays: String(env.linkLifetime.defaultDays),
    linkLifetimeMaxDays: String(env.linkLifetime.maxDays),
    mailFrom: mailbox(env.mailFrom),
    mailReplyTo: env.mailReplyTo,
    reminderLimit: String(env.reminders.limit),
    reminderFirstAfterDays: String(env.reminders.firstAfterDays),
  };
  // What keeps a production setup email from going out (development shows it as a note).
  const customerProblems = customerFacingProblems(effective);
  return { values, environment, overridden: effective.overridden, customerProblems, production: getEnv().isProduction };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, 'admin');
  const formData = await request.formData();
  // What was typed, to refill the form with when it is refused.
  const values = Object.fromEntries(SETTING_FIELDS.map((field) => [field, String(formData.get(field) ?? '')])) as Record<SettingField, string>;
  const form = parseForm(settingsFormSchema, formData);
  if (!form.success) return data({ ...form.errors, values }, { status: 400 });
  try {
    const { changed } = await updateSettings(form.data, staffActor(staff), { requestId: context.requestId });
    return redirectWithToast('/configuration', {
      kind: 'success',
      message: changed.length ? `Saved: ${changed.map((field) => SETTING_LABELS[field]).join(', ')}. It applies at once.` : 'Nothing changed.',
    });
  } catch (error) {
    if (error instanceof SettingsRuleError) return data({ ...formErrors(error.message, { field: error.field }), values }, { status: 400 });
    throw error;
  }
}

const HINTS: Record<SettingField, string> = {
  companyName: 'Signs the setup email and heads the IT admin’s page.',
  supportEmail: 'Where IT admins write for help: in the email and on their page.',
  linkLifetimeDefaultDays: 'What the link form starts with.',
  linkLifetimeMaxDays: `The longest a rep may choose (at most ${LINK_LIFETIME_DAYS.max}).`,
  mailFrom:
    'The sender of setup emails and digests, e.g. "Acme Onboarding <onboarding@acme.com>". Your mail server must accept it: send a test email from System status.',
  mailReplyTo: 'Where replies to setup emails go.',
  reminderLimit:
    'Emails reminding the IT admin of an emailed link they have not started: the first after the days below, the next a day before the link expires. 0 sends none; each organization can also turn them off.',
  reminderFirstAfterDays: `Days after the setup email before the first reminder (${LINK_REMINDERS.firstAfterDays.min} to ${LINK_REMINDERS.firstAfterDays.max}); sooner if the link expires first.`,
};

/** The number fields' ranges; every other field is text or an email address. */
const NUMBER_RANGES: Partial<Record<SettingField, { min: number; max: number }>> = {
  linkLifetimeDefaultDays: LINK_LIFETIME_DAYS,
  linkLifetimeMaxDays: LINK_LIFETIME_DAYS,
  reminderLimit: { min: 0, max: LINK_REMINDERS.maxPerLink },
  reminderFirstAfterDays: LINK_REMINDERS.firstAfterDays,
};

export default function Configuration() {
  const { values, environment, overridden, customerProblems, production } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const saving = navigation.state !== 'idle' && navigation.formMethod === 'POST';
  const shown = actionData?.values ?? values;
  const errors = fieldErrorsOf(actionData);

  return (
    <div className="max-w-2xl space-y-6">
      <div>
        <h1 className="text-2xl font-bold tracking-tight">Configuration</h1>
        <p className="mt-1 text-slate-600">
          What customers see of your company, how long setup links last, and when IT admins are reminded of them. A blank field uses the server’s environment
          (shown under it). Every change is recorded in the audit log and applies at once.
        </p>
      </div>
      {customerProblems.length > 0 ? (
        <div
          role={production ? 'alert' : 'note'}
          aria-label="Before customers see it"
          className={
            production ? 'rounded-lg border border-red-300 bg-red-50 p-4 text-red-900' : 'rounded-lg border border-amber-300 bg-amber-50 p-4 text-amber-900'
          }
        >
          <p className="font-semibold">
            {production
              ? 'Setup emails are refused until the company name and support contact are set.'
              : 'In production, setup emails would be refused until the company name and support contact are set (development sends them with its defaults).'}
          </p>
          <ul className="mt-2 list-disc pl-5">
            {customerProblems.map((problem) => (
              <li key={problem}>{problem}.</li>
            ))}
          </ul>
        </div>
      ) : null}
      <Form method="post" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6" noValidate>
        <FormError message={actionData?.formError} />
        {SETTING_FIELDS.map((field) => (
          <Field
            key={field}
            label={SETTING_LABELS[field]}
            name={field}
            type={NUMBER_RANGES[field] ? 'number' : field === 'supportEmail' || field === 'mailReplyTo' ? 'email' : 'text'}
            inputMode={NUMBER_RANGES[field] ? 'numeric' : undefined}
            min={NUMBER_RANGES[field]?.min}
            max={NUMBER_RANGES[field]?.max}
            defaultValue={shown[field]}
            placeholder={environment[field]}
            errors={errors[field]}
            hint={`${HINTS[field]} ${overridden.includes(field) ? 'Set here' : 'From the environment'}: blank means ${environment[field]}.`}
          />
        ))}
        <button type="submit" className={buttonClass()} disabled={saving}>
          {saving ? 'Saving…' : 'Save configuration'}
        </button>
      </Form>
    </div>
  );
}
