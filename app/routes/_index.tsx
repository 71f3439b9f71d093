import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { EmptyState } from '~/components/empty-state';
import { requireStaff } from '~/utils/auth.server';

export const meta: MetaFunction = () => [{ title: 'Home · Setup Desk' }];

export const handle = { access: { loader: 'viewer' } };

export async function loader({ request }: LoaderFunctionArgs) {
  await requireStaff(request, 'viewer');
  return null;
}

export default function Home() {
  return (
    <div className="space-y-8">
      <div>
        <h1 className="text-2xl font-bold tracking-tight">Home</h1>
        <p className="mt-1 text-slate-600">
          Onboard enterprise customers onto the WorkOS Admin Portal: create the organization, send one setup link, follow
          the setup until it is done.
        </p>
      </div>
      <section aria-labelledby="attention-title">
        <h2 id="attention-title" className="mb-3 text-lg font-semibold">
          Needs attention
        </h2>
        <EmptyState title="Nothing needs attention">
          <p>Links about to expire, deliveries that failed and setups that stalled will be listed here.</p>
        </EmptyState>
      </section>
    </div>
  );
}
