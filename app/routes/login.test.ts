/**
 * The sign-in route over HTTP against the production build, posted as a browser posts the form
 * (a document request, as without JavaScript): what is checked is what the browser gets — the
 * status, the headers and the messages on the page — not the shape of the route's return value.
 */
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGN_IN_LIMITS } from '~/models/sign-in.server';
import { openDatabase } from '~/utils/db.server';
import { startBuiltServer, type RunningServer } from '../../test/built-server';
import { createTestStaff, sessionCookieFor, TEST_PASSWORD } from '../../test/factories';

let server: RunningServer;
let db: Knex;

beforeAll(async () => {
  // Behind one proxy, so that each request says which address it comes from (X-Forwarded-For).
  server = await startBuiltServer({ TRUST_PROXY: '1' });
  db = openDatabase(server.database);
});

afterAll(async () => {
  await db.destroy();
  await server.stop();
});

const DEFAULT_ADDRESS = '203.0.113.9';

function postLogin(form: Record<string, string>, cookie?: string, clientIp = DEFAULT_ADDRESS): Promise<Response> {
  return fetch(`${server.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      Origin: server.url,
      'Sec-Fetch-Site': 'same-origin',
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Forwarded-For': clientIp,
      ...(cookie ? { Cookie: cookie } : {}),
    },
    body: new URLSearchParams(form).toString(),
  });
}

/** What the sign-in page says to a person: the form's error, and each field's error (tied to its input by aria-describedby). */
async function shown(response: Response): Promise<{ formError: string | null; fieldErrors: Record<string, string[]> }> {
  const html = await response.text();
  const form = /<form[^>]*>([\s\S]*?)<\/form>/.exec(html)?.[1] ?? '';
  const textOf = (element: string) => decode(element.replace(/<!-- -->/g, '').replace(/<[^>]+>/g, ''));
  const formError = /<p role="alert"[^>]*>([\s\S]*?)<\/p>/.exec(form)?.[1];
  const fieldErrors: Record<string, string[]> = {};
  for (const [input] of form.matchAll(/<input [^>]*>/g)) {
    if (!input.includes('aria-invalid="true"')) continue;
    const name = /\sname="([^"]+)"/.exec(input)![1]!;
    const ids = /\saria-describedby="([^"]+)"/.exec(input)![1]!.split(' ');
    fieldErrors[name] = ids.flatMap((id) => {
      const described = new RegExp(`<p id="${id.replace(/[.*+?^${}()|[\]\\]/g, (char) => `\\${char}`)}"[^>]*>([\\s\\S]*?)</p>`).exec(form);
      return described && id.endsWith('-error') ? [textOf(described[1]!)] : [];
    });
  }
  return { formError: formError === undefined ? null : textOf(formError), fieldErrors };
}

function decode(text: string): string {
  const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#x27': "'", '#39': "'" };
  return text.replace(/&(amp|lt|gt|quot|#x27|#39);/g, (_, entity: string) => entities[entity]!);
}

describe('the sign-in route', () => {
  it('issues a brand-new session cookie even when the browser already holds one (no fixation)', async () => {
    const staff = await createTestStaff('viewer', { db });
    const planted = await sessionCookieFor(staff.id, { db });
    const response = await postLogin({ email: staff.email, password: TEST_PASSWORD, redirectTo: '/' }, planted.cookie);
    expect(response.status).toBe(302);
    const newCookie = response.headers.get('Set-Cookie')!.split(';')[0]!;
    expect(newCookie.startsWith('sd_session=')).toBe(true);
    expect(newCookie).not.toBe(planted.cookie);
    const sessions = await db('sessions').where({ staff_id: staff.id });
    expect(sessions).toHaveLength(2);
  });

  it('ignores a redirectTo on another site', async () => {
    const staff = await createTestStaff('viewer', { db });
    const response = await postLogin({ email: staff.email, password: TEST_PASSWORD, redirectTo: 'https://evil.example' });
    expect(response.headers.get('Location')).toBe('/');
    const signedIn = (await sessionCookieFor(staff.id, { db })).cookie;
    const redirect = await fetch(`${server.url}/login?redirectTo=//evil.example`, { headers: { Cookie: signedIn }, redirect: 'manual' });
    expect(redirect.headers.get('Location')).toBe('/');
  });

  it('answers an account locked from this address with 429 and when to try again', async () => {
    const staff = await createTestStaff('viewer', { db });
    for (let attempt = 0; attempt < SIGN_IN_LIMITS.failuresPerAccountAndAddress; attempt += 1) {
      const result = await postLogin({ email: staff.email, password: 'wrong-password' }, undefined, '192.0.2.44');
      expect(result.status).toBe(400);
      expect((await shown(result)).formError).toBe('The email or password is wrong.');
    }
    const locked = await postLogin({ email: staff.email, password: TEST_PASSWORD }, undefined, '192.0.2.44');
    expect(locked.status).toBe(429);
    expect((await shown(locked)).formError).toBe('Too many failed sign-ins. Try again in 15 minutes.');
    expect(locked.headers.get('Retry-After')).toMatch(/^(89\d|900)$/);
  });

  it('names the missing fields', async () => {
    const result = await postLogin({ email: '', password: '' });
    expect(result.status).toBe(400);
    expect((await shown(result)).fieldErrors).toEqual({ email: ['Enter your email address.'], password: ['Enter your password.'] });
  });
});
