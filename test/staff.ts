import crypto from 'node:crypto';
import { createSession } from '~/models/session.server';
import { createStaff, type Staff } from '~/models/staff.server';
import { sessionCookieHeader } from '~/services/auth.server';
import { getDb } from '~/utils/db.server';
import { type StaffRole } from '~/domain/staff';

export const TEST_PASSWORD = 'granite-sparrow-lantern-88';
const testActor = { type: 'system' as const, label: 'Test setup' };

/** Creates a staff member (through the model, as the app would) with a known password. */
export async function createTestStaff(role: StaffRole, overrides: { email?: string; name?: string; password?: string } = {}): Promise<Staff> {
  const suffix = crypto.randomBytes(4).toString('hex');
  const { staff } = await createStaff(
    {
      email: overrides.email ?? `${role}-${suffix}@staff.example`,
      name: overrides.name ?? `Test ${role} ${suffix}`,
      role,
      password: overrides.password ?? TEST_PASSWORD,
    },
    testActor,
  );
  return staff;
}

/** Starts a session for `staffId` and returns the Cookie request header that carries it. */
export async function sessionCookieFor(staffId: number, now = new Date()): Promise<{ cookie: string; sessionId: string }> {
  const { token, sessionId, expiresAt } = await createSession(staffId, { now });
  const setCookie = await sessionCookieHeader(token, expiresAt);
  return { cookie: setCookie.split(';')[0]!, sessionId };
}

/** Builds a request as a browser would send it, optionally with a session cookie and a form body. */
export function buildRequest(
  path: string,
  { method = 'GET', cookie, form }: { method?: string; cookie?: string; form?: Record<string, string> } = {},
): Request {
  const headers = new Headers();
  if (cookie) headers.set('Cookie', cookie);
  const init: RequestInit = { method, headers };
  if (form) init.body = new URLSearchParams(form);
  return new Request(`http://localhost${path}`, init);
}

export const testContext = { cspNonce: 'test-nonce', requestId: 'test-request', clientIp: '203.0.113.9', selfUrl: null };

/** Marks a staff member disabled directly in the database, leaving their sessions in place. */
export async function disableDirectly(staffId: number): Promise<void> {
  await getDb()('staff').where({ id: staffId }).update({ disabled_at: new Date().toISOString() });
}
