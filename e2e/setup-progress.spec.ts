import crypto from 'node:crypto';
import { arrangeOrganization, e2eMailbox, e2eSandbox, expect, expectAccessible, rememberIssuedLink, test } from './fixtures';

const IT_ADMIN = 'it-director@progress.example';

test('an emailed SSO + Directory Sync link: SSO arrives by webhook, Directory Sync by the poller, and the link completes', async ({ page, login, browser }) => {
  test.setTimeout(90_000);
  const name = `Hooli ${crypto.randomUUID().slice(0, 8)}`;
  const organization = await arrangeOrganization(name);
  await login({ role: 'support' });

  // The rep emails a link for SSO (the default) and Directory Sync.
  await page.goto(`/organizations/${organization.id}`);
  const card = page.getByRole('region', { name: 'Setup link' });
  await card.getByLabel('IT admin’s email').fill(IT_ADMIN);
  await card.getByRole('checkbox', { name: /Directory Sync/ }).check();
  await card.getByRole('button', { name: 'Send link by email' }).click();
  await expect(page.getByRole('status').filter({ hasText: `The setup link was emailed to ${IT_ADMIN}.` })).toBeVisible();
  const progress = page.getByRole('region', { name: 'Setup progress' });
  await expect(progress.getByTestId('progress-summary')).toHaveText('0 of 2 done');
  await expect(progress.locator('[data-feature="sso"]')).toContainText('Waiting');

  let link = '';
  await expect
    .poll(async () => {
      const email = (await e2eMailbox().to(IT_ADMIN)).find((candidate) => candidate.subject.includes(name));
      link = email ? /href="([^"]+\/setup\/sdl_[^"]+)"/.exec(email.html)![1]! : '';
      return link;
    })
    .not.toBe('');
  rememberIssuedLink(link);

  // The IT admin, in their own browser: two steps to do.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await admin.goto(link);
  await expect(admin.getByText('0 of 2 done')).toBeVisible();
  await expect(admin.locator('[data-feature="sso"]')).toContainText('To do');
  await admin.getByRole('button', { name: 'Set up Single Sign-On' }).click();
  await admin.getByLabel('Identity provider').selectOption('OktaSAML');
  await admin.getByRole('button', { name: 'Activate connection' }).click();
  await expect(admin.getByRole('status')).toHaveText('Single Sign-On with OktaSAML is active.');
  await admin.getByRole('link', { name: 'Continue' }).click();
  await expect(admin.getByRole('status')).toHaveText('Thank you — Single Sign-On is set up.');
  // WorkOS's webhook lands within moments of the setup (a reload shows it once it has).
  await expect(async () => {
    await admin.reload();
    await expect(admin.locator('[data-feature="sso"]')).toContainText('Done', { timeout: 500 });
  }).toPass({ timeout: 10_000 });
  await expect(admin.locator('[data-feature="dsync"]')).toContainText('To do');
  await expect(admin.getByText('1 of 2 done')).toBeVisible();
  await expectAccessible(admin);

  // The rep's page, left open, updates by itself within seconds.
  await expect(progress.locator('[data-feature="sso"]')).toContainText('Done', { timeout: 12_000 });
  await expect(progress.locator('[data-feature="sso"]')).toContainText('OktaSAML connection active');
  await expect(progress.locator('[data-feature="sso"]')).toContainText('by webhook');
  await expect(progress.locator('[data-feature="dsync"]')).toContainText('Waiting');
  await expect(progress.getByTestId('progress-summary')).toHaveText('1 of 2 done');
  await expectAccessible(page);

  // Now WorkOS cannot reach the app for this organization: only the events poller learns what
  // happens next (other tests' webhooks go on).
  const { client } = e2eSandbox();
  await client.muteWebhooks(organization.workosId);
  try {
    await admin.getByRole('button', { name: 'Set up Directory Sync' }).click();
    await admin.getByRole('button', { name: 'Activate directory' }).click();
    await expect(admin.getByRole('status')).toContainText('Directory Sync with');
    await admin.getByRole('link', { name: 'Continue' }).click();
    await expect(admin.getByRole('status')).toHaveText('Thank you — Directory Sync is set up.');
    // Not yet reported to the app: it says what it knows.
    await expect(admin.locator('[data-feature="dsync"]')).toContainText('To do');

    // The page refreshes by itself after the IT admin's step, and still waits: no webhook came.
    // The refresh is a revalidation the page sends from now on (not one already in flight), and
    // it must come back; without one within its 5 s period, and a little, this fails.
    const refresh = await page.waitForRequest(
      (request) => request.method() === 'GET' && new URL(request.url()).pathname === `/organizations/${organization.id}.data`,
      { timeout: 12_000 },
    );
    expect((await refresh.response())?.ok()).toBe(true);
    await expect(progress.locator('[data-feature="dsync"]')).toContainText('Waiting');

    await progress.getByRole('button', { name: 'Check WorkOS now' }).click();
    await expect(page.getByRole('status').filter({ hasText: /Checked WorkOS: \d+ new setup events?\./ })).toBeVisible();
  } finally {
    await client.unmuteWebhooks(organization.workosId);
  }
  await expect(progress.locator('[data-feature="dsync"]')).toContainText('Done');
  await expect(progress.locator('[data-feature="dsync"]')).toContainText('by events poll');
  await expect(progress.getByTestId('progress-summary')).toContainText('Completed');
  await expect(page.getByRole('region', { name: 'History' })).toContainText('completed the setup link: Single Sign-On, Directory Sync done');
  // The page tells that story, not "No active link": another link waits folded away.
  const linkCard = page.getByRole('region', { name: 'Setup link' });
  await expect(linkCard.getByTestId('link-story')).toContainText(/^Setup completed on .+: WorkOS reported Single Sign-On, Directory Sync done/);
  await expect(linkCard.getByText('No active link.')).toHaveCount(0);
  await expect(linkCard.getByRole('button', { name: 'Send link by email' })).toBeHidden();
  await linkCard.getByText('Send another link', { exact: true }).click();
  await expect(linkCard.getByRole('button', { name: 'Send link by email' })).toBeVisible();

  // The IT admin's page says everything is set, and offers nothing more to launch.
  await admin.reload();
  await expect(admin.getByText('All set — thank you!')).toBeVisible();
  await expect(admin.getByRole('button')).toHaveCount(0);
  await adminContext.close();

  // The list and the home page agree.
  await page.goto(`/organizations?q=${encodeURIComponent(name)}&setup=completed`);
  await expect(page.getByRole('row', { name: new RegExp(name) })).toContainText('Completed');
  await page.goto('/?owner=everyone');
  await expect(page.getByRole('region', { name: /Completed in the last 7 days/ })).toContainText(name);
});
