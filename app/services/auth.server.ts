import { createCookie, redirect } from '@remix-run/node';
import { lookupSession } from '~/models/session.server';
import { getStaffById, type Staff } from '~/models/staff.server';
import { getEnv } from '~/utils/env.server';
import { oncePerRequest } from '~/utils/request-scope.server';
import { singleton } from '~/utils/singleton.server';
import { type StaffRole, roleAtLeast } from '~/domain/staff';

export interface SignedInStaff extends Staff {
  sessionId: string;
}

function createSessionCookie() {
  const env = getEnv();
  // `__Host-` binds the cookie to this exact origin over HTTPS (no Domain, Path=/, Secure).
  return createCookie(env.isProduction ? '__Host-sd_session' : 'sd_session', {
    httpOnly: true,
    sameSite: 'lax',
    secure: env.isProduction,
    path: '/',
    secrets: [env.SESSION_SECRET],
  });
}

function getSessionCookie() {
  return singleton('session-cookie', createSessionCookie);
}

/** The Set-Cookie value that carries a new session token until the session's absolute expiry. */
export async function sessionCookieHeader(token: string, expiresAt: Date): Promise<string> {
  return getSessionCookie().serialize(token, { expires: expiresAt });
}

/** The Set-Cookie value that removes the session cookie. */
export async function clearedSessionCookieHeader(): Promise<string> {
  return getSessionCookie().serialize('', { expires: new Date(0), maxAge: 0 });
}

async function readSessionToken(request: Request): Promise<string | null> {
  const value: unknown = await getSessionCookie().parse(request.headers.get('Cookie'));
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/**
 * The signed-in staff member, or null (anonymous, expired, idle, or disabled). Looked up once per
 * request that only reads (the root loader and the page's guard share it). An action (a request
 * that may write) looks up for itself; the loaders that render after it get a GET copy of the
 * request from Remix and share one lookup made after the action — so what it changed (a time
 * zone, a password, a sign-out) is what they see.
 */
export async function getOptionalStaff(request: Request): Promise<SignedInStaff | null> {
  const token = await readSessionToken(request);
  if (!token) return null;
  if (request.method !== 'GET' && request.method !== 'HEAD') return staffOfSession(token);
  return oncePerRequest(`signed-in-staff:${token}`, () => staffOfSession(token));
}

async function staffOfSession(token: string): Promise<SignedInStaff | null> {
  const session = await lookupSession(token);
  if (session.status !== 'active') return null;
  const staff = await getStaffById(session.staffId);
  // Disabled between the two reads: the next request's lookup ends the session.
  if (!staff || staff.disabledAt) return null;
  return { ...staff, sessionId: session.sessionId };
}

/**
 * The guard that starts every staff loader and action. Anonymous (or expired, idle, disabled)
 * requests are sent to sign in and brought back afterwards; a role below `minimumRole` gets a
 * 403 that says which role is needed. A member who must change their password is sent to do so
 * first, except on the routes that let them (`allowPasswordChange`).
 */
export async function requireStaff(
  request: Request,
  minimumRole: StaffRole,
  { allowPasswordChange = false }: { allowPasswordChange?: boolean } = {},
): Promise<SignedInStaff> {
  const staff = await getOptionalStaff(request);
  if (!staff) {
    const headers = new Headers();
    if (await readSessionToken(request)) headers.append('Set-Cookie', await clearedSessionCookieHeader());
    throw redirect(`/login?${new URLSearchParams({ redirectTo: returnPath(request) })}`, { headers });
  }
  if (staff.mustChangePassword && !allowPasswordChange) throw redirect('/account?reason=must-change');
  if (!roleAtLeast(staff.role, minimumRole)) {
    throw new Response(`This needs the ${minimumRole} role or higher; you are signed in as ${staff.role}.`, {
      status: 403,
    });
  }
  return staff;
}

/** Where to come back to after signing in: the page asked for (never a data URL). */
function returnPath(request: Request): string {
  const url = new URL(request.url);
  const pathname = url.pathname.replace(/\.data$/, '').replace(/^\/_root$/, '/') || '/';
  url.searchParams.delete('_data');
  const search = url.searchParams.toString();
  return request.method === 'GET' ? `${pathname}${search ? `?${search}` : ''}` : pathname;
}

/**
 * A `redirectTo` value made safe: only a path on this site (one leading slash, no backslash, no
 * scheme). Anything else becomes `fallback`.
 */
export function safeRedirectPath(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000) return fallback;
  if (!value.startsWith('/') || value.includes('\\')) return fallback;
  try {
    const base = new URL(getEnv().PUBLIC_URL);
    // Resolved as a browser resolves it: dot segments, tabs and line breaks are gone afterwards,
    // so "/.//evil.example" becomes "//evil.example" — which is why the result is checked, not the input.
    const resolved = new URL(value, base);
    if (resolved.origin !== base.origin) return fallback;
    const target = `${resolved.pathname}${resolved.search}${resolved.hash}`;
    // The Location header we send is resolved once more by the browser: it must stay a path here.
    if (/^\/[/\\]/.test(target) || new URL(target, base).origin !== base.origin) return fallback;
    if (resolved.pathname === '/login' || resolved.pathname === '/logout') return fallback;
    return target;
  } catch {
    return fallback;
  }
}
