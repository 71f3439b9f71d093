import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { getDb } from '~/utils/db.server';
import { SETUP_TOKEN_PREFIX } from '~/utils/link-secrets';
import { recordAuditEvent } from './audit.server';
import { CHECK_VIOLATION } from '../../test/backend';

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
      details: { features: ['sso', 'dsync'], delivery: 'copy', expiresAt: '2026-11-09T10:00:00.000Z', fingerprint: '3fa2c1' },
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
    expect(JSON.parse(row.details)).toEqual({ features: ['sso', 'dsync'], delivery: 'copy', expiresAt: '2026-11-09T10:00:00.000Z', fingerprint: '3fa2c1' });
    expect(new Date(row.at).toISOString()).toBe(row.at);
  });

  it('scrubs a pasted setup link or token from the note and from details before writing', async () => {
    const token = SETUP_TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
    const { id, scrubbed } = await recordAuditEvent({
      actor: rep,
      action: 'settings.changed',
      note: `Sent https://desk.example.com/setup/${token} by chat, and the token ${token} again`,
      details: { changes: [{ field: 'Support email', from: '(environment)', to: `token ${token}` }] },
    });
    expect(scrubbed).toBe(true);
    const row = await readEvent(id);
    expect(row.note).toBe('Sent [setup link removed] by chat, and the token [token removed] again');
    expect(row.details).not.toContain(token.slice(4));
    expect(JSON.stringify(row)).not.toContain(SETUP_TOKEN_PREFIX);
  });

  it('stores an empty note as no note', async () => {
    const { id } = await recordAuditEvent({ actor: rep, action: 'organization.noted', note: '   ' });
    expect((await readEvent(id)).note).toBeNull();
  });

  it('rejects malformed actions and empty actor labels before touching the database', async () => {
    // @ts-expect-error -- not an action: the compiler refuses it as well
    await expect(recordAuditEvent({ actor: rep, action: 'Revoked.Link' })).rejects.toThrow(/subject\.verb/);
    await expect(recordAuditEvent({ actor: { type: 'system', label: ' ' }, action: 'staff.signed_out' })).rejects.toThrow(/label/);
  });

  it('writes inside a caller transaction and disappears with its rollback', async () => {
    const db = getDb();
    const before = await db('audit_events').count({ n: '*' }).first();
    await expect(
      db.transaction(async (trx) => {
        await recordAuditEvent({ actor: rep, action: 'setup_link.revoked', details: { fingerprint: 'abc123' } }, { db: trx });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await db('audit_events').count({ n: '*' }).first()).toEqual(before);
  });
});

describe('recordAuditEvent and the audit catalog', () => {
  async function countEvents(): Promise<number> {
    const row = (await getDb()('audit_events').count({ n: '*' }).first()) as { n: number };
    return Number(row.n);
  }

  /** The call must throw `message` and leave the table as it was. */
  async function expectRefused(write: () => Promise<unknown>, message: RegExp) {
    const before = await countEvents();
    await expect(write()).rejects.toThrow(message);
    expect(await countEvents()).toBe(before);
  }

  it('refuses an action that is not in the catalog, writing nothing', async () => {
    await expectRefused(
      // @ts-expect-error -- not in the catalog: the compiler refuses it as well
      () => recordAuditEvent({ actor: rep, action: 'setup_link.teleported', details: { fingerprint: 'abc123' } }),
      /"setup_link\.teleported" is not in the audit catalog/,
    );
  });

  it('refuses a retired action, even with the details it used to have, writing nothing', async () => {
    await expectRefused(
      // @ts-expect-error -- retired: only old rows may hold it
      () => recordAuditEvent({ actor: rep, action: 'setup_link.viewed', details: { fingerprint: 'abc123', first: true } }),
      /"setup_link\.viewed" is retired/,
    );
  });

  it('refuses details without a key the action needs, writing nothing', async () => {
    await expectRefused(
      // @ts-expect-error -- the fingerprint is missing
      () => recordAuditEvent({ actor: rep, action: 'setup_link.revoked', details: {} }),
      /"setup_link\.revoked" do not match its schema: fingerprint: /,
    );
    // @ts-expect-error -- details left out altogether
    await expectRefused(() => recordAuditEvent({ actor: rep, action: 'staff.signed_in' }), /"staff\.signed_in" do not match its schema: ip: /);
  });

  it('refuses details of the wrong type, writing nothing', async () => {
    await expectRefused(
      // @ts-expect-error -- unused must be a boolean
      () => recordAuditEvent({ actor: rep, action: 'setup_link.expired', details: { fingerprint: 'abc123', unused: 'yes' } }),
      /"setup_link\.expired" do not match its schema: unused: .*boolean/,
    );
    await expectRefused(
      // @ts-expect-error -- a feature id, not a title
      () => recordAuditEvent({ actor: rep, action: 'setup_link.launched', details: { feature: 'Single Sign-On', fingerprint: 'abc123' } }),
      /"setup_link\.launched" do not match its schema: feature: /,
    );
    await expectRefused(
      () =>
        recordAuditEvent({
          actor: rep,
          action: 'setup_link.created',
          details: { features: [], delivery: 'copy', expiresAt: '2026-11-09T10:00:00.000Z', fingerprint: 'abc123' },
        }),
      /"setup_link\.created" do not match its schema: features: /,
    );
  });

  it('keeps a detail the schema does not name, as the call site gave it', async () => {
    const { id } = await recordAuditEvent({ actor: rep, action: 'setup_link.revoked', details: { fingerprint: 'abc123', ...{ via: 'support ticket' } } });
    expect(JSON.parse((await readEvent(id)).details)).toEqual({ fingerprint: 'abc123', via: 'support ticket' });
  });
});

describe('the audit_events table', () => {
  it('rejects UPDATE: history cannot be rewritten', async () => {
    const { id } = await recordAuditEvent({ actor: rep, action: 'setup_link.revoked', note: 'original', details: { fingerprint: 'abc123' } });
    await expect(getDb()('audit_events').where({ id }).update({ note: 'rewritten' })).rejects.toThrow(/append-only/);
    expect((await readEvent(id)).note).toBe('original');
  });

  it('rejects DELETE, even of every row', async () => {
    const { id } = await recordAuditEvent({ actor: rep, action: 'setup_link.revoked', details: { fingerprint: 'abc123' } });
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
    for (const bad of [{ actor_type: 'robot' }, { action: 'nodot' }, { details: 'not json' }, { details: '[1,2]' }, { at: 'yesterday' }, { actor_label: '' }]) {
      await expect(getDb()('audit_events').insert({ ...valid, ...bad }), JSON.stringify(bad)).rejects.toThrow(CHECK_VIOLATION);
    }
  });
});
