import crypto from 'node:crypto';
import { arrangeOrganization, expect, rememberIssuedLink, test } from './fixtures';

test('a copy-mode link stays on screen and copyable through 30 s of progress refreshes, and is gone after a reload or going back', async ({
  page,
  context,
  login,
}) => {
  const organization = await arrangeOrganization(`Vandelay ${crypto.randomUUID().slice(0, 8)}`);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await login({ role: 'support' });
  // The page's own clock, so that 30 s of refreshes pass without the test waiting 30 s.
  await page.clock.install();
  await page.goto(`/organizations/${organization.id}`);
  await page.getByRole('radio', { name: /Copy link/ }).check();
  await page.getByRole('button', { name: 'Create link to copy' }).click();
  const secret = page.getByTestId('one-time-secret');
  await expect(secret).toBeVisible();
  const url = (await secret.textContent())!.trim();
  rememberIssuedLink(url);

  const isRefresh = (response: { url(): string; ok(): boolean }) =>
    new URL(response.url()).pathname === `/organizations/${organization.id}.data` && response.ok();
  let refreshes = 0;
  page.on('response', (response) => {
    if (isRefresh(response) && response.request().method() === 'GET') refreshes += 1;
  });
  for (let second = 5; second <= 30; second += 5) {
    const refreshed = page.waitForResponse((response) => isRefresh(response) && response.request().method() === 'GET');
    await page.clock.runFor(5_000);
    await refreshed;
    await expect(secret, `the link is still shown ${second} s after it was created`).toHaveText(url);
  }
  expect(refreshes).toBeGreaterThanOrEqual(2);
  // Still copyable.
  await page.getByRole('button', { name: 'Copy' }).click();
  await expect(page.getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);

  // A reload never shows it again, nor does the page's HTML hold it.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Setup link', exact: true })).toBeVisible();
  await expect(page.getByTestId('one-time-secret')).toHaveCount(0);
  expect(await page.content()).not.toContain(url.split('/setup/')[1]!);
});

test('leaving the page and coming back does not bring a shown-once link back; dismissing hides it', async ({ page, login }) => {
  const organization = await arrangeOrganization(`Kramerica ${crypto.randomUUID().slice(0, 8)}`);
  await login({ role: 'support' });
  await page.goto(`/organizations/${organization.id}`);
  await page.getByRole('radio', { name: /Copy link/ }).check();
  await page.getByRole('button', { name: 'Create link to copy' }).click();
  const secret = page.getByTestId('one-time-secret');
  const url = (await secret.textContent())!.trim();
  rememberIssuedLink(url);

  // Away (a client-side navigation) and back with the browser's back button.
  await page.getByRole('link', { name: '← Organizations' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Organizations' })).toBeVisible();
  await page.goBack();
  await expect(page.getByRole('heading', { name: 'Setup link', exact: true })).toBeVisible();
  await expect(page.getByTestId('active-link')).toBeVisible();
  await expect(page.getByTestId('one-time-secret')).toHaveCount(0);
  expect(await page.content()).not.toContain(url.split('/setup/')[1]!);

  // A fresh link, then "Done, hide it".
  await page.getByText('Recreate the link — other features').click();
  await page
    .getByRole('form', { name: 'Recreate the link' })
    .getByRole('radio', { name: /Copy link/ })
    .check();
  await page.getByRole('form', { name: 'Recreate the link' }).getByLabel('Reason').fill('Lost it');
  await page.getByRole('button', { name: 'Recreate link' }).click();
  await page.getByRole('button', { name: 'Click again to recreate' }).click();
  const fresh = (await secret.textContent())!.trim();
  rememberIssuedLink(fresh);
  expect(fresh).not.toBe(url);
  await page.getByRole('button', { name: 'Done, hide it' }).click();
  await expect(page.getByTestId('one-time-secret')).toHaveCount(0);
});
