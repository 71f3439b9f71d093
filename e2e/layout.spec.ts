import crypto from 'node:crypto';
import type { Page } from '@playwright/test';
import { arrangeCopiedLink, arrangeNotes, arrangeOrganization, arrangeWorkOSEvent, expect, expectAccessible, rememberIssuedLink, test } from './fixtures';

const DESKTOP = { width: 1366, height: 900 };
const PHONE = { width: 390, height: 844 };

/** Prints a measured height (the before/after figures of docs/decisions/019) and keeps it in the report. */
function report(what: string, height: number) {
  test.info().annotations.push({ type: 'height', description: `${what}: ${height} px` });
  console.warn(`${what}: ${height} px tall at 1366×900`);
}

const heightOf = (page: Page) => page.evaluate(() => document.documentElement.scrollHeight);
/** Where an element's top is in the document (not the viewport). */
const topOf = (page: Page, selector: string) =>
  page.evaluate((css) => {
    const element = document.querySelector(css);
    if (!element) throw new Error(`no ${css}`);
    return element.getBoundingClientRect().top + window.scrollY;
  }, selector);

async function expectNoHorizontalScroll(page: Page) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  expect(scrollWidth, `page is ${scrollWidth} px wide in a ${clientWidth} px viewport`).toBeLessThanOrEqual(clientWidth);
}

