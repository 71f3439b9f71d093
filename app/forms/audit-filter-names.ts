// Apart from the filters' schema: the audit page's script lists the filters in use, and a module
// that builds a schema would bring zod into it.
export const AUDIT_FILTER_NAMES = ['organization', 'actor', 'action', 'from', 'to'] as const;
