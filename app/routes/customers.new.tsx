import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useFetcher, useLoaderData, useNavigation } from '@remix-run/react';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { DomainsField, OwnerSelect } from '~/components/domains-field';
import { buttonClass, Field, FieldError, FormError } from '~/components/field';
import { DuplicateWarning, NewCustomerLinkFields, type DuplicateSummary } from '~/components/new-customer-fields';
import { OneTimeSecret } from '~/components/one-time-secret';
import { newCustomerDraftFrom, readNewCustomerForm, type NewCustomerDraft } from '~/forms/customer';
import { DEFAULT_DRAFT, setupLinkDraftFrom, type SetupLinkDraft } from '~/forms/setup-link-draft';
import { listAssignableOwners, OrganizationRuleError } from '~/models/organization.server';
import { getSettings } from '~/models/settings.server';
import { failureReasonOf } from '~/models/setup-link.server';
import { staffActor } from '~/models/staff.server';
import { requireStaff } from '~/services/auth.server';
import { createCustomer } from '~/services/new-customer.server';
import { fieldErrorsOf, formErrors, type FormErrors } from '~/utils/forms';
import { redirectWithToast } from '~/utils/toast.server';
import { EXTERNAL_ID_MAX, ORGANIZATION_NAME_MAX } from '~/domain/organizations';
import { FEATURE_INFO, type SetupFeature } from '~/domain/features';
import { roleAtLeast } from '~/domain/staff';
import { DateTime } from '~/components/local-time';

export const meta: MetaFunction = () => [{ title: 'New customer · Setup Desk' }];

export const handle = { access: { loader: 'support', action: 'support' } };

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, 'support');
  const [owners, settings] = await Promise.all([listAssignableOwners(), getSettings()]);
  return {
    owners,
    me: staff.id,
    isAdmin: roleAtLeast(staff.role, 'admin'),
    lifetime: settings.linkLifetime,
    // A fresh id per form shown: the idempotency key of this one customer (organization and link).
    submissionId: globalThis.crypto.randomUUID(),
  };
}

/** Where a submission stands when the form comes back: not yet in WorkOS, or created with its link still to send. */
interface Stage {
  kind: 'pending' | 'created';
  organizationId: number;
  name: string;
}

type ActionData = FormErrors & {
  submissionId: string;
  values?: { customer: NewCustomerDraft; link: SetupLinkDraft };
  duplicates?: DuplicateSummary[];
  stage?: Stage;
  /** A copied link: this response is the one time it is shown (no redirect, no cookie, no cache). */
  issued?: { url: string; expiresAt: string; features: SetupFeature[]; organizationId: number; name: string };
};

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, 'support');
  const formData = await request.formData();
  const { linkLifetime } = await getSettings();
  const values = { customer: newCustomerDraftFrom(formData), link: setupLinkDraftFrom(formData) };
  const typedId = formData.get('submissionId');
  const form = readNewCustomerForm(formData, linkLifetime);
  if (!form.success) {
    // A stage (pending, created) carries on with its own id; a fresh form's id is replaced.
    const stage = stageFrom(formData);
    const submissionId = stage && typeof typedId === 'string' ? typedId : globalThis.crypto.randomUUID();
    return data<ActionData>({ ...form.errors, submissionId, values, stage }, { status: 400 });
  }
  const { submissionId } = form.data.organization;
  const actor = { ...staffActor(staff), role: staff.role };
  const name = form.data.organization.name;
  let outcome;
  try {
    outcome = await createCustomer(form.data, actor, { requestId: context.requestId, timeZone: staff.timeZone });
  } catch (error) {
    if (error instanceof OrganizationRuleError) {
      return data<ActionData>({ ...formErrors(error.message, { field: error.field }), submissionId, values }, { status: 400 });
    }
    throw error;
  }
  const here = (id: number) => `/organizations/${id}`;
  switch (outcome.kind) {
    case 'duplicates': {
      const message = 'This customer may already be here (see below). Open them to check, or tick “create anyway” and submit again.';
      return data<ActionData>({ ...formErrors(message), submissionId, values, duplicates: outcome.duplicates }, { status: 409 });
    }
    case 'refused': {
      // Nothing exists anywhere: the rep corrects the form, which is then a new submission.
      const { problem } = outcome;
      return data<ActionData>(
        { ...formErrors(problem.message, { field: problem.field }), submissionId: globalThis.crypto.randomUUID(), values },
        { status: 400 },
      );
    }
    case 'already_submitted':
      return redirectWithToast(here(outcome.organizationId), { kind: 'info', message: 'This customer was already submitted: here it is.' });
    case 'pending': {
      const message = `${name} is saved here, but not yet created in WorkOS: ${outcome.problem.message} No link was issued and nothing was sent. Retry when WorkOS answers: it finishes the organization and then issues the link.`;
      return data<ActionData>(
        { ...formErrors(message), submissionId, values, stage: { kind: 'pending', organizationId: outcome.organizationId, name } },
        { status: 502 },
      );
    }
    case 'not_deliverable':
      // Nothing was made: the form stays as typed, with a fresh id once the settings are fixed.
      return data<ActionData>({ ...formErrors(outcome.message), submissionId, values }, { status: 409 });
    case 'link_refused': {
      const message = `${name} was created in WorkOS, but its setup link was not issued: ${outcome.message}`;
      return data<ActionData>(
        { ...formErrors(message), submissionId, values, stage: { kind: 'created', organizationId: outcome.organizationId, name } },
        { status: 409 },
      );
    }
    case 'issued': {
      const { issued, organizationId } = outcome;
      if (issued.delivery === 'copy') {
        return data<ActionData>({
          ...formErrors(null),
          submissionId,
          issued: { url: issued.url, expiresAt: issued.link.expiresAt, features: issued.link.features, organizationId, name },
        });
      }
      const sentBy = issued.delivery === 'workos' ? 'WorkOS’s invitation' : 'the setup email';
      if (issued.sent && issued.link.status !== 'active') {
        return redirectWithToast(here(organizationId), {
          kind: 'error',
          message: `${name} was created in WorkOS and ${sentBy === 'the setup email' ? 'the email' : sentBy} went to ${issued.recipient}, but its link was ${issued.link.status} while it was being sent: it does not open.`,
        });
      }
      if (issued.sent) {
        return redirectWithToast(here(organizationId), {
          kind: 'success',
          message:
            issued.delivery === 'workos'
              ? `${name} was created in WorkOS, and WorkOS is emailing its invitation to ${issued.recipient}.`
              : `${name} was created in WorkOS, and its setup link was emailed to ${issued.recipient}.`,
        });
      }
      const message = `${name} was created in WorkOS, but ${sentBy} could not be sent: ${failureReasonOf(issued)} No link is active. Send it again from here (or choose Copy link), or later from the organization’s page.`;
      return data<ActionData>({ ...formErrors(message), submissionId, values, stage: { kind: 'created', organizationId, name } }, { status: 502 });
    }
  }
}