test('the organization page reads at a glance: an emailed link with progress and 20 events, and a completed setup', async ({ page, login }) => {
  test.setTimeout(60_000);
  const staff = await login({ role: 'support' });
  await page.setViewportSize(DESKTOP);

  // An active emailed link for SSO and Directory Sync, SSO done, and twenty notes.
  const name = `Glance ${crypto.randomUUID().slice(0, 8)}`;
  const organization = await arrangeOrganization(name);
  await page.goto(`/organizations/${organization.id}`);
  const card = page.getByRole('region', { name: 'Setup link' });
  await card.getByLabel('IT admin’s email').fill('it@glance.example');
  await card.getByRole('checkbox', { name: /Directory Sync/ }).check();
  await card.getByRole('button', { name: 'Send link by email' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The setup link was emailed to it@glance.example.' })).toBeVisible();
  await arrangeWorkOSEvent('connection.activated', { id: `conn_${crypto.randomUUID().slice(0, 8)}`, organizationId: organization.workosId });
  await arrangeNotes(
    organization.id,
    staff,
    Array.from({ length: 20 }, (_, index) => `Call ${index + 1} with the customer about their identity provider.`),
  );
  await page.goto(`/organizations/${organization.id}`);
  await expect(page.getByRole('region', { name: 'Setup progress' }).getByTestId('progress-summary')).toHaveText('1 of 2 done');
  const activeHeight = await heightOf(page);
  report('organization page, active emailed link', activeHeight);
  expect(activeHeight).toBeLessThanOrEqual(1800);
  for (const selector of [
    'h1',
    '[data-testid="organization-status"]',
    '#link-title',
    '[data-testid="active-link"]',
    '#progress-title',
    '[data-testid="next-action"]',
  ]) {
    expect(await topOf(page, selector), `${selector} above the fold`).toBeLessThan(DESKTOP.height);
  }
  await expectAccessible(page);

  // A completed setup: the copied SSO link closed when WorkOS reported SSO done.
  const completedName = `Glance done ${crypto.randomUUID().slice(0, 8)}`;
  const completed = await arrangeOrganization(completedName);
  rememberIssuedLink((await arrangeCopiedLink(completed.id, ['sso'])).url);
  await arrangeWorkOSEvent('connection.activated', { id: `conn_${crypto.randomUUID().slice(0, 8)}`, organizationId: completed.workosId });
  await page.goto(`/organizations/${completed.id}`);
  await expect(page.getByRole('region', { name: 'Setup link' }).getByTestId('link-story')).toContainText('Setup completed on');
  const completedHeight = await heightOf(page);
  report('organization page, completed setup', completedHeight);
  expect(completedHeight).toBeLessThanOrEqual(1800);
  for (const selector of ['[data-testid="organization-status"]', '[data-testid="link-story"]', '#progress-title', '[data-testid="next-action"]']) {
    expect(await topOf(page, selector), `${selector} above the fold`).toBeLessThan(DESKTOP.height);
  }
});

test('a 200-character name without spaces wraps everywhere, and every staff page fits a phone', async ({ page, login }) => {
  test.setTimeout(60_000);
  const staff = await login({ role: 'admin' });
  const name = `${'Wide'.repeat(48)}${crypto.randomUUID().slice(0, 8)}`; // 200 characters, no spaces
  const organization = await arrangeOrganization(name);
  await arrangeNotes(organization.id, staff, [`A note about ${name}`]);

  for (const viewport of [DESKTOP, PHONE]) {
    await page.setViewportSize(viewport);
    for (const path of [
      `/organizations/${organization.id}`,
      `/organizations?q=${organization.workosId}`,
      '/?owner=everyone',
      '/organizations/new',
      '/customers/new',
      '/audit',
    ]) {
      await page.goto(path);
      await expect(page.locator('main h1')).toBeVisible();
      await expectNoHorizontalScroll(page);
    }
  }

  // On the phone the header keeps the account and Sign out within reach.
  await page.goto(`/organizations/${organization.id}`);
  await expect(page.getByTestId('signed-in-as')).toBeInViewport();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeInViewport();
  await expect(page.getByRole('heading', { level: 1, name })).toBeInViewport();
  await expect(page.getByTestId('next-action')).toBeInViewport();
  await expectAccessible(page);
  for (const path of ['/', '/organizations', '/organizations/new', '/customers/new']) {
    await page.goto(path);
    await expect(page.locator('main h1')).toBeVisible();
    await expectNoHorizontalScroll(page);
    await expectAccessible(page);
  }
});

test('after a client-side navigation, focus is on the new page’s heading and its title is announced', async ({ page, login }) => {
  await login({ role: 'support' });
  const name = `Focus ${crypto.randomUUID().slice(0, 8)}`;
  const organization = await arrangeOrganization(name);
  await page.goto('/');
  await expect.poll(() => page.evaluate(() => typeof (window as { __remixRouter?: unknown }).__remixRouter)).toBe('object');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Organizations' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Organizations' })).toBeFocused();
  await expect(page.getByTestId('route-announcer')).toHaveText('Organizations · Setup Desk');
  await page.getByRole('searchbox', { name: 'Search' }).fill(organization.workosId);
  await page.getByRole('searchbox', { name: 'Search' }).press('Enter');
  // The search's navigation ends before the click: the name may already be on the unfiltered
  // first page, and a click then would abort the search mid-flight (an AbortError in the console).
  await expect(page).toHaveURL(/[?&]q=/);
  await page.getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeFocused();
  await expect(page.getByTestId('route-announcer')).toHaveText(`${name} · Setup Desk`);
  // Keyboard: Tab from the heading goes on into the page.
  await page.keyboard.press('Tab');
  await expect(page.locator('main :focus')).toHaveCount(1);
});

