import crypto from 'node:crypto';
import type { Locator } from '@playwright/test';
import { arrangeOrganization, e2eMailbox, e2eSandbox, expect, expectAccessible, rememberIssuedLink, test } from './fixtures';

/** The test's own clicks, fills, checks and key presses, counted: the screen's promise is few of them. */
function interactions() {
  let count = 0;
  return {
    get count() {
      return count;
    },
    async click(locator: Locator) {
      count += 1;
      await locator.click();
    },
    async fill(locator: Locator, value: string) {
      count += 1;
      await locator.fill(value);
    },
    async check(locator: Locator) {
      count += 1;
      await locator.check();
    },
    async press(locator: Locator, key: string) {
      count += 1;
      await locator.press(key);
    },
  };
}

function setupLinkIn(text: string): string {
  const url = /https?:\/\/\S+\/setup\/sdl_[A-Za-z0-9_-]{43}/.exec(text)?.[0];
  if (!url) throw new Error('no setup link in the email');
  rememberIssuedLink(url);
  return url;
}

test('from Home, a new customer with two domains and three features, its link emailed to the IT admin: one screen, at most 7 interactions', async ({
  page,
  login,
}) => {
  const suffix = crypto.randomUUID().slice(0, 8);
  const name = `Initech ${suffix}`;
  const itAdmin = `it-admin-${suffix}@initech.example`;
  await login({ role: 'support' });
  await page.goto('/');
  const act = interactions();

  await act.click(page.getByRole('link', { name: 'New customer' }));
  await expect(page.getByRole('heading', { level: 1, name: 'New customer' })).toBeVisible();
  await expectAccessible(page);
  await act.fill(page.getByLabel('Name', { exact: true }), name);
  await act.fill(page.getByRole('textbox', { name: 'Domains' }), `initech-${suffix}.example\ninitech-eu-${suffix}.example`);
  // Single Sign-On is ticked already.
  await act.check(page.getByRole('checkbox', { name: /Directory Sync/ }));
  await act.check(page.getByRole('checkbox', { name: /Domain Verification/ }));
  await act.fill(page.getByLabel('IT admin’s email'), itAdmin);
  await act.click(page.getByRole('button', { name: 'Create customer and issue link' }));

  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: `${name} was created in WorkOS, and its setup link was emailed to ${itAdmin}.` })).toBeVisible();
  const mailbox = e2eMailbox();
  await expect.poll(async () => (await mailbox.to(itAdmin)).length).toBe(1);
  const [email] = await mailbox.to(itAdmin);
  setupLinkIn(email!.text);
  for (const feature of ['Single Sign-On', 'Directory Sync', 'Domain Verification']) expect(email!.text).toContain(feature);

  const workosId = (await page.getByText(/^org_[0-9A-Z]{26}$/).textContent())!;
  const inWorkOS = await e2eSandbox().workos.organizations.getOrganization(workosId);
  expect(inWorkOS.domains.map((domain) => domain.domain).sort()).toEqual([`initech-eu-${suffix}.example`, `initech-${suffix}.example`].sort());

  const summary = `New customer from Home to a delivered email: ${act.count} interactions (clicks, fills, checks, key presses), one screen`;
  test.info().annotations.push({ type: 'interactions', description: summary });
  process.stdout.write(`${summary}\n`);
  expect(act.count).toBeLessThanOrEqual(7);
});

test('with WorkOS failing, the customer waits as pending with every value kept and nothing sent; Retry creates it and sends once', async ({
  page,
  login,
  consoleErrors,
}) => {
  consoleErrors.allow(/status of 502/);
  const { client } = e2eSandbox();
  const suffix = crypto.randomUUID().slice(0, 8);
  const name = `Flaky Customer ${suffix}`;
  const itAdmin = `it-admin-${suffix}@flaky.example`;
  await login({ role: 'support' });
  await page.goto('/customers/new');
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('textbox', { name: 'Domains' }).fill(`flaky-${suffix}.example`);
  await page.getByRole('checkbox', { name: /Directory Sync/ }).check();
  await page.getByLabel('IT admin’s email').fill(itAdmin);
  await page.getByLabel('IT admin’s name (optional)').fill('Pat Admin');
  await page.getByLabel('Personal message (optional)').fill('As agreed on our call.');
  // Every attempt of this creation meets a WorkOS outage.
  await client.addFault({ method: 'POST', path: '/organizations', bodyIncludes: name, status: 503, retryAfter: 0, times: 3 });
  await page.getByRole('button', { name: 'Create customer and issue link' }).click();

  await expect(page.getByText(`${name} is saved here, but not yet created in WorkOS`)).toBeVisible();
  await expect(page.getByText(/No link was issued and nothing was sent/)).toBeVisible();
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue(name);
  await expect(page.getByLabel('IT admin’s email')).toHaveValue(itAdmin);
  await expect(page.getByLabel('IT admin’s name (optional)')).toHaveValue('Pat Admin');
  await expect(page.getByLabel('Personal message (optional)')).toHaveValue('As agreed on our call.');
  await expect(page.getByRole('checkbox', { name: /Directory Sync/ })).toBeChecked();
  await expectAccessible(page);
  expect(await e2eMailbox().to(itAdmin)).toHaveLength(0);

  await client.clearFaults();
  await page.getByRole('button', { name: 'Retry: create in WorkOS and issue the link' }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: `its setup link was emailed to ${itAdmin}` })).toBeVisible();
  await expect(page.getByText(/^org_[0-9A-Z]{26}$/)).toBeVisible();
  const mailbox = e2eMailbox();
  await expect.poll(async () => (await mailbox.to(itAdmin)).length).toBe(1);
  const [email] = await mailbox.to(itAdmin);
  setupLinkIn(email!.text);
  expect(email!.text).toContain('As agreed on our call.');
});

