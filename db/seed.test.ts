import { describe, expect, it } from 'vitest';
import { passwordProblem, verifyPassword } from '~/models/password.server';
import { getDb } from '~/utils/db.server';
import { DEVELOPMENT_STAFF, runSeed } from './seed';

describe('the development seed', () => {
  it('creates an admin, a support rep and a viewer who can sign in, and is safe to run again', async () => {
    const first = await runSeed(getDb());
    const second = await runSeed(getDb());
    for (const account of DEVELOPMENT_STAFF) {
      const rows = await getDb()('staff').where({ email: account.email });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ role: account.role, must_change_password: 0, disabled_at: null });
      expect(await verifyPassword(rows[0].password_hash, account.password)).toBe(true);
      expect(passwordProblem(account.password, [account.name, account.email])).toBeNull();
      expect(first.join('\n')).toContain(`${account.email} / ${account.password}`);
    }
    expect(DEVELOPMENT_STAFF.map((account) => account.role).sort()).toEqual(['admin', 'support', 'viewer']);
    expect(second.join('\n')).toContain('(unless changed since)');
  });
});
