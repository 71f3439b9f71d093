/**
 * Maintenance on several instances, in process: two handles on one database file stand for two
 * instances. It runs on one of them at a time and once per interval across them.
 */
import type { Knex } from 'knex';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acquireLease, getJobState } from '~/models/background-jobs.server';
import { countHit, readHits } from '~/models/rate-limit.server';
import { getDb, openDatabase } from '~/utils/db.server';
import { resetEnvCache } from '~/utils/env.server';
import { runMaintenance } from './background';
import { testDatabaseLocation } from '../test/backend';
import { createOrganization, issueSetupLink } from '../test/factories';
import { startSmtpCatcher } from '../test/smtp-catcher';

let other: Knex;

beforeAll(() => {
  other = openDatabase(testDatabaseLocation());
});
afterAll(async () => {
  await other.destroy();
});
beforeEach(async () => {
  await getDb()('background_jobs').where({ name: 'maintenance' }).update({ holder: null, lease_until: null, last_started_at: null, last_error: null });
});

describe('maintenance across instances', () => {
  it('started on two instances at once, it runs on one; the other does not run it', async () => {
    const results = await Promise.all([
      runMaintenance({ holder: 'instance-a', everyMs: 60_000 }, { db: getDb() }),
      runMaintenance({ holder: 'instance-b', everyMs: 60_000 }, { db: other }),
    ]);
    expect(results.filter((result) => result.ran)).toHaveLength(1);
    // Busy if it asked while the other ran; not due if the other had already finished.
    expect(results.filter((result) => !result.ran)).toEqual([expect.objectContaining({ ran: false, reason: expect.stringMatching(/^(busy|not_due)$/) })]);
    expect(await getJobState('maintenance')).toMatchObject({ holder: null, lastError: null });
  });

  it('while another instance holds the lease, it reports busy and names the holder', async () => {
    await acquireLease('maintenance', { holder: 'instance-b', leaseMs: 60_000 }, { db: other });
    expect(await runMaintenance({ holder: 'instance-a' }, { db: getDb() })).toEqual({ ran: false, reason: 'busy', holder: 'instance-b' });
  });

  it('once it ran on one instance, the others find it not due until the interval has passed', async () => {
    expect(await runMaintenance({ holder: 'instance-a', everyMs: 60_000 }, { db: getDb() })).toMatchObject({ ran: true });
    expect(await runMaintenance({ holder: 'instance-b', everyMs: 60_000 }, { db: other })).toEqual({ ran: false, reason: 'not_due', holder: null });
    // An interval later (as far as the last start is concerned) it is due again.
    await getDb()('background_jobs')
      .where({ name: 'maintenance' })
      .update({ last_started_at: new Date(Date.now() - 60_000).toISOString() });
    expect(await runMaintenance({ holder: 'instance-b', everyMs: 60_000 }, { db: other })).toMatchObject({ ran: true });
  });

  it('prunes rate-limit counts whose window has closed, and keeps the open ones', async () => {
    const hourAgo = new Date(Date.now() - 3_600_000);
    await countHit({ limit: 'maintenance_test', key: 'closed', windowMs: 60_000 }, { now: hourAgo });
    await countHit({ limit: 'maintenance_test', key: 'open', windowMs: 60_000 });
    const result = await runMaintenance({ holder: 'instance-a' }, { db: getDb() });
    expect(result).toMatchObject({ ran: true, prunedRateLimits: 1 });
    expect(await readHits({ limit: 'maintenance_test', key: 'open' })).toMatchObject({ hits: 1 });
    expect(await getDb()('rate_limit_hits').pluck('hits')).toEqual([1]);
  });

  it('sends the setup link reminders due at its clock, once, and counts them', async () => {
    const catcher = await startSmtpCatcher();
    process.env.SMTP_URL = catcher.url;
    resetEnvCache();
    try {
      const { id } = await createOrganization();
      const issued = await issueSetupLink(id, { email: { address: 'it-maintenance@customer.example' } });
      const threeDaysLater = new Date(Date.parse(issued.link.emailSentAt!) + 3 * 86_400_000);
      expect(await runMaintenance({ holder: 'instance-a' }, { db: getDb(), now: threeDaysLater })).toMatchObject({ ran: true, remindersSent: 1 });
      expect(await runMaintenance({ holder: 'instance-b' }, { db: other, now: threeDaysLater })).toMatchObject({ ran: true, remindersSent: 0 });
      const reminders = catcher.emails.filter(
        (email) => email.envelope.to.includes('it-maintenance@customer.example') && email.mail.subject?.startsWith('Reminder:'),
      );
      expect(reminders).toHaveLength(1);
    } finally {
      await catcher.stop();
      process.env.SMTP_URL = 'smtp://127.0.0.1:9';
      resetEnvCache();
    }
  });
});
