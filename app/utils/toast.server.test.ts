import { describe, expect, it } from 'vitest';
import { getToast, redirectWithToast } from './toast.server';

function cookieFrom(response: Response): string {
  const setCookie = response.headers.get('set-cookie') ?? '';
  return setCookie.split(';')[0] ?? '';
}

describe('toasts after redirects', () => {
  it('survive exactly one redirect, then are cleared', async () => {
    const response = await redirectWithToast('/organizations/1', { kind: 'success', message: 'Link revoked.' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/organizations/1');
    const cookie = cookieFrom(response);
    expect(cookie).toMatch(/^sd_toast=/);

    const { toast, headers } = await getToast(new Request('http://localhost/organizations/1', { headers: { Cookie: cookie } }));
    expect(toast).toEqual({ kind: 'success', message: 'Link revoked.' });
    expect(headers?.get('set-cookie')).toMatch(/sd_toast=;.*Expires=Thu, 01 Jan 1970/);
  });

  it('ignore a tampered cookie', async () => {
    const response = await redirectWithToast('/', { kind: 'info', message: 'Hello' });
    const [name, value] = cookieFrom(response).split('=');
    const tampered = `${name}=${value!.slice(0, -3)}abc`;
    const { toast } = await getToast(new Request('http://localhost/', { headers: { Cookie: tampered } }));
    expect(toast).toBeNull();
  });

  it('refuse an invalid toast', async () => {
    await expect(redirectWithToast('/', { kind: 'info', message: '' })).rejects.toThrow();
  });
});
