import { describe, expect, it } from 'vitest';
import { getDb } from '~/utils/db.server';
import { createTestStaff, TEST_PASSWORD } from '../../test/staff';
import { hashSessionToken } from './session.server';
import { signIn, SIGN_IN_LIMITS } from './sign-in.server';
import { disableStaff } from './staff.server';

const IP = '198.51.100.7';

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

  it(`locks an account for ${SIGN_IN_LIMITS.windowMinutes} minutes after ${SIGN_IN_LIMITS.failuresPerAccount} failures, even with the right password`, async () => {
    const staff = await createTestStaff('viewer');
    const start = new Date('2026-11-26T10:00:00.000Z');
    for (let attempt = 0; attempt < SIGN_IN_LIMITS.failuresPerAccount; attempt += 1) {
      const at = new Date(start.getTime() + attempt * 60_000);
      expect(await signIn({ email: staff.email, password: 'wrong-guess', ip: IP }, { now: at })).toEqual({ ok: false, reason: 'invalid' });
    }
    const duringLock = new Date(start.getTime() + 5 * 60_000);
    expect(await signIn({ email: staff.email, password: TEST_PASSWORD, ip: IP }, { now: duringLock })).toEqual({
      ok: false,
      reason: 'throttled',
      retryAfterMinutes: 10, // the first counted failure (10:00) leaves the window at 10:15
    });
    const afterLock = new Date(start.getTime() + 16 * 60_000);
    const result = await signIn({ email: staff.email, password: TEST_PASSWORD, ip: IP }, { now: afterLock });
    expect(result.ok).toBe(true);
    expect(await auditFor(staff.email)).toEqual([
      'staff.created',
      ...Array(SIGN_IN_LIMITS.failuresPerAccount).fill('staff.sign_in_failed'),
      'staff.sign_in_locked',
      'staff.sign_in_throttled',
    ]);
  });

  it('a success clears the failures counted against the account', async () => {
    const staff = await createTestStaff('viewer');
    const now = new Date('2026-11-26T12:00:00.000Z');
    for (let attempt = 0; attempt < SIGN_IN_LIMITS.failuresPerAccount - 1; attempt += 1) {
      await signIn({ email: staff.email, password: 'wrong-guess', ip: IP }, { now });
    }
    expect((await signIn({ email: staff.email, password: TEST_PASSWORD, ip: IP }, { now: new Date(now.getTime() + 1000) })).ok).toBe(true);
    const next = new Date(now.getTime() + 2000);
    await signIn({ email: staff.email, password: 'wrong-guess', ip: IP }, { now: next });
    expect((await signIn({ email: staff.email, password: TEST_PASSWORD, ip: IP }, { now: new Date(next.getTime() + 1000) })).ok).toBe(true);
  });

  it(`throttles an address after ${SIGN_IN_LIMITS.failuresPerIp} failures across many accounts`, async () => {
    const attackerIp = '203.0.113.66';
    const now = new Date('2026-11-26T14:00:00.000Z');
    for (let attempt = 0; attempt < SIGN_IN_LIMITS.failuresPerIp; attempt += 1) {
      await signIn({ email: `guess-${attempt}@staff.example`, password: 'x', ip: attackerIp }, { now });
    }
    const staff = await createTestStaff('viewer');
    const result = await signIn({ email: staff.email, password: TEST_PASSWORD, ip: attackerIp }, { now: new Date(now.getTime() + 60_000) });
    expect(result).toEqual({ ok: false, reason: 'throttled', retryAfterMinutes: 14 });
    // Someone else, elsewhere, is not affected.
    expect((await signIn({ email: staff.email, password: TEST_PASSWORD, ip: '192.0.2.200' }, { now })).ok).toBe(true);
  });
});
