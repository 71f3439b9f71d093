import crypto from 'node:crypto';
import { arrangeOrganization, createStaffMember, E2E_PASSWORD, expect, expectAccessible, test } from './fixtures';

// The configuration is shared by every test: the change here alters nothing they see, and is undone.
test.describe.configure({ mode: 'serial' });

test('an admin reads the System status and changes the configuration; support is refused both', async ({ page, login, browser, baseURL, consoleErrors }) => {
  // WorkOS has at least one organization to try a portal link on.
  await arrangeOrganization(`Status Check ${crypto.randomUUID().slice(0, 8)}`);
  // The refused save answers 400, which the browser logs; so do the 403s at the end.
  consoleErrors.allow(/status of 400/);
  await login({ role: 'admin' });
  await page.goto('/system');
  await expect(page.getByRole('heading', { level: 1, name: 'System status' })).toBeVisible();
  const checks = page.getByRole('table', { name: 'Checks' });
  for (const title of [
    'WorkOS API answers with this key',
    'An Admin Portal link can be generated',
    'Database',
    'Staff pages refuse an anonymous request',
    'Production build',
  ]) {
    await expect(checks.getByRole('row', { name: new RegExp(title) })).toContainText('Pass');
  }
  await expect(checks.getByRole('row', { name: /An Admin Portal link can be generated/ })).toContainText('(the link is not shown)');
  expect(await page.content()).not.toMatch(/token=/);
  await expectAccessible(page);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Configuration' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Configuration' })).toBeVisible();
  await expect(page.getByLabel('Company name')).toHaveAttribute('placeholder', 'Acme Analytics');
  await page.getByLabel('Maximum link lifetime (days)').fill('5');
  await page.getByLabel('Default link lifetime (days)').fill('9');
  await page.getByRole('button', { name: 'Save configuration' }).click();
  await expect(page.getByText('The default (9 days) cannot be longer than the maximum (5 days).')).toBeVisible();
  await expect(page.getByLabel('Maximum link lifetime (days)')).toHaveValue('5');
  await expectAccessible(page);
  // A change that other tests running now cannot notice: the maximum set to what it already is.
  await page.getByLabel('Default link lifetime (days)').fill('');
  await page.getByLabel('Maximum link lifetime (days)').fill('30');
  await page.getByRole('button', { name: 'Save configuration' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved: Maximum link lifetime (days). It applies at once.' })).toBeVisible();
  await expect(page.getByLabel('Maximum link lifetime (days)')).toHaveValue('30');
  await page.getByLabel('Maximum link lifetime (days)').fill('');
  // The toast of the first save may still show: wait for this save's own answer.
  const saved = page.waitForResponse((response) => response.request().method() === 'POST' && new URL(response.url()).pathname.startsWith('/configuration'));
  await page.getByRole('button', { name: 'Save configuration' }).click();
  expect((await saved).status()).toBeLessThan(400);
  await expect(page.getByRole('status').filter({ hasText: 'Saved: Maximum link lifetime (days).' })).toBeVisible();
  await page.goto('/audit?action=settings.changed');
  await expect(page.getByTestId('audit-event').first()).toContainText('changed the configuration: Maximum link lifetime (days) from “30” to “(environment)”');

  // Support: the pages are refused, and not in the navigation.
  consoleErrors.allow(/status of 403/);
  const supportContext = await browser.newContext({ baseURL });
  const support = await supportContext.newPage();
  const rep = await createStaffMember('support');
  await support.goto('/login');
  await support.getByLabel('Email').fill(rep.email);
  await support.getByLabel('Password').fill(E2E_PASSWORD);
  await support.getByRole('button', { name: 'Sign in' }).click();
  await expect(support.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' })).toBeVisible();
  await expect(support.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'System' })).toHaveCount(0);
  for (const path of ['/system', '/configuration']) {
    const response = await support.goto(path);
    expect(response?.status(), path).toBe(403);
  }
  await supportContext.close();
});

test('a plain page load reports no CSP violation (no script probes for eval: zod stays on the server)', async ({ page, login }) => {
  const violations: string[] = [];
  await page.exposeFunction('reportViolation', (text: string) => violations.push(text));
  await page.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (event) =>
      (window as unknown as { reportViolation: (text: string) => void }).reportViolation(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}`),
    ),
  );
  await page.goto('/login');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await login({ role: 'admin' });
  for (const path of ['/', '/organizations', '/configuration', '/system', '/staff', '/audit', '/account']) {
    await page.goto(path);
    await page.waitForLoadState('networkidle');
  }
  expect(violations).toEqual([]);
});
