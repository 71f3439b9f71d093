import { useRouteLoaderData } from '@remix-run/react';
import { DEFAULT_TIME_ZONE, formatDateTime, formatUtc, isTimeZone, UI_LOCALE } from '~/utils/format';

/**
 * The signed-in staff member's time zone (decision 020), from the root loader, so the server and
 * the browser format every time alike. UTC when nobody is signed in.
 */
export function useTimeZone(): string {
  let zone: unknown;
  try {
    // eslint-disable-next-line react-hooks/rules-of-hooks -- it reads only React context (no state): called once at every render, it throws at every render or at none
    zone = (useRouteLoaderData('root') as { staff?: { timeZone?: unknown } | null } | undefined)?.staff?.timeZone;
  } catch {
    // Rendered outside Remix's router (a component test): nobody is signed in. The hook reads
    // only React context, so whether it throws is the same at every render of a tree.
    zone = undefined;
  }
  return isTimeZone(zone) ? zone : DEFAULT_TIME_ZONE;
}

/**
 * A moment as staff read it: in their own zone with the zone named ("2 Dec 2026, 10:51 PST"),
 * the exact UTC time on hover. Pass `timeZone` where the page knows it better than the root.
 */
export function DateTime({ iso, timeZone }: { iso: string; timeZone?: string }) {
  const staffZone = useTimeZone();
  return (
    <time dateTime={iso} title={formatUtc(iso)}>
      {formatDateTime(iso, timeZone ?? staffZone)}
    </time>
  );
}

let relativeFormat: Intl.RelativeTimeFormat | undefined;

/** "in 2 days", "in 5 hours", "3 days ago" — for expiry warnings. */
export function relativeTime(iso: string, now = Date.now()): string {
  const minutes = Math.round((new Date(iso).getTime() - now) / 60_000);
  const format = (relativeFormat ??= new Intl.RelativeTimeFormat(UI_LOCALE, { numeric: 'auto' }));
  if (Math.abs(minutes) < 60) return format.format(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 48) return format.format(hours, 'hour');
  return format.format(Math.round(hours / 24), 'day');
}
