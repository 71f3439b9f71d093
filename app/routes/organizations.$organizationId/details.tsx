import { Form, Link } from '@remix-run/react';
import { DomainsField } from '~/components/domains-field';
import { buttonClass, Field } from '~/components/field';
import { StatusBadge } from '~/components/status-badge';
import type { FieldErrors } from '~/utils/forms';
import type { OrganizationPageData } from './route';
import { DateTime } from '~/components/local-time';

type Organization = OrganizationPageData['organization'];

/** The organization's name and status, and what identifies it here and in WorkOS. */
export function OrganizationHeader({ organization }: { organization: Organization }) {
  return (
    <div>
      <Link to="/organizations" className="text-sm text-indigo-700 hover:underline">
        ← Organizations
      </Link>
      <div className="mt-2 flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-bold tracking-tight">{organization.name}</h1>
        <StatusBadge status={organization.status} />
      </div>
      <dl className="mt-4 grid max-w-2xl grid-cols-[10rem_1fr] gap-y-2 text-sm">
        <dt className="text-slate-600">WorkOS id</dt>
        <dd>{organization.workosId ? <code>{organization.workosId}</code> : 'Not yet created in WorkOS'}</dd>
        <dt className="text-slate-600">External id</dt>
        <dd>{organization.externalId ?? '—'}</dd>
        <dt className="text-slate-600">CS owner</dt>
        <dd>{organization.csOwner?.name ?? '—'}</dd>
        <dt className="text-slate-600">Created</dt>
        <dd>
          <DateTime iso={organization.createdAt} />
        </dd>
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
      <h2 id="domains-title" className="text-lg font-semibold">
        Domains
      </h2>
      {domains.length === 0 ? (
        <p className="mt-1 text-sm text-slate-600">No domains. The IT admin can add and verify them during setup.</p>
      ) : (
        <ul className="mt-2 flex flex-wrap gap-2">
          {domains.map((domain) => (
            <li key={domain.domain} className="flex items-center gap-2 rounded-md border border-slate-200 bg-white px-3 py-1 text-sm">
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

/** The edit form: name, domains and external id, saved in WorkOS first. */
export function EditDetailsSection({
  organization,
  errors,
  canVerify,
  busy,
}: {
  organization: Organization;
  errors: FieldErrors;
  canVerify: boolean;
  busy: boolean;
}) {
  const shownDomains = organization.domains.map((domain) => domain.domain).join('\n');
  return (
    <section aria-labelledby="edit-title" className="max-w-2xl rounded-lg border border-slate-200 bg-white p-6">
      <h2 id="edit-title" className="text-lg font-semibold">
        Edit details
      </h2>
      <p className="mt-1 text-sm text-slate-600">Saved in WorkOS first, then here.</p>
      <Form method="post" className="mt-4 space-y-4" noValidate>
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
    </section>
  );
}
