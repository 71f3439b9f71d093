import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useNavigation, useSearchParams, useSubmit } from '@remix-run/react';
import { EmptyState } from '~/components/empty-state';
import { buttonClass } from '~/components/field';
import { StatusBadge } from '~/components/status-badge';
import { organizationListQuerySchema } from '~/forms/organization';
import { listAssignableOwners, listOrganizations, type LinkState } from '~/models/organization.server';
import { requireStaff } from '~/services/auth.server';
import { EXPIRING_SOON_HOURS } from '~/domain/setup-links';
import { roleAtLeast } from '~/domain/staff';
import { ColumnHeaders } from '~/components/column-headers';
import { useEffect, useRef, type FormEvent, type ReactNode } from 'react';
import { useHydrated } from '~/hooks/use-hydrated';

export const meta: MetaFunction = () => [{ title: 'Organizations · Setup Desk' }];

const LINK_STATE_LABELS: Record<LinkState, string> = {
  none: '—',
  sending: 'Being sent',
  active: 'Active',
  expired: 'Expired',
  revoked: 'Revoked',
  completed: 'Completed',
  failed: 'Delivery failed',
};

const SETUP_STATE_LABELS = {
  not_started: 'Not started',
  waiting: 'Waiting for the IT admin',
  in_progress: 'In progress',
  attention: 'Needs attention',
  completed: 'Completed',
  stopped: 'Stopped',
} as const;

const SETUP_STATE_STYLES = {
  not_started: 'text-slate-600',
  waiting: 'text-amber-800',
  in_progress: 'text-sky-800',
  attention: 'font-semibold text-red-800',
  completed: 'text-emerald-800',
  stopped: 'text-slate-600',
} as const;

export const handle = { access: { loader: 'viewer' } };

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, 'viewer');
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const query = organizationListQuerySchema.parse(params);
  const [page, owners] = await Promise.all([listOrganizations(query, { viewerId: staff.id }), listAssignableOwners()]);
  return { page, owners, query, canCreate: roleAtLeast(staff.role, 'support'), canSync: roleAtLeast(staff.role, 'admin') };
}

/** How long the search box waits after the last keystroke before it searches. */
const SEARCH_DEBOUNCE_MS = 400;

/**
 * With JavaScript, the filters apply as they change (a select at once, the search box when typing
 * pauses or on Enter), replacing the history entry rather than piling one up per change; the
 * Apply button is for a browser without it, and shows until the page has hydrated.
 */
function useFiltersApplyOnChange() {
  const submit = useSubmit();
  const timer = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => () => clearTimeout(timer.current), []);
  const apply = (form: HTMLFormElement) => {
    clearTimeout(timer.current);
    // The list's first page: a cursor belongs to the filters it was made with.
    submit(form, { replace: true, preventScrollReset: true });
  };
  return {
    onChange: (event: FormEvent<HTMLFormElement>) => {
      if (event.target instanceof HTMLSelectElement) apply(event.currentTarget);
    },
    onInput: (event: FormEvent<HTMLFormElement>) => {
      if (!(event.target instanceof HTMLInputElement) || event.target.name !== 'q') return;
      const form = event.currentTarget;
      clearTimeout(timer.current);
      timer.current = setTimeout(() => apply(form), SEARCH_DEBOUNCE_MS);
    },
    onSubmit: (event: FormEvent<HTMLFormElement>) => {
      event.preventDefault();
      apply(event.currentTarget);
    },
  };
}

