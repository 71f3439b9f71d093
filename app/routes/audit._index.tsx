import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useNavigation } from '@remix-run/react';
import { AuditEventItem } from '~/components/audit-event';
import { EmptyState } from '~/components/empty-state';
import { buttonClass, FieldError } from '~/components/field';
import { readAuditFilters } from '~/forms/audit';
import { AUDIT_FILTER_NAMES } from '~/forms/audit-filter-names';
import { AUDIT_ACTIONS, decodeAuditCursor, encodeAuditCursor, listAuditEvents } from '~/models/audit.server';
import { listStaff } from '~/models/staff.server';
import { ORGANIZATION_MATCH_LIMIT, resolveAuditFilters } from '~/services/audit-filters.server';
import { requireStaff } from '~/services/auth.server';
import { formErrors } from '~/utils/forms';
import { roleAtLeast } from '~/domain/staff';

export const meta: MetaFunction = () => [{ title: 'Audit log · Setup Desk' }];

export const handle = { access: { loader: 'viewer' } };

export const AUDIT_PAGE_SIZE = 50;

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, 'viewer');
  const url = new URL(request.url);
  const { raw, result } = readAuditFilters(url.searchParams, AUDIT_ACTIONS);
  const staffMembers = (await listStaff()).map((member) => ({ id: member.id, name: member.name }));
  const common = { raw, staffMembers, actions: AUDIT_ACTIONS, canExport: roleAtLeast(staff.role, 'admin'), now: new Date().toISOString() };
  if (!result.success) {
    return {
      ...common,
      // A GET form: the loader, not an action, says what is wrong — in the same field errors (under `errors`).
      errors: formErrors(result.error).fieldErrors,
      events: [],
      olderCursor: null,
      isFirstPage: true,
      organizations: null,
      organizationsCapped: false,
    };
  }
  const { filters, organizations } = await resolveAuditFilters(result.data);
  const before = decodeAuditCursor(url.searchParams.get('before'));
  const page = await listAuditEvents(filters, { before, limit: AUDIT_PAGE_SIZE });
  return {
    ...common,
    errors: formErrors(null).fieldErrors,
    events: page.events,
    olderCursor: page.next ? encodeAuditCursor(page.next) : null,
    isFirstPage: !before,
    organizations,
    organizationsCapped: organizations?.length === ORGANIZATION_MATCH_LIMIT,
  };
}

const ACTOR_GROUPS = [
  { value: 'it_admin', label: 'Customers’ IT admins' },
  { value: 'system', label: 'Setup Desk (automatic)' },
  { value: 'cli', label: 'Command line' },
];

