import crypto from 'node:crypto';
import { createStaffMember, expect, expectAccessible, test } from './fixtures';

test('sign in through the form, see your name and role, sign out, and the back button shows no staff data', async ({ page }) => {
  const member = await createStaffMember('support', `Grace Hopper ${crypto.randomUUID().slice(0, 8)}`);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login\?redirectTo=%2F$/);
  await expectAccessible(page);

  await page.getByLabel('Email').fill(member.email.toUpperCase());
  await page.getByLabel('Password').fill(member.password);
  await page.getByRole('button', { name: 'Sign in' }).click();

  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();
  const signedInAs = page.getByTestId('signed-in-as');
  await expect(signedInAs).toContainText(member.name);
  await expect(signedInAs).toContainText('support');
  await expectAccessible(page);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await page.goBack();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await expect(page.getByText(member.name)).toHaveCount(0);
});

test('a wrong password gets the generic message and keeps the email', async ({ page, consoleErrors }) => {
  consoleErrors.allow(/status of 400 \(Bad Request\)/);
  const member = await createStaffMember('viewer');
  await page.goto('/login');
  await page.getByLabel('Email').fill(member.email);
  await page.getByLabel('Password').fill('not-my-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('The email or password is wrong.');
  await expect(page.getByLabel('Email')).toHaveValue(member.email);
  await expect(page.getByLabel('Password')).toHaveValue('not-my-password');
});

test('after sign-in you land on the page you asked for, never on another site', async ({ page, baseURL }) => {
  const member = await createStaffMember('admin');
  await page.goto('/login?redirectTo=https://evil.example/steal');
  await page.getByLabel('Email').fill(member.email);
  await page.getByLabel('Password').fill(member.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();
  expect(page.url()).toBe(`${baseURL}/`);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await page.goto('/staff');
  await expect(page).toHaveURL(/\/login\?redirectTo=%2Fstaff$/);
  await page.getByLabel('Email').fill(member.email);
  await page.getByLabel('Password').fill(member.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Staff' })).toBeVisible();
  expect(page.url()).toBe(`${baseURL}/staff`);
});

test('a viewer sees no Staff link and gets a 403 that names the role needed', async ({ page, login, consoleErrors }) => {
  consoleErrors.allow(/status of 403 \(Forbidden\)/);
  await login({ role: 'viewer' });
  await page.goto('/');
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Staff' })).toHaveCount(0);
  const response = await page.goto('/staff');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'You do not have access to this page' })).toBeVisible();
  await expect(page.getByText('This needs the admin role or higher; you are signed in as viewer.')).toBeVisible();
});

test('an admin adds a support member, who signs in with the temporary password and must change it', async ({ page, login, browser, baseURL }) => {
  await login({ role: 'admin' });
  await page.goto('/staff');
  // Unique per run: every test shares the e2e database with the others.
  const suffix = crypto.randomUUID().slice(0, 8);
  const name = `Katherine Johnson ${suffix}`;
  const email = `katherine-${suffix}@staff.example`;
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel(/^Support/).check();
  await page.getByRole('button', { name: 'Add member' }).click();

  const secret = page.getByTestId('one-time-secret');
  await expect(secret).toBeVisible();
  const temporaryPassword = (await secret.textContent())!.trim();
  expect(temporaryPassword).toMatch(/^([A-Za-z2-9]{5}-){4}[A-Za-z2-9]{5}$/);
  await expect(page.getByRole('row', { name: new RegExp(email) })).toContainText('Must change password');
  // Shown once: a reload does not bring it back.
  await page.reload();
  await expect(page.getByTestId('one-time-secret')).toHaveCount(0);

  // The new member, in their own browser.
  const theirContext = await browser.newContext({ baseURL });
  const theirPage = await theirContext.newPage();
  const theirErrors: string[] = [];
  theirPage.on('console', (message) => {
    if (message.type() === 'error' && !/status of 400 \(Bad Request\)/.test(message.text())) theirErrors.push(message.text());
  });
  await theirPage.goto('/login');
  await theirPage.getByLabel('Email').fill(email);
  await theirPage.getByLabel('Password').fill(temporaryPassword);
  await theirPage.getByRole('button', { name: 'Sign in' }).click();
  await expect(theirPage).toHaveURL(/\/account\?reason=must-change$/);
  await expect(theirPage.getByText('You signed in with a temporary password')).toBeVisible();
  // Every other page sends them back here until they choose a password.
  await theirPage.goto('/');
  await expect(theirPage).toHaveURL(/\/account\?reason=must-change$/);

  await theirPage.getByLabel('Current password').fill(temporaryPassword);
  await theirPage.getByLabel('New password', { exact: true }).fill('short');
  await theirPage.getByLabel('Repeat the new password').fill('short');
  await theirPage.getByRole('button', { name: 'Change password' }).click();
  await expect(theirPage.getByText('Use at least 12 characters.')).toBeVisible();
  await expect(theirPage.getByLabel('New password', { exact: true })).toHaveAttribute('aria-invalid', 'true');

  await theirPage.getByLabel('Current password').fill(temporaryPassword);
  await theirPage.getByLabel('New password', { exact: true }).fill('nebula-orchard-compass-29');
  await theirPage.getByLabel('Repeat the new password').fill('nebula-orchard-compass-29');
  await theirPage.getByRole('button', { name: 'Change password' }).click();
  await expect(theirPage.getByRole('status').filter({ hasText: 'Password changed' })).toBeVisible();
  await expect(theirPage.getByTestId('signed-in-as')).toContainText(name);
  await expect(theirPage.getByTestId('signed-in-as')).toContainText('support');
  expect(theirErrors).toEqual([]);
  await theirContext.close();
});

test('an admin disables a member; their open session stops working at once', async ({ page, login, browser, baseURL }) => {
  const member = await createStaffMember('support', `Dorothy Vaughan ${crypto.randomUUID().slice(0, 8)}`);
  const theirContext = await browser.newContext({ baseURL });
  const theirPage = await theirContext.newPage();
  await theirPage.goto('/login');
  await theirPage.getByLabel('Email').fill(member.email);
  await theirPage.getByLabel('Password').fill(member.password);
  await theirPage.getByRole('button', { name: 'Sign in' }).click();
  await expect(theirPage.getByTestId('signed-in-as')).toContainText(member.name);

  await login({ role: 'admin' });
  await page.goto(`/staff/${member.id}`);
  const disable = page.getByRole('button', { name: 'Disable account' });
  await disable.click();
  await page.getByRole('button', { name: 'Click again to disable' }).click();
  await expect(page.getByRole('status').filter({ hasText: `${member.name} is disabled` })).toBeVisible();

  await theirPage.reload();
  await expect(theirPage.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await theirContext.close();
});
