import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The tiers (decision 017) are the linter's to enforce: these are imports it must refuse, and ones
 * it must let through, linted as if they were files of each tier. A rule that stopped biting —
 * a renamed folder, a pattern that no longer matches — fails here rather than silently.
 */
const eslint = new ESLint();

const TIER_RULES = ['@typescript-eslint/no-restricted-imports', 'no-restricted-syntax'];

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((message) => TIER_RULES.includes(message.ruleId ?? '')).map((message) => message.message);
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
    ['app/components/probe.tsx', "import { getOrganization } from '~/models/organization.server';", /no models, services or emails/],
    ['app/forms/probe.ts', "import knex from 'knex';", /free of server code/],
    ['app/domain/probe.ts', "import { z } from 'zod';", /plain values: no packages/],
    ['app/domain/probe.ts', "import { formatDateTime } from '~/utils/format';", /Domain vocabulary imports only itself/],
    ['app/components/probe.tsx', "import { securityHeaders } from '../../server/security';", /never imports the server/],
    ['app/models/probe.server.ts', "import { startSandbox } from '../../sandbox/server';", /never imports the server/],
    ['app/utils/probe.server.ts', "import { createApp } from '../../server/app';", /never imports the server/],
    ['app/components/probe.tsx', "import { json } from '@remix-run/node';", /free of server code/],
    ['app/components/probe.tsx', "import rateLimit from 'express-rate-limit';", /free of server code/],
    ['app/components/probe.tsx', "import { renderToString } from 'react-dom/server';", /free of server code/],
    ['app/components/probe.tsx', "import { renderEmail } from '~/emails/render';", /no models, services or emails/],
    ['app/components/probe.tsx', "export const load = () => import('~/models/organization.server');", /Import statically/],
    ['app/routes/organizations.$organizationId/probe.tsx', "import { getDb } from '~/utils/db.server';", /free of server code/],
    ['app/emails/probe.ts', "import { setupLinkSchema } from '~/forms/setup-link';", /Emails are content/],
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
    ['app/routes/organizations.$organizationId/probe.server.ts', "import { getDb } from '~/utils/db.server';"],
    ['app/routes/organizations.$organizationId/probe.tsx', "import type { OrganizationDetail } from '~/models/organization.server';"],
    ['app/utils/probe.server.ts', "import { migrations } from '../../db/migrations/index';"],
  ])('%s allows %s', async (filePath, code) => {
    expect(await restrictedImports(filePath, `${code}\nexport const probe = 1;\n`)).toEqual([]);
  });
});
