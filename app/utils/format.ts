/**
 * How Setup Desk writes times for staff (decision 020): in the reader's own time zone, with the
 * zone named, in English whatever the browser's language, and the same text on the server and in
 * the browser (so hydration never disagrees). The text is assembled from numbers and a fixed table
 * of English month names, so no locale data — which differs between the server's and a browser's
 * ICU — shapes it; only the zone's abbreviation comes from the Intl data.
 */

/** The UI's language, for every Intl formatter the staff pages use. Never the browser's. */
export const UI_LOCALE = 'en-GB';

/** The zone of anyone who has not chosen one (and of pages nobody is signed in to). */
export const DEFAULT_TIME_ZONE = 'UTC';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * One `Intl.DateTimeFormat` per (locale, zone, options), made on first use: constructing one
 * costs far more than formatting with it, and a page formats hundreds of times.
 */
export function dateTimeFormat(locale: string, timeZone: string, options: Intl.DateTimeFormatOptions = {}): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${JSON.stringify(options)}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(locale, { ...options, timeZone });
    formatters.set(key, formatter);
  }
  return formatter;
}

/** How many formatters are cached (for tests). */
export function cachedFormatterCount(): number {
  return formatters.size;
}

const PARTS: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'short',
};

type Parts = Partial<Record<Intl.DateTimeFormatPartTypes, string>>;

function partsOf(date: Date, locale: string, timeZone: string): Parts {
  const parts: Parts = {};
  for (const part of dateTimeFormat(locale, timeZone, PARTS).formatToParts(date)) parts[part.type] = part.value;
  return parts;
}

const isOffsetName = (name: string | undefined) => !name || /^(GMT|UTC)[+-−]/.test(name);

/**
 * "2 Dec 2026, 10:51 PST" — the moment in `timeZone`, named by its English abbreviation where
 * there is one (PST, EDT, CET, BST, UTC; US English knows the American ones, British English the
 * European ones), else by its offset ("GMT+9").
 */
export function formatDateTime(iso: string, timeZone: string = DEFAULT_TIME_ZONE): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const zone = isTimeZone(timeZone) ? timeZone : DEFAULT_TIME_ZONE;
  const { offsetMs, name } = zoneAt(date.getTime(), zone);
  const local = new Date(date.getTime() + offsetMs);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${local.getUTCDate()} ${MONTHS[local.getUTCMonth()]} ${local.getUTCFullYear()}, ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())} ${name}`;
}

/**
 * A zone's offset and name are, almost always, the same for every moment of a quarter hour of
 * UTC: they are read from Intl once per zone and quarter hour, so that a page of times from one
 * afternoon asks Intl a few times, not once per time. A quarter hour in which they change (today's
 * rules change on quarter hours; some past ones did not — St John's changed at 00:01 local time
 * until 2011) is not cached: each moment in it is read as it is.
 */
const QUARTER_HOUR_MS = 15 * 60_000;
const zoneQuarters = new Map<string, ZoneReading | null>();

interface ZoneReading {
  offsetMs: number;
  name: string;
}

function zoneAt(time: number, zone: string): ZoneReading {
  const quarter = Math.floor(time / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
  const key = `${zone}|${quarter}`;
  let known = zoneQuarters.get(key);
  if (known === undefined) {
    const start = readZone(quarter, zone);
    const end = readZone(quarter + QUARTER_HOUR_MS - 60_000, zone);
    known = start.offsetMs === end.offsetMs && start.name === end.name ? start : null;
    // Bounded: a long-running server reads times from all over the calendar.
    if (zoneQuarters.size >= 10_000) zoneQuarters.clear();
    zoneQuarters.set(key, known);
  }
  return known ?? readZone(Math.floor(time / 60_000) * 60_000, zone);
}

/** The zone's offset and name at `time` (a whole minute), from Intl. */
function readZone(time: number, zone: string): ZoneReading {
  const at = new Date(time);
  const parts = partsOf(at, 'en-US', zone);
  let name = parts.timeZoneName;
  if (isOffsetName(name)) {
    const british = partsOf(at, 'en-GB', zone).timeZoneName;
    if (!isOffsetName(british)) name = british;
  }
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour) % 24, Number(parts.minute));
  return { offsetMs: wall - time, name: name ?? zone };
}

/** The exact moment in UTC, for hover titles: "2026-12-02 18:51:07 UTC". */
export function formatUtc(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

const zoneChecks = new Map<string, boolean>();

/**
 * Whether `value` names an IANA time zone the platform knows ("America/Los_Angeles", "UTC",
 * also a legacy alias such as "Asia/Calcutta"); an offset ("+05:00") or anything else is not.
 */
export function isTimeZone(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) return false;
  let known = zoneChecks.get(value);
  if (known === undefined) {
    known = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(value) && constructs(value);
    if (zoneChecks.size < 1000) zoneChecks.set(value, known);
  }
  return known;
}

// Not through the cache: what people type must not fill it with spellings of one zone.
function constructs(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat(UI_LOCALE, { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The zone as the platform spells it ("america/los_angeles" → "America/Los_Angeles"), or null. */
export function canonicalTimeZone(value: unknown): string | null {
  if (!isTimeZone(value)) return null;
  return new Intl.DateTimeFormat(UI_LOCALE, { timeZone: value }).resolvedOptions().timeZone ?? value;
}

/** Every zone to choose from, UTC first, then the platform's list (and `current`, if it is not in it). */
export function timeZoneChoices(current?: string): string[] {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const choices = [DEFAULT_TIME_ZONE, ...zones.filter((zone) => zone !== DEFAULT_TIME_ZONE)];
  if (current && !choices.includes(current)) choices.splice(1, 0, current);
  return choices;
}
