import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { recordAuditEvent } from '~/models/audit.server';
import { deleteSession } from '~/models/session.server';
import { staffActor } from '~/models/staff.server';
import { clearedSessionCookieHeader, requireStaff } from '~/services/auth.server';

export const handle = { access: { loader: 'viewer', action: 'viewer' } };

// Signing out changes state, so it is a POST; a plain visit just goes home.
export async function loader({ request }: LoaderFunctionArgs) {
  await requireStaff(request, 'viewer', { allowPasswordChange: true });
  throw redirect('/');
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, 'viewer', { allowPasswordChange: true });
  await deleteSession(staff.sessionId);
  await recordAuditEvent({ actor: staffActor(staff), action: 'staff.signed_out', requestId: context.requestId });
  throw redirect('/login', { headers: { 'Set-Cookie': await clearedSessionCookieHeader() } });
}