export default function AuditLog() {
  const { raw, errors, events, olderCursor, isFirstPage, organizations, organizationsCapped, staffMembers, actions, canExport, now } =
    useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const loading = navigation.state === 'loading' && navigation.location?.pathname === '/audit';
  const filterQuery = new URLSearchParams(raw).toString();
  const families = [...new Set(actions.map((action) => action.split('.')[0]!))];
  const inputClass = 'mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm';
  const described = (name: string) => (errors[name] ? { 'aria-invalid': true, 'aria-describedby': `${name}-error` } : {});

  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-bold tracking-tight">Audit log</h1>
        <p className="mt-1 text-sm text-slate-600">
          Everything staff, customers’ IT admins and Setup Desk itself did, newest first. Nothing here can be edited or deleted.
        </p>
      </div>

      <Form method="get" className="grid gap-4 rounded-lg border border-slate-200 bg-white p-4 md:grid-cols-3 lg:grid-cols-6" aria-label="Filter the audit log">
        <div className="md:col-span-2">
          <label htmlFor="filter-organization" className="block text-sm font-medium">
            Organization
          </label>
          <input
            id="filter-organization"
            name="organization"
            defaultValue={raw.organization ?? ''}
            placeholder="Name or id"
            className={inputClass}
            {...described('organization')}
          />
          <FieldError id="organization-error" errors={errors.organization} />
        </div>
        <div>
          <label htmlFor="filter-actor" className="block text-sm font-medium">
            Who
          </label>
          <select id="filter-actor" name="actor" defaultValue={raw.actor ?? ''} className={inputClass} {...described('actor')}>
            <option value="">Anyone</option>
            {ACTOR_GROUPS.map((group) => (
              <option key={group.value} value={group.value}>
                {group.label}
              </option>
            ))}
            <optgroup label="Staff">
              {staffMembers.map((member) => (
                <option key={member.id} value={`staff:${member.id}`}>
                  {member.name}
                </option>
              ))}
            </optgroup>
          </select>
          <FieldError id="actor-error" errors={errors.actor} />
        </div>
        <div>
          <label htmlFor="filter-action" className="block text-sm font-medium">
            Action
          </label>
          <select id="filter-action" name="action" defaultValue={raw.action ?? ''} className={inputClass} {...described('action')}>
            <option value="">Any</option>
            {families.map((family) => (
              <optgroup key={family} label={family.replace(/_/g, ' ')}>
                {actions
                  .filter((action) => action.startsWith(`${family}.`))
                  .map((action) => (
                    <option key={action} value={action}>
                      {action.split('.')[1]!.replace(/_/g, ' ')}
                    </option>
                  ))}
              </optgroup>
            ))}
          </select>
          <FieldError id="action-error" errors={errors.action} />
        </div>
        <div>
          <label htmlFor="filter-from" className="block text-sm font-medium">
            From (UTC)
          </label>
          <input id="filter-from" name="from" type="date" defaultValue={raw.from ?? ''} className={inputClass} {...described('from')} />
          <FieldError id="from-error" errors={errors.from} />
        </div>
        <div>
          <label htmlFor="filter-to" className="block text-sm font-medium">
            To (UTC, included)
          </label>
          <input id="filter-to" name="to" type="date" defaultValue={raw.to ?? ''} className={inputClass} {...described('to')} />
          <FieldError id="to-error" errors={errors.to} />
        </div>
        <div className="flex flex-wrap items-end gap-3 md:col-span-3 lg:col-span-6">
          <button type="submit" className={buttonClass()}>
            {loading ? 'Filtering…' : 'Filter'}
          </button>
          {filterQuery ? (
            <Link to="/audit" className={buttonClass('secondary')}>
              Clear filters
            </Link>
          ) : null}
        </div>
      </Form>

      {organizations !== null && raw.organization && !/^\d+$/.test(raw.organization) ? (
        <p className="text-sm text-slate-700" role="status">
          {organizations.length === 0
            ? `No organization matches “${raw.organization}”.`
            : `Organizations matching “${raw.organization}”: ${organizations.map((organization) => organization.name).join(', ')}${organizationsCapped ? ' (the first ones only: be more precise for others)' : ''}.`}
        </p>
      ) : null}

      {canExport ? (
        // A native form post: the browser downloads the file and this page stays.
        <Form method="post" action="/audit/export" reloadDocument className="flex flex-wrap items-center gap-3" aria-label="Export the audit log">
          {AUDIT_FILTER_NAMES.filter((name) => raw[name]).map((name) => (
            <input key={name} type="hidden" name={name} value={raw[name]} />
          ))}
          <span className="text-sm text-slate-700">Export everything these filters match:</span>
          <button type="submit" name="format" value="csv" className={buttonClass('secondary')}>
            Export CSV
          </button>
          <button type="submit" name="format" value="jsonl" className={buttonClass('secondary')}>
            Export JSON lines
          </button>
        </Form>
      ) : null}

      {events.length === 0 ? (
        <EmptyState title={filterQuery ? 'No events match these filters' : 'No events yet'}>
          {filterQuery ? 'Widen the dates or clear a filter.' : 'Events appear here as soon as anyone acts.'}
        </EmptyState>
      ) : (
        <ol className="space-y-3" aria-label="Events, newest first">
          {events.map((event) => (
            <AuditEventItem
              key={event.id}
              event={event}
              now={now}
              organization={
                event.organizationId ? (
                  <Link to={`/organizations/${event.organizationId}`} className="text-indigo-700 underline">
                    {event.organizationName ?? `organization ${event.organizationId}`}
                  </Link>
                ) : null
              }
            />
          ))}
        </ol>
      )}

      <nav aria-label="Audit log pages" className="flex gap-4 text-sm">
        {isFirstPage ? null : (
          <Link to={`/audit${filterQuery ? `?${filterQuery}` : ''}`} className="text-indigo-700 hover:underline">
            ← Newest
          </Link>
        )}
        {olderCursor ? (
          <Link to={`/audit?${new URLSearchParams({ ...raw, before: olderCursor }).toString()}`} className="text-indigo-700 hover:underline">
            Older events →
          </Link>
        ) : null}
      </nav>
    </div>
  );
}
