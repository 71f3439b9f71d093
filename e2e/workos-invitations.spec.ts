import crypto from 'node:crypto';
import type { Page } from '@playwright/test';
import { arrangeOrganization, e2eMailbox, e2eSandbox, expect, expectAccessible, rememberWorkOSInvitationLink, test } from './fixtures';

/** An IT-contact invitation as the sandbox's test controls list it (`GET /__sandbox/it-invitations`). */
interface SandboxInvitation {
  id: string;
  intents: string[];
  contact_email: string | null;
  status: 'active' | 'revoked' | 'expired' | 'completed';
  completed_intents: string[];
}

/** WorkOS's invitations for one organization (the sandbox waits for any email under way first). */
async function invitationsOf(workosId: string): Promise<SandboxInvitation[]> {
  const response = await fetch(`${e2eSandbox().url}/__sandbox/it-invitations?organization_id=${encodeURIComponent(workosId)}`);
  expect(response.ok).toBe(true);
  return (await response.json()) as SandboxInvitation[];
}

/** The invite calls WorkOS answered for one organization, whatever their outcome. */
async function inviteCallsFor(workosId: string): Promise<number> {
  const requests = await e2eSandbox().client.requests();
  return requests.filter(
    (request) => request.method === 'POST' && request.path.startsWith(`/organizations/${workosId}/it_contacts/`) && request.path.endsWith('/invite'),
  ).length;
}

