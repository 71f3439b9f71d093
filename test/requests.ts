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

/** The load context the server gives every route (server/app.ts), for a route called directly. */
export const testContext = { cspNonce: 'test-nonce', requestId: 'test-request', clientIp: '203.0.113.9', selfUrl: null };
