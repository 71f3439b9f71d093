import { expect, expectAccessible, test } from './fixtures';

test('the home page renders the shell with landmarks, hydrates under the CSP, and is accessible', async ({ page, login }) => {
  const viewer = await login({ role: 'viewer' });
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('banner')).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('main')).toBeVisible();
  await expect(page.getByRole('contentinfo')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();
  // A viewer owns no customers: the list starts with everyone's.
  await expect(page.getByRole('heading', { name: 'Needs attention', exact: true })).toBeVisible();
  await expect(page.getByLabel('CS owner')).toHaveValue('everyone');
  await page.goto(`/?owner=${viewer.id}`);
  await expect(page.getByRole('heading', { name: 'Nothing needs attention' })).toBeVisible();
  // Hydration ran: Remix's client router only exists if the nonce'd scripts were allowed to run.
  await expect.poll(() => page.evaluate(() => typeof (window as { __remixRouter?: unknown }).__remixRouter)).toBe('object');
  await expectAccessible(page);
});

test('keyboard users can skip straight to the content', async ({ page }) => {
  await page.goto('/login');
  await page.keyboard.press('Tab');
  const skipLink = page.getByRole('link', { name: 'Skip to content' });
  await expect(skipLink).toBeFocused();
  await expect(skipLink).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#main$/);
});

test('an unknown page answers 404 with a friendly page and a way home', async ({ page, login, consoleErrors }) => {
  consoleErrors.allow(/status of 404 \(Not Found\)/);
  await login({ role: 'viewer' });
  const response = await page.goto('/customers/does-not-exist');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  await expect(page.getByText('Error 404')).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: 'Back to the home page' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();
  await expect(page).toHaveURL(/\/$/);
});

test('a cross-site form post is refused by the server', async ({ page, baseURL, consoleErrors }) => {
  consoleErrors.allow(/status of 403 \(Forbidden\)/);
  // A page on another origin auto-submits a form to the app, as a CSRF attack would.
  await page.route('https://attacker.example/', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<form method="post" action="${baseURL}/csp-report"><input name="x" value="1"></form>
             <script>document.forms[0].submit()</script>`,
    }),
  );
  const refused = page.waitForResponse((response) => response.url() === `${baseURL}/csp-report`);
  await page.goto('https://attacker.example/');
  expect((await refused).status()).toBe(403);
});
