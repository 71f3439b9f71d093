import { useEffect, useState } from 'react';
import { formatDateTime } from '~/utils/format';

/**
 * A timestamp in the reader's own time zone. The server (which cannot know it) renders UTC; the
 * browser replaces it after hydration, so the first paint and the hydrated page agree.
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

/** "in 2 days", "in 5 hours", "3 days ago" — for expiry warnings. */
export function relativeTime(iso: string, now = Date.now()): string {
  const minutes = Math.round((new Date(iso).getTime() - now) / 60_000);
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  if (Math.abs(minutes) < 60) return format.format(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 48) return format.format(hours, 'hour');
  return format.format(Math.round(hours / 24), 'day');
}
