import crypto from 'node:crypto';
import type { Page } from '@playwright/test';
import { arrangeCopiedLink, arrangeNotes, arrangeOrganization, arrangeWorkOSEvent, expect, expectAccessible, rememberIssuedLink, test } from './fixtures';

const DESKTOP = { width: 1366, height: 900 };

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
