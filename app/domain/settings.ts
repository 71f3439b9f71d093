/** The Configuration page's fields. A blank field means "use the environment's value". */
export const SETTING_FIELDS = [
  'companyName',
  'supportEmail',
  'linkLifetimeDefaultDays',
  'linkLifetimeMaxDays',
  'mailFrom',
  'mailReplyTo',
  'reminderLimit',
  'reminderFirstAfterDays',
] as const;
export type SettingField = (typeof SETTING_FIELDS)[number];

export const SETTING_LABELS: Record<SettingField, string> = {
  companyName: 'Company name',
  supportEmail: 'Support contact',
  linkLifetimeDefaultDays: 'Default link lifetime (days)',
  linkLifetimeMaxDays: 'Maximum link lifetime (days)',
  mailFrom: 'Email sender',
  mailReplyTo: 'Email reply-to',
  reminderLimit: 'Reminders per link',
  reminderFirstAfterDays: 'First reminder after (days)',
};
