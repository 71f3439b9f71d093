import { describe, expect, it } from 'vitest';
import { getDb } from '~/utils/db.server';
import { createTestStaff, sessionCookieFor, TEST_PASSWORD } from '../../test/factories';
import { verifyPassword } from './password.server';
import {
  changeOwnPassword,
  changeStaffRole,
  createStaff,
  disableStaff,
  enableStaff,
  listStaff,
  resetStaffPassword,
  signOutStaffEverywhere,
  StaffRuleError,
  staffActor,
} from './staff.server';
import { jsonText } from '~/utils/dialect.server';

const system = { type: 'system' as const, label: 'Test' };

async function auditActions(staffId: number): Promise<string[]> {
  const rows = await getDb()('audit_events')
    .whereRaw(`${jsonText(getDb(), 'details', 'staffId')} = ?`, [String(staffId)])
    .orderBy('id');
  return rows.map((row: { action: string }) => row.action);
}

async function sessionCount(staffId: number): Promise<number> {
  return (await getDb()('sessions').where({ staff_id: staffId })).length;
}

describe('creating staff', () => {
  it('folds the email to lower case and refuses a second account for it in any case', async () => {
    const { staff, temporaryPassword } = await createStaff({ email: '  Grace@Example.COM ', name: 'Grace', role: 'support' }, system);
    expect(staff).toMatchObject({ email: 'grace@example.com', role: 'support', mustChangePassword: true, disabledAt: null });
    expect(temporaryPassword).toMatch(/^([A-Za-z2-9]{5}-){4}[A-Za-z2-9]{5}$/);
    const row = await getDb()('staff').where({ id: staff.id }).first();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.password_hash).not.toContain(temporaryPassword);
    expect(await verifyPassword(row.password_hash, temporaryPassword!)).toBe(true);
    await expect(createStaff({ email: 'GRACE@example.com', name: 'Other', role: 'viewer' }, system)).rejects.toThrow(
      'grace@example.com already has an account.',
    );
    expect(await auditActions(staff.id)).toEqual(['staff.created']);
  });

  it('refuses a weak chosen password and names the field', async () => {
    const attempt = createStaff({ email: 'weak@example.com', name: 'Weak', role: 'viewer', password: 'password1234' }, system);
    await expect(attempt).rejects.toBeInstanceOf(StaffRuleError);
    await expect(attempt).rejects.toMatchObject({ field: 'password' });
  });

  it('lists active members before disabled ones, by name', async () => {
    const zed = await createTestStaff('viewer', { name: 'Zed Active' });
    const amy = await createTestStaff('viewer', { name: 'Amy Disabled' });
    await createTestStaff('admin');
    await disableStaff(amy.id, system);
    const names = (await listStaff()).map((member) => member.name);
    expect(names.indexOf('Zed Active')).toBeLessThan(names.indexOf('Amy Disabled'));
    expect(zed.disabledAt).toBeNull();
  });
});

describe('the last active admin', () => {
  it('cannot be demoted or disabled, by the model or by raw SQL; another admin unlocks it', async () => {
    // Start from a database where exactly one admin is active.
    const activeAdmins = await getDb()('staff').where({ role: 'admin' }).whereNull('disabled_at');
    for (const admin of activeAdmins.slice(1)) await getDb()('staff').where({ id: admin.id }).update({ disabled_at: new Date().toISOString() });
    const remaining = await getDb()('staff').where({ role: 'admin' }).whereNull('disabled_at');
    const onlyAdmin = remaining.length === 1 ? remaining[0] : await createTestStaff('admin');
    expect((await getDb()('staff').where({ role: 'admin' }).whereNull('disabled_at')).length).toBe(1);

    await expect(changeStaffRole(onlyAdmin.id, 'support', system)).rejects.toThrow(/last active admin/);
    await expect(disableStaff(onlyAdmin.id, system)).rejects.toThrow(/last active admin/);
    await expect(getDb()('staff').where({ id: onlyAdmin.id }).update({ role: 'viewer' })).rejects.toThrow(/last_active_admin/);

    const second = await createTestStaff('admin');
    await changeStaffRole(onlyAdmin.id, 'support', system);
    await expect(disableStaff(second.id, system)).rejects.toThrow(/last active admin/);
  });
});

