import AxeBuilder from '@axe-core/playwright';
import { test as base, expect, type Page } from '@playwright/test';

/**
 * The suite's `test`: the base URL of the server that global setup started, and a page that fails
 * the test on any console error or uncaught exception (a CSP violation shows up as one).
 */
export const test = base.extend<{ consoleErrors: ConsoleErrors }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures must destructure
  baseURL: async ({}, use) => {
    const baseURL = process.env.E2E_BASE_URL;
    if (!baseURL) throw new Error('E2E_BASE_URL is not set: run the suite through playwright.config.ts');
    await use(baseURL);
  },
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      const allowed: RegExp[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
      await use({ allow: (pattern) => allowed.push(pattern) });
      const unexpected = errors.filter((error) => !allowed.some((pattern) => pattern.test(error)));
      expect(unexpected, 'unexpected console errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

interface ConsoleErrors {
  /** Declares a console error this test causes on purpose (a 404 it asks for, say). */
  allow(pattern: RegExp): void;
}

/** Fails with the list of WCAG 2.1 A/AA violations on the current page, if any. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(results.violations.map((violation) => `${violation.id}: ${violation.help}`)).toEqual([]);
}
