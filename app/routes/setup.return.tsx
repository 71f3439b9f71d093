import type { LoaderFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { getSettings } from '~/models/settings.server';
import { setupReturnCookie } from '~/utils/setup-return.server';
import { SETUP_FEATURES } from '~/domain/features';

// Where the Admin Portal sends the IT admin back ("back" and "done"): the URL carries no token;
// the cookie set by their setup page leads back to it.
export const handle = { access: { loader: 'public' }, layout: 'public' };

export async function loader({ request }: LoaderFunctionArgs) {
  const token: unknown = await setupReturnCookie().parse(request.headers.get('Cookie'));
  if (typeof token === 'string' && token) {
    const done = SETUP_FEATURES.find((feature) => feature === new URL(request.url).searchParams.get('done'));
    throw redirect(`/setup/${token}${done ? `?done=${done}` : ''}`, 303);
  }
  return { supportEmail: (await getSettings()).supportEmail };
}

export default function SetupReturn() {
  const { supportEmail } = useLoaderData<typeof loader>();
  return (
    <section className="mx-auto max-w-xl py-8">
      <h1 className="text-2xl font-bold tracking-tight">You can close this window</h1>
      <p className="mt-3 text-slate-700">
        To continue the setup, open your setup link again. Questions? Write to{' '}
        <a href={`mailto:${supportEmail}`} className="text-indigo-700 underline">
          {supportEmail}
        </a>
        .
      </p>
    </section>
  );
}
