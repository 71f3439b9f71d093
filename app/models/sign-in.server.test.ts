import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '~/utils/env.server';
import { startSmtpCatcher, type SmtpCatcher } from '../../test/smtp-catcher';
import { getDb } from '~/utils/db.server';
import { createTestStaff, TEST_PASSWORD } from '../../test/factories';
import { hashSessionToken } from './session.server';
import { addressKey, signIn, SIGN_IN_LIMITS } from './sign-in.server';
import { disableStaff } from './staff.server';
import { jsonText } from '~/utils/dialect.server';

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
  const rows = await getDb()('audit_events')
    .whereRaw(`${jsonText(getDb(), 'details', 'email')} = ?`, [email])
    .orderBy('id');
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
      .whereRaw(`${jsonText(getDb(), 'details', 'email')} IN (?, ?, ?)`, ['nobody@staff.example', staff.email, disabled.email])
      .pluck('details');
    expect(reasons.map((details: string) => JSON.parse(details).reason).sort()).toEqual(['account_disabled', 'unknown_email', 'wrong_password']);
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
      // The attempt held back is not an audit event (a stranger must not be able to fill the trail).
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

  it(`an account failed from many addresses (${SIGN_IN_LIMITS.failuresPerAccount}): strangers share one try per ${SIGN_IN_LIMITS.slowedSeconds} s, the member’s own address is not held back, the admins are told once`, async () => {
    const staff = await createTestStaff('viewer');
    const now = new Date('2026-11-26T16:00:00.000Z');
    // The member signed in from the office this morning.
    expect((await signIn({ email: staff.email, password: TEST_PASSWORD, ip: '192.0.2.10' }, { now: new Date(now.getTime() - 3_600_000) })).ok).toBe(true);
    // Four failures from each of five addresses: no pair reaches its lock, the account its ceiling.
    for (let attempt = 0; attempt < SIGN_IN_LIMITS.failuresPerAccount; attempt += 1) {
      await signIn({ email: staff.email, password: 'guess', ip: `198.18.0.${attempt % 5}` }, { now: new Date(now.getTime() + attempt * 1000) });
    }
    const after = new Date(now.getTime() + SIGN_IN_LIMITS.failuresPerAccount * 1000);
    expect(await signIn({ email: staff.email, password: 'guess', ip: '198.18.0.4' }, { now: after })).toMatchObject({
      ok: false,
      reason: 'throttled',
      scope: 'account',
    });
    // A fresh address is no way around it: strangers share the account's one try per interval.
    expect(await signIn({ email: staff.email, password: 'guess', ip: '198.18.0.99' }, { now: after })).toMatchObject({ reason: 'throttled', scope: 'account' });
    const later = new Date(now.getTime() + (SIGN_IN_LIMITS.failuresPerAccount - 1) * 1000 + SIGN_IN_LIMITS.slowedSeconds * 1000);
    expect(await signIn({ email: staff.email, password: 'guess', ip: '198.18.0.99' }, { now: later })).toEqual({ ok: false, reason: 'invalid' });
    // The member, from the office, is not kept waiting.
    expect((await signIn({ email: staff.email, password: TEST_PASSWORD, ip: '192.0.2.10' }, { now: after })).ok).toBe(true);
    // Audited when the ceiling was reached, once; the attempts held back are not audited.
    const throttledEvents = await getDb()('audit_events')
      .where({ action: 'staff.sign_in_throttled' })
      .whereRaw(`${jsonText(getDb(), 'details', 'email')} = ? AND ${jsonText(getDb(), 'details', 'scope')} = 'account'`, [staff.email]);
    expect(throttledEvents).toHaveLength(1);
    // The admins are told, by email.
    await expect.poll(() => catcher.emails.filter((email) => email.mail.subject === `Sign-in attempts for ${staff.email} were slowed down`).length).toBe(1);
    const notice = catcher.emails.find((email) => email.mail.subject === `Sign-in attempts for ${staff.email} were slowed down`)!;
    expect(notice.envelope.to).toContain(admin.email);
    expect(notice.mail.text).toContain('the member can still sign in from an address they used before');
  });

  it('twenty wrong passwords at once from one address get five guesses, and the lock is audited once', async () => {
    const staff = await createTestStaff('viewer');
    const results = await Promise.all(Array.from({ length: 20 }, () => signIn({ email: staff.email, password: 'burst-guess', ip: '203.0.113.200' })));
    expect(results.filter((result) => !result.ok && result.reason === 'invalid')).toHaveLength(SIGN_IN_LIMITS.failuresPerAccountAndAddress);
    expect(results.filter((result) => !result.ok && result.reason === 'throttled')).toHaveLength(20 - SIGN_IN_LIMITS.failuresPerAccountAndAddress);
    const locked = await getDb()('audit_events')
      .where({ action: 'staff.sign_in_locked' })
      .whereRaw(`${jsonText(getDb(), 'details', 'email')} = ?`, [staff.email]);
    expect(locked).toHaveLength(1);
  });

  it('counts an IPv6 client by its /64, and anything that is not an address as one "unknown" address', async () => {
    expect(addressKey('2001:db8:0:1::5')).toBe('2001:db8:0:1::/64');
    expect(addressKey('2001:0db8:0000:0001:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:0:1::/64');
    expect(addressKey('::ffff:198.51.100.4')).toBe('198.51.100.4');
    expect(addressKey(`sdl_${'x'.repeat(43)}`)).toBe('unknown');
    const staff = await createTestStaff('viewer');
    const now = new Date('2026-11-27T10:00:00.000Z');
    for (let attempt = 1; attempt <= SIGN_IN_LIMITS.failuresPerAccountAndAddress; attempt += 1) {
      await signIn({ email: staff.email, password: 'guess', ip: `2001:db8:0:7::${attempt}` }, { now });
    }
    expect(await signIn({ email: staff.email, password: TEST_PASSWORD, ip: '2001:db8:0:7::ffff' }, { now })).toMatchObject({
      reason: 'throttled',
      scope: 'pair',
    });
    expect((await signIn({ email: staff.email, password: TEST_PASSWORD, ip: '2001:db8:0:8::1' }, { now })).ok).toBe(true);
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
