/**
 * The IT-contacts routes against the SDK's own description of them. WorkOS's OpenAPI spec package
 * does not describe these endpoints, so the contract is `@workos-inc/node`'s type definitions: the
 * fields of `ItContactResponse`, the values of `ItContactIntent`, and the request bodies its
 * serializers send (`Serialized*ItContactOptions`). A sandbox that drifts from the SDK fails here.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { WorkOS } from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from './server';
import { IT_CONTACT_INTENTS, PORTAL_INTENTS } from './store';

/** The text of the SDK's type declarations that declare the IT-contact types. */
function sdkDeclarations(): string {
  const lib = path.dirname(createRequire(import.meta.url).resolve('@workos-inc/node'));
  const files = fs.readdirSync(lib).filter((file) => file.endsWith('.d.mts'));
  const texts = files.map((file) => fs.readFileSync(path.join(lib, file), 'utf8')).filter((text) => text.includes('interface ItContactResponse {'));
  expect(texts, 'the SDK declares ItContactResponse in exactly one .d.mts').toHaveLength(1);
  return texts[0]!;
}

/** The top-level member names of `interface Name { ... }` (its body read up to the brace that closes it). */
function interfaceFields(declarations: string, name: string): string[] {
  const start = declarations.indexOf(`interface ${name} {`);
  expect(start, `interface ${name}`).toBeGreaterThanOrEqual(0);
  let depth = 0;
  let index = declarations.indexOf('{', start);
  const open = index;
  for (; index < declarations.length; index += 1) {
    if (declarations[index] === '{') depth += 1;
    if (declarations[index] === '}' && --depth === 0) break;
  }
  const body = declarations.slice(open + 1, index);
  // Members at the first level of nesting only: a nested object's own members are deeper.
  const members: string[] = [];
  depth = 0;
  for (const line of body.split('\n')) {
    const member = /^\s*(?:readonly\s+)?(\w+)\??:/.exec(line);
    if (member && depth === 0) members.push(member[1]!);
    depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
  }
  return members;
}

/** The string values of `declare const ItContactIntent: { readonly SSO: "sso"; ... }`. */
function intentValues(declarations: string): string[] {
  const body = /declare const ItContactIntent: \{([^}]*)\}/.exec(declarations)?.[1];
  expect(body, 'ItContactIntent').toBeDefined();
  return [...body!.matchAll(/:\s*"([^"]+)"/g)].map((match) => match[1]!);
}

let sandbox: RunningSandbox;
let workos: WorkOS;
let declarations: string;

beforeAll(async () => {
  declarations = sdkDeclarations();
  sandbox = await startSandbox();
  workos = new WorkOS(sandbox.apiKey, { ...sandbox.sdkOptions, maxRetries: 0 });
});
afterAll(async () => {
  await sandbox.stop();
});

function logged(method: string, pathEnd: string) {
  return sandbox.requests.filter((request) => request.method === method && request.path.endsWith(pathEnd));
}