test('the list’s filters apply as they change, replacing the history entry; Apply is for browsers without JavaScript', async ({
  page,
  login,
  browser,
  baseURL,
}) => {
  await login({ role: 'support' });
  const suffix = crypto.randomUUID().slice(0, 8);
  const organization = await arrangeOrganization(`Filterable ${suffix}`);
  await page.goto('/');
  await page.goto('/organizations');
  await expect.poll(() => page.evaluate(() => typeof (window as { __remixRouter?: unknown }).__remixRouter)).toBe('object');
  await expect(page.getByRole('button', { name: 'Apply' })).toBeHidden();
  const historyLength = await page.evaluate(() => history.length);

  await page.getByLabel('Sort').selectOption('newest');
  await expect(page).toHaveURL(/sort=newest/);
  await page.getByLabel('Status').selectOption('archived');
  await expect(page).toHaveURL(/status=archived/);
  await expect(page.getByRole('link', { name: `Filterable ${suffix}` })).toHaveCount(0);
  await page.getByLabel('Status').selectOption('active');
  await expect(page).toHaveURL(/status=active/);
  // Typing searches once it pauses, no button needed.
  await page.getByRole('searchbox', { name: 'Search' }).fill(`Filterable ${suffix}`);
  await expect(page).toHaveURL(new RegExp(`q=Filterable\\+${suffix}`));
  await expect(page.getByRole('link', { name: `Filterable ${suffix}` })).toBeVisible();
  await expect(page.getByRole('row')).toHaveCount(2);
  // Each change replaced the entry: Back leaves the list.
  expect(await page.evaluate(() => history.length)).toBe(historyLength);
  await page.goBack();
  await expect(page).toHaveURL(new RegExp(`${baseURL}/$`));

  // Without JavaScript the Apply button is there and does the same.
  const noScript = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
  const plain = await noScript.newPage();
  await plain.goto(`${baseURL}/organizations`);
  await plain.getByLabel('Status').selectOption('active');
  await plain.getByRole('searchbox', { name: 'Search' }).fill(organization.workosId);
  await plain.getByRole('button', { name: 'Apply' }).click();
  await expect(plain).toHaveURL(/status=active/);
  await expect(plain.getByRole('link', { name: `Filterable ${suffix}` })).toBeVisible();
  await noScript.close();
});

test('the history shows its newest five, the rest of the page on demand, and older pages by ?history=', async ({ page, login }) => {
  const staff = await login({ role: 'support' });
  const organization = await arrangeOrganization(`History ${crypto.randomUUID().slice(0, 8)}`);
  await arrangeNotes(
    organization.id,
    staff,
    Array.from({ length: 30 }, (_, index) => `Note number ${index + 1}`),
  );
  await page.goto(`/organizations/${organization.id}`);
  const history = page.getByRole('region', { name: 'History' });
  await expect(history.getByTestId('audit-event').filter({ visible: true })).toHaveCount(5);
  await expect(history.getByTestId('audit-event').first()).toContainText('Note number 30');
  await history.getByText('20 more events').click();
  await expect(history.getByTestId('audit-event').filter({ visible: true })).toHaveCount(25);
  await history.getByRole('link', { name: 'Older events →' }).click();
  await expect(page).toHaveURL(/\?history=/);
  // An older page is shown whole: its oldest notes are in sight, with no "more" to open.
  await expect(history.getByTestId('more-history')).toHaveCount(0);
  await expect(history.getByText('Note: Note number 1', { exact: true })).toBeVisible();
  await history.getByRole('link', { name: '← Newest' }).click();
  await expect(history.getByTestId('audit-event').filter({ visible: true })).toHaveCount(5);
});

test('a secondary section opens by itself when its form is refused, and works from the keyboard', async ({ page, login, consoleErrors }) => {
  consoleErrors.allow(/status of 400 \(Bad Request\)/); // the refusal
  await login({ role: 'support' });
  const organization = await arrangeOrganization(`Refused ${crypto.randomUUID().slice(0, 8)}`);
  await page.goto(`/organizations/${organization.id}`);
  const edit = page.getByRole('region', { name: 'Edit details' });
  await expect(edit.getByLabel('Name')).toBeHidden();
  await edit.locator('summary').focus();
  await page.keyboard.press('Enter');
  await expect(edit.getByLabel('Name')).toBeVisible();
  await edit.getByLabel('Name').fill('');
  await edit.getByRole('button', { name: 'Save in WorkOS' }).click();
  await expect(edit.getByLabel('Name')).toHaveAttribute('aria-invalid', 'true');
  // A fresh load, with nothing refused, has it closed again.
  await page.goto(`/organizations/${organization.id}`);
  await expect(edit.getByLabel('Name')).toBeHidden();
  await expectAccessible(page);
});
