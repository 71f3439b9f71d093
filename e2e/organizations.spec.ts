import crypto from 'node:crypto';
import { e2eSandbox, expect, expectAccessible, test } from './fixtures';

test('a support rep creates Acme with two domains; a viewer finds it by domain but cannot create', async ({ page, login, browser, baseURL, consoleErrors }) => {
  consoleErrors.allow(/status of 403 \(Forbidden\)/);
  const suffix = crypto.randomUUID().slice(0, 8);
  const name = `Acme ${suffix}`;
  await login({ role: 'support' });

  await page.goto('/organizations');
  await page.getByRole('link', { name: 'New organization' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'New organization' })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Domains').fill(`acme-${suffix}.example\nACME-${suffix}.example\nacme-eu-${suffix}.example`);
  await page.getByLabel('External id').fill(`acct-${suffix}`);
  await page.getByRole('button', { name: 'Create organization' }).click();

  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: `${name} was created in WorkOS.` })).toBeVisible();
  const domains = page.getByRole('region', { name: 'Domains' });
  // Listed in alphabetical order of the domain.
  const expectedDomains = [`acme-${suffix}.example`, `acme-eu-${suffix}.example`].sort();
  await expect(domains.getByRole('listitem')).toHaveText(expectedDomains.map((domain) => `${domain} pending`));
  const workosId = (await page.getByText(/^org_[0-9A-Z]{26}$/).textContent())!;
  const inWorkOS = await e2eSandbox().workos.organizations.getOrganization(workosId);
  expect(inWorkOS.name).toBe(name);
  expect(inWorkOS.domains.map((domain) => domain.domain).sort()).toEqual([`acme-${suffix}.example`, `acme-eu-${suffix}.example`].sort());
  await expect(page.getByRole('region', { name: 'History' })).toContainText('created it in WorkOS');
  await expectAccessible(page);

  // A viewer, in their own browser.
  const viewerContext = await browser.newContext({ baseURL });
  const viewerPage = await viewerContext.newPage();
  viewerPage.on('console', (message) => {
    if (message.type() === 'error' && !/status of 403/.test(message.text())) throw new Error(message.text());
  });
  const { createStaffMember } = await import('./fixtures');
  const viewer = await createStaffMember('viewer');
  await viewerPage.goto('/login?redirectTo=/organizations');
  await viewerPage.getByLabel('Email').fill(viewer.email);
  await viewerPage.getByLabel('Password').fill(viewer.password);
  await viewerPage.getByRole('button', { name: 'Sign in' }).click();
  await expect(viewerPage.getByRole('heading', { level: 1, name: 'Organizations' })).toBeVisible();
  await expect(viewerPage.getByRole('link', { name: 'New organization' })).toHaveCount(0);
  await viewerPage.getByRole('searchbox', { name: 'Search' }).fill(`acme-eu-${suffix}.example`);
  // With JavaScript the filters apply as they change and Apply is hidden; Enter searches at once.
  await viewerPage.getByRole('searchbox', { name: 'Search' }).press('Enter');
  await expect(viewerPage.getByRole('row')).toHaveCount(2); // header and Acme
  await viewerPage.getByRole('link', { name }).click();
  await expect(viewerPage.getByRole('heading', { level: 1, name })).toBeVisible();
  await expect(viewerPage.getByRole('button', { name: 'Save in WorkOS' })).toHaveCount(0);

  const forbidden = await viewerPage.goto('/organizations/new');
  expect(forbidden?.status()).toBe(403);
  await expect(viewerPage.getByText('This needs the support role or higher; you are signed in as viewer.')).toBeVisible();
  await viewerContext.close();
});

test('with WorkOS failing, the organization waits as pending with the reason, and "Retry" finishes it', async ({ page, login }) => {
  const { client } = e2eSandbox();
  const name = `Flaky ${crypto.randomUUID().slice(0, 8)}`;
  await login({ role: 'support' });
  await page.goto('/organizations/new');
  await page.getByLabel('Name').fill(name);
  // Every attempt, the SDK's retries included, meets a WorkOS outage.
  await client.addFault({ method: 'POST', path: '/organizations', bodyIncludes: name, status: 503, retryAfter: 0, times: 4 });
  await page.getByRole('button', { name: 'Create organization' }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Not yet created in WorkOS' })).toBeVisible();
  await expect(page.getByText(/WorkOS is unavailable right now/).first()).toBeVisible();

  await page.getByRole('button', { name: 'Retry in WorkOS' }).click();
  await expect(page.getByRole('status').filter({ hasText: `${name} was created in WorkOS.` })).toBeVisible();
  await expect(page.getByText(/^org_[0-9A-Z]{26}$/)).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Not yet created in WorkOS' })).toHaveCount(0);
});
