import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { getDb } from '~/utils/db.server';
import { SETUP_TOKEN_PREFIX } from '~/utils/link-secrets';
import { recordAuditEvent } from './audit.server';

const rep = { type: 'staff' as const, id: 7, label: 'Ada Lovelace' };

async function readEvent(id: number) {
  return getDb()('audit_events').where({ id }).first();
}

describe('recordAuditEvent', () => {
  it('appends an event with actor, action, subjects, details, note and request id', async () => {
    const { id, scrubbed } = await recordAuditEvent({
      actor: rep,
      action: 'setup_link.created',
      organizationId: 3,
      setupLinkId: 9,
      details: { features: ['sso', 'dsync'], delivery: 'copy' },
      note: '  Customer asked for SSO first.  ',
      requestId: 'req-123456',
    });
    expect(scrubbed).toBe(false);
    const row = await readEvent(id);
    expect(row).toMatchObject({
      actor_type: 'staff',
      actor_id: 7,
      actor_label: 'Ada Lovelace',
      action: 'setup_link.created',
      organization_id: 3,
      setup_link_id: 9,
      note: 'Customer asked for SSO first.',
      request_id: 'req-123456',
    });
    expect(JSON.parse(row.details)).toEqual({ features: ['sso', 'dsync'], delivery: 'copy' });
    expect(new Date(row.at).toISOString()).toBe(row.at);
  });

  it('scrubs a pasted setup link or token from the note and from details before writing', async () => {
    const token = SETUP_TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
    const { id, scrubbed } = await recordAuditEvent({
      actor: rep,
      action: 'organization.noted',
      note: `Sent https://desk.example.com/setup/${token} by chat, and the token ${token} again`,
      details: { pasted: [`token ${token}`] },
    });
    expect(scrubbed).toBe(true);
    const row = await readEvent(id);
    expect(row.note).toBe('Sent [setup link removed] by chat, and the token [token removed] again');
    expect(row.details).not.toContain(token.slice(4));
    expect(JSON.stringify(row)).not.toContain(SETUP_TOKEN_PREFIX);
  });

  it('stores an empty note as no note', async () => {
    const { id } = await recordAuditEvent({ actor: rep, action: 'organization.viewed', note: '   ' });
    expect((await readEvent(id)).note).toBeNull();
  });

  it('rejects malformed actions and empty actor labels before touching the database', async () => {
    await expect(recordAuditEvent({ actor: rep, action: 'Revoked.Link' })).rejects.toThrow(/subject\.verb/);
    await expect(recordAuditEvent({ actor: { type: 'system', label: ' ' }, action: 'system.started' })).rejects.toThrow(/label/);
  });

  it('writes inside a caller transaction and disappears with its rollback', async () => {
    const db = getDb();
    const before = await db('audit_events').count({ n: '*' }).first();
    await expect(
      db.transaction(async (trx) => {
        await recordAuditEvent({ actor: rep, action: 'setup_link.revoked' }, trx);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await db('audit_events').count({ n: '*' }).first()).toEqual(before);
  });
});

describe('the audit_events table', () => {
  it('rejects UPDATE: history cannot be rewritten', async () => {
    const { id } = await recordAuditEvent({ actor: rep, action: 'setup_link.revoked', note: 'original' });
    await expect(getDb()('audit_events').where({ id }).update({ note: 'rewritten' })).rejects.toThrow(/append-only/);
    expect((await readEvent(id)).note).toBe('original');
  });

  it('rejects DELETE, even of every row', async () => {
    const { id } = await recordAuditEvent({ actor: rep, action: 'setup_link.revoked' });
    await expect(getDb()('audit_events').where({ id }).delete()).rejects.toThrow(/append-only/);
    await expect(getDb().raw('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
    expect(await readEvent(id)).toBeTruthy();
  });

  it('enforces its CHECK constraints on direct inserts', async () => {
    const valid = {
      at: new Date().toISOString(),
      actor_type: 'staff',
      actor_label: 'Ada',
      action: 'setup_link.created',
      details: '{}',
    };
    await expect(getDb()('audit_events').insert(valid)).resolves.toBeDefined();
    for (const bad of [
      { actor_type: 'robot' },
      { action: 'nodot' },
      { details: 'not json' },
      { details: '[1,2]' },
      { at: 'yesterday' },
      { actor_label: '' },
    ]) {
      await expect(getDb()('audit_events').insert({ ...valid, ...bad }), JSON.stringify(bad)).rejects.toThrow(/CHECK constraint/);
    }
  });
});
