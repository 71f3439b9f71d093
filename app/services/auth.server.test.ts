import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getDb } from '~/utils/db.server';
import { createTestStaff, disableDirectly, sessionCookieFor } from '../../test/factories';
import { buildRequest } from '../../test/requests';
import { getOptionalStaff, requireStaff, safeRedirectPath } from './auth.server';

async function thrownBy(promise: Promise<unknown>): Promise<Response> {
  try {
    await promise;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
  throw new Error('expected a thrown Response');
}

describe('requireStaff', () => {
  it('sends an anonymous request to sign in and back to the page it asked for', async () => {
    const response = await thrownBy(requireStaff(buildRequest('/staff/3?tab=access'), 'viewer'));
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toBe(`/login?redirectTo=${encodeURIComponent('/staff/3?tab=access')}`);
  });

  it('remembers the page, not the data URL, for a single-fetch request', async () => {
    const response = await thrownBy(requireStaff(buildRequest('/staff.data'), 'viewer'));
    expect(response.headers.get('Location')).toBe(`/login?redirectTo=${encodeURIComponent('/staff')}`);
  });

  it('answers 403 naming the role needed', async () => {
    const viewer = await createTestStaff('viewer');
    const { cookie } = await sessionCookieFor(viewer.id);
    const response = await thrownBy(requireStaff(buildRequest('/staff', { cookie }), 'admin'));
    expect(response.status).toBe(403);
    expect(await response.text()).toBe('This needs the admin role or higher; you are signed in as viewer.');
  });

  it('returns the staff member when the role is enough', async () => {
    const support = await createTestStaff('support');
    const { cookie, sessionId } = await sessionCookieFor(support.id);
    const staff = await requireStaff(buildRequest('/', { cookie }), 'viewer');
    expect(staff).toMatchObject({ id: support.id, role: 'support', sessionId });
  });

  it('sends a member with a temporary password to change it first', async () => {
    const member = await createTestStaff('admin');
    await getDb()('staff').where({ id: member.id }).update({ must_change_password: 1 });
    const { cookie } = await sessionCookieFor(member.id);
    const response = await thrownBy(requireStaff(buildRequest('/', { cookie }), 'viewer'));
    expect(response.headers.get('Location')).toBe('/account?reason=must-change');
    await expect(requireStaff(buildRequest('/account', { cookie }), 'viewer', { allowPasswordChange: true })).resolves.toMatchObject({
      id: member.id,
    });
  });

  it("refuses a disabled account's live session at once and clears the cookie", async () => {
    const member = await createTestStaff('admin');
    const { cookie } = await sessionCookieFor(member.id);
    expect(await getOptionalStaff(buildRequest('/', { cookie }))).not.toBeNull();
    await disableDirectly(member.id);
    const response = await thrownBy(requireStaff(buildRequest('/', { cookie }), 'viewer'));
    expect(response.headers.get('Location')).toMatch(/^\/login\?redirectTo=/);
    expect(response.headers.get('Set-Cookie')).toMatch(/sd_session=;.*Expires=Thu, 01 Jan 1970/);
  });

  it('ignores a forged cookie value', async () => {
    expect(await getOptionalStaff(buildRequest('/', { cookie: 'sd_session=forged-value' }))).toBeNull();
  });
});

describe('safeRedirectPath', () => {
  it.each([
    ['https://evil.example', '/'],
    ['//evil.example/x', '/'],
    ['/\\evil.example', '/'],
    ['\\\\evil.example', '/'],
    ['javascript:alert(1)', '/'],
    ['evil.example', '/'],
    ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
    // Dot segments that collapse into a scheme-relative URL once resolved.
    ['/.//evil.example', '/'],
    ['/././/evil.example/x', '/'],
    ['/a/..//evil.example', '/'],
    ['/..//evil.example', '/'],
    ['/%2e//evil.example', '/'],
    ['/%2E%2E//evil.example', '/'],
    ['/\t/evil.example', '/'],
    ['/\n/evil.example', '/'],
    ['/.\\evil.example', '/'],
    ['/organizations/./12', '/organizations/12'],
    ['/login', '/'],
    ['/staff/3?tab=access#roles', '/staff/3?tab=access#roles'],
    ['', '/'],
  ])('%s → %s', (input, expected) => {
    expect(safeRedirectPath(input)).toBe(expected);
  });

  // The pieces open redirects are made of: dot segments (plain and encoded), slashes and
  // backslashes (plain and encoded), whitespace a URL parser drops, hosts and schemes.
  const piece = fc.constantFrom(
    '/',
    '//',
    '.',
    '..',
    '%2e',
    '%2E',
    '%2e%2e',
    '%2f',
    '%2F',
    '%5c',
    '\\',
    '\t',
    '\n',
    '\r',
    ' ',
    '@',
    ':',
    'evil.example',
    'a',
    '?',
    '#',
    'http:',
    'javascript:',
  );
  const crafted = fc.array(piece, { minLength: 1, maxLength: 8 }).map((pieces) => `/${pieces.join('')}`);

  it('never returns anything but a same-site path, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl(), fc.webPath(), crafted), (input) => {
        const result = safeRedirectPath(input);
        expect(result.startsWith('/')).toBe(true);
        expect(/^\/[/\\]/.test(result)).toBe(false);
        // As the browser resolves the Location header, against this site and against any other.
        expect(new URL(result, 'http://localhost:3000').origin).toBe('http://localhost:3000');
        expect(new URL(result, 'https://desk.example').origin).toBe('https://desk.example');
      }),
      { numRuns: 2000 },
    );
  });
});
