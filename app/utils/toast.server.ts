import { createCookieSessionStorage, redirect } from '@remix-run/node';
import { z } from 'zod';
import { getEnv } from './env.server';
import { singleton } from './singleton.server';

/** A one-time message shown after a redirect (post/redirect/get). Never carries a link value. */
export const toastSchema = z.object({
  kind: z.enum(['success', 'error', 'info']),
  message: z.string().min(1).max(500),
});
export type Toast = z.infer<typeof toastSchema>;

const TOAST_KEY = 'toast';

function createToastStorage() {
  const env = getEnv();
  return createCookieSessionStorage({
    cookie: {
      name: env.isProduction ? '__Host-sd_toast' : 'sd_toast',
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: env.isProduction,
      secrets: [env.SESSION_SECRET],
    },
  });
}

function toastStorage() {
  return singleton('toast-storage', createToastStorage);
}

/** Redirects and shows `toast` on the next page. */
export async function redirectWithToast(url: string, toast: Toast, init: ResponseInit = {}): Promise<Response> {
  const session = await toastStorage().getSession();
  session.flash(TOAST_KEY, toastSchema.parse(toast));
  const headers = new Headers(init.headers);
  headers.append('Set-Cookie', await toastStorage().commitSession(session));
  return redirect(url, { ...init, headers });
}

/** Reads (and clears) the pending toast; send the returned headers with the response. */
export async function getToast(request: Request): Promise<{ toast: Toast | null; headers: Headers | null }> {
  const session = await toastStorage().getSession(request.headers.get('Cookie'));
  const value: unknown = session.get(TOAST_KEY);
  if (value === undefined) return { toast: null, headers: null };
  const parsed = toastSchema.safeParse(value);
  return {
    toast: parsed.success ? parsed.data : null,
    headers: new Headers({ 'Set-Cookie': await toastStorage().destroySession(session) }),
  };
}
