import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useNavigation } from '@remix-run/react';
import { EmptyState } from '~/components/empty-state';
import { buttonClass } from '~/components/field';
import { relativeTime, useTimeZone } from '~/components/local-time';
import { listNeedsAttention } from '~/models/attention.server';
import { listAssignableOwners } from '~/models/organization.server';
import { homeOwnerSchema } from '~/forms/organization';
import { requireStaff } from '~/services/auth.server';
import { formatDateTime, formatUtc } from '~/utils/format';
import { ATTENTION_LIMITS, type AttentionKind } from '~/domain/attention';
import { roleAtLeast } from '~/domain/staff';

export const meta: MetaFunction = () => [{ title: 'Home · Setup Desk' }];

export const handle = { access: { loader: 'viewer' } };

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, 'viewer');
  const owns = roleAtLeast(staff.role, 'support');
  const owner = homeOwnerSchema.parse(new URL(request.url).searchParams.get('owner') ?? undefined) ?? (owns ? 'mine' : 'everyone');
  const ownerId = owner === 'everyone' ? null : owner === 'mine' ? staff.id : owner;
  const [groups, owners] = await Promise.all([listNeedsAttention({ ownerId }), listAssignableOwners()]);
  return { groups, owners, owner: String(owner), now: new Date().toISOString(), staffName: staff.name, canCreate: owns };
}

const GROUPS: Record<AttentionKind, { title: string; next: string }> = {
  workos_problem: { title: 'Flagged by WorkOS', next: 'See what WorkOS reported, then talk to the IT admin' },
  delivery_failed: { title: 'Email delivery failed', next: 'Send the link again, or use Copy link' },
  expiring: { title: `Links expiring within ${ATTENTION_LIMITS.expiringHours} h`, next: 'Nudge the IT admin, or recreate the link' },
  unopened: { title: `Emailed, not opened after ${ATTENTION_LIMITS.unopenedDays} days`, next: 'Check the address, then resend or call' },
  stalled: { title: `Opened, not finished after ${ATTENTION_LIMITS.stalledDays} days`, next: 'Ask the IT admin what blocks them' },
  completed: { title: `Completed in the last ${ATTENTION_LIMITS.completedDays} days`, next: 'Confirm with the customer and close the onboarding' },
};

export default function Home() {
  const { groups, owners, owner, now, staffName, canCreate } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const loading = navigation.state === 'loading' && navigation.location.pathname === '/';
  const timeZone = useTimeZone();
  const nowMs = new Date(now).getTime();
  const nonEmpty = groups.filter((group) => group.items.length > 0);
  const whose =
    owner === 'mine'
      ? 'your customers'
      : owner === 'everyone'
        ? 'all customers'
        : `${owners.find((each) => String(each.id) === owner)?.name ?? 'this owner'}’s customers`;

  return (
    <div className="space-y-8">
      <div>
        <h1 className="text-2xl font-bold tracking-tight">Home</h1>
        {canCreate ? (
          <Link to="/customers/new" className={`${buttonClass()} mt-3`}>
            New customer
          </Link>
        ) : null}
        <p className="mt-1 text-slate-600">
          Hello {staffName}. Onboard enterprise customers onto the WorkOS Admin Portal: create the organization, send one setup link, follow the setup until it
          is done.
        </p>
      </div>
      <section aria-labelledby="attention-title" aria-busy={loading}>
        <div className="mb-3 flex flex-wrap items-end justify-between gap-3">
          <h2 id="attention-title" className="text-lg font-semibold">
            Needs attention
          </h2>
          <Form method="get" className="flex items-end gap-2">
            <div>
              <label htmlFor="owner" className="block text-sm font-medium">
                CS owner
              </label>
              <select id="owner" name="owner" defaultValue={owner} className="mt-1 rounded-md border border-slate-300 px-3 py-2 text-sm">
                <option value="mine">Mine</option>
                <option value="everyone">Everyone</option>
                {owners.map((each) => (
                  <option key={each.id} value={each.id}>
                    {each.name}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit" className={buttonClass('secondary')}>
              {loading ? 'Loading…' : 'Show'}
            </button>
          </Form>
        </div>
        {nonEmpty.length === 0 ? (
          <EmptyState title="Nothing needs attention">
            <p>
              Nothing for {whose} right now. Links about to expire, emails nobody opened, setups that stalled, failed deliveries, problems WorkOS reported and
              setups completed this week appear here.
            </p>
          </EmptyState>
        ) : (
          <div className="space-y-6">
            {nonEmpty.map((group) => (
              <section key={group.kind} aria-labelledby={`attention-${group.kind}`} className="rounded-lg border border-slate-200 bg-white">
                <h3 id={`attention-${group.kind}`} className="border-b border-slate-100 px-4 py-2 font-semibold">
                  {GROUPS[group.kind].title}{' '}
                  <span className="font-normal text-slate-500">
                    ({group.items.length}
                    {group.truncated ? '+' : ''})
                  </span>
                </h3>
                <ul className="divide-y divide-slate-100">
                  {group.items.map((item, index) => (
                    <li key={`${item.organizationId}-${index}`} className="flex flex-wrap items-baseline justify-between gap-2 px-4 py-2 text-sm">
                      <div className="min-w-0">
                        <Link to={`/organizations/${item.organizationId}`} className="font-medium text-indigo-700 hover:underline">
                          {item.organizationName}
                        </Link>{' '}
                        <span className="text-slate-700">— {item.detail}</span>
                        <p className="text-xs text-slate-500">
                          {GROUPS[group.kind].next}
                          {owner === 'mine' ? null : ` · owner: ${item.ownerName ?? 'nobody'}`}
                        </p>
                      </div>
                      <span className="text-xs text-slate-500" title={`${formatDateTime(item.at, timeZone)} (${formatUtc(item.at)})`}>
                        {relativeTime(item.at, nowMs)}
                      </span>
                    </li>
                  ))}
                </ul>
                {group.truncated ? <p className="px-4 py-2 text-xs text-slate-500">Showing the first 50.</p> : null}
              </section>
            ))}
          </div>
        )}
      </section>
    </div>
  );
}
