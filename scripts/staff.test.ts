import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '~/models/password.server';
import { openDatabase } from '~/utils/db.server';
import { makeTempDir } from '../test/temp-dirs';

const dir = makeTempDir('setup-desk-cli-');
const databasePath = path.join(dir, 'cli.sqlite');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs `npm run staff -- …` as a person would (through tsx), against its own database file. */
function staffCli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(path.resolve('node_modules/.bin/tsx'), ['scripts/staff.ts', ...args], {
    env: { PATH: process.env.PATH, NODE_ENV: 'test', DATABASE_PATH: databasePath },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run staff', () => {
  it('creates the first admin with a temporary password that works, once', async () => {
    const created = staffCli('create', '--email', 'First.Admin@Example.com', '--name', 'First Admin', '--role', 'admin');
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    expect(created.stdout).toContain('Created First Admin <first.admin@example.com> as admin.');
    const temporary = /Temporary password[^:]*: (\S+)/.exec(created.stdout)?.[1];
    expect(temporary).toBeTruthy();

    const db = openDatabase(databasePath);
    try {
      const row = await db('staff').where({ email: 'first.admin@example.com' }).first();
      expect(row).toMatchObject({ role: 'admin', must_change_password: 1 });
      expect(await verifyPassword(row.password_hash, temporary!)).toBe(true);
      const audit = await db('audit_events').where({ action: 'staff.created' }).first();
      expect(audit.actor_type).toBe('cli');
    } finally {
      await db.destroy();
    }
    expect(staffCli('list').stdout).toMatch(/first\.admin@example\.com\s+admin\s+must change password\s+First Admin/);
  });

  it.each([
    [['create', '--email', 'first.admin@example.com', '--name', 'Again', '--role', 'viewer'], 'first.admin@example.com already has an account.'],
    [['create', '--email', 'not-an-email', '--name', 'X', '--role', 'viewer'], '--email: Enter a valid email address'],
    [['create', '--email', 'x@example.com', '--name', 'X', '--role', 'owner'], '--role: Choose viewer, support or admin.'],
    [['create', '--email', 'x@example.com', '--role', 'viewer'], '--name is required for create.'],
    [['disable', '--email', 'nobody@example.com'], 'No staff member has the email nobody@example.com.'],
    [['disable', '--email', 'first.admin@example.com'], 'This is the last active admin.'],
    [['promote'], 'Unknown command "promote".'],
    [['create', '--colour', 'blue'], 'Unknown option'],
  ])('refuses %j with exit code 2 and says why', (args, message) => {
    const result = staffCli(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('resets a password and disables / enables a member', () => {
    expect(staffCli('create', '--email', 'rep@example.com', '--name', 'Rep', '--role', 'support').status).toBe(0);
    const reset = staffCli('reset', '--email', 'rep@example.com');
    expect(reset.status).toBe(0);
    expect(reset.stdout).toMatch(/Temporary password[^:]*: \S+/);
    expect(staffCli('disable', '--email', 'rep@example.com').stdout).toContain('Disabled rep@example.com');
    expect(staffCli('list').stdout).toMatch(/rep@example\.com\s+support\s+disabled/);
    expect(staffCli('enable', '--email', 'rep@example.com').stdout).toContain('Enabled rep@example.com.');
  });
});