test('an organization with the same name is flagged while typing, linked, and the rep goes on only by choosing to', async ({ page, login, consoleErrors }) => {
  consoleErrors.allow(/status of 409/);
  const suffix = crypto.randomUUID().slice(0, 8);
  const existing = await arrangeOrganization(`Globex ${suffix}`);
  await login({ role: 'support' });
  await page.goto('/customers/new');
  await page.getByLabel('Name', { exact: true }).fill(`globex ${suffix}`);
  const warning = page.getByRole('alert').filter({ hasText: 'This customer may already be here' });
  await expect(warning).toBeVisible();
  await expect(warning.getByRole('link', { name: `Globex ${suffix}` })).toHaveAttribute('href', `/organizations/${existing.id}`);
  await expect(warning).toContainText('same name');
  await page.getByRole('radio', { name: /Copy link/ }).check();

  // Submitted without the choice: refused, nothing made, everything kept.
  await page.getByRole('button', { name: 'Create customer and issue link' }).click();
  await expect(page.getByText('Open them to check, or tick “create anyway” and submit again.')).toBeVisible();
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue(`globex ${suffix}`);
  await expect(page.getByRole('radio', { name: /Copy link/ })).toBeChecked();

  await page.getByRole('checkbox', { name: /create a new organization anyway/ }).check();
  await page.getByRole('button', { name: 'Create customer and issue link' }).click();
  await expect(page.getByTestId('one-time-secret')).toBeVisible();
  rememberIssuedLink((await page.getByTestId('one-time-secret').textContent())!.trim());
});

test('copy mode from the same screen: the link is shown once, and a reload does not bring it back', async ({ page, login }) => {
  const suffix = crypto.randomUUID().slice(0, 8);
  const name = `Hooli ${suffix}`;
  await login({ role: 'support' });
  await page.goto('/customers/new');
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('radio', { name: /Copy link/ }).check();
  await expect(page.getByLabel('IT admin’s email')).toBeHidden();
  const answer = page.waitForResponse((response) => response.request().method() === 'POST' && new URL(response.url()).pathname.startsWith('/customers/new'));
  await page.getByRole('button', { name: 'Create customer and issue link' }).click();
  const response = await answer;
  expect(response.status()).toBe(200);
  expect(response.headers()['cache-control']).toBe('no-store');

  const secret = page.getByTestId('one-time-secret');
  await expect(secret).toBeVisible();
  // The answer replaced the form: focus is on it, not on the submit button that is gone.
  await expect(page.getByRole('heading', { level: 1, name: 'New customer' })).toBeFocused();
  const url = (await secret.textContent())!.trim();
  rememberIssuedLink(url);
  expect(page.url()).toMatch(/\/customers\/new$/);
  await expect(page.getByText(`${name} was created in WorkOS, and its setup link is ready to pass on`)).toBeVisible();

  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'New customer' })).toBeVisible();
  await expect(page.getByTestId('one-time-secret')).toHaveCount(0);
  expect(await page.content()).not.toContain(url.split('/setup/')[1]!);
  await page.goto('/organizations');
  await page.getByRole('searchbox', { name: 'Search' }).fill(name);
  await page.getByRole('searchbox', { name: 'Search' }).press('Enter');
  // The search's navigation ends before the click: the name may already be on the unfiltered
  // first page, and a click then would abort the search mid-flight (an AbortError in the console).
  await expect(page).toHaveURL(/[?&]q=/);
  await page.getByRole('link', { name }).click();
  await expect(page.getByTestId('active-link')).toBeVisible();
  expect(await page.content()).not.toContain(url.split('/setup/')[1]!);
});
