import { useRouteLoaderData } from '@remix-run/react';
import { useEffect, useState } from 'react';
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

/**
 * A timestamp in the reader's browser's zone, for the IT admin's page only (no staff account, so
 * no chosen zone). The server (which cannot know it) renders UTC; the browser replaces it after
 * hydration, so the first paint and the hydrated page agree. Staff pages use `DateTime`.
 */
export function LocalDateTime({ iso }: { iso: string }) {
  const [text, setText] = useState(() => formatDateTime(iso));
  useEffect(() => {
    // dateStyle/timeStyle cannot be combined with timeZoneName: spell the parts out.
    setText(
      new Date(iso).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }),
    );
  }, [iso]);
  return <time dateTime={iso}>{text}</time>;
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
