import { describe, expect, it } from 'vitest';
import { getDb } from '~/utils/db.server';
import { createTestStaff } from '../../test/factories';
import { createSession, deleteExpiredSessions, hashSessionToken, lookupSession } from './session.server';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('sessions', () => {
  it('store only the hash of the cookie token', async () => {
    const staff = await createTestStaff('viewer');
    const { token, sessionId } = await createSession(staff.id);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sessionId).toBe(hashSessionToken(token));
    const rows = await getDb()('sessions').where({ staff_id: staff.id });
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('end after the idle timeout (2 h by default) and are deleted', async () => {
    const staff = await createTestStaff('viewer');
    const start = new Date('2026-11-26T08:00:00.000Z');
    const { token, sessionId } = await createSession(staff.id, { now: start });
    expect((await lookupSession(token, { now: new Date(start.getTime() + 119 * MINUTE) })).status).toBe('active');
    // The lookup at 1:59 moved last_seen; 2 h after that it has gone idle.
    expect((await lookupSession(token, { now: new Date(start.getTime() + (119 + 119) * MINUTE) })).status).toBe('active');
    expect((await lookupSession(token, { now: new Date(start.getTime() + (238 + 120) * MINUTE) })).status).toBe('idle');
    expect(await getDb()('sessions').where({ id: sessionId }).first()).toBeUndefined();
  });

  it('end at the absolute timeout (12 h) however active they are', async () => {
    const staff = await createTestStaff('viewer');
    const start = new Date('2026-11-26T08:00:00.000Z');
    const { token } = await createSession(staff.id, { now: start });
    for (let hour = 1; hour < 12; hour += 1) {
      expect((await lookupSession(token, { now: new Date(start.getTime() + hour * HOUR) })).status).toBe('active');
    }
    expect((await lookupSession(token, { now: new Date(start.getTime() + 12 * HOUR) })).status).toBe('expired');
  });

  it('refuse a token nobody issued', async () => {
    expect((await lookupSession('not-a-real-token')).status).toBe('missing');
  });

  it('housekeeping removes sessions past their absolute expiry only', async () => {
    const staff = await createTestStaff('viewer');
    const old = await createSession(staff.id, { now: new Date(Date.now() - 13 * HOUR) });
    const fresh = await createSession(staff.id);
    expect(await deleteExpiredSessions()).toBeGreaterThanOrEqual(1);
    const remaining = await getDb()('sessions').where({ staff_id: staff.id }).pluck('id');
    expect(remaining).toEqual([fresh.sessionId]);
    expect(remaining).not.toContain(old.sessionId);
  });
});
