import { isRouteErrorResponse, Link, useRouteError } from '@remix-run/react';

interface ErrorCopy {
  title: string;
  explanation: string;
}

const COPY: Record<number, ErrorCopy> = {
  400: { title: 'That request could not be understood', explanation: 'Check what you entered and try again.' },
  403: {
    title: 'You do not have access to this page',
    explanation: 'Your role does not allow this. Ask an admin if you need it.',
  },
  404: { title: 'Page not found', explanation: 'The page you asked for does not exist, or it has moved.' },
  405: { title: 'That action is not available here', explanation: 'Go back and try again from the page itself.' },
  429: { title: 'Too many requests', explanation: 'Please wait a minute and try again.' },
};

const FALLBACK: ErrorCopy = {
  title: 'Something went wrong',
  explanation: 'The error has been logged. Try again; if it keeps happening, tell an admin what you were doing.',
};

/**
 * A friendly page for thrown responses and unexpected errors. Never shows a stack trace or the
 * error's message (which could hold internals); a 403 may say which role is needed.
 */
export function ErrorPage() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const copy = COPY[status] ?? FALLBACK;
  const detail = isRouteErrorResponse(error) && status === 403 && typeof error.data === 'string' && error.data.length < 200 ? error.data : null;
  return (
    <section aria-labelledby="error-title" className="mx-auto max-w-xl py-12 text-center">
      <p className="text-sm font-semibold text-indigo-700">Error {status}</p>
      <h1 id="error-title" className="mt-2 text-2xl font-bold tracking-tight">
        {copy.title}
      </h1>
      <p className="mt-3 text-slate-600">{copy.explanation}</p>
      {detail ? <p className="mt-2 text-slate-600">{detail}</p> : null}
      <Link to="/" className="mt-6 inline-block rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-700">
        Back to the home page
      </Link>
    </section>
  );
}
