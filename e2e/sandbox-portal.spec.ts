import { startWebhookReceiver } from '../test/webhook-receiver';
import { e2eSandbox, expect, test } from './fixtures';

test('an SSO setup completed in the simulated Admin Portal emits connection.activated, listed and delivered as a signed webhook', async ({ page }) => {
  const { client, workos } = e2eSandbox();

  // A webhook receiver, as the app will have one.
  const secret = 'whsec_e2e_portal_secret';
  const receiver = await startWebhookReceiver();
  const { received } = receiver;
  await client.addWebhookEndpoint(receiver.url, secret);

  try {
    const organization = await workos.organizations.createOrganization({ name: `Portal E2E ${Date.now()}` });
    const { link } = await workos.adminPortal.generateLink({
      organization: organization.id,
      intent: 'sso' as never,
      returnUrl: 'https://desk.example/setup/back',
      successUrl: 'https://desk.example/setup/done',
    });

    await page.goto(link);
    await expect(page.getByRole('heading', { name: 'Set up Single Sign-On' })).toBeVisible();
    await expect(page.getByText(organization.name)).toBeVisible();
    await expect(page.getByRole('link', { name: 'Back to app' })).toHaveAttribute('href', 'https://desk.example/setup/back');
    await page.getByLabel('Identity provider').selectOption('OktaSAML');
    await page.getByRole('button', { name: 'Activate connection' }).click();
    await expect(page.getByRole('heading', { name: 'Setup complete' })).toBeVisible();
    await expect(page.getByRole('status')).toHaveText('Single Sign-On with OktaSAML is active.');
    await expect(page.getByRole('link', { name: 'Continue' })).toHaveAttribute('href', 'https://desk.example/setup/done');
    // As in WorkOS, "back" returns to the app (its return URL), not to the portal.
    await expect(page.getByRole('link', { name: 'Back to the setup page' })).toHaveAttribute('href', 'https://desk.example/setup/back');

    const events = await workos.events.listEvents({ events: ['connection.activated'], organizationId: organization.id });
    expect(events.data).toHaveLength(1);
    expect(events.data[0]).toMatchObject({ event: 'connection.activated', data: { organizationId: organization.id, type: 'OktaSAML', state: 'active' } });

    await expect.poll(() => received.filter((item) => item.body.includes('connection.activated')).length).toBe(1);
    const delivery = received.find((item) => item.body.includes('connection.activated'))!;
    const verified = await workos.webhooks.constructEvent({ payload: delivery.body, sigHeader: delivery.signature, secret });
    expect(verified).toMatchObject({ id: events.data[0]!.id, event: 'connection.activated' });
  } finally {
    await receiver.close();
  }
});

test('an expired Admin Portal link says so', async ({ page, consoleErrors }) => {
  consoleErrors.allow(/status of 410/);
  const { client, workos } = e2eSandbox();
  const organization = await workos.organizations.createOrganization({ name: `Expired E2E ${Date.now()}` });
  const { link } = await workos.adminPortal.generateLink({ organization: organization.id, intent: 'dsync' as never });
  // Expire this link only: moving the sandbox clock would expire other tests' links too.
  await client.expirePortalLink(link);
  const response = await page.goto(link);
  expect(response?.status()).toBe(410);
  await expect(page.getByRole('heading', { name: 'This link has expired' })).toBeVisible();
});
