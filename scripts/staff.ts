/**
 * `npm run staff -- <command>`: manage staff from the command line — above all, the first admin of
 * a real deployment. Every change is audited with the CLI as actor.
 *
 *   create --email E --name N --role viewer|support|admin   (prints a temporary password once)
 *   list
 *   disable --email E | enable --email E
 *   reset --email E                                          (new temporary password, sessions end)
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { emailSchema, roleSchema, staffNameSchema } from '../app/forms/staff';
import type { AuditActor } from '../app/models/audit.server';
import { createStaff, disableStaff, enableStaff, findStaffRowByEmail, listStaff, resetStaffPassword, StaffRuleError } from '../app/models/staff.server';
import { closeDb, getDb, migrateToLatest } from '../app/utils/db.server';
import { EnvError, loadDotEnv } from '../app/utils/env.server';

const USAGE = `Usage: npm run staff -- <command> [options]
  create  --email EMAIL --name NAME --role viewer|support|admin
  list
  disable --email EMAIL
  enable  --email EMAIL
  reset   --email EMAIL`;

class UsageError extends Error {}

const actor: AuditActor = { type: 'cli', label: `CLI (${os.userInfo().username}@${os.hostname()})` };

async function run(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    if (!command && !values.help) throw new UsageError('Name a command.');
    return;
  }
  loadDotEnv();
  await migrateToLatest(getDb());

  const requireValue = <T>(
    name: string,
    schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { message: string }[] } } },
    value: unknown,
  ): T => {
    if (value === undefined) throw new UsageError(`--${name} is required for ${command}.`);
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new UsageError(`--${name}: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  };
  const findByEmail = async () => {
    const email = requireValue('email', emailSchema, values.email);
    const row = await findStaffRowByEmail(email);
    if (!row) throw new UsageError(`No staff member has the email ${email}. \`npm run staff -- list\` shows who does.`);
    return row;
  };

  switch (command) {
    case 'create': {
      const email = requireValue('email', emailSchema, values.email);
      const name = requireValue('name', staffNameSchema, values.name);
      const role = requireValue('role', roleSchema, values.role);
      const { staff, temporaryPassword } = await createStaff({ email, name, role }, actor);
      console.log(`Created ${staff.name} <${staff.email}> as ${staff.role}.`);
      console.log(`Temporary password (shown once; they must change it at first sign-in): ${temporaryPassword}`);
      return;
    }
    case 'list': {
      const staff = await listStaff();
      if (staff.length === 0) console.log('No staff yet. Create the first admin with: npm run staff -- create --email … --name … --role admin');
      for (const member of staff) {
        const status = member.disabledAt ? 'disabled' : member.mustChangePassword ? 'must change password' : 'active';
        console.log(`${member.email.padEnd(32)} ${member.role.padEnd(8)} ${status.padEnd(22)} ${member.name}`);
      }
      return;
    }
    case 'disable': {
      const row = await findByEmail();
      await disableStaff(row.id, actor);
      console.log(`Disabled ${row.email}; their sessions have ended.`);
      return;
    }
    case 'enable': {
      const row = await findByEmail();
      await enableStaff(row.id, actor);
      console.log(`Enabled ${row.email}.`);
      return;
    }
    case 'reset': {
      const row = await findByEmail();
      const { temporaryPassword } = await resetStaffPassword(row.id, actor);
      console.log(`Reset the password of ${row.email}; their sessions have ended.`);
      console.log(`Temporary password (shown once; they must change it at next sign-in): ${temporaryPassword}`);
      return;
    }
    default:
      throw new UsageError(`Unknown command "${command}".`);
  }
}

try {
  await run(process.argv.slice(2));
  await closeDb();
} catch (error) {
  await closeDb().catch(() => undefined);
  if (error instanceof UsageError || error instanceof StaffRuleError) {
    console.error(`Error: ${error.message}`);
    if (error instanceof UsageError) console.error(`\n${USAGE}`);
    process.exit(2);
  }
  if (error instanceof EnvError) {
    console.error(`Cannot run.\n${error.message}`);
    process.exit(2);
  }
  if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
    console.error(`Error: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  throw error;
}