describe('the IT-contacts routes against the SDK’s types', () => {
  it('reads the SDK’s declarations (the check has something to check)', () => {
    expect(interfaceFields(declarations, 'ItContactResponse')).toEqual(['object', 'id', 'email', 'created_at', 'updated_at']);
    expect(intentValues(declarations)).toContain('sso');
    expect(interfaceFields(declarations, 'SerializedCreateItContactOptions')).toEqual(['email']);
    expect(interfaceFields(declarations, 'SerializedInviteItContactOptions')).toEqual(['intents']);
  });

  it('answers contacts with exactly ItContactResponse’s fields, in ListResponse’s envelope', async () => {
    const fields = interfaceFields(declarations, 'ItContactResponse');
    const organization = await workos.organizations.createOrganization({ name: 'Contract Contacts' });
    await workos.organizations.createItContact({ organizationId: organization.id, email: 'contract@acme.example' });
    await workos.organizations.listItContacts({ organizationId: organization.id });

    const [created] = logged('POST', '/it_contacts');
    expect(created!.status).toBe(201);
    const createdBody = created!.responseBody as Record<string, unknown>;
    expect(Object.keys(createdBody).sort()).toEqual([...fields].sort());
    expect(createdBody.object).toBe('it_contact');
    for (const field of ['created_at', 'updated_at']) expect(new Date(createdBody[field] as string).toISOString()).toBe(createdBody[field]);

    const [listed] = logged('GET', '/it_contacts');
    const list = listed!.responseBody as { data: Record<string, unknown>[]; list_metadata: Record<string, unknown> };
    expect(Object.keys(list).sort()).toEqual([...interfaceFields(declarations, 'ListResponse<T>')].sort());
    expect(list).toMatchObject({ object: 'list', list_metadata: { before: null, after: null } });
    expect(Object.keys(list.list_metadata).sort()).toEqual(['after', 'before']);
    expect(list.data.map((contact) => Object.keys(contact).sort())).toEqual([[...fields].sort()]);
  });

  it('accepts exactly the SDK’s ItContactIntent values, and none of the portal’s other intent names', async () => {
    const intents = intentValues(declarations);
    expect([...IT_CONTACT_INTENTS].sort()).toEqual([...intents].sort());
    const organization = await workos.organizations.createOrganization({ name: 'Contract Intents' });
    const contact = await workos.organizations.createItContact({ organizationId: organization.id, email: 'intents@acme.example' });
    const ids = { organizationId: organization.id, contactId: contact.id };
    for (const intent of intents) {
      await expect(workos.organizations.inviteItContact({ ...ids, intents: [intent as never] }), intent).resolves.toBeUndefined();
      await workos.organizations.revokeItContact(ids);
    }
    await expect(workos.organizations.inviteItContact({ ...ids, intents: intents as never })).resolves.toBeUndefined();
    await workos.organizations.revokeItContact(ids);
    for (const intent of PORTAL_INTENTS.filter((portalIntent) => !intents.includes(portalIntent))) {
      await expect(workos.organizations.inviteItContact({ ...ids, intents: [intent as never] }), intent).rejects.toMatchObject({ status: 422 });
    }
  });

  it('validates exactly the bodies the SDK’s serializers send', async () => {
    const organization = await workos.organizations.createOrganization({ name: 'Contract Bodies' });
    const contact = await workos.organizations.createItContact({ organizationId: organization.id, email: 'bodies@acme.example' });
    const ids = { organizationId: organization.id, contactId: contact.id };
    await workos.organizations.inviteItContact({ ...ids, intents: ['sso', 'directory_sync'] });
    await workos.organizations.revokeItContact(ids);
    await workos.organizations.deleteItContact(ids);

    const create = logged('POST', '/it_contacts').at(-1)!;
    expect(Object.keys(create.body as object)).toEqual(interfaceFields(declarations, 'SerializedCreateItContactOptions'));
    expect(create).toMatchObject({ status: 201, body: { email: 'bodies@acme.example' } });
    const invite = logged('POST', `${contact.id}/invite`).at(-1)!;
    expect(Object.keys(invite.body as object)).toEqual(interfaceFields(declarations, 'SerializedInviteItContactOptions'));
    expect(invite).toMatchObject({ status: 204, body: { intents: ['sso', 'directory_sync'] } });
    // The SDK's revoke posts `{}` (logged as no body), its delete sends none; both succeed.
    expect(logged('POST', `${contact.id}/revoke`).at(-1)).toMatchObject({ status: 200, body: null, responseBody: {} });
    expect(logged('DELETE', contact.id).at(-1)).toMatchObject({ status: 204, body: null });
  });

  it('answers every error with a `{ message }` body the SDK reads, and 422s with `errors: [{ field, code }]`', async () => {
    const limited = await startSandbox({ limitedApiKeys: ['sk_test_limited_contract'] });
    try {
      const organization = await workos.organizations.createOrganization({ name: 'Contract Errors' });
      const contact = await workos.organizations.createItContact({ organizationId: organization.id, email: 'errors@acme.example' });
      const ids = { organizationId: organization.id, contactId: contact.id };
      const before = sandbox.requests.length;
      const failing = [
        () => workos.organizations.listItContacts({ organizationId: 'org_01NOPE' }),
        () => workos.organizations.createItContact({ organizationId: organization.id, email: 'errors@acme.example' }),
        () => workos.organizations.createItContact({ organizationId: organization.id, email: 'nope' }),
        () => workos.organizations.inviteItContact({ ...ids, intents: ['dsync' as never] }),
        () => workos.organizations.revokeItContact(ids),
        () => workos.organizations.deleteItContact({ ...ids, contactId: 'it_contact_01NOPE' }),
      ];
      for (const call of failing) await expect(call()).rejects.toBeDefined();
      const answers = sandbox.requests.slice(before);
      expect(answers.map((request) => request.status)).toEqual([404, 409, 422, 422, 404, 404]);
      for (const answer of answers) expect(answer.responseBody).toMatchObject({ message: expect.any(String) });
      for (const answer of answers.filter((request) => request.status === 422)) {
        expect(answer.responseBody).toMatchObject({ errors: [{ field: expect.any(String), code: expect.any(String) }] });
      }

      const forbidden = await fetch(`${limited.url}/organizations/org_01ANY/it_contacts`, { headers: { Authorization: 'Bearer sk_test_limited_contract' } });
      expect(forbidden.status).toBe(403);
      expect(Object.keys((await forbidden.json()) as object)).toEqual(['message']);
    } finally {
      await limited.stop();
    }
  });
});
