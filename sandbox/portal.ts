import crypto from 'node:crypto';
import express, { type Router } from 'express';
import { IT_INTENT_TITLES } from './mail';
import {
  invitationStatus,
  newId,
  PORTAL_INTENT_OF,
  type ItContactIntent,
  type ItInvitation,
  type Organization,
  type PortalIntent,
  type PortalSession,
  type SandboxStore,
} from './store';

/**
 * The simulated Admin Portal: what the IT admin sees after following a generate_link link. A tester
 * completes the setup here, and the sandbox emits the events WorkOS would. Plain HTML forms, no
 * scripts, like the pages it stands in for.
 */

const IDENTITY_PROVIDERS = ['OktaSAML', 'AzureSAML', 'GoogleSAML', 'GenericSAML', 'EntraIdOIDC', 'PingFederateSAML'];
const DIRECTORY_TYPES = ['okta scim v2.0', 'azure scim v2.0', 'gsuite directory', 'generic scim v2.0', 'workday'];
const LOG_STREAM_DESTINATIONS = ['Datadog', 'Splunk', 'Amazon S3', 'Generic HTTPS'];
const KEY_PROVIDERS = ['AWS KMS', 'Azure Key Vault', 'Google Cloud KMS'];
/** WorkOS's names for them in `vault.byok_key.verification_completed`. */
const KEY_PROVIDER_IDS: Record<string, string> = { 'AWS KMS': 'AWS_KMS', 'Azure Key Vault': 'AZURE_KEY_VAULT', 'Google Cloud KMS': 'GCP_KMS' };
/** How long a portal session stays usable once its link was opened in time. */
const SESSION_AFTER_OPEN_MS = 30 * 60_000;
/** A session opened from an invitation's page: as long as a generate_link link. */
const INVITATION_SESSION_LIFETIME_MS = 5 * 60_000;

