import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { useEffect, useRef } from 'react';
import { buttonClass, Field, FormError } from '~/components/field';
import { signInSchema } from '~/forms/staff';
import { signIn } from '~/models/sign-in.server';
import { getOptionalStaff, safeRedirectPath, sessionCookieHeader } from '~/services/auth.server';
import { getEnv } from '~/utils/env.server';
import { fieldErrorsOf, formErrors, parseForm } from '~/utils/forms';

export const meta: MetaFunction = () => [{ title: 'Sign in · Setup Desk' }];

// A held-back sign-in says when to try again. Remix sends an action's headers only through this
// (for the page and for its .data request alike): without it the 429 reached the browser with no Retry-After.
export const headers: HeadersFunction = ({ actionHeaders }) => {
  const headers = new Headers();
  const retryAfter = actionHeaders.get('Retry-After');
  if (retryAfter) headers.set('Retry-After', retryAfter);
  return headers;
};

// Public by nature: this is where anonymous people go.
export const handle = { access: { loader: 'public', action: 'public' } };

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await getOptionalStaff(request);
  const redirectTo = safeRedirectPath(new URL(request.url).searchParams.get('redirectTo'));
  if (staff) throw redirect(redirectTo);
  return { showDevelopmentHint: getEnv().NODE_ENV === 'development' };
}

const GENERIC_FAILURE = 'The email or password is wrong.';

export async function action({ request, context }: ActionFunctionArgs) {
  const form = parseForm(signInSchema, await request.formData());
  if (!form.success) return data(form.errors, { status: 400 });

  const result = await signIn(
    { email: form.data.email, password: form.data.password, ip: context.clientIp, timeZone: form.data.timeZone },
    { requestId: context.requestId },
  );
  if (!result.ok) {
    const formError = result.reason === 'throttled' ? `Too many failed sign-ins. Try again in ${waitInWords(result.retryAfterSeconds)}.` : GENERIC_FAILURE;
    return data(
      formErrors(formError),
      result.reason === 'throttled' ? { status: 429, headers: { 'Retry-After': String(result.retryAfterSeconds) } } : { status: 400 },
    );
  }
  // A new session (and id) at every sign-in: a planted cookie can never become a signed-in one.
  throw redirect(safeRedirectPath(form.data.redirectTo), {
    headers: { 'Set-Cookie': await sessionCookieHeader(result.token, result.expiresAt) },
  });
}

export default function SignIn() {
  const { showDevelopmentHint } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const navigation = useNavigation();
  const submitting = navigation.state !== 'idle' && navigation.formAction === '/login';
  const fieldErrors = fieldErrorsOf(actionData);
  // The browser's zone becomes a new member's clock (decision 020); without JavaScript it stays empty, which means UTC.
  const timeZoneField = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (timeZoneField.current) timeZoneField.current.value = Intl.DateTimeFormat().resolvedOptions().timeZone ?? '';
  }, []);

  return (
    <div className="mx-auto max-w-sm py-8">
      <h1 className="text-2xl font-bold tracking-tight">Sign in</h1>
      <p className="mt-1 text-sm text-slate-600">Setup Desk is for staff only.</p>
      <Form method="post" className="mt-6 space-y-4" noValidate>
        <input type="hidden" name="redirectTo" value={searchParams.get('redirectTo') ?? '/'} />
        <input type="hidden" name="timeZone" defaultValue="" ref={timeZoneField} />
        <FormError message={actionData?.formError} />
        <Field label="Email" name="email" type="email" autoComplete="username" required errors={fieldErrors.email} />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required errors={fieldErrors.password} />
        <button type="submit" className={`${buttonClass()} w-full`} disabled={submitting}>
          {submitting ? 'Signing in…' : 'Sign in'}
        </button>
      </Form>
      {showDevelopmentHint ? (
        <p className="mt-6 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          Development: the seeded admin, support and viewer accounts and their passwords are printed in the terminal where you ran <code>npm run dev</code>.
        </p>
      ) : null}
    </div>
  );
}

function waitInWords(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}
