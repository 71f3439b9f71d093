import { Form, Link } from '@remix-run/react';
import { Disclosure } from '~/components/disclosure';
import { DomainsField } from '~/components/domains-field';
import { buttonClass, Field } from '~/components/field';
import { StatusBadge } from '~/components/status-badge';
import type { FieldErrors } from '~/utils/forms';
import type { OrganizationPageData } from './route';
import { DateTime } from '~/components/local-time';

type Organization = OrganizationPageData['organization'];

/** The organization's name and status, and what identifies it here and in WorkOS, in a line or two. */
export function OrganizationHeader({ organization }: { organization: Organization }) {
  return (
    <div>
      <Link to="/organizations" className="text-sm text-indigo-700 hover:underline">
        ← Organizations
      </Link>
      <div className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1">
        {/* tabIndex -1: a client-side navigation moves focus here (app/root.tsx). */}
        <h1 tabIndex={-1} className="min-w-0 text-2xl font-bold tracking-tight [overflow-wrap:anywhere] focus:outline-none">
          {organization.name}
        </h1>
        <span data-testid="organization-status">
          <StatusBadge status={organization.status} />
        </span>
      </div>
      <dl className="mt-2 flex flex-wrap gap-x-6 gap-y-1 text-sm">
        <div className="min-w-0 [overflow-wrap:anywhere]">
          <dt className="inline text-slate-600">WorkOS id </dt>
          <dd className="inline">{organization.workosId ? <code>{organization.workosId}</code> : 'Not yet created in WorkOS'}</dd>
        </div>
        <div className="min-w-0 [overflow-wrap:anywhere]">
          <dt className="inline text-slate-600">External id </dt>
          <dd className="inline">{organization.externalId ?? '—'}</dd>
        </div>
        <div className="min-w-0 [overflow-wrap:anywhere]">
          <dt className="inline text-slate-600">CS owner </dt>
          <dd className="inline">{organization.csOwner?.name ?? '—'}</dd>
        </div>
        <div>
          <dt className="inline text-slate-600">Created </dt>
          <dd className="inline">
            <DateTime iso={organization.createdAt} />
          </dd>
        </div>
      </dl>
    </div>
  );
}

/** An organization saved here but not (yet) in WorkOS: why, and the retry. */
export function PendingCreationSection({ organization, canEdit, busy }: { organization: Organization; canEdit: boolean; busy: boolean }) {
  return (
    <section aria-labelledby="pending-title" className="rounded-lg border border-amber-300 bg-amber-50 p-4">
      <h2 id="pending-title" className="font-semibold text-amber-900">
        Not yet created in WorkOS
      </h2>
      <p className="mt-1 text-sm text-amber-900">{organization.lastError?.message ?? 'The WorkOS call has not finished. If this persists, retry.'}</p>
      {canEdit ? (
        <Form method="post" className="mt-3">
          <input type="hidden" name="intent" value="retry_create" />
          <button type="submit" className={buttonClass()} disabled={busy}>
            {busy ? 'Retrying…' : 'Retry in WorkOS'}
          </button>
        </Form>
      ) : null}
    </section>
  );
}

const DOMAIN_STATE_STYLES: Record<string, string> = {
  verified: 'bg-emerald-100 text-emerald-900',
  legacy_verified: 'bg-emerald-100 text-emerald-900',
  pending: 'bg-amber-100 text-amber-900',
  failed: 'bg-red-100 text-red-900',
  unverified: 'bg-slate-200 text-slate-700',
};

/** The organization's domains and where each stands. */
export function DomainsSection({ domains }: { domains: Organization['domains'] }) {
  return (
    <section aria-labelledby="domains-title">
      <h2 id="domains-title" className="text-base font-semibold">
        Domains
      </h2>
      {domains.length === 0 ? (
        <p className="mt-1 text-sm text-slate-600">No domains. The IT admin can add and verify them during setup.</p>
      ) : (
        <ul className="mt-2 flex flex-wrap gap-2">
          {domains.map((domain) => (
            <li
              key={domain.domain}
              className="flex min-w-0 max-w-full items-center gap-2 rounded-md border border-slate-200 bg-white px-3 py-1 text-sm [overflow-wrap:anywhere]"
            >
              {domain.domain}{' '}
              <span className={`rounded-full px-2 py-0.5 text-xs font-semibold ${DOMAIN_STATE_STYLES[domain.state] ?? ''}`}>
                {domain.state.replace('_', ' ')}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The edit form: name, domains and external id, saved in WorkOS first. Opens on demand, and by itself when refused. */
export function EditDetailsSection({
  organization,
  errors,
  open,
  canVerify,
  busy,
}: {
  organization: Organization;
  errors: FieldErrors;
  /** The last answer refused this form: it comes back open, with what was typed. */
  open: boolean;
  canVerify: boolean;
  busy: boolean;
}) {
  const shownDomains = organization.domains.map((domain) => domain.domain).join('\n');
  return (
    <Disclosure id="edit-title" title="Edit details" hint="Name, domains, external id — saved in WorkOS first, then here." open={open}>
      <Form method="post" className="max-w-2xl space-y-4" noValidate>
        <input type="hidden" name="intent" value="edit" />
        <Field label="Name" name="name" defaultValue={organization.name} required errors={errors.name} />
        {/* What this page shows now: the domains the rep removes are taken from these, not from a copy an event changed meanwhile. */}
        <input type="hidden" name="shownDomains" value={shownDomains} />
        <DomainsField label="Domains" defaultValue={shownDomains} errors={errors.domains} canVerify={canVerify} />
        <Field label="External id" name="externalId" defaultValue={organization.externalId ?? ''} errors={errors.externalId} />
        <button type="submit" className={buttonClass()} disabled={busy}>
          Save in WorkOS
        </button>
      </Form>
    </Disclosure>
  );
}
