import crypto from 'node:crypto';
import { formatExpiry } from '~/emails/setup-link';
import { arrangeOrganization, e2eMailbox, expect, expectAccessible, rememberIssuedLink, test, type CaughtEmail } from './fixtures';

// One test here turns the mail server off: the tests that send mail run one after another.
test.describe.configure({ mode: 'serial' });

const IT_ADMIN = 'it-admin@customer.example';

/** The emails about one organization (its name is unique to the test), once they have arrived. */
async function emailsAbout(organizationName: string, count: number): Promise<CaughtEmail[]> {
  const mailbox = e2eMailbox();
  let found: CaughtEmail[] = [];
  await expect
    .poll(async () => {
      found = (await mailbox.to(IT_ADMIN)).filter((email) => email.subject.includes(organizationName));
      return found.length;
    })
    .toBe(count);
  return found;
}

test('a rep emails a link for Domain Verification + SSO; the IT admin follows it from the email and verifies a domain', async ({
  page,
  login,
  browser,
  baseURL,
}) => {
  const name = `Globex ${crypto.randomUUID().slice(0, 8)}`;
  const organization = await arrangeOrganization(name);
  const rep = await login({ role: 'support', name: `Rita Rep ${crypto.randomUUID().slice(0, 4)}` });

  await page.goto(`/organizations/${organization.id}`);
  const card = page.getByRole('region', { name: 'Setup link' });
  await expect(card.getByRole('radio', { name: /Send by email/ })).toBeChecked();
  await card.getByLabel('IT admin’s email').fill(IT_ADMIN);
  await card.getByLabel('IT admin’s name (optional)').fill('Pat Admin');
  await card.getByLabel('Personal message (optional)').fill('Hi Pat, as agreed on our call: two short steps.');
  await card.getByRole('checkbox', { name: /Domain Verification/ }).check();
  await expect(card.getByRole('checkbox', { name: /Single Sign-On/ })).toBeChecked();
  await expectAccessible(page);

  // The preview opens in a new tab, with a placeholder where the link will be.
  const [preview] = await Promise.all([page.waitForEvent('popup'), card.getByRole('button', { name: /Preview email/ }).click()]);
  await expect(preview.getByText('Preview — not sent.')).toBeVisible();
  await expect(preview.locator('[data-preview-header="Subject"]')).toHaveText(`Set up Single Sign-On and Domain Verification for ${name}`);
  await expect(preview.locator('[data-preview-header="To"]')).toHaveText(`Pat Admin <${IT_ADMIN}>`);
  await expect(preview.getByRole('link', { name: 'Start setup' })).toHaveAttribute('href', `${baseURL}/setup/preview-placeholder`);
  await preview.close();
  expect(
    await e2eMailbox()
      .to(IT_ADMIN)
      .then((emails) => emails.filter((email) => email.subject.includes(name))),
  ).toHaveLength(0);

  await card.getByRole('button', { name: 'Send link by email' }).click();
  await expect(page.getByRole('status').filter({ hasText: `The setup link was emailed to ${IT_ADMIN}.` })).toBeVisible();
  await expect(page.getByTestId('active-link')).toContainText(`Emailed to Pat Admin <${IT_ADMIN}>, accepted by the mail server`);
  await expect(page.getByTestId('one-time-secret')).toHaveCount(0);
  expect(await page.content()).not.toMatch(/sdl_/);
  const sentAt = Date.now();

  // The email, read from the catcher as the IT admin's mail client would get it.
  const [email] = await emailsAbout(name, 1);
  expect(email!.subject).toBe(`Set up Single Sign-On and Domain Verification for ${name}`);
  expect(email!.from).toEqual([{ address: 'onboarding@acme.example', name: 'Acme Onboarding' }]);
  expect(email!.to).toEqual([{ address: IT_ADMIN, name: 'Pat Admin' }]);
  expect(email!.text).toContain(`${rep.name} at Acme Analytics invites you to set up Single Sign-On and Domain Verification for ${name}.`);
  expect(email!.text).toContain('- Single Sign-On: Connect the company’s identity provider');
  expect(email!.text).toContain('- Domain Verification: Prove the company owns its email domains.');
  expect(email!.text).toContain('> Hi Pat, as agreed on our call: two short steps.');
  expect(email!.text).toContain('Please do not forward it.');
  expect(email!.text).toContain('Write to support@acme.example.');
  // Seven days from the send, to the minute, with the zone named.
  const expiry = /This link expires on (.+ UTC)\./.exec(email!.text)![1]!;
  const expected = [0, -1, 1].map((minutes) => formatExpiry(new Date(sentAt + 7 * 86_400_000 + minutes * 60_000).toISOString()));
  expect(expected).toContain(expiry);
  const link = /href="([^"]+\/setup\/sdl_[^"]+)"/.exec(email!.html)![1]!;
  rememberIssuedLink(link);
  expect(email!.text).toContain(link);
  expect(email!.html).not.toMatch(/<img|src=/i);

  // The IT admin, in a browser of their own, clicks the button in the email.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await admin.goto(link);
  await expect(admin.getByRole('heading', { level: 1, name: `Set up ${name}` })).toBeVisible();
  await admin.getByRole('button', { name: 'Set up Domain Verification' }).click();

  // WorkOS's Admin Portal (the sandbox's simulation): add a domain and verify it.
  await expect(admin.getByRole('heading', { name: 'Set up Domain Verification' })).toBeVisible();
  const domain = `${name.toLowerCase().replace(/\s+/g, '-')}.example`;
  await admin.getByLabel('Add and verify another domain').fill(domain);
  await admin.getByRole('button', { name: 'Add and verify' }).click();
  await expect(admin.getByRole('status')).toHaveText(`${domain} is verified.`);
  await admin.getByRole('link', { name: 'Continue' }).click();
  await expect(admin.getByRole('status')).toHaveText('Thank you — Domain Verification is set up.');
  await adminContext.close();

  // The rep sees the delivery and the launch in the history.
  await page.reload();
  await expect(page.getByTestId('active-link')).toContainText('Domain Verification ×1');
  const history = page.getByRole('region', { name: 'History' });
  await expect(history).toContainText(`emailed the setup link to ${IT_ADMIN}`);
  await expect(history).toContainText('started Domain Verification setup in WorkOS');
});

