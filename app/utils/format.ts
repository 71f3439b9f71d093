/** A timestamp as people read it, identical on server and browser (fixed locale and zone). */
export function formatDateTime(iso: string): string {
  return `${new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })} UTC`;
}