describe('changing a member', () => {
  it('audits a role change with from/to, and treats the same role as a no-op', async () => {
    const member = await createTestStaff('viewer');
    await changeStaffRole(member.id, 'support', system);
    await changeStaffRole(member.id, 'support', system);
    expect(await auditActions(member.id)).toEqual(['staff.created', 'staff.role_changed']);
    const event = await getDb()('audit_events').where({ action: 'staff.role_changed' }).orderBy('id', 'desc').first();
    expect(JSON.parse(event.details)).toMatchObject({ from: 'viewer', to: 'support', staffId: member.id });
  });

  it('disabling ends every session at once; enabling lets them sign in again', async () => {
    const member = await createTestStaff('support');
    await sessionCookieFor(member.id);
    await sessionCookieFor(member.id);
    expect(await sessionCount(member.id)).toBe(2);
    const disabled = await disableStaff(member.id, system);
    expect(disabled.disabledAt).not.toBeNull();
    expect(await sessionCount(member.id)).toBe(0);
    expect((await enableStaff(member.id, system)).disabledAt).toBeNull();
    expect(await auditActions(member.id)).toEqual(['staff.created', 'staff.disabled', 'staff.enabled']);
  });

  it('sign out everywhere ends every session and says how many', async () => {
    const member = await createTestStaff('viewer');
    await sessionCookieFor(member.id);
    await sessionCookieFor(member.id);
    expect(await signOutStaffEverywhere(member.id, system)).toBe(2);
    expect(await sessionCount(member.id)).toBe(0);
  });

  it('a password reset issues a temporary password, ends sessions and forces a change', async () => {
    const member = await createTestStaff('viewer');
    await sessionCookieFor(member.id);
    const { staff, temporaryPassword } = await resetStaffPassword(member.id, system);
    expect(staff.mustChangePassword).toBe(true);
    expect(await sessionCount(member.id)).toBe(0);
    const row = await getDb()('staff').where({ id: member.id }).first();
    expect(await verifyPassword(row.password_hash, temporaryPassword)).toBe(true);
    expect(await verifyPassword(row.password_hash, TEST_PASSWORD)).toBe(false);
  });
});

describe('changing your own password', () => {
  it('needs the current password and a strong new one, and signs out the other sessions only', async () => {
    const member = await createTestStaff('support', { name: 'Pat Example', email: 'pat@example.com' });
    const current = await sessionCookieFor(member.id);
    const other = await sessionCookieFor(member.id);

    const change = (currentPassword: string, newPassword: string) =>
      changeOwnPassword(member.id, { currentPassword, newPassword, keepSessionId: current.sessionId });

    await expect(change('wrong-password-entirely', 'a-brand-new-long-phrase-9')).rejects.toMatchObject({ field: 'currentPassword' });
    await expect(change(TEST_PASSWORD, TEST_PASSWORD)).rejects.toMatchObject({ field: 'newPassword' });
    await expect(change(TEST_PASSWORD, 'short')).rejects.toThrow(/at least 12 characters/);
    await expect(change(TEST_PASSWORD, 'password12345')).rejects.toMatchObject({ field: 'newPassword' });
    await expect(change(TEST_PASSWORD, 'pat-example-forever')).rejects.toThrow(/name or email/);

    await change(TEST_PASSWORD, 'orchid-glacier-trumpet-17');
    const sessions = await getDb()('sessions').where({ staff_id: member.id }).pluck('id');
    expect(sessions).toEqual([current.sessionId]);
    expect(sessions).not.toContain(other.sessionId);
    const row = await getDb()('staff').where({ id: member.id }).first();
    expect(await verifyPassword(row.password_hash, 'orchid-glacier-trumpet-17')).toBe(true);
    expect(row.must_change_password).toBe(0);
    expect(await auditActions(member.id)).toContain('staff.password_changed');
    expect(staffActor(member)).toEqual({ type: 'staff', id: member.id, label: 'Pat Example' });
  });
});