test('with the mail server down, no link is left active and the rep is told; once it is back, a second try sends', async ({ page, login, consoleErrors }) => {
  // The failed send answers 502 (the mail server, upstream, failed): the browser logs it.
  consoleErrors.allow(/status of 502/);
  const name = `Initrode ${crypto.randomUUID().slice(0, 8)}`;
  const organization = await arrangeOrganization(name);
  await login({ role: 'support' });
  const mailbox = e2eMailbox();

  await page.goto(`/organizations/${organization.id}`);
  const card = page.getByRole('region', { name: 'Setup link' });
  await card.getByLabel('IT admin’s email').fill(IT_ADMIN);
  await card.getByRole('checkbox', { name: /Directory Sync/ }).check();

  await mailbox.turnOff();
  try {
    await card.getByRole('button', { name: 'Send link by email' }).click();
    await expect(page.getByRole('alert')).toHaveText(
      'The email could not be sent: the mail server could not be reached. No link is active. Try again or use Copy link.',
    );
  } finally {
    await mailbox.turnOn();
  }
  await expect(page.getByTestId('active-link')).toHaveCount(0);
  await expect(card.getByText('No active link.')).toBeVisible();
  await expect(page.getByRole('region', { name: 'History' })).toContainText(`could not email the setup link to ${IT_ADMIN} (ESOCKET); it is not active`);
  // Nothing typed is lost: the form holds the attempt.
  await expect(card.getByLabel('IT admin’s email')).toHaveValue(IT_ADMIN);
  await expect(card.getByRole('checkbox', { name: /Directory Sync/ })).toBeChecked();
  expect(await mailbox.to(IT_ADMIN).then((emails) => emails.filter((email) => email.subject.includes(name)))).toHaveLength(0);

  await card.getByRole('button', { name: 'Send link by email' }).click();
  await expect(page.getByRole('status').filter({ hasText: `The setup link was emailed to ${IT_ADMIN}.` })).toBeVisible();
  await expect(page.getByTestId('active-link')).toContainText('Single Sign-On, Directory Sync');
  const [email] = await emailsAbout(name, 1);
  rememberIssuedLink(/\bhttps?:\/\/\S+\/setup\/sdl_[A-Za-z0-9_-]{43}/.exec(email!.text)![0]);
});

test('resend emails a fresh link to the same person and the old one stops working', async ({ page, login, browser }) => {
  const name = `Umbrella ${crypto.randomUUID().slice(0, 8)}`;
  const organization = await arrangeOrganization(name);
  await login({ role: 'support' });

  await page.goto(`/organizations/${organization.id}`);
  const card = page.getByRole('region', { name: 'Setup link' });
  await card.getByLabel('IT admin’s email').fill(IT_ADMIN);
  await card.getByRole('button', { name: 'Send link by email' }).click();
  await expect(page.getByTestId('active-link')).toBeVisible();
  const [first] = await emailsAbout(name, 1);
  const firstLink = /\bhttps?:\/\/\S+\/setup\/sdl_[A-Za-z0-9_-]{43}/.exec(first!.text)![0];
  rememberIssuedLink(firstLink);

  const resend = page.getByRole('form', { name: 'Resend the email' });
  await resend.getByLabel('Reason').fill('They cannot find the email');
  await resend.getByRole('button', { name: 'Resend email' }).click();
  await resend.getByRole('button', { name: 'Click again to resend' }).click();
  await expect(page.getByRole('status').filter({ hasText: `The setup link was emailed to ${IT_ADMIN}.` })).toBeVisible();

  const [, second] = await emailsAbout(name, 2);
  const secondLink = /\bhttps?:\/\/\S+\/setup\/sdl_[A-Za-z0-9_-]{43}/.exec(second!.text)![0];
  rememberIssuedLink(secondLink);
  expect(secondLink).not.toBe(firstLink);
  await expect(page.getByRole('region', { name: 'History' })).toContainText('They cannot find the email');

  const admin = await browser.newPage();
  expect((await admin.goto(firstLink))?.status()).toBe(404);
  expect((await admin.goto(secondLink))?.status()).toBe(200);
  await admin.close();
});
