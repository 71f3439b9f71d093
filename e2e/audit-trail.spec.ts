import crypto from 'node:crypto';
import { arrangeNotes, arrangeOrganization, expect, expectAccessible, rememberIssuedLink, test } from './fixtures';

test('a rep pastes a copied setup link into a note: the history keeps a marker, and the rep is told', async ({ page, login }) => {
  const organization = await arrangeOrganization(`Soylent ${crypto.randomUUID().slice(0, 8)}`);
  await login({ role: 'support' });
  await page.goto(`/organizations/${organization.id}`);
  await page.getByRole('radio', { name: /Copy link/ }).check();
  await page.getByRole('button', { name: 'Create link to copy' }).click();
  const url = (await page.getByTestId('one-time-secret').textContent())!.trim();
  rememberIssuedLink(url);

  const noteForm = page.getByRole('form', { name: 'Add a note' });
  await noteForm.getByLabel('Add a note').fill(`Sent to Pat on Slack:\n${url}\nThey will do it Monday.`);
  await noteForm.getByRole('button', { name: 'Add note' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Note added.' })).toContainText(
    'Your note held a setup link: it was saved with “[setup link removed]” in its place, as link values are never stored.',
  );
  const history = page.getByRole('region', { name: 'History' });
  const note = history.getByTestId('audit-event').first();
  await expect(note).toContainText('added a note');
  await expect(note).toContainText('Note: Sent to Pat on Slack:\n[setup link removed]\nThey will do it Monday.', { useInnerText: true });
  await expect(history).not.toContainText(url.split('/setup/')[1]!);
  // The note box is empty again: a second click cannot file the same note twice.
  await expect(noteForm.getByLabel('Add a note')).toHaveValue('');
  // The link itself is still on screen for the rep (shown once stays until dismissed)…
  await expect(page.getByTestId('one-time-secret')).toHaveText(url);
  // …and gone after a reload.
  await page.reload();
  await expect(page.getByTestId('one-time-secret')).toHaveCount(0);
  expect(await page.content()).not.toContain(url.split('/setup/')[1]!);
  await expectAccessible(page);
});

test('hostile names and notes render as text on every page that shows them', async ({ page, login }) => {
  let dialogs = 0;
  page.on('dialog', async (dialog) => {
    dialogs += 1;
    await dialog.dismiss();
  });
  const name = `<img src=x onerror=alert(1)> ${crypto.randomUUID().slice(0, 6)}`;
  const organization = await arrangeOrganization(name);
  await login({ role: 'support' });

  await page.goto(`/organizations/${organization.id}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
  const payload = '"><script>alert(2)</script><svg onload=alert(3)>';
  await page.getByRole('form', { name: 'Add a note' }).getByLabel('Add a note').fill(payload);
  await page.getByRole('button', { name: 'Add note' }).click();
  await expect(page.getByRole('region', { name: 'History' }).getByTestId('audit-event').first()).toContainText(`Note: ${payload}`);

  await page.goto(`/organizations?q=${encodeURIComponent('onerror')}`);
  await expect(page.getByRole('link', { name })).toBeVisible();

  await page.goto('/audit');
  await expect(page.getByTestId('audit-event').filter({ hasText: payload }).first()).toContainText(name);
  expect(dialogs).toBe(0);
});

test('the audit log: filter by organization and action, page through, and an admin exports what they see', async ({ page, login }) => {
  const name = `Hooli ${crypto.randomUUID().slice(0, 8)}`;
  const organization = await arrangeOrganization(name);
  const admin = await login({ role: 'admin' });
  // 55 notes: more than one page of 50. The last one through the form, the others arranged.
  await arrangeNotes(
    organization.id,
    admin,
    Array.from({ length: 54 }, (_, index) => `Note number ${index + 1}`),
  );
  await page.goto(`/organizations/${organization.id}`);
  await page.getByRole('form', { name: 'Add a note' }).getByLabel('Add a note').fill('Note number 55');
  await page.getByRole('button', { name: 'Add note' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Note added.' })).toBeVisible();

  await page.getByRole('link', { name: 'Open in the audit log' }).click();
  await expect(page).toHaveURL(new RegExp(`/audit\\?organization=${organization.id}$`));
  await page.getByLabel('Action').selectOption('organization.noted');
  await page.getByLabel('Who').selectOption({ label: admin.name });
  await page.getByRole('button', { name: 'Filter' }).click();
  const events = page.getByTestId('audit-event');
  await expect(events).toHaveCount(50);
  await expect(events.first()).toContainText('Note: Note number 55');
  await expectAccessible(page);
  await page.getByRole('link', { name: 'Older events →' }).click();
  await expect(events).toHaveCount(5);
  await expect(events.last()).toContainText('Note: Note number 1');
  await expect(page.getByRole('link', { name: 'Older events →' })).toHaveCount(0);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  expect(download.suggestedFilename()).toBe(`audit-log_org-${organization.id}_actor-staff-${admin.id}_action-organization.noted.csv`);
  const csv = await (await download.createReadStream()).toArray();
  const lines = Buffer.concat(csv).toString('utf8').trimEnd().split('\n');
  expect(lines).toHaveLength(56); // the header and 55 notes
  expect(lines[1]).toContain('Note number 55');

  // A bad date is named, and nothing is hidden silently.
  await page.goto('/audit?to=2026-02-30');
  await expect(page.getByText('Enter a real date.')).toBeVisible();
});
