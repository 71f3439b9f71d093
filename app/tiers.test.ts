import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The tiers (decision 017) are the linter's to enforce: these are imports it must refuse, and ones
 * it must let through, linted as if they were files of each tier. A rule that stopped biting —
 * a renamed folder, a pattern that no longer matches — fails here rather than silently.
 */
const eslint = new ESLint();

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((message) => message.ruleId === '@typescript-eslint/no-restricted-imports').map((message) => message.message);
}

describe('the tiers the linter enforces', () => {
  it.each([
    ['app/utils/probe.server.ts', "import { getOrganization } from '~/models/organization.server';", /Utils never import models/],
    ['app/utils/probe.server.ts', "import { requireStaff } from '../services/auth.server';", /Utils never import models, services or routes/],
    ['app/models/probe.server.ts', "import { requireStaff } from '~/services/auth.server';", /Models never import services or routes/],
    ['app/models/probe.server.ts', "import { loader } from '../routes/_index';", /Models never import services or routes/],
    ['app/services/probe.server.ts', "import { loader } from '~/routes/system';", /Services never import routes/],
    ['app/components/probe.tsx', "import { getDb } from '~/utils/db.server';", /free of server code/],
    ['app/components/probe.tsx', "import fs from 'node:fs';", /free of server code/],
    ['app/components/probe.tsx', "import { getOrganization } from '~/models/organization.server';", /no models or services/],
    ['app/forms/probe.ts', "import knex from 'knex';", /free of server code/],
    ['app/domain/probe.ts', "import { z } from 'zod';", /plain values: no packages/],
    ['app/domain/probe.ts', "import { formatDateTime } from '~/utils/format';", /Domain vocabulary imports only itself/],
  ])('%s refuses %s', async (filePath, code, message) => {
    const messages = await restrictedImports(filePath, `${code}\nexport const probe = 1;\n`);
    expect(messages.some((text) => message.test(text))).toBe(true);
  });

  it.each([
    ['app/models/probe.server.ts', "import { getDb } from '~/utils/db.server';"],
    ['app/services/probe.server.ts', "import { getOrganization } from '~/models/organization.server';"],
    ['app/components/probe.tsx', "import type { Toast } from '~/utils/toast.server';"],
    ['app/components/probe.tsx', "import { SETUP_FEATURES } from '~/domain/features';"],
    ['app/forms/probe.ts', "import { z } from 'zod';"],
    ['app/routes/probe.tsx', "import { requireStaff } from '~/services/auth.server';"],
  ])('%s allows %s', async (filePath, code) => {
    expect(await restrictedImports(filePath, `${code}\nexport const probe = 1;\n`)).toEqual([]);
  });
});
