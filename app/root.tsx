import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import {
  Form,
  Link,
  Links,
  LiveReload,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLocation,
  useMatches,
  useRouteLoaderData,
} from '@remix-run/react';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ErrorPage } from '~/components/error-page';
import { ToastMessage } from '~/components/toast';
import stylesheet from '~/tailwind.css';
import { getOptionalStaff } from '~/services/auth.server';
import { getEnv } from '~/utils/env.server';
import { useNonce } from '~/utils/nonce-provider';
import { getToast } from '~/utils/toast.server';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: stylesheet },
  { rel: 'icon', href: '/favicon.ico', sizes: 'any' },
];

export const meta: MetaFunction = () => [{ title: 'Setup Desk' }];

export const handle = { access: { loader: 'public' } };

export async function loader({ request }: LoaderFunctionArgs) {
  // The shell is public (it frames the sign-in and error pages): it reveals only who is signed
  // in to that person. Every route below guards its own data.
  const staff = await getOptionalStaff(request);
  const { toast, headers } = await getToast(request);
  return data(
    {
      toast,
      environment: getEnv().NODE_ENV,
      staff: staff ? { name: staff.name, role: staff.role, timeZone: staff.timeZone } : null,
    },
    { headers: headers ?? undefined },
  );
}

const NAVIGATION = [
  { to: '/', label: 'Home', end: true, adminOnly: false },
  { to: '/organizations', label: 'Organizations', end: false, adminOnly: false },
  { to: '/audit', label: 'Audit log', end: false, adminOnly: false },
  { to: '/staff', label: 'Staff', end: false, adminOnly: true },
  { to: '/configuration', label: 'Configuration', end: false, adminOnly: true },
  { to: '/system', label: 'System', end: false, adminOnly: true },
];

/**
 * The HTML document around every page: head, body, and — on staff pages — the nonce'd scripts.
 * A customer's page (`scripts={false}`) is plain HTML and forms: it ships no JavaScript at all.
 */
function Document({ children, scripts = true }: { children: ReactNode; scripts?: boolean }) {
  const nonce = useNonce();
  return (
    <html lang="en" className="h-full">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body className="flex min-h-full flex-col">
        {children}
        {scripts ? (
          <>
            <ScrollRestoration nonce={nonce} />
            <Scripts nonce={nonce} />
            {/* Renders nothing in production; under `remix dev` it reloads the page after a rebuild. */}
            <LiveReload nonce={nonce} />
          </>
        ) : null}
      </body>
    </html>
  );
}

/**
 * After a client-side navigation to another page, focus moves to the new page's main heading and
 * the page's title is announced: what a full page load does for a screen reader. Not on the first
 * load, and not when only the query changes (a filter, a page of history): focus stays put.
 */
function RouteAnnouncer() {
  const { pathname } = useLocation();
  const [announcement, setAnnouncement] = useState('');
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    // The page's heading, or — on a page without one — the main region, never the body.
    const target = document.querySelector<HTMLElement>('main h1') ?? document.querySelector<HTMLElement>('main');
    if (target) {
      if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
      target.focus({ preventScroll: true });
    }
    setAnnouncement(document.title);
  }, [pathname]);
  return (
    <div aria-live="polite" aria-atomic="true" className="sr-only" data-testid="route-announcer">
      {announcement}
    </div>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const rootData = useRouteLoaderData<typeof loader>('root');
  // Customer-facing pages (the IT admin's setup page) show none of the staff shell and run no
  // script: they are plain forms, and nothing of the staff app's code reaches a customer.
  const customerFacing = useMatches().some((match) => (match.handle as { layout?: string } | undefined)?.layout === 'public');
  if (customerFacing) {
    return (
      <Document scripts={false}>
        <main id="main" className="mx-auto w-full max-w-3xl flex-1 px-6 py-8">
          {children}
        </main>
      </Document>
    );
  }
  return (
    <Document>
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2"
      >
        Skip to content
      </a>
      {/* On a phone the header wraps into rows (name, then the account, then the pages); nothing scrolls sideways. */}
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-8 gap-y-2 px-4 py-3 sm:px-6">
          <Link to="/" className="text-lg font-bold tracking-tight text-indigo-700">
            Setup Desk
          </Link>
          {rootData?.staff ? (
            <nav aria-label="Main" className="order-last w-full lg:order-none lg:w-auto">
              <ul className="flex flex-wrap gap-x-4 gap-y-1 text-sm font-medium">
                {NAVIGATION.filter((item) => !item.adminOnly || rootData.staff?.role === 'admin').map((item) => (
                  <li key={item.to}>
                    <NavLink
                      to={item.to}
                      end={item.end}
                      className={({ isActive }) => (isActive ? 'text-indigo-700 underline underline-offset-4' : 'text-slate-600 hover:text-slate-900')}
                    >
                      {item.label}
                    </NavLink>
                  </li>
                ))}
              </ul>
            </nav>
          ) : null}
          <div className="ml-auto flex min-w-0 flex-wrap items-center justify-end gap-x-4 gap-y-1 text-sm">
            {rootData && rootData.environment !== 'production' ? (
              <span className="rounded-full bg-amber-100 px-3 py-1 text-xs font-semibold text-amber-900">
                {rootData.environment === 'test' ? 'Test' : 'Development'} — not production
              </span>
            ) : null}
            {rootData?.staff ? (
              <>
                <Link to="/account" className="min-w-0 text-slate-700 [overflow-wrap:anywhere] hover:text-slate-900" data-testid="signed-in-as">
                  <span className="font-medium">{rootData.staff.name}</span>{' '}
                  <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700">{rootData.staff.role}</span>
                </Link>
                <Form method="post" action="/logout">
                  <button type="submit" className="font-medium text-indigo-700 hover:text-indigo-900">
                    Sign out
                  </button>
                </Form>
              </>
            ) : null}
          </div>
        </div>
      </header>
      <RouteAnnouncer />
      <main id="main" className="mx-auto w-full min-w-0 max-w-6xl flex-1 px-4 py-6 [overflow-wrap:anywhere] sm:px-6 sm:py-8">
        <ToastMessage toast={rootData?.toast ?? null} />
        {children}
      </main>
      <footer className="border-t border-slate-200 bg-white">
        <p className="mx-auto max-w-6xl px-4 py-3 text-xs text-slate-500 sm:px-6">Setup Desk — internal tool. Setup links are shown once and never stored.</p>
      </footer>
    </Document>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  return <ErrorPage />;
}
