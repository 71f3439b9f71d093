import { describe, expect, it } from 'vitest';
import { SIGN_IN_LIMITS } from '~/models/sign-in.server';
import { getDb } from '~/utils/db.server';
import { createTestStaff, sessionCookieFor, TEST_PASSWORD } from '../../test/factories';
import { buildRequest, testContext } from '../../test/requests';
import { action, loader } from './login';

type ActionResult = { data: { formError: string | null; fieldErrors: Record<string, string[]> }; init: { status: number; headers?: HeadersInit } | null };

async function postLogin(form: Record<string, string>, cookie?: string, clientIp = testContext.clientIp) {
  try {
    return (await action({
      request: buildRequest('/login', { method: 'POST', form, cookie }),
      params: {},
      context: { ...testContext, clientIp },
    })) as unknown as ActionResult;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

describe('the sign-in route', () => {
  it('issues a brand-new session cookie even when the browser already holds one (no fixation)', async () => {
    const staff = await createTestStaff('viewer');
    const planted = await sessionCookieFor(staff.id);
    const response = (await postLogin({ email: staff.email, password: TEST_PASSWORD, redirectTo: '/' }, planted.cookie)) as Response;
    expect(response.status).toBe(302);
    const newCookie = response.headers.get('Set-Cookie')!.split(';')[0]!;
    expect(newCookie.startsWith('sd_session=')).toBe(true);
    expect(newCookie).not.toBe(planted.cookie);
    const sessions = await getDb()('sessions').where({ staff_id: staff.id });
    expect(sessions).toHaveLength(2);
  });

  it('ignores a redirectTo on another site', async () => {
    const staff = await createTestStaff('viewer');
    const response = (await postLogin({ email: staff.email, password: TEST_PASSWORD, redirectTo: 'https://evil.example' })) as Response;
    expect(response.headers.get('Location')).toBe('/');
    const signedIn = (await sessionCookieFor(staff.id)).cookie;
    const redirect = await loader({ request: buildRequest('/login?redirectTo=//evil.example', { cookie: signedIn }), params: {}, context: testContext }).catch(
      (thrown: unknown) => thrown as Response,
    );
    expect((redirect as Response).headers.get('Location')).toBe('/');
  });

  it('answers an account locked from this address with 429 and when to try again', async () => {
    const staff = await createTestStaff('viewer');
    for (let attempt = 0; attempt < SIGN_IN_LIMITS.failuresPerAccountAndAddress; attempt += 1) {
      const result = (await postLogin({ email: staff.email, password: 'wrong-password' }, undefined, '192.0.2.44')) as ActionResult;
      expect(result.init?.status).toBe(400);
      expect(result.data.formError).toBe('The email or password is wrong.');
    }
    const locked = (await postLogin({ email: staff.email, password: TEST_PASSWORD }, undefined, '192.0.2.44')) as ActionResult;
    expect(locked.init?.status).toBe(429);
    expect(locked.data.formError).toBe('Too many failed sign-ins. Try again in 15 minutes.');
    expect(new Headers(locked.init?.headers).get('Retry-After')).toMatch(/^(89\d|900)$/);
  });

  it('names the missing fields', async () => {
    const result = (await postLogin({ email: '', password: '' })) as ActionResult;
    expect(result.init?.status).toBe(400);
    expect(result.data.fieldErrors).toEqual({ email: ['Enter your email address.'], password: ['Enter your password.'] });
  });
});
