import fs from 'node:fs';
import { chromium } from '@playwright/test';

export interface ChromiumChoice {
  /** Undefined means Playwright's own downloaded Chromium. */
  executablePath?: string;
  args: string[];
  source: string;
}

// Flags for a distribution Chromium run as root in a closed network (see docs/decisions/005).
const SYSTEM_CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];
const SYSTEM_CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/**
 * Picks the browser for the e2e suite: CHROMIUM_PATH if set, else Playwright's own Chromium where
 * it was downloaded, else the system Chromium. Says exactly what to install when none exists.
 */
export function resolveChromium(env: NodeJS.ProcessEnv = process.env): ChromiumChoice {
  if (env.CHROMIUM_PATH) {
    if (!fs.existsSync(env.CHROMIUM_PATH)) {
      throw new Error(`CHROMIUM_PATH is set to ${env.CHROMIUM_PATH}, but no file is there. Fix the path or unset it.`);
    }
    return { executablePath: env.CHROMIUM_PATH, args: SYSTEM_CHROMIUM_ARGS, source: `CHROMIUM_PATH (${env.CHROMIUM_PATH})` };
  }
  const bundled = chromium.executablePath();
  if (bundled && fs.existsSync(bundled)) return { args: [], source: `Playwright's Chromium (${bundled})` };
  const system = SYSTEM_CHROMIUM_PATHS.find((candidate) => fs.existsSync(candidate));
  if (system) return { executablePath: system, args: SYSTEM_CHROMIUM_ARGS, source: `system Chromium (${system})` };
  throw new Error(
    [
      'No Chromium found for the end-to-end tests. Install one of:',
      '  - Debian/Ubuntu: apt-get update && apt-get install -y chromium',
      '  - with internet access to Playwright downloads: npx playwright install chromium',
      '  - or point CHROMIUM_PATH at an existing Chromium or Chrome binary.',
    ].join('\n'),
  );
}
