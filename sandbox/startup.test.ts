import fs from 'node:fs';
import path from 'node:path';
import { WorkOS } from '@workos-inc/node';
import { describe, expect, it } from 'vitest';
import { getFreePort } from '../test/built-server';
import { makeTempDir } from '../test/temp-dirs';
import { startSandbox } from './server';

describe('starting the sandbox', () => {
  it('listens on a free port by default, or on the port asked for', async () => {
    const free = await startSandbox();
    const wanted = await getFreePort();
    const chosen = await startSandbox({ port: wanted });
    try {
      expect(free.port).toBeGreaterThan(0);
      expect(free.url).toBe(`http://localhost:${free.port}`);
      expect(chosen.port).toBe(wanted);
      expect((await fetch(`${chosen.url}/organizations`)).status).toBe(401);
    } finally {
      await free.stop();
      await chosen.stop();
    }
  });

  it('answers its home page (what `npm run dev` points at) with its organizations, and the controls it links to answer', async () => {
    const sandbox = await startSandbox({ seed: { organizations: [{ name: 'Home Page Co', domains: ['home.example'], externalId: 'home-1' }] } });
    try {
      const home = await fetch(`${sandbox.url}/`);
      expect(home.status).toBe(200);
      const html = await home.text();
      expect(html).toContain('<h1>WorkOS sandbox</h1>');
      expect(html).toContain('Home Page Co');
      const links = [...html.matchAll(/href="([^"]+)"/g)].map((match) => match[1]!);
      expect(links).toEqual(['/__sandbox/state', '/__sandbox/requests', '/__sandbox/it-invitations']);
      for (const link of links) expect((await fetch(`${sandbox.url}${link}`)).status, link).toBe(200);
    } finally {
      await sandbox.stop();
    }
  });

  it('creates seed organizations on an empty start', async () => {
    const sandbox = await startSandbox({ seed: { organizations: [{ name: 'Seeded Co', domains: ['seeded.example'], externalId: 'seed-1' }] } });
    try {
      const workos = new WorkOS(sandbox.apiKey, sandbox.sdkOptions);
      const organization = await workos.organizations.getOrganizationByExternalId('seed-1');
      expect(organization).toMatchObject({ name: 'Seeded Co', domains: [expect.objectContaining({ domain: 'seeded.example', state: 'pending' })] });
    } finally {
      await sandbox.stop();
    }
  });

  it('keeps its state across a restart when given a file, and does not seed over it', async () => {
    const dir = makeTempDir('setup-desk-sandbox-state-');
    const persistPath = path.join(dir, 'state.json');
    try {
      const first = await startSandbox({ persistPath });
      const created = await new WorkOS(first.apiKey, first.sdkOptions).organizations.createOrganization({ name: 'Survivor' });
      await first.stop();

      const second = await startSandbox({ persistPath, seed: { organizations: [{ name: 'Should not appear' }] } });
      try {
        const list = await new WorkOS(second.apiKey, second.sdkOptions).organizations.listOrganizations();
        expect(list.data.map((organization) => organization.id)).toEqual([created.id]);
      } finally {
        await second.stop();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps IT contacts and invitations across a restart, and loads a state file saved before they existed', async () => {
    const dir = makeTempDir('setup-desk-sandbox-state-');
    const persistPath = path.join(dir, 'state.json');
    try {
      const first = await startSandbox({ persistPath });
      const workos = new WorkOS(first.apiKey, first.sdkOptions);
      const organization = await workos.organizations.createOrganization({ name: 'Contacts Survive' });
      const contact = await workos.organizations.createItContact({ organizationId: organization.id, email: 'it@survive.example' });
      await workos.organizations.inviteItContact({ organizationId: organization.id, contactId: contact.id, intents: ['sso'] });
      await first.stop();

      const second = await startSandbox({ persistPath });
      try {
        const again = new WorkOS(second.apiKey, second.sdkOptions);
        expect((await again.organizations.listItContacts({ organizationId: organization.id })).data.map((item) => item.id)).toEqual([contact.id]);
        const invitations = (await (await fetch(`${second.url}/__sandbox/it-invitations`)).json()) as { status: string }[];
        expect(invitations.map((invitation) => invitation.status)).toEqual(['active']);
      } finally {
        await second.stop();
      }

      // A file from before IT contacts: no such arrays in it.
      const { itContacts: _contacts, itInvitations: _invitations, ...older } = JSON.parse(fs.readFileSync(persistPath, 'utf8')) as Record<string, unknown>;
      fs.writeFileSync(persistPath, JSON.stringify(older));
      const third = await startSandbox({ persistPath });
      try {
        const client = new WorkOS(third.apiKey, third.sdkOptions);
        expect((await client.organizations.listItContacts({ organizationId: organization.id })).data).toEqual([]);
        await expect(client.organizations.createItContact({ organizationId: organization.id, email: 'new@survive.example' })).resolves.toMatchObject({
          email: 'new@survive.example',
        });
      } finally {
        await third.stop();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
