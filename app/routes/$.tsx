import { ErrorPage } from '~/components/error-page';

// Any path no other route matches: a real 404 status, rendered inside the app's layout.
// It reveals nothing, so it needs no sign-in.
export const handle = { access: { loader: 'public' } };

export async function loader() {
  throw new Response('Not found', { status: 404 });
}

export default function NotFound() {
  return <ErrorPage />;
}

export function ErrorBoundary() {
  return <ErrorPage />;
}
