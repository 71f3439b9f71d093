import crypto from 'node:crypto';
import { arrangeOrganization, expect, rememberIssuedLink, test } from './fixtures';

/**
 * A run of crafted requests that carry a real setup token in every place a careless app would
 * write it down: encoded paths, a token typed into the search box and the audit filter, pasted
 * into the sign-in email field, under an encoded parameter name, inside a CSP report. Global
 * teardown then scans the database files and the server log (decoded too) for it.
 */
test('crafted requests carrying a setup token leave no trace of it in the database or the log', async ({ page, login, playwright, baseURL }) => {
  const organization = await arrangeOrganization(`Leaky ${crypto.randomUUID().slice(0, 8)}`);
  await login({ role: 'admin' });
  await page.goto(`/organizations/${organization.id}`);
  await page.getByRole('radio', { name: /Copy link/ }).check();
  await page.getByRole('button', { name: 'Create link to copy' }).click();
  const url = (await page.getByTestId('one-time-secret').textContent())!.trim();
  rememberIssuedLink(url);
  const token = url.split('/setup/')[1]!;
  const encoded = [...token].map((char) => `%${char.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');

  const staff = page.request;
  for (const target of [
    `/%73etup/${encoded}`,
    `/SETUP/${token}/`,
    `/setup/${token}.data`,
    `/setup/return?%74oken=${token}`,
    `/organizations?q=${encodeURIComponent(token)}`,
    `/organizations?q=${encoded}%00`,
    `/audit?organization=${encodeURIComponent(token)}`,
    `/audit?action=${encodeURIComponent(token)}`,
  ]) {
    const response = await staff.get(target);
    expect(response.status(), target).toBeLessThan(500);
  }
  const report = await staff.post('/csp-report', {
    headers: { 'Content-Type': 'application/csp-report' },
    data: JSON.stringify({
      'csp-report': { 'document-uri': `${baseURL}/%73etup/${encoded}`, 'effective-directive': 'img-src', 'blocked-uri': `${baseURL}/setup/${token}` },
    }),
  });
  expect(report.status()).toBe(204);

  // A stranger pastes the token into the sign-in form, twice, in two spellings.
  const stranger = await playwright.request.newContext({ baseURL });
  for (const email of [token, `${token}@example.com`]) {
    const signIn = await stranger.post('/login', {
      headers: { Origin: baseURL!, 'Sec-Fetch-Site': 'same-origin' },
      form: { email, password: 'wrong-password-123' },
    });
    expect(signIn.status()).toBe(400);
  }
  await stranger.dispose();
});
