import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS } from '~/models/audit.server';
import { getDb } from '~/utils/db.server';
import { createTestStaff, sessionCookieFor } from '../../test/factories';
import { buildRequest, testContext } from '../../test/requests';
import { loader } from './audit._index';
import { action as exportAction } from './audit.export';

async function auditLog(query: string) {
  const { cookie } = await sessionCookieFor((await createTestStaff('viewer')).id);
  return loader({ request: buildRequest(`/audit?${query}`, { cookie }), params: {}, context: testContext });
}

describe('the audit log filter', () => {
  it('offers the catalog’s actions, retired ones too', async () => {
    const page = await auditLog('');
    expect(page.actions).toEqual(AUDIT_ACTIONS);
    expect(page.actions).toContain('setup_link.viewed');
  });

  it('refuses an action that is not in the catalog, even one shaped like an action', async () => {
    const page = await auditLog('action=setup_link.teleported');
    expect(page.errors.action).toEqual(['Choose an action from the list.']);
    expect(page.events).toEqual([]);
  });

  it('takes any action of the catalog, a retired one included', async () => {
    for (const action of ['setup_link.revoked', 'setup_link.viewed']) {
      const page = await auditLog(`action=${action}`);
      expect(page.errors, action).toEqual({});
    }
  });

  it('the export refuses an action not in the catalog, and records no export', async () => {
    const { cookie } = await sessionCookieFor((await createTestStaff('admin')).id);
    const request = buildRequest('/audit/export', { method: 'POST', cookie, form: { format: 'csv', action: 'organization.teleported' } });
    const response = await exportAction({ request, params: {}, context: testContext });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('action: Choose an action from the list.');
    expect(await getDb()('audit_events').where({ action: 'audit.exported' }).first()).toBeUndefined();
  });
});
