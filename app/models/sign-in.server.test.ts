import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '~/utils/env.server';
import { startSmtpCatcher, type SmtpCatcher } from '../../test/smtp-catcher';
import { getDb } from '~/utils/db.server';
import { createTestStaff, TEST_PASSWORD } from '../../test/staff';
import { hashSessionToken } from './session.server';
import { signIn, SIGN_IN_LIMITS } from './sign-in.server';
import { disableStaff } from './staff.server';

const IP = '198.51.100.7';

let catcher: SmtpCatcher;
let admin: Awaited<ReturnType<typeof createTestStaff>>;
beforeAll(async () => {
  catcher = await startSmtpCatcher();
  process.env.SMTP_URL = catcher.url;
  resetEnvCache();
  admin = await createTestStaff('admin');
});
afterAll(async () => {
  await catcher.stop();
});

async function auditFor(email: string): Promise<string[]> {
  const rows = await getDb()('audit_events').whereRaw("json_extract(details, '$.email') = ?", [email]).orderBy('id');
  return rows.map((row: { action: string }) => row.action);
}

describe('signIn', () => {
  it('starts a new session with a new id every time (no fixation) and audits it', async () => {
    const staff = await createTestStaff('support');
    const first = await signIn({ email: staff.email.toUpperCase(), password: TEST_PASSWORD, ip: IP });
    const second = await signIn({ email: staff.email, password: TEST_PASSWORD, ip: IP });
    if (!first.ok || !second.ok) throw new Error('sign-in should succeed');
    expect(first.token).not.toBe(second.token);
    const ids = await getDb()('sessions').where({ staff_id: staff.id }).pluck('id');
    expect(ids).toEqual(expect.arrayContaining([hashSessionToken(first.token), hashSessionToken(second.token)]));
    const signedIn = await getDb()('audit_events').where({ action: 'staff.signed_in', actor_id: staff.id });
    expect(signedIn).toHaveLength(2);
  });

  it('gives the same answer for an unknown email, a wrong password and a disabled account', async () => {
    const staff = await createTestStaff('viewer');
    const disabled = await createTestStaff('viewer');
    await disableStaff(disabled.id, { type: 'system', label: 'Test' });
    const unknown = await signIn({ email: 'nobody@staff.example', password: TEST_PASSWORD, ip: '192.0.2.1' });
    const wrong = await signIn({ email: staff.email, password: 'not-the-password', ip: '192.0.2.2' });
    const disabledResult = await signIn({ email: disabled.email, password: TEST_PASSWORD, ip: '192.0.2.3' });
    expect(unknown).toEqual({ ok: false, reason: 'invalid' });
    expect(wrong).toEqual(unknown);
    expect(disabledResult).toEqual(unknown);
    const reasons = await getDb()('audit_events')
      .where({ action: 'staff.sign_in_failed' })
      .whereRaw("json_extract(details, '$.email') IN (?, ?, ?)", ['nobody@staff.example', staff.email, disabled.email])
      .pluck('details');
    expect(reasons.map((details: string) => JSON.parse(details).reason).sort()).toEqual([
      'account_disabled',
      'unknown_email',
      'wrong_password',
    ]);
  });

  it(`locks one account from one address after ${SIGN_IN_LIMITS.failuresPerAccountAndAddress} failures there; the member elsewhere signs in`, async () => {
    const staff = await createTestStaff('viewer');
    const start = new Date('2026-11-26T10:00:00.000Z');
    for (let attempt = 0; attempt < SIGN_IN_LIMITS.failuresPerAccountAndAddress; attempt += 1) {
      const at = new Date(start.getTime() + attempt * 60_000);
      expect(await signIn({ email: staff.email, password: 'wrong-guess', ip: IP }, { now: at })).toEqual({ ok: false, reason: 'invalid' });
    }
    const duringLock = new Date(start.getTime() + 5 * 60_000);
    expect(await signIn({ email: staff.email, password: TEST_PASSWORD, ip: IP }, { now: duringLock })).toEqual({
      ok: false,
      reason: 'throttled',
      scope: 'pair',
      retryAfterSeconds: 600, // the first counted failure (10:00) leaves the window at 10:15
    });
    // The stranger at IP cannot keep the member out: from the member's own address it just works.
    expect((await signIn({ email: staff.email, password: TEST_PASSWORD, ip: '192.0.2.77' }, { now: duringLock })).ok).toBe(true);
    const afterLock = new Date(start.getTime() + 16 * 60_000);
    expect((await signIn({ email: staff.email, password: TEST_PASSWORD, ip: IP }, { now: afterLock })).ok).toBe(true);
    expect(await auditFor(staff.email)).toEqual([
      'staff.created',
      ...Array(SIGN_IN_LIMITS.failuresPerAccountAndAddress).fill('staff.sign_in_failed'),
      'staff.sign_in_locked',
      'staff.sign_in_throttled',
    ]);
  });

  it('a success clears the failures counted against the account', async () => {
    const staff = await createTestStaff('viewer');
    const now = new Date('2026-11-26T12:00:00.000Z');
    for (let attempt = 0; attempt < SIGN_IN_LIMITS.failuresPerAccountAndAddress - 1; attempt += 1) {
      await signIn({ email: staff.email, password: 'wrong-guess', ip: IP }, { now });
    }
    expect((await signIn({ email: staff.email, password: TEST_PASSWORD, ip: IP }, { now: new Date(now.getTime() + 1000) })).ok).toBe(true);
    const next = new Date(now.getTime() + 2000);
    await signIn({ email: staff.email, password: 'wrong-guess', ip: IP }, { now: next });
    expect((await signIn({ email: staff.email, password: TEST_PASSWORD, ip: IP }, { now: new Date(next.getTime() + 1000) })).ok).toBe(true);
  });

  it(`slows an address after ${SIGN_IN_LIMITS.failuresPerAddress} failures across many accounts — slowed, not locked`, async () => {
    const sharedIp = '203.0.113.66'; // a spray, or every member behind a proxy the app cannot see through
    const now = new Date('2026-11-26T14:00:00.000Z');
    for (let attempt = 0; attempt < SIGN_IN_LIMITS.failuresPerAddress; attempt += 1) {
      await signIn({ email: `guess-${attempt}@staff.example`, password: 'x', ip: sharedIp }, { now });
    }
    const staff = await createTestStaff('viewer');
    const soon = new Date(now.getTime() + 10_000);
    expect(await signIn({ email: staff.email, password: TEST_PASSWORD, ip: sharedIp }, { now: soon })).toEqual({
      ok: false,
      reason: 'throttled',
      scope: 'ip',
      retryAfterSeconds: SIGN_IN_LIMITS.slowedSeconds - 10,
    });
    // Half a minute after the last failure from there, the member gets in.
    const later = new Date(now.getTime() + SIGN_IN_LIMITS.slowedSeconds * 1000);
    expect((await signIn({ email: staff.email, password: TEST_PASSWORD, ip: sharedIp }, { now: later })).ok).toBe(true);
    // Someone else, elsewhere, was never affected.
    expect((await signIn({ email: staff.email, password: TEST_PASSWORD, ip: '192.0.2.200' }, { now: soon })).ok).toBe(true);
  });

  it(`an account failed from many addresses (${SIGN_IN_LIMITS.failuresPerAccount}) is slowed per address and audited once; its member signs in at once`, async () => {
    const staff = await createTestStaff('viewer');
    const now = new Date('2026-11-26T16:00:00.000Z');
    // Four failures from each of five addresses: no pair reaches its lock, the account its ceiling.
    for (let attempt = 0; attempt < SIGN_IN_LIMITS.failuresPerAccount; attempt += 1) {
      await signIn({ email: staff.email, password: 'guess', ip: `198.18.0.${attempt % 5}` }, { now: new Date(now.getTime() + attempt * 1000) });
    }
    const after = new Date(now.getTime() + SIGN_IN_LIMITS.failuresPerAccount * 1000);
    const attacker = await signIn({ email: staff.email, password: 'guess', ip: '198.18.0.4' }, { now: after });
    expect(attacker).toMatchObject({ ok: false, reason: 'throttled', scope: 'account' });
    // A fresh attacker address may try once, then waits too.
    expect(await signIn({ email: staff.email, password: 'guess', ip: '198.18.0.99' }, { now: after })).toEqual({ ok: false, reason: 'invalid' });
    expect(await signIn({ email: staff.email, password: 'guess', ip: '198.18.0.99' }, { now: new Date(after.getTime() + 1000) })).toMatchObject({ reason: 'throttled', scope: 'account' });
    // The member, from their own address, is not kept waiting.
    expect((await signIn({ email: staff.email, password: TEST_PASSWORD, ip: '192.0.2.10' }, { now: after })).ok).toBe(true);
    // Audited when the ceiling was reached (once), then for each attempt it held back (two).
    const throttledEvents = await getDb()('audit_events')
      .where({ action: 'staff.sign_in_throttled' })
      .whereRaw("json_extract(details, '$.email') = ? AND json_extract(details, '$.scope') = 'account'", [staff.email]);
    expect(throttledEvents).toHaveLength(3);
    // The admins are told, by email.
    await expect.poll(() => catcher.emails.filter((email) => email.mail.subject === `Sign-in attempts for ${staff.email} were slowed down`).length).toBe(1);
    const notice = catcher.emails.find((email) => email.mail.subject === `Sign-in attempts for ${staff.email} were slowed down`)!;
    expect(notice.envelope.to).toContain(admin.email);
    expect(notice.mail.text).toContain('the member can still sign in from their own');
  });

  it('keeps no typed text in the attempts table: a token pasted into the email field is not stored', async () => {
    const token = `sdl_${'Zq9'.repeat(14)}x`;
    await signIn({ email: `${token}@paste.example`, password: 'x', ip: '192.0.2.99' });
    await signIn({ email: token, password: 'x', ip: '192.0.2.99' });
    const rows = await getDb()('sign_in_attempts').where({ ip: '192.0.2.99' });
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toContain(token.slice(4, 20));
    expect(rows[0]).not.toHaveProperty('email');
    for (const row of rows) expect(row.account_key).toMatch(/^[0-9a-f]{64}$/);
  });
});
