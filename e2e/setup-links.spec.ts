import crypto from 'node:crypto';
import { arrangeOrganization, expect, expectAccessible, rememberIssuedLink, test } from './fixtures';

test('a rep copies a link for SSO + Directory Sync; the IT admin completes SSO; the rep revokes; the link goes neutral', async ({
  page,
  context,
  login,
  browser,
  baseURL,
}) => {
  const name = `Initech ${crypto.randomUUID().slice(0, 8)}`;
  const organization = await arrangeOrganization(name);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await login({ role: 'support' });

  await page.goto(`/organizations/${organization.id}`);
  const card = page.getByRole('region', { name: 'Setup link' });
  await expect(card.getByText('No active link.')).toBeVisible();
  await card.getByRole('radio', { name: /Copy link/ }).check();
  // Copy mode asks for no recipient: the email fields go away.
  await expect(card.getByLabel('IT admin’s email')).toBeHidden();
  await card.getByRole('checkbox', { name: /Directory Sync/ }).check();
  await expect(card.getByRole('checkbox', { name: /Single Sign-On/ })).toBeChecked();
  await card.getByRole('button', { name: 'Create link to copy' }).click();

  const secret = page.getByTestId('one-time-secret');
  await expect(secret).toBeVisible();
  const url = (await secret.textContent())!.trim();
  rememberIssuedLink(url);
  expect(url).toMatch(new RegExp(`^${baseURL}/setup/sdl_[A-Za-z0-9_-]{43}$`));
  await page.getByRole('button', { name: 'Copy' }).click();
  await expect(page.getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
  await expectAccessible(page);

  // Shown once: a reload shows the card, never the URL.
  await page.reload();
  await expect(page.getByTestId('one-time-secret')).toHaveCount(0);
  expect(await page.content()).not.toContain(url.split('/setup/')[1]!);
  await expect(page.getByTestId('active-link')).toContainText('Single Sign-On, Directory Sync');
  await expect(page.getByTestId('active-link')).toContainText('Not yet');

  // The IT admin, in a browser of their own (no staff session).
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  const adminErrors: string[] = [];
  admin.on('console', (message) => {
    if (message.type() === 'error' && !/status of 404/.test(message.text())) adminErrors.push(message.text());
  });
  await admin.goto(url);
  await expect(admin.getByRole('heading', { level: 1, name: `Set up ${name}` })).toBeVisible();
  await expect(admin.getByRole('heading', { name: 'Directory Sync' })).toBeVisible();
  await expect(admin.getByRole('link', { name: 'Sign out' })).toHaveCount(0);
  await expectAccessible(admin);
  await admin.getByRole('button', { name: 'Set up Single Sign-On' }).click();

  // WorkOS's Admin Portal (the sandbox's simulation).
  await expect(admin.getByRole('heading', { name: 'Set up Single Sign-On' })).toBeVisible();
  await expect(admin.getByText(name)).toBeVisible();
  await admin.getByLabel('Identity provider').selectOption('AzureSAML');
  await admin.getByRole('button', { name: 'Activate connection' }).click();
  await admin.getByRole('link', { name: 'Continue' }).click();

  // Back on their setup page, with no token in WorkOS's return URLs.
  await expect(admin.getByRole('status')).toHaveText('Thank you — Single Sign-On is set up.');
  expect(admin.url()).toBe(`${url}?done=sso`);
  // WorkOS's webhook marks SSO done (it may land a moment after the IT admin is back); Directory
  // Sync is still to do, so the link stays active.
  await expect(async () => {
    await admin.reload();
    await expect(admin.getByRole('button', { name: 'Review Single Sign-On' })).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 10_000 });
  await expect(admin.getByRole('button', { name: 'Set up Directory Sync' })).toBeVisible();

  // The rep sees the activity, then revokes.
  await page.reload();
  await expect(page.getByTestId('active-link')).toContainText('Single Sign-On ×1');
  await expect(page.getByTestId('active-link')).not.toContainText('Not yet');
  await page.getByRole('form', { name: 'Revoke the link' }).getByLabel('Reason').fill('Customer asked for a new contact');
  await page.getByRole('button', { name: 'Revoke link' }).click();
  await page.getByRole('button', { name: 'Click again to revoke' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The setup link is revoked' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'History' })).toContainText('revoked the setup link');
  await expect(page.getByRole('region', { name: 'History' })).toContainText('Customer asked for a new contact');

  const neutral = await admin.reload();
  expect(neutral?.status()).toBe(404);
  await expect(admin.getByRole('heading', { level: 1, name: 'This setup link is not valid' })).toBeVisible();
  await expect(admin.getByText(name)).toHaveCount(0);
  expect(adminErrors).toEqual([]);
  await adminContext.close();
});

test('a second link while one is active is refused with what to do; recreate replaces it', async ({ page, login }) => {
  const organization = await arrangeOrganization(`Hooli ${crypto.randomUUID().slice(0, 8)}`);
  const rep = await login({ role: 'support' });
  // A second tab, opened before the link exists, still shows the create form.
  const stale = await page.context().newPage();
  await stale.goto(`/organizations/${organization.id}`);

  await page.goto(`/organizations/${organization.id}`);
  await page.getByRole('radio', { name: /Copy link/ }).check();
  await page.getByRole('button', { name: 'Create link to copy' }).click();
  rememberIssuedLink((await page.getByTestId('one-time-secret').textContent())!.trim());

  await stale.getByRole('radio', { name: /Copy link/ }).check();
  await stale.getByRole('button', { name: 'Create link to copy' }).click();
  await expect(stale.getByRole('alert')).toHaveText(
    new RegExp(`^This organization already has an active link \\(created by ${rep.name}, expires .+ UTC\\) — revoke or recreate it\\.$`),
  );
  await expect(stale.getByTestId('one-time-secret')).toHaveCount(0);
  await stale.close();

  await page.reload();
  await page.getByText('Recreate the link — other features').click();
  const recreate = page.getByRole('form', { name: 'Recreate the link' });
  await recreate.getByRole('checkbox', { name: /Domain Verification/ }).check();
  await recreate.getByLabel('Reason').fill('Add domain verification');
  await page.getByRole('button', { name: 'Recreate link' }).click();
  await page.getByRole('button', { name: 'Click again to recreate' }).click();
  const fresh = (await page.getByTestId('one-time-secret').textContent())!.trim();
  rememberIssuedLink(fresh);
  await expect(page.getByRole('region', { name: /Setup link for/ })).toContainText('Single Sign-On, Domain Verification');
});