export default function Organizations() {
  const { page, owners, query, canCreate, canSync } = useLoaderData<typeof loader>();
  const hydrated = useHydrated();
  const filters = useFiltersApplyOnChange();
  const [searchParams] = useSearchParams();
  const navigation = useNavigation();
  const searching = navigation.state === 'loading' && navigation.location.pathname === '/organizations';
  const withCursor = (key: 'after' | 'before', cursor: string) => {
    const next = new URLSearchParams(searchParams);
    next.delete('after');
    next.delete('before');
    next.set(key, cursor);
    return `?${next}`;
  };
  const filtered = Boolean(query.q || query.owner !== undefined || query.status !== 'current' || query.link !== 'any' || query.setup !== 'any');

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-bold tracking-tight">Organizations</h1>
          <p className="mt-1 text-slate-600">Every customer: one WorkOS organization each.</p>
        </div>
        <div className="flex gap-3">
          {canSync ? (
            <Link to="/organizations/sync" className={buttonClass('secondary')}>
              Sync from WorkOS
            </Link>
          ) : null}
          {canCreate ? (
            <Link to="/customers/new" className={buttonClass()}>
              New customer
            </Link>
          ) : null}
          {canCreate ? (
            <Link to="/organizations/new" className={buttonClass()}>
              New organization
            </Link>
          ) : null}
        </div>
      </div>

      <Form
        method="get"
        role="search"
        aria-label="Filter organizations"
        className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
        onChange={filters.onChange}
        onInput={filters.onInput}
        onSubmit={filters.onSubmit}
      >
        <div className="w-full min-w-0 sm:w-auto sm:min-w-64 sm:flex-1">
          <label htmlFor="q" className="block text-sm font-medium">
            Search
          </label>
          <input
            id="q"
            name="q"
            type="search"
            defaultValue={query.q ?? ''}
            placeholder="Name, domain, external id or WorkOS id"
            className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm"
          />
        </div>
        <div>
          <label htmlFor="owner" className="block text-sm font-medium">
            CS owner
          </label>
          <select id="owner" name="owner" defaultValue={String(query.owner ?? '')} className="mt-1 rounded-md border border-slate-300 px-3 py-2 text-sm">
            <option value="">Anyone</option>
            <option value="mine">Mine</option>
            {owners.map((owner) => (
              <option key={owner.id} value={owner.id}>
                {owner.name}
              </option>
            ))}
          </select>
        </div>
        <FilterSelect name="status" label="Status" value={query.status}>
          <option value="current">Active and pending</option>
          <option value="active">Active</option>
          <option value="pending">Pending (not yet in WorkOS)</option>
          <option value="archived">Archived</option>
        </FilterSelect>
        <FilterSelect name="link" label="Setup link" value={query.link}>
          <option value="any">Any</option>
          <option value="none">No active link</option>
          <option value="active">Active</option>
          <option value="expiring">Expiring within {EXPIRING_SOON_HOURS} h</option>
          <option value="expired">Expired</option>
          <option value="completed">Completed</option>
        </FilterSelect>
        <FilterSelect name="setup" label="Setup" value={query.setup}>
          <option value="any">Any</option>
          <option value="not_started">Not started</option>
          <option value="waiting">Waiting for the IT admin</option>
          <option value="in_progress">In progress</option>
          <option value="attention">Needs attention</option>
          <option value="completed">Completed</option>
        </FilterSelect>
        <FilterSelect name="sort" label="Sort" value={query.sort}>
          <option value="name">Name (A–Z)</option>
          <option value="newest">Newest first</option>
        </FilterSelect>
        {/* Without JavaScript the filters wait for this; with it they apply as they change. */}
        <button type="submit" className={hydrated ? 'hidden' : buttonClass('secondary')} hidden={hydrated}>
          {searching ? 'Searching…' : 'Apply'}
        </button>
      </Form>

      {page.stoppedAfter ? (
        <p className="text-sm text-slate-600">
          This page stopped after looking through {page.stoppedAfter.toLocaleString('en')} organizations; use Next or Previous to keep looking.
        </p>
      ) : null}
      {page.items.length === 0 && !page.stoppedAfter ? (
        filtered ? (
          <EmptyState
            title="No organization matches"
            action={
              <Link to="/organizations" className="text-indigo-700 underline">
                Clear the filters
              </Link>
            }
          >
            Try part of the name, a domain (acme.com), or the external id.
          </EmptyState>
        ) : (
          <EmptyState
            title="No organizations yet"
            action={
              canCreate ? (
                <Link to="/organizations/new" className={buttonClass()}>
                  Create the first one
                </Link>
              ) : undefined
            }
          >
            Each customer you onboard gets one.
          </EmptyState>
        )
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white" aria-busy={searching}>
          <table className="min-w-full text-left text-sm">
            <caption className="sr-only">Organizations</caption>
            <ColumnHeaders columns={['Name', 'Domains', 'External id', 'CS owner', 'Setup link', 'Setup', 'Status']} />
            <tbody className="divide-y divide-slate-100">
              {page.items.map((organization) => (
                <tr key={organization.id}>
                  <td className="min-w-[8rem] px-4 py-2 [overflow-wrap:anywhere]">
                    <Link to={`/organizations/${organization.id}`} className="font-medium text-indigo-700 hover:underline">
                      {organization.name}
                    </Link>
                  </td>
                  <td className="px-4 py-2 text-slate-700">
                    {organization.domains.slice(0, 3).join(', ')}
                    {organization.domains.length > 3 ? ` +${organization.domains.length - 3}` : ''}
                  </td>
                  <td className="px-4 py-2 text-slate-700">{organization.externalId ?? '—'}</td>
                  <td className="px-4 py-2 text-slate-700">{organization.ownerName ?? '—'}</td>
                  <td className="px-4 py-2 text-slate-700">{LINK_STATE_LABELS[organization.linkState]}</td>
                  <td className={`px-4 py-2 ${SETUP_STATE_STYLES[organization.setupState]}`}>
                    {SETUP_STATE_LABELS[organization.setupState]}
                    {organization.setupTotal > 0 && organization.setupState !== 'completed' && organization.setupState !== 'not_started' ? (
                      <span className="ml-1 font-normal text-slate-600">
                        · {organization.setupDone} of {organization.setupTotal} done
                      </span>
                    ) : null}
                  </td>
                  <td className="px-4 py-2">
                    <StatusBadge status={organization.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <nav aria-label="Pages" className="flex justify-between">
        {page.previousCursor ? (
          <Link to={withCursor('before', page.previousCursor)} className={buttonClass('secondary')} rel="prev">
            ← Previous
          </Link>
        ) : (
          <span />
        )}
        {page.nextCursor ? (
          <Link to={withCursor('after', page.nextCursor)} className={buttonClass('secondary')} rel="next">
            Next →
          </Link>
        ) : null}
      </nav>
    </div>
  );
}

/** One of the list's filters: a labelled select whose value is the query's. */
function FilterSelect({ name, label, value, children }: { name: string; label: string; value: string; children: ReactNode }) {
  return (
    <div>
      <label htmlFor={name} className="block text-sm font-medium">
        {label}
      </label>
      <select id={name} name={name} defaultValue={value} className="mt-1 rounded-md border border-slate-300 px-3 py-2 text-sm">
        {children}
      </select>
    </div>
  );
}
