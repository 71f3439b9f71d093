import { describe, expect, it } from 'vitest';
import { getDb } from '~/utils/db.server';
import { createTestStaff, TEST_PASSWORD } from '../../test/factories';
import { signIn } from './sign-in.server';
import { getStaffById, setStaffTimeZone, StaffRuleError } from './staff.server';
import { CHECK_VIOLATION } from '../../test/backend';
import { jsonText } from '~/utils/dialect.server';

const IP = '198.51.100.23';

async function zoneEvents(staffId: number) {
  const rows = await getDb()('audit_events')
    .where({ action: 'staff.time_zone_changed' })
    .whereRaw(`${jsonText(getDb(), 'details', 'staffId')} = ?`, [String(staffId)])
    .orderBy('id');
  return rows.map((row: { details: string; actor_id: number | null }) => ({ actorId: row.actor_id, ...JSON.parse(row.details) }));
}

describe('a staff member’s time zone (decision 020)', () => {
  it('is UTC until set, and NULL in the row meanwhile', async () => {
    const staff = await createTestStaff('viewer');
    expect(staff.timeZone).toBe('UTC');
    expect((await getDb()('staff').where({ id: staff.id }).first()).time_zone).toBeNull();
  });

  it('comes from the browser at the first sign-in, once, audited', async () => {
    const staff = await createTestStaff('support');
    const first = await signIn({ email: staff.email, password: TEST_PASSWORD, ip: IP, timeZone: 'America/Los_Angeles' });
    expect(first.ok).toBe(true);
    expect((await getStaffById(staff.id))!.timeZone).toBe('America/Los_Angeles');
    // A later sign-in from another browser does not move it: it is theirs to change now.
    await signIn({ email: staff.email, password: TEST_PASSWORD, ip: IP, timeZone: 'Asia/Tokyo' });
    expect((await getStaffById(staff.id))!.timeZone).toBe('America/Los_Angeles');
    expect(await zoneEvents(staff.id)).toEqual([{ actorId: staff.id, staffId: staff.id, from: null, to: 'America/Los_Angeles', source: 'browser' }]);
  });

  it.each([
    ['absent', undefined],
    ['not a zone', 'Mars/Olympus_Mons'],
    ['an offset', '+05:00'],
  ])('is UTC when the browser’s is %s (no JavaScript, or a forged field)', async (_, timeZone) => {
    const staff = await createTestStaff('viewer');
    expect((await signIn({ email: staff.email, password: TEST_PASSWORD, ip: IP, timeZone })).ok).toBe(true);
    expect((await getDb()('staff').where({ id: staff.id }).first()).time_zone).toBe('UTC');
    expect(await zoneEvents(staff.id)).toEqual([expect.objectContaining({ from: null, to: 'UTC', source: 'default' })]);
  });

  it('a failed sign-in sets nothing', async () => {
    const staff = await createTestStaff('viewer');
    expect((await signIn({ email: staff.email, password: 'wrong-password', ip: IP, timeZone: 'Europe/Berlin' })).ok).toBe(false);
    expect((await getDb()('staff').where({ id: staff.id }).first()).time_zone).toBeNull();
  });

  it('is changed on request, spelled as the platform spells it, audited; the same zone again is no change', async () => {
    const staff = await createTestStaff('viewer');
    const now = new Date('2026-12-02T10:00:00.000Z');
    expect(await setStaffTimeZone(staff, 'europe/berlin', { requestId: 'req-tz', now })).toBe(true);
    const row = await getDb()('staff').where({ id: staff.id }).first();
    expect(row).toMatchObject({ time_zone: 'Europe/Berlin', updated_at: now.toISOString() });
    expect(await setStaffTimeZone(staff, 'Europe/Berlin')).toBe(false);
    expect(await setStaffTimeZone(staff, 'America/Los_Angeles')).toBe(true);
    expect(await zoneEvents(staff.id)).toEqual([
      { actorId: staff.id, staffId: staff.id, from: null, to: 'Europe/Berlin', source: 'account' },
      { actorId: staff.id, staffId: staff.id, from: 'Europe/Berlin', to: 'America/Los_Angeles', source: 'account' },
    ]);
    const audit = await getDb()('audit_events').where({ action: 'staff.time_zone_changed', request_id: 'req-tz' }).first();
    expect(audit).toBeDefined();
  });

  it('refuses a name that is not a zone, on the timeZone field, and changes nothing', async () => {
    const staff = await createTestStaff('viewer');
    const refusal = await setStaffTimeZone(staff, 'Mars/Olympus_Mons').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(StaffRuleError);
    expect(refusal).toMatchObject({ field: 'timeZone', message: 'Choose a time zone from the list, like Europe/London or America/Los_Angeles.' });
    expect((await getDb()('staff').where({ id: staff.id }).first()).time_zone).toBeNull();
    expect(await zoneEvents(staff.id)).toEqual([]);
  });

  it('the table refuses what could never be a zone, whoever writes it', async () => {
    const staff = await createTestStaff('viewer');
    await expect(getDb()('staff').where({ id: staff.id }).update({ time_zone: "UTC'; --" })).rejects.toThrow(CHECK_VIOLATION);
  });
});
