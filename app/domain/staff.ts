/** Staff roles: who may do what (viewer < support < admin). */
export const STAFF_ROLES = ['viewer', 'support', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const ROLE_DESCRIPTIONS: Record<StaffRole, string> = {
  viewer: 'Viewer — reads organizations, links and the audit trail',
  support: 'Support — also creates, sends and revokes setup links',
  admin: 'Admin — also manages staff and settings',
};

/** True when `role` carries at least the rights of `minimum` (viewer < support < admin). */
export function roleAtLeast(role: StaffRole, minimum: StaffRole): boolean {
  return STAFF_ROLES.indexOf(role) >= STAFF_ROLES.indexOf(minimum);
}