test('WorkOS sends the invitation: refused for Audit Logs, sent for SSO + Directory Sync, SSO completed in the portal, a second link refused, revoked at WorkOS', async ({
  page,
  login,
  browser,
  consoleErrors,
}) => {
  test.setTimeout(60_000);
  const suffix = crypto.randomUUID().slice(0, 8);
  const name = `Initech ${suffix}`;
  const itAdmin = `it-admin-${suffix}@initech.example`;
  const organization = await arrangeOrganization(name);
  const rep = await login({ role: 'support' });
  const mailbox = e2eMailbox();

  await page.goto(`/organizations/${organization.id}`);
  const card = page.getByRole('region', { name: 'Setup link' });
  const delivery = card.getByRole('group', { name: 'How does the link reach the IT admin?' });
  const features = card.getByRole('group', { name: 'What may the IT admin set up?' });

  // (2) Audit Logs cannot travel in WorkOS's invitation: refused on the features, nothing created.
  consoleErrors.allow(/status of 400 \(Bad Request\)/); // the refusal
  await delivery.getByRole('radio', { name: /WorkOS sends it/ }).check();
  await expect(card.getByRole('note')).toContainText('WorkOS emails its own invitation');
  await expect(card.getByLabel('Personal message (optional)')).toBeHidden();
  await card.getByLabel('IT admin’s email').fill(itAdmin);
  await expect(features.getByRole('checkbox', { name: /Single Sign-On/ })).toBeChecked();
  await features.getByRole('checkbox', { name: /Audit Logs/ }).check();
  await card.getByRole('button', { name: 'Have WorkOS send it' }).click();
  await expect(features).toHaveAccessibleDescription(/^WorkOS can send an invitation for .+ only: untick Audit Logs, or send the link by email\.$/);
  await expect(features.getByText(/^WorkOS can send an invitation for/)).toBeVisible();
  await expect(card.getByTestId('active-link')).toHaveCount(0);
  await expect(card.getByText('No active link.')).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'WorkOS is emailing' })).toHaveCount(0);
  expect(await invitationsOf(organization.workosId)).toEqual([]);
  expect(await inviteCallsFor(organization.workosId)).toBe(0);
  await expectAccessible(page);

  // Tabs opened now, while no link is active, keep showing the create form: for (7).
  const staleTabs: { kind: string; tab: Page }[] = [];
  for (const kind of ['WorkOS sends it', 'Send by email', 'Copy link']) {
    const tab = await page.context().newPage();
    await tab.goto(`/organizations/${organization.id}`);
    await expect(tab.getByRole('button', { name: 'Send link by email' })).toBeVisible();
    staleTabs.push({ kind, tab });
  }

  // (1) SSO + Directory Sync: WorkOS sends it.
  await expect(delivery.getByRole('radio', { name: /WorkOS sends it/ })).toBeChecked();
  await expect(card.getByLabel('IT admin’s email')).toHaveValue(itAdmin);
  await features.getByRole('checkbox', { name: /Audit Logs/ }).uncheck();
  await features.getByRole('checkbox', { name: /Directory Sync/ }).check();
  await card.getByRole('button', { name: 'Have WorkOS send it' }).click();
  await expect(page.getByRole('status').filter({ hasText: `WorkOS is emailing its invitation to ${itAdmin} (from WorkOS, not from us).` })).toBeVisible();
  const activeLink = card.getByTestId('active-link');
  await expect(activeLink).toContainText(`Sent by WorkOS to ${itAdmin}, in WorkOS’s own invitation email`);
  await expect(activeLink).toContainText('Single Sign-On, Directory Sync');
  const progress = page.getByRole('region', { name: 'Setup progress' });
  await expect(progress.getByTestId('progress-summary')).toHaveText('0 of 2 done');
  await expect(progress.locator('[data-feature="sso"]')).toContainText('Waiting');
  await expectAccessible(page);

  // (3) WorkOS's email, from WorkOS, to the IT admin, with its invitation link.
  let invitationLink = '';
  await expect
    .poll(async () => {
      const email = (await mailbox.to(itAdmin)).find((candidate) => candidate.subject.includes(name));
      if (!email) return '';
      expect(email.from.map((sender) => sender.address).join(' ')).toContain('workos');
      expect(email.subject).toBe(`Set up Single Sign-On and Directory Sync for ${name}`);
      invitationLink = /href="([^"]+\/invitation\?token=[^"]+)"/.exec(email.html)?.[1] ?? '';
      return invitationLink;
    })
    .toMatch(new RegExp(`^${e2eSandbox().url}/invitation\\?token=[A-Za-z0-9_-]+$`));
  rememberWorkOSInvitationLink(invitationLink);
  expect(await mailbox.to(itAdmin)).toHaveLength(1);

  // (7) While it is active, a second link of any kind is refused: each stale tab still shows the
  // create form from before, and submits it as a rep would.
  for (const { kind, tab } of staleTabs) {
    const staleCard = tab.getByRole('region', { name: 'Setup link' });
    await staleCard.getByRole('radio', { name: new RegExp(kind) }).check();
    if (kind !== 'Copy link') await staleCard.getByLabel('IT admin’s email').fill(`other-${suffix}@initech.example`);
    const submit = { 'WorkOS sends it': 'Have WorkOS send it', 'Send by email': 'Send link by email', 'Copy link': 'Create link to copy' }[kind]!;
    await staleCard.getByRole('button', { name: submit }).click();
    await expect(tab.getByRole('alert'), `a second link (${kind}) is refused`).toHaveText(
      new RegExp(`^This organization already has an active link \\(created by ${rep.name}, expires .+ UTC\\) — revoke or recreate it\\.$`),
    );
    await expect(tab.getByTestId('one-time-secret')).toHaveCount(0);
    await tab.close();
  }
  // Exactly one link: WorkOS was asked once, holds one active invitation, sent one email; nobody else got one.
  expect(await inviteCallsFor(organization.workosId)).toBe(1);
  const [invitation, ...others] = await invitationsOf(organization.workosId);
  expect(others).toEqual([]);
  expect(invitation).toMatchObject({ status: 'active', contact_email: itAdmin, intents: ['sso', 'directory_sync'] });
  expect(await mailbox.to(`other-${suffix}@initech.example`)).toEqual([]);
  await expect(activeLink).toContainText(`Sent by WorkOS to ${itAdmin}`);

  // (4) The IT admin, in their own browser, opens WorkOS's invitation and sets up SSO.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  const opened = await admin.goto(invitationLink);
  expect(opened?.status()).toBe(200);
  await expect(admin.getByRole('heading', { level: 1, name: `Set up ${name}` })).toBeVisible();
  await expect(admin.getByRole('button', { name: 'Set up Directory Sync' })).toBeVisible();
  await admin.getByRole('button', { name: 'Set up Single Sign-On' }).click();
  await admin.getByLabel('Identity provider').selectOption('OktaSAML');
  await admin.getByRole('button', { name: 'Activate connection' }).click();
  await expect(admin.getByRole('status')).toHaveText('Single Sign-On with OktaSAML is active.');
  await admin.getByRole('link', { name: 'Continue' }).click();
  await expect(admin.getByRole('heading', { level: 1, name: `Set up ${name}` })).toBeVisible();

  // (5) The rep's page, left open, shows SSO done by itself (webhook, then its 5 s refresh).
  await expect(progress.locator('[data-feature="sso"]')).toContainText('Done', { timeout: 15_000 });
  await expect(progress.locator('[data-feature="sso"]')).toContainText('OktaSAML connection active');
  await expect(progress.locator('[data-feature="dsync"]')).toContainText('Waiting');
  await expect(progress.getByTestId('progress-summary')).toHaveText('1 of 2 done');

  // (6) The rep revokes it (a reason is required); WorkOS ends its invitation.
  const revoke = page.getByRole('form', { name: 'Revoke the link' });
  await revoke.getByRole('button', { name: 'Revoke link' }).click();
  await revoke.getByRole('button', { name: 'Click again to revoke' }).click();
  // Without a reason the browser does not send it: the link stays active, here and at WorkOS.
  expect(await revoke.getByLabel('Reason').evaluate((input: HTMLInputElement) => input.validity.valueMissing)).toBe(true);
  await expect(revoke.getByLabel('Reason')).toBeFocused();
  await expect(activeLink).toBeVisible();
  expect((await invitationsOf(organization.workosId))[0]?.status).toBe('active');
  await revoke.getByLabel('Reason').fill('The customer named another IT admin');
  await revoke.getByRole('button', { name: 'Revoke link' }).click();
  await revoke.getByRole('button', { name: 'Click again to revoke' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'The setup link is revoked. WorkOS ended its invitation: its link shows WorkOS’s expired page.' }),
  ).toBeVisible();
  await expect(card.getByTestId('active-link')).toHaveCount(0);
  expect((await invitationsOf(organization.workosId)).map((candidate) => candidate.status)).toEqual(['revoked']);

  // The IT admin's invitation link now shows the portal's expired page.
  const expired = await admin.goto(invitationLink);
  expect(expired?.status()).toBe(410);
  await expect(admin.getByRole('heading', { level: 1, name: 'This link has expired' })).toBeVisible();
  await expect(admin.getByRole('button')).toHaveCount(0);
  await adminContext.close();
});
