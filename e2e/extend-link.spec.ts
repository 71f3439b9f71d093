import crypto from 'node:crypto';
import { arrangeCopiedLink, arrangeOrganization, expect, expectAccessible, rememberIssuedLink, test } from './fixtures';

test('a rep extends an active link: too long is refused on its field, a week more is saved, and the IT admin’s page shows the new date', async ({
  page,
  login,
  browser,
  baseURL,
  consoleErrors,
}) => {
  consoleErrors.allow(/status of 400 \(Bad Request\)/); // the refusal
  const organization = await arrangeOrganization(`Extendo ${crypto.randomUUID().slice(0, 8)}`);
  const { url } = await arrangeCopiedLink(organization.id, ['sso']);
  rememberIssuedLink(url);
  await login({ role: 'support' });

  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  // Issued in the test process, whose PUBLIC_URL is not the server's: the same token, on the server.
  await admin.goto(`${baseURL}/setup/${url.split('/setup/')[1]}`);
  const expiryBefore = await admin.locator('time').last().getAttribute('datetime');

  await page.goto(`/organizations/${organization.id}`);
  const card = page.getByRole('region', { name: 'Setup link' });
  await card.getByText('Extend the link — more time, the same link').click();
  const form = card.getByRole('form', { name: 'Extend the link' });
  // The link lasts 7 days (the default) of at most 30 from its creation: 24 more is too many.
  await form.getByLabel('Extend by (days)').fill('24');
  await form.getByLabel('Reason').fill('IT admin on leave');
  await form.getByRole('button', { name: 'Extend link' }).click();
  await expect(form.getByText(/A link lasts at most 30 days from its creation: this one can be extended to .* at the latest\./)).toBeVisible();
  await expectAccessible(page);

  await form.getByLabel('Extend by (days)').fill('7');
  await form.getByRole('button', { name: 'Extend link' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The setup link now expires' })).toContainText('the same link keeps working');
  await expect(card.getByTestId('active-link')).toContainText('extended');

  // The same link, a week longer, on the IT admin's page.
  await admin.reload();
  const expiryAfter = await admin.locator('time').last().getAttribute('datetime');
  expect(expiryAfter).not.toBe(expiryBefore);
  const days = (Date.parse(expiryAfter!) - Date.parse(expiryBefore!)) / 86_400_000;
  expect(Math.round(days)).toBe(7);
  await adminContext.close();
});
