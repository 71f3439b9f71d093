// Domain vocabulary: plain values and rules shared by every tier, the browser included.

/** What the IT admin may set up through a link: WorkOS's Admin Portal intents. */
export const SETUP_FEATURES = ['sso', 'dsync', 'domain_verification', 'audit_logs', 'log_streams', 'certificate_renewal', 'bring_your_own_key'] as const;
export type SetupFeature = (typeof SETUP_FEATURES)[number];

export const FEATURE_INFO: Record<SetupFeature, { title: string; description: string }> = {
  sso: { title: 'Single Sign-On', description: 'Connect the company’s identity provider (Okta, Entra ID, Google…) so people sign in with it.' },
  dsync: { title: 'Directory Sync', description: 'Keep users and groups in step with the company directory.' },
  domain_verification: { title: 'Domain Verification', description: 'Prove the company owns its email domains.' },
  audit_logs: { title: 'Audit Logs', description: 'Review and export the audit log.' },
  log_streams: { title: 'Log Streams', description: 'Stream audit events to the company’s SIEM (Datadog, Splunk, S3…).' },
  certificate_renewal: { title: 'Certificate renewal', description: 'Replace an expiring SAML signing certificate.' },
  bring_your_own_key: { title: 'Bring Your Own Key', description: 'Encrypt data with a key the company controls.' },
};

/** Features WorkOS reports on. Audit Logs and Log Streams emit nothing: only launches are known. */
export const SIGNAL_FEATURES = ['sso', 'dsync', 'domain_verification', 'certificate_renewal', 'bring_your_own_key'] as const satisfies readonly SetupFeature[];

export type SignalFeature = (typeof SIGNAL_FEATURES)[number];

export function hasCompletionSignal(feature: SetupFeature): feature is SignalFeature {
  return (SIGNAL_FEATURES as readonly string[]).includes(feature);
}

/**
 * What a WorkOS-sent invitation can carry: the IT Contacts API's intents (`inviteItContact`),
 * which lack Audit Logs and certificate renewal and spell Directory Sync `directory_sync`.
 */
export const INVITATION_INTENTS = {
  sso: 'sso',
  dsync: 'directory_sync',
  log_streams: 'log_streams',
  domain_verification: 'domain_verification',
  bring_your_own_key: 'bring_your_own_key',
} as const satisfies Partial<Record<SetupFeature, string>>;

export type InvitationFeature = keyof typeof INVITATION_INTENTS;

export const INVITATION_FEATURES = SETUP_FEATURES.filter((feature): feature is InvitationFeature => Object.hasOwn(INVITATION_INTENTS, feature));

export function canBeInvited(feature: SetupFeature): feature is InvitationFeature {
  return Object.hasOwn(INVITATION_INTENTS, feature);
}