const INTENT_TITLES: Record<PortalIntent, string> = {
  sso: 'Single Sign-On',
  dsync: 'Directory Sync',
  audit_logs: 'Audit Logs',
  log_streams: 'Log Streams',
  domain_verification: 'Domain Verification',
  certificate_renewal: 'SAML certificate renewal',
  bring_your_own_key: 'Bring Your Own Key',
};

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function page(title: string, body: string, status = 200) {
  return {
    status,
    html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · WorkOS Admin Portal (sandbox)</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1e293b}
header{border-bottom:1px solid #e2e8f0;margin-bottom:1.5rem;padding-bottom:.5rem}
.badge{background:#fef3c7;color:#78350f;border-radius:999px;padding:.1rem .6rem;font-size:.8rem}
form{margin:1rem 0;padding:1rem;border:1px solid #e2e8f0;border-radius:.5rem}
button{background:#4f46e5;color:#fff;border:0;border-radius:.375rem;padding:.5rem 1rem;font-weight:600;cursor:pointer}
button.secondary{background:#fff;color:#1e293b;border:1px solid #cbd5e1}
label{display:block;margin:.5rem 0 .25rem;font-weight:500}select,input{padding:.4rem;min-width:16rem}</style></head>
<body><header><strong>WorkOS Admin Portal</strong> <span class="badge">Sandbox</span></header><main>${body}</main></body></html>`,
  };
}

function backLink(session: PortalSession): string {
  return session.return_url ? `<p><a href="${escapeHtml(session.return_url)}">Back to app</a></p>` : '';
}

function intentForm(session: PortalSession, organization: Organization, store: SandboxStore): string {
  const action = `/portal/launch/complete?token=${encodeURIComponent(session.token)}`;
  const options = (values: string[]) => values.map((value) => `<option>${escapeHtml(value)}</option>`).join('');
  const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  switch (session.intent) {
    case 'sso': {
      const active = store.state.connections.filter((connection) => connection.organization_id === organization.id && connection.state === 'active');
      const deactivate = active
        .map(
          (connection) =>
            `<form method="post" action="${action}">${hidden('step', 'deactivate_connection')}${hidden('connection', connection.id)}
             <p>${escapeHtml(connection.name)} (${escapeHtml(connection.connection_type)}) is active.</p>
             <button class="secondary" type="submit">Deactivate ${escapeHtml(connection.name)}</button></form>`,
        )
        .join('');
      return `<form method="post" action="${action}">${hidden('step', 'activate_connection')}
        <label for="provider">Identity provider</label><select id="provider" name="provider">${options(IDENTITY_PROVIDERS)}</select>
        <p>Upload your IdP metadata (simulated), then activate the connection.</p>
        <button type="submit">Activate connection</button></form>${deactivate}`;
    }
    case 'dsync':
      return `<form method="post" action="${action}">${hidden('step', 'activate_directory')}
        <label for="directory">Directory provider</label><select id="directory" name="directory">${options(DIRECTORY_TYPES)}</select>
        <button type="submit">Activate directory</button></form>`;
    case 'domain_verification': {
      const pending = organization.domains.filter((domain) => domain.state !== 'verified');
      const verifyForms = pending
        .map(
          (domain) => `<form method="post" action="${action}">${hidden('step', 'verify_domain')}${hidden('domain', domain.domain)}
            <p>Add a TXT record <code>${escapeHtml(domain.verification_prefix)}.${escapeHtml(domain.domain)}</code> = <code>${escapeHtml(domain.verification_token)}</code></p>
            <button type="submit">Verify ${escapeHtml(domain.domain)}</button>
            <button class="secondary" type="submit" name="outcome" value="fail">Simulate failed verification of ${escapeHtml(domain.domain)}</button></form>`,
        )
        .join('');
      return `${verifyForms || '<p>No domain is waiting for verification.</p>'}
        <form method="post" action="${action}">${hidden('step', 'verify_domain')}
        <label for="new-domain">Add and verify another domain</label><input id="new-domain" name="domain" placeholder="example.com">
        <button type="submit">Add and verify</button></form>`;
    }
    case 'certificate_renewal': {
      const connections = store.state.connections.filter((connection) => connection.organization_id === organization.id && connection.state === 'active');
      if (connections.length === 0) return '<p>This organization has no active SAML connection whose certificate could be renewed.</p>';
      return connections
        .map(
          (connection) => `<form method="post" action="${action}">${hidden('step', 'renew_certificate')}${hidden('connection', connection.id)}
            <p>${escapeHtml(connection.name)}: upload the new signing certificate (simulated).</p>
            <button type="submit">Renew certificate for ${escapeHtml(connection.name)}</button></form>`,
        )
        .join('');
    }
    case 'audit_logs':
      return `<form method="post" action="${action}">${hidden('step', 'setting')}${hidden('detail', 'Audit log export configured')}
        <p>Review audit log events and configure the export.</p><button type="submit">Turn on audit log export</button></form>`;
    case 'log_streams':
      return `<form method="post" action="${action}">${hidden('step', 'setting')}
        <label for="destination">Destination</label><select id="destination" name="detail">${options(LOG_STREAM_DESTINATIONS)}</select>
        <button type="submit">Create log stream</button></form>`;
    case 'bring_your_own_key':
      return `<form method="post" action="${action}">${hidden('step', 'setting')}
        <label for="key">Key provider</label><select id="key" name="detail">${options(KEY_PROVIDERS)}</select>
        <label><input type="checkbox" name="outcome" value="fail"> The key cannot be verified</label>
        <button type="submit">Connect key</button></form>`;
  }
}

type SessionCheck = { session: PortalSession; organization: Organization } | { problem: 'invalid' | 'expired' | 'organization_deleted' };

function checkSession(store: SandboxStore, token: unknown, { opening }: { opening: boolean }): SessionCheck {
  const session = typeof token === 'string' ? store.state.portalSessions.find((candidate) => candidate.token === token) : undefined;
  if (!session) return { problem: 'invalid' };
  const now = store.clock.now().getTime();
  const usable = session.opened_at ? now < new Date(session.opened_at).getTime() + SESSION_AFTER_OPEN_MS : now < new Date(session.expires_at).getTime();
  if (!usable || session.revoked_at) return { problem: 'expired' };
  const organization = store.findOrganization(session.organization_id);
  if (!organization) return { problem: 'organization_deleted' };
  if (opening && !session.opened_at) {
    session.opened_at = store.clock.iso();
    store.save();
  }
  return { session, organization };
}

function problemPage(problem: 'invalid' | 'expired' | 'organization_deleted') {
  if (problem === 'expired') {
    return page('Link expired', '<h1>This link has expired</h1><p>Admin Portal links expire 5 minutes after they are created. Ask for a new link.</p>', 410);
  }
  if (problem === 'organization_deleted') return page('Not available', '<h1>This organization no longer exists</h1>', 404);
  return page('Invalid link', '<h1>This link is not valid</h1><p>Check that you copied the whole link, or ask for a new one.</p>', 404);
}

/**
 * Counts a completed setup towards the invitation the session was opened from; once every invited
 * feature has completed, the invitation is complete (and its link ends), as WorkOS does. Log
 * Streams reports no completion, so an invitation that includes it never completes on its own.
 */
function recordInvitationProgress(store: SandboxStore, session: PortalSession, completed: ItContactIntent | null): void {
  if (!completed || !session.it_invitation_id || PORTAL_INTENT_OF[completed] !== session.intent) return;
  const invitation = store.state.itInvitations.find((candidate) => candidate.id === session.it_invitation_id);
  if (!invitation || invitationStatus(invitation, store.clock.now()) !== 'active' || !invitation.intents.includes(completed)) return;
  if (!invitation.completed_intents.includes(completed)) invitation.completed_intents.push(completed);
  if (invitation.intents.every((intent) => invitation.completed_intents.includes(intent))) invitation.completed_at = store.clock.iso();
  store.save();
}

function findInvitation(store: SandboxStore, token: unknown): ItInvitation | undefined {
  if (typeof token !== 'string') return undefined;
  return store.state.itInvitations.find((candidate) => candidate.token === token);
}

/** The invitation's page: which features to set up, each opening its own Admin Portal session. */
function invitationPage(store: SandboxStore, invitation: ItInvitation | undefined) {
  if (!invitation) return problemPage('invalid');
  const status = invitationStatus(invitation, store.clock.now());
  const organization = store.findOrganization(invitation.organization_id);
  if (!organization) return problemPage('organization_deleted');
  if (status === 'revoked' || status === 'expired') return problemPage('expired');
  if (status === 'completed') {
    return page(
      'Setup complete',
      `<h1>Setup complete</h1><p role="status">Everything ${escapeHtml(organization.name)} was invited to set up is done. This invitation link no longer works.</p>`,
    );
  }
  const action = `/invitation/open?token=${encodeURIComponent(invitation.token)}`;
  const features = invitation.intents
    .map((intent) => {
      const done = invitation.completed_intents.includes(intent) ? ' <span class="badge">Done</span>' : '';
      return `<form method="post" action="${action}"><input type="hidden" name="intent" value="${intent}">
        <p><strong>${escapeHtml(IT_INTENT_TITLES[intent])}</strong>${done}</p>
        <button type="submit">Set up ${escapeHtml(IT_INTENT_TITLES[intent])}</button></form>`;
    })
    .join('');
  return page(
    'Invitation',
    `<h1>Set up ${escapeHtml(organization.name)}</h1>
     <p>You were invited to set up these features for <strong>${escapeHtml(organization.name)}</strong>.</p>${features}`,
  );
}

export function portalRouter(store: SandboxStore): Router {
  const router = express.Router();
  router.use(express.urlencoded({ extended: false, limit: '16kb' }));

  // What `npm run dev`'s banner points at: what the sandbox holds, and where its controls are.
  router.get('/', (_req, res) => {
    const organizations = store.state.organizations
      .map((organization) => `<li>${escapeHtml(organization.name)} <code>${escapeHtml(organization.id)}</code></li>`)
      .join('');
    const { html } = page(
      'WorkOS sandbox',
      `<h1>WorkOS sandbox</h1>
       <p>A local stand-in for the WorkOS API and its Admin Portal. The Admin Portal opens from a setup link: open one (copied, or from the mail catcher) and start a step.</p>
       <h2>Organizations (${store.state.organizations.length})</h2>
       ${organizations ? `<ul>${organizations}</ul>` : '<p>None yet: create a customer in Setup Desk.</p>'}
       <h2>Test controls</h2>
       <ul><li><a href="/__sandbox/state">/__sandbox/state</a>: everything it holds, as JSON</li>
       <li><a href="/__sandbox/requests">/__sandbox/requests</a>: every API request it answered</li>
       <li><a href="/__sandbox/it-invitations">/__sandbox/it-invitations</a>: IT-contact invitations, with their links</li></ul>`,
    );
    res.status(200).type('html').set('Cache-Control', 'no-store').send(html);
  });

  // The link in an IT contact's invitation email.
  router.get('/invitation', (req, res) => {
    const { status, html } = invitationPage(store, findInvitation(store, req.query.token));
    res.status(status).type('html').set('Cache-Control', 'no-store').send(html);
  });

  // One invited feature: a portal session as generate_link would make, tied to the invitation.
  router.post('/invitation/open', (req, res) => {
    const invitation = findInvitation(store, req.query.token);
    const intent = (req.body as Record<string, string | undefined>).intent as ItContactIntent | undefined;
    if (!invitation || invitationStatus(invitation, store.clock.now()) !== 'active') {
      // Dead, unknown or complete: what its link shows now.
      const { status, html } = invitationPage(store, invitation);
      return void res.status(status).type('html').send(html);
    }
    if (!intent || !invitation.intents.includes(intent)) {
      return void res
        .status(400)
        .type('html')
        .send(page('Not invited', '<h1>This invitation does not include that feature</h1>', 400).html);
    }
    const now = store.clock.now();
    const token = crypto.randomBytes(32).toString('base64url');
    store.state.portalSessions.push({
      token,
      organization_id: invitation.organization_id,
      intent: PORTAL_INTENT_OF[intent],
      // Back to the invitation, for the next feature.
      return_url: `/invitation?token=${encodeURIComponent(invitation.token)}`,
      success_url: null,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + INVITATION_SESSION_LIFETIME_MS).toISOString(),
      opened_at: null,
      external_user_id: null,
      it_invitation_id: invitation.id,
    });
    store.save();
    res.redirect(303, `/portal/launch?token=${token}`);
  });

  router.get('/portal/launch', (req, res) => {
    const check = checkSession(store, req.query.token, { opening: true });
    const { status, html } =
      'problem' in check
        ? problemPage(check.problem)
        : page(
            INTENT_TITLES[check.session.intent],
            `<h1>Set up ${escapeHtml(INTENT_TITLES[check.session.intent])}</h1>
             <p>for <strong>${escapeHtml(check.organization.name)}</strong></p>
             ${intentForm(check.session, check.organization, store)}${backLink(check.session)}`,
          );
    res.status(status).type('html').set('Cache-Control', 'no-store').send(html);
  });

  router.post('/portal/launch/complete', (req, res) => {
    const check = checkSession(store, req.query.token, { opening: false });
    if ('problem' in check) {
      const { status, html } = problemPage(check.problem);
      res.status(status).type('html').send(html);
      return;
    }
    const { session, organization } = check;
    const form = req.body as Record<string, string | undefined>;
    const now = store.clock.iso();
    const connectionOf = (id: string | undefined) =>
      store.state.connections.find((candidate) => candidate.id === id && candidate.organization_id === organization.id);
    const notFound = (what: string) =>
      res
        .status(400)
        .type('html')
        .send(page('Not found', `<h1>No such ${what}</h1>`, 400).html);
    let done: string;
    /** The invited feature this step completed, if any (for an invitation's progress). */
    let completed: ItContactIntent | null = null;
    switch (form.step) {
      case 'activate_connection': {
        const provider = IDENTITY_PROVIDERS.includes(form.provider ?? '') ? form.provider! : 'GenericSAML';
        const connection = {
          object: 'connection' as const,
          id: newId('conn'),
          organization_id: organization.id,
          connection_type: provider,
          name: `${organization.name} ${provider}`,
          state: 'active' as const,
          status: 'linked' as const,
          external_key: newId('key'),
          created_at: now,
          updated_at: now,
        };
        store.state.connections.push(connection);
        store.emit('connection.activated', { ...connection, domains: [] }, organization.id);
        done = `Single Sign-On with ${provider} is active.`;
        completed = 'sso';
        break;
      }
      case 'deactivate_connection': {
        const connection = connectionOf(form.connection);
        if (!connection) return void notFound('connection');
        connection.state = 'inactive';
        connection.updated_at = now;
        store.emit('connection.deactivated', { ...connection, domains: [] }, organization.id);
        done = `${connection.name} is deactivated.`;
        break;
      }
      case 'activate_directory': {
        const type = DIRECTORY_TYPES.includes(form.directory ?? '') ? form.directory! : 'generic scim v2.0';
        const directory = {
          object: 'directory' as const,
          id: newId('directory'),
          organization_id: organization.id,
          type,
          name: `${organization.name} directory`,
          state: 'active' as const,
          external_key: newId('key'),
          created_at: now,
          updated_at: now,
        };
        store.state.directories.push(directory);
        store.emit(
          'dsync.activated',
          { ...directory, domains: organization.domains.map((domain) => ({ object: 'organization_domain', id: domain.id, domain: domain.domain })) },
          organization.id,
        );
        done = `Directory Sync with ${type} is active.`;
        completed = 'directory_sync';
        break;
      }
      case 'verify_domain': {
        const name = (form.domain ?? '').trim().toLowerCase();
        if (!/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(name)) {
          return void res
            .status(400)
            .type('html')
            .send(page('Invalid domain', '<h1>That is not a domain name</h1>', 400).html);
        }
        let domain = organization.domains.find((candidate) => candidate.domain === name);
        if (!domain) {
          domain = store.makeDomain(organization.id, name, 'pending');
          organization.domains.push(domain);
        }
        if (form.outcome === 'fail') {
          domain.state = 'failed';
          domain.updated_at = now;
          store.emit(
            'organization_domain.verification_failed',
            { reason: 'domain_verification_period_expired', organization_domain: { ...domain } },
            organization.id,
          );
          done = `Verification of ${name} failed.`;
        } else {
          domain.state = 'verified';
          domain.updated_at = now;
          store.emit('organization_domain.verified', { ...domain }, organization.id);
          done = `${name} is verified.`;
          completed = 'domain_verification';
        }
        organization.updated_at = now;
        break;
      }
      case 'renew_certificate': {
        const connection = connectionOf(form.connection);
        if (!connection) return void notFound('connection');
        const expiry = new Date(store.clock.now().getTime() + 365 * 24 * 3_600_000).toISOString();
        store.emit(
          'connection.saml_certificate_renewed',
          {
            connection: { id: connection.id, organization_id: organization.id },
            certificate: { certificate_type: 'ResponseSigning', expiry_date: expiry },
            renewed_at: now,
          },
          organization.id,
        );
        done = `The certificate of ${connection.name} is renewed.`;
        break;
      }
      case 'setting': {
        if (session.intent !== 'audit_logs' && session.intent !== 'log_streams' && session.intent !== 'bring_your_own_key') {
          return void res
            .status(400)
            .type('html')
            .send(page('Not available', '<h1>Not available for this setup</h1>', 400).html);
        }
        store.state.portalSettings.push({
          id: newId('setting'),
          organization_id: organization.id,
          intent: session.intent,
          detail: form.detail ?? 'configured',
          created_at: now,
        });
        store.save();
        done = `${INTENT_TITLES[session.intent]}: ${form.detail ?? 'configured'}.`;
        // WorkOS reports a BYOK key's verification (Audit Logs and Log Streams report nothing).
        if (session.intent === 'bring_your_own_key') {
          const verified = form.outcome !== 'fail';
          store.emit(
            'vault.byok_key.verification_completed',
            { organization_id: organization.id, key_provider: KEY_PROVIDER_IDS[form.detail ?? ''] ?? 'AWS_KMS', verified },
            organization.id,
          );
          if (!verified) done = `${INTENT_TITLES[session.intent]}: the ${form.detail ?? ''} key could not be verified.`;
          else completed = 'bring_your_own_key';
        }
        break;
      }
      default:
        return void res
          .status(400)
          .type('html')
          .send(page('Unknown step', '<h1>Unknown step</h1>', 400).html);
    }
    recordInvitationProgress(store, session, completed);
    const next = session.success_url ?? session.return_url;
    const { html } = page(
      'Setup complete',
      `<h1>Setup complete</h1><p role="status">${escapeHtml(done)}</p>
       ${next ? `<p><a href="${escapeHtml(next)}">Continue</a></p>` : ''}
       ${
         // WorkOS's "back" goes to the return URL — the app's /setup/return, which leads the IT admin
         // to their setup page; with none, this portal's own page for the link.
         session.return_url
           ? `<p><a href="${escapeHtml(session.return_url)}">Back to the setup page</a></p>`
           : `<p><a href="/portal/launch?token=${encodeURIComponent(session.token)}">Back to the portal</a></p>`
       }`,
    );
    res.status(200).type('html').set('Cache-Control', 'no-store').send(html);
  });

  return router;
}
