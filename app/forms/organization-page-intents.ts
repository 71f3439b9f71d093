// The intents' names, apart from the schema that reads them: the page's sections (browser code)
// import them, and a module that builds a schema would bring zod into the page's scripts.

export const ORGANIZATION_PAGE_INTENTS = [
  'retry_create',
  'set_owner',
  'edit',
  'archive',
  'create_link',
  'revoke_link',
  'recreate_link',
  'resend_link',
  'extend_link',
  'set_link_preferences',
  'add_note',
  'check_progress',
] as const;
export type OrganizationPageIntent = (typeof ORGANIZATION_PAGE_INTENTS)[number];

/** The forms that issue or end a setup link: the setup-link card's. */
export const SETUP_LINK_INTENTS: readonly OrganizationPageIntent[] = [
  'create_link',
  'revoke_link',
  'recreate_link',
  'resend_link',
  'extend_link',
  'set_link_preferences',
];
