import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { closedPortUrl } from '../../test/smtp-catcher';
import { BANNER_MAX_WIDTH, formatBanner, untilAnswering } from './banner';

describe("npm run dev's banner", () => {
  const lines = [
    'Setup Desk (development) → http://localhost:3000',
    `Database: /home/someone/projects/with/a/rather/long/path/to/the/checkout/setup-desk/db/setup-desk.sqlite (21 migrations applied)`,
    'Sign in with (development accounts):',
    '  admin   admin@setup-desk.local / a-development-password-that-is-long-enough',
    `Mail catcher → http://127.0.0.1:1080 (every email the app sends; none leaves this machine) ${'more words '.repeat(12)}`,
  ];

  it('fits 100 columns, wrapping long lines at a space with an indent and keeping every word', () => {
    const banner = formatBanner(lines);
    const rows = banner.split('\n');
    for (const row of rows) expect([...row].length, row).toBeLessThanOrEqual(BANNER_MAX_WIDTH);
    expect(rows[0]).toMatch(/^┌─+┐$/);
    expect(rows.at(-1)).toMatch(/^└─+┘$/);
    expect(banner).toContain('│   /home/someone/projects/');
    expect(banner).toMatch(/│ {3}\S/); // a continuation, indented
    const words = (text: string) => text.split(/\s+/).filter((word) => word && !/^[│┌└]/.test(word));
    expect(words(banner.replace(/[│┌┐└┘─]/g, ' ')).join(' ')).toBe(words(lines.join(' ')).join(' '));
  });

  it('keeps a short banner as narrow as its longest line', () => {
    expect(formatBanner(['one', 'three'])).toBe('┌───────┐\n│ one   │\n│ three │\n└───────┘');
  });

  it('waits for the app to answer; gives up when the app stopped first', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await expect(untilAnswering(`http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`, { stopped: () => false })).resolves.toBeUndefined();
    } finally {
      server.close();
    }
    const closed = (await closedPortUrl()).replace(/^smtp:/, 'http:');
    let asked = 0;
    await expect(untilAnswering(closed, { stopped: () => ++asked > 2 })).rejects.toThrow('the app stopped before it answered');
  });
});
