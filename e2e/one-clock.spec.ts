import crypto from 'node:crypto';
import type { Page } from '@playwright/test';
import { formatDateTime } from '~/utils/format';
import { arrangeNotes, arrangeOrganization, createStaffMember, expect, expectAccessible, rememberIssuedLink, test, type TestStaff } from './fixtures';

/** Signs in through the form once the page has read the browser's zone into it (decision 020). */
async function signInThroughForm(page: Page, member: TestStaff, browserZone: string | null) {
  await page.goto('/login');
  if (browserZone) await expect(page.locator('input[name="timeZone"]')).toHaveValue(browserZone);
  await page.getByLabel('Email').fill(member.email);
  await page.getByLabel('Password').fill(member.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();
}

/** An organization with a note, and an active link created through its page (so its card shows every time it has). */
async function organizationWithActiveLink(page: Page, author: TestStaff): Promise<number> {
  const organization = await arrangeOrganization(`Clockwork ${crypto.randomUUID().slice(0, 8)}`);
  await arrangeNotes(organization.id, author, ['Kick-off call booked']);
  await page.goto(`/organizations/${organization.id}`);
  const card = page.getByRole('region', { name: 'Setup link' });
  await card.getByRole('radio', { name: /Copy link/ }).check();
  await card.getByRole('button', { name: 'Create link to copy' }).click();
  const secret = page.getByTestId('one-time-secret');
  await expect(secret).toBeVisible();
  rememberIssuedLink((await secret.textContent())!.trim());
  return organization.id;
}

/** Every <time> in the page's main region: its text, its hover title and its machine-readable moment. */
async function timesOn(page: Page) {
  return page
    .locator('main time')
    .evaluateAll((elements) =>
      elements.map((element) => ({ text: element.textContent ?? '', title: element.getAttribute('title'), iso: element.getAttribute('datetime') })),
    );
}

const ENGLISH_DATE_TIME = /^\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}, \d{2}:\d{2} /;

test.describe('a staff member in Los Angeles', () => {
  test.use({ timezoneId: 'America/Los_Angeles' });

  test('gets their browser’s zone at first sign-in and sees every time on the organization page in Pacific time, UTC only on hover', async ({ page }) => {
    const member = await createStaffMember('support');
    await signInThroughForm(page, member, 'America/Los_Angeles');
    const id = await organizationWithActiveLink(page, member);
    // The shown-once notice's "Valid until", then the card after a reload: created, expires.
    await expect(page.locator('main')).toContainText(/Valid until \d{1,2} \w{3} \d{4}, \d{2}:\d{2} P[SD]T\./);
    await page.goto(`/organizations/${id}`);
    await expect(page.getByTestId('active-link')).toBeVisible();

    const times = await timesOn(page);
    // The organization's creation, the link's creation and expiry, the history's events.
    expect(times.length).toBeGreaterThanOrEqual(4);
    for (const time of times) {
      expect(time.text).toMatch(new RegExp(`${ENGLISH_DATE_TIME.source}P[SD]T$`));
      expect(time.text).toBe(formatDateTime(time.iso!, 'America/Los_Angeles'));
      expect(time.title).toBe(`${time.iso!.slice(0, 19).replace('T', ' ')} UTC`);
    }
    // No "UTC" anywhere a person reads (hover titles are not text), and no other zone.
    const text = await page.locator('body').innerText();
    expect(text).not.toContain('UTC');
    expect(text).not.toMatch(/\bGMT\b/);
    expect(text).toMatch(/Expires\s+\d{1,2} \w{3} \d{4}, \d{2}:\d{2} P[SD]T \(in \d+ days\)/);
    await expectAccessible(page);
  });

  test('chooses another zone on the account page; a value that is not a zone is refused on its field', async ({ page, consoleErrors }) => {
    consoleErrors.allow(/status of 400 \(Bad Request\)/);
    const member = await createStaffMember('viewer');
    await signInThroughForm(page, member, 'America/Los_Angeles');
    await page.goto('/account');
    const zone = page.getByLabel('Your time zone');
    await expect(zone).toHaveValue('America/Los_Angeles');
    await expect(page.getByRole('region', { name: 'Time zone' })).toContainText(/now: .+ P[SD]T/);
    await expectAccessible(page);

    // A forged value (the list offers none): the field says what is wrong.
    await zone.evaluate((select: HTMLSelectElement) => select.add(new Option('Mars', 'Mars/Olympus_Mons')));
    await zone.selectOption('Mars/Olympus_Mons');
    await page.getByRole('button', { name: 'Save time zone' }).click();
    await expect(page.getByText('That is not a time zone. Choose one from the list, like Europe/London or America/Los_Angeles.')).toBeVisible();
    await expect(zone).toHaveAttribute('aria-invalid', 'true');

    await zone.selectOption('Asia/Tokyo');
    await page.getByRole('button', { name: 'Save time zone' }).click();
    await expect(page.getByText('Times are now shown in Asia/Tokyo.')).toBeVisible();
    await expect(page.getByLabel('Your time zone')).toHaveValue('Asia/Tokyo');
    await expect(page.getByRole('region', { name: 'Time zone' })).toContainText(/now: .+ GMT\+9/);
  });
});

test.describe('a German browser', () => {
  test.use({ locale: 'de-DE', timezoneId: 'Europe/Berlin' });

  test('still reads English month names, in its own zone, with no hydration mismatch', async ({ page }) => {
    const member = await createStaffMember('support');
    await signInThroughForm(page, member, 'Europe/Berlin');
    const id = await organizationWithActiveLink(page, member);
    await page.goto(`/organizations/${id}`);
    await expect(page.getByTestId('active-link')).toBeVisible();
    const times = await timesOn(page);
    expect(times.length).toBeGreaterThanOrEqual(4);
    for (const time of times) expect(time.text).toMatch(new RegExp(`${ENGLISH_DATE_TIME.source}CES?T$`));
    const text = await page.locator('main').innerText();
    expect(text).not.toMatch(/\b(Jan\.|Feb\.|März|Mai|Juni|Juli|Okt\.|Dez\.|Uhr|MEZ|MESZ|vor \d|in \d+ Tagen)/);
    expect(text).toMatch(/\(in \d+ days\)/);
  });
});

test.describe('a browser without JavaScript', () => {
  test.use({ javaScriptEnabled: false, timezoneId: 'America/Los_Angeles' });

  test('signs in with UTC, which the account page names', async ({ page }) => {
    const member = await createStaffMember('viewer');
    await signInThroughForm(page, member, null);
    await page.goto('/account');
    await expect(page.getByLabel('Your time zone')).toHaveValue('UTC');
    await expect(page.getByRole('region', { name: 'Time zone' })).toContainText(/now: .+ UTC/);
  });
});