/** The stage a refused retry was at (its hidden fields), so that the form stays a retry. */
function stageFrom(formData: FormData): Stage | undefined {
  const kind = formData.get('stage');
  const organizationId = Number(formData.get('stageOrganizationId'));
  const name = formData.get('name');
  if ((kind !== 'pending' && kind !== 'created') || !Number.isInteger(organizationId) || organizationId <= 0) return undefined;
  return { kind, organizationId, name: typeof name === 'string' ? name : '' };
}

function duplicateQuery(form: HTMLFormElement): string {
  const fields = new FormData(form);
  const text = (name: string) => {
    const value = fields.get(name);
    return typeof value === 'string' ? value.trim() : '';
  };
  return new URLSearchParams({ name: text('name'), domains: text('domains') }).toString();
}

/** While the rep types the name or domains: the organizations that look the same, asked for after a pause. */
function useDuplicateCheck(enabled: boolean) {
  const fetcher = useFetcher<{ duplicates: DuplicateSummary[] }>();
  const [query, setQuery] = useState<string | null>(null);
  const { load } = fetcher;
  useEffect(() => {
    if (!enabled || query === null) return;
    const timer = window.setTimeout(() => load(`/customers/duplicates?${query}`), 300);
    return () => window.clearTimeout(timer);
  }, [enabled, query, load]);
  const onChange = (event: FormEvent<HTMLFormElement>) => {
    const target = event.target as HTMLInputElement;
    if (target.name === 'name' || target.name === 'domains') setQuery(duplicateQuery(event.currentTarget));
  };
  return { onChange, duplicates: query === null ? undefined : fetcher.data?.duplicates };
}

