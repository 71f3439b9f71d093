import crypto from 'node:crypto';
import { arrangeOrganization, e2eSandbox, expect, test } from './fixtures';

test('the IT admin verifies a domain in the Admin Portal; the rep renames the organization; the domain is still verified, in WorkOS and on the page', async ({
  page,
  login,
  browser,
}) => {
  const suffix = crypto.randomUUID().slice(0, 8);
  const domain = `verified-${suffix}.example`;
  const organization = await arrangeOrganization(`Pendant ${suffix}`, { domains: [domain] });
  const { workos, client } = e2eSandbox();
  await login({ role: 'support' });
  await page.goto(`/organizations/${organization.id}`);
  await expect(page.getByRole('region', { name: 'Domains' }).getByText(domain)).toBeVisible();

  // The IT admin verifies it in WorkOS's portal while the app hears nothing (no webhook).
  await client.muteWebhooks(organization.workosId);
  try {
    const { link } = await workos.adminPortal.generateLink({ organization: organization.workosId, intent: 'domain_verification' as never });
    const adminContext = await browser.newContext();
    const admin = await adminContext.newPage();
    await admin.goto(link);
    await admin.getByRole('button', { name: `Verify ${domain}` }).click();
    await expect(admin.getByRole('status')).toContainText(domain);
    await adminContext.close();

    // The rep, on the page loaded before, renames the organization.
    const edit = page.getByRole('region', { name: 'Edit details' });
    await edit.getByRole('heading', { name: 'Edit details' }).click(); // a secondary section: it opens on demand
    await edit.getByLabel('Name').fill(`Pendant Renamed ${suffix}`);
    await edit.getByRole('button', { name: 'Save in WorkOS' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Saved in WorkOS.' })).toBeVisible();
  } finally {
    await client.unmuteWebhooks(organization.workosId);
  }
  const inWorkOS = await workos.organizations.getOrganization(organization.workosId);
  expect(inWorkOS.name).toBe(`Pendant Renamed ${suffix}`);
  expect(inWorkOS.domains.map((item) => [item.domain, item.state])).toEqual([[domain, 'verified']]);
  await expect(page.getByRole('region', { name: 'Domains' }).getByRole('listitem').filter({ hasText: domain })).toContainText('verified');
});
