import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useRevalidator } from '@remix-run/react';
import { useEffect } from 'react';
import { buttonClass, FormError } from '~/components/field';
import { listOrganizationSyncs, startOrganizationSync } from '~/models/organization-sync.server';
import { OrganizationRuleError } from '~/models/organization.server';
import { staffActor } from '~/models/staff.server';
import { requireStaff } from '~/services/auth.server';
import { formErrors } from '~/utils/forms';
import { redirectWithToast } from '~/utils/toast.server';
import { DateTime } from '~/components/local-time';

export const meta: MetaFunction = () => [{ title: 'Sync from WorkOS · Setup Desk' }];

export const handle = { access: { loader: 'admin', action: 'admin' } };

export async function loader({ request }: LoaderFunctionArgs) {
  await requireStaff(request, 'admin');
  return { syncs: await listOrganizationSyncs() };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, 'admin');
  try {
    await startOrganizationSync(staffActor(staff), {}, { requestId: context.requestId });
  } catch (error) {
    if (error instanceof OrganizationRuleError) return data(formErrors(error.message), { status: 409 });
    throw error;
  }
  return redirectWithToast('/organizations/sync', { kind: 'info', message: 'Sync started.' });
}

export default function OrganizationSyncPage() {
  const { syncs } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const revalidator = useRevalidator();
  const running = syncs.some((sync) => sync.status === 'running');

  // While a sync runs, refresh its counts every second.
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => {
      if (revalidator.state === 'idle') revalidator.revalidate();
    }, 1_000);
    return () => clearInterval(timer);
  }, [running, revalidator]);

  return (
    <div className="max-w-3xl space-y-6">
      <div>
        <Link to="/organizations" className="text-sm text-indigo-700 hover:underline">
          ← Organizations
        </Link>
        <h1 className="mt-2 text-2xl font-bold tracking-tight">Sync from WorkOS</h1>
        <p className="mt-1 text-slate-600">
          Brings in every WorkOS organization: new ones are imported, changed ones updated, and organizations deleted in WorkOS are archived here (never
          deleted). Safe to run again.
        </p>
      </div>
      <FormError message={actionData?.formError} />
      <Form method="post">
        <button type="submit" className={buttonClass()} disabled={running}>
          {running ? 'Sync running…' : 'Start sync'}
        </button>
      </Form>
      <section aria-labelledby="runs-title">
        <h2 id="runs-title" className="text-lg font-semibold">
          Recent syncs
        </h2>
        {syncs.length === 0 ? (
          <p className="mt-1 text-sm text-slate-600">No sync has run yet.</p>
        ) : (
          <ul className="mt-3 space-y-3" aria-live="polite">
            {syncs.map((sync) => (
              <li key={sync.id} className="rounded-md border border-slate-200 bg-white px-4 py-3 text-sm" data-testid="sync-run">
                <p className="font-medium">
                  {sync.status === 'running' ? 'Running' : sync.status === 'succeeded' ? 'Finished' : 'Failed'} — started <DateTime iso={sync.startedAt} />
                </p>
                <p className="mt-1 text-slate-700">
                  {sync.seen} seen · {sync.created} imported · {sync.updated} updated · {sync.archived} archived
                </p>
                {sync.error ? <p className="mt-1 text-red-700">{sync.error}</p> : null}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