export default function NewCustomer() {
  const { owners, me, isAdmin, lifetime, submissionId } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const navigation = useNavigation();
  const submitting = navigation.state !== 'idle' && navigation.formMethod === 'POST';
  const fieldErrors = fieldErrorsOf(actionData);
  const stage = actionData?.stage;
  const check = useDuplicateCheck(!stage);
  const duplicates = stage ? [] : (check.duplicates ?? actionData?.duplicates ?? []);
  const customer = actionData?.values?.customer;
  const link = actionData?.values?.link ?? { ...DEFAULT_DRAFT, lifetimeDays: String(lifetime.defaultDays) };
  // The copied link's answer replaces the form on the same URL: focus moves to it, as after a navigation.
  const issuedUrl = actionData?.issued?.url;
  const resultHeading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (issuedUrl) resultHeading.current?.focus();
  }, [issuedUrl]);

  if (actionData?.issued) {
    const { issued } = actionData;
    return (
      <div className="max-w-2xl space-y-6">
        <h1 ref={resultHeading} tabIndex={-1} className="text-2xl font-bold tracking-tight focus:outline-none">
          New customer
        </h1>
        <p className="text-slate-700">
          {issued.name} was created in WorkOS, and its setup link is ready to pass on (
          {issued.features.map((feature) => FEATURE_INFO[feature].title).join(', ')}; expires <DateTime iso={issued.expiresAt} />
          ).
        </p>
        <OneTimeSecret label="Setup link (shown once)" value={issued.url}>
          Send it by a channel you trust. Anyone with it can configure {issued.name}’s SSO.
        </OneTimeSecret>
        <div className="flex gap-3">
          <Link to={`/organizations/${issued.organizationId}`} className={buttonClass()}>
            Open {issued.name}
          </Link>
          <Link to="/customers/new" reloadDocument className={buttonClass('secondary')}>
            Another new customer
          </Link>
        </div>
      </div>
    );
  }

  const locked = Boolean(stage);
  return (
    <div className="max-w-2xl space-y-6">
      <div>
        <Link to="/organizations" className="text-sm text-indigo-700 hover:underline">
          ← Organizations
        </Link>
        <h1 className="mt-2 text-2xl font-bold tracking-tight">New customer</h1>
        <p className="mt-1 text-slate-600">Creates the customer’s organization in WorkOS and sends its IT admin the setup link, in one go.</p>
      </div>
      <Form method="post" className="space-y-5 rounded-lg border border-slate-200 bg-white p-6" noValidate onChange={check.onChange}>
        <input type="hidden" name="submissionId" value={actionData?.submissionId ?? submissionId} />
        {stage ? (
          <>
            <input type="hidden" name="stage" value={stage.kind} />
            <input type="hidden" name="stageOrganizationId" value={stage.organizationId} />
          </>
        ) : null}
        <FormError message={actionData?.formError} />
        {stage ? (
          <p className="text-sm text-slate-700">
            <Link to={`/organizations/${stage.organizationId}`} className="font-medium text-indigo-700 hover:underline">
              Open {stage.name}
            </Link>{' '}
            — {stage.kind === 'pending' ? 'its details below are saved and cannot change until it is created.' : 'it is created; only its link is left.'}
          </p>
        ) : null}
        <fieldset className="space-y-5">
          <legend className="text-lg font-semibold">Organization</legend>
          <Field
            label="Name"
            name="name"
            required
            maxLength={ORGANIZATION_NAME_MAX}
            autoComplete="off"
            defaultValue={customer?.name}
            readOnly={locked}
            errors={fieldErrors.name}
          />
          {locked ? (
            <Field
              label="Domains"
              name="domains"
              readOnly
              defaultValue={customer?.domains
                .split(/[\s,;]+/)
                .filter(Boolean)
                .join(' ')}
            />
          ) : (
            <DomainsField label="Domains" defaultValue={customer?.domains} errors={fieldErrors.domains} canVerify={isAdmin} />
          )}
          <Field
            label="External id"
            name="externalId"
            maxLength={EXTERNAL_ID_MAX}
            autoComplete="off"
            defaultValue={customer?.externalId}
            readOnly={locked}
            hint="The customer’s account id in our product. Optional; must be unique."
            errors={fieldErrors.externalId}
          />
          <div>
            <label htmlFor="csOwnerId" className="block text-sm font-medium text-slate-800">
              CS owner
            </label>
            <OwnerSelect id="csOwnerId" owners={owners} defaultValue={customer?.csOwnerId || String(me)} />
            <FieldError errors={fieldErrors.csOwnerId} />
          </div>
          <DuplicateWarning duplicates={duplicates} acknowledged={false} />
        </fieldset>
        <fieldset className="space-y-5">
          <legend className="text-lg font-semibold">Setup link</legend>
          <NewCustomerLinkFields draft={link} errors={fieldErrors} lifetimeMaxDays={lifetime.maxDays} />
        </fieldset>
        {stage ? (
          <button type="submit" name="intent" value="retry" className={buttonClass()} disabled={submitting}>
            {submitting ? 'Working…' : stage.kind === 'pending' ? 'Retry: create in WorkOS and issue the link' : 'Send the link again'}
          </button>
        ) : (
          <button type="submit" name="intent" value="create" className={buttonClass()} disabled={submitting}>
            {submitting ? 'Creating in WorkOS…' : 'Create customer and issue link'}
          </button>
        )}
      </Form>
    </div>
  );
}
