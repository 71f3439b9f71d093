import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { timeZoneFormSchema } from '~/forms/staff';
import { cachedFormatterCount, canonicalTimeZone, dateTimeFormat, formatDateTime, formatUtc, isTimeZone, timeZoneChoices } from './format';

const WINTER = '2026-12-02T18:51:07.000Z';
const SUMMER = '2026-07-02T18:51:07.000Z';

describe('formatDateTime: the moment in the reader’s zone, the zone named, in English', () => {
  it.each([
    ['UTC', WINTER, '2 Dec 2026, 18:51 UTC'],
    ['America/Los_Angeles', WINTER, '2 Dec 2026, 10:51 PST'],
    ['America/Los_Angeles', SUMMER, '2 Jul 2026, 11:51 PDT'],
    ['America/New_York', WINTER, '2 Dec 2026, 13:51 EST'],
    ['Europe/Berlin', WINTER, '2 Dec 2026, 19:51 CET'],
    ['Europe/Berlin', SUMMER, '2 Jul 2026, 20:51 CEST'],
    ['Europe/London', SUMMER, '2 Jul 2026, 19:51 BST'],
    ['Asia/Tokyo', WINTER, '3 Dec 2026, 03:51 GMT+9'],
    ['Asia/Kolkata', WINTER, '3 Dec 2026, 00:21 GMT+5:30'],
  ])('%s at %s', (zone, iso, expected) => {
    expect(formatDateTime(iso, zone)).toBe(expected);
  });

  it('is UTC by default, and for a zone that is not one', () => {
    expect(formatDateTime(WINTER)).toBe('2 Dec 2026, 18:51 UTC');
    expect(formatDateTime(WINTER, 'Mars/Olympus_Mons')).toBe('2 Dec 2026, 18:51 UTC');
  });

  it('writes midnight as 00, never 24, and every month in English', () => {
    expect(formatDateTime('2026-09-10T00:05:00.000Z', 'UTC')).toBe('10 Sep 2026, 00:05 UTC');
    const months = Array.from({ length: 12 }, (_, month) => formatDateTime(new Date(Date.UTC(2026, month, 15, 12)).toISOString()).split(' ')[1]);
    expect(months).toEqual(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']);
  });

  it('gives the exact UTC moment for hover titles', () => {
    expect(formatUtc(WINTER)).toBe('2026-12-02 18:51:07 UTC');
  });
});

describe('time zone validation', () => {
  it('knows IANA names, UTC and legacy aliases, in any case', () => {
    expect(isTimeZone('America/Los_Angeles')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Asia/Calcutta')).toBe(true);
    expect(canonicalTimeZone('america/los_angeles')).toBe('America/Los_Angeles');
  });

  it.each(['', 'Mars/Olympus_Mons', '+05:00', '-0800', 'America/Los_Angeles; DROP TABLE staff', 'x'.repeat(65), 'Europe/../Paris'])('refuses %j', (value) => {
    expect(isTimeZone(value)).toBe(false);
    expect(canonicalTimeZone(value)).toBeNull();
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 42, {}]) expect(isTimeZone(value)).toBe(false);
  });

  it('the account form names the field and the fix', () => {
    expect(timeZoneFormSchema.safeParse({ timeZone: 'Europe/Berlin' })).toMatchObject({ success: true, data: { timeZone: 'Europe/Berlin' } });
    const refused = timeZoneFormSchema.safeParse({ timeZone: 'Mars/Olympus_Mons' });
    expect(refused.success).toBe(false);
    expect(refused.error!.issues).toEqual([
      expect.objectContaining({ path: ['timeZone'], message: 'That is not a time zone. Choose one from the list, like Europe/London or America/Los_Angeles.' }),
    ]);
    expect(timeZoneFormSchema.safeParse({}).error!.issues[0]!.message).toBe('Choose a time zone.');
  });

  it('offers UTC first, then the platform’s zones, and keeps a stored alias choosable', () => {
    const choices = timeZoneChoices();
    expect(choices[0]).toBe('UTC');
    expect(choices).toContain('America/Los_Angeles');
    expect(new Set(choices).size).toBe(choices.length);
    expect(timeZoneChoices('Etc/GMT+5')).toContain('Etc/GMT+5');
  });
});

describe('the formatter cache', () => {
  const RealDateTimeFormat = Intl.DateTimeFormat;
  afterEach(() => {
    Intl.DateTimeFormat = RealDateTimeFormat;
  });

  /** Counts the formatters made from now on (each still a real one). */
  function countConstructions(): { count: number } {
    const made = { count: 0 };
    Intl.DateTimeFormat = new Proxy(RealDateTimeFormat, {
      construct(target, args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
        made.count += 1;
        return new target(...args);
      },
    });
    return made;
  }

  it('makes one Intl.DateTimeFormat per (locale, zone, options) and reuses it', () => {
    const made = countConstructions();
    const zone = 'Pacific/Auckland'; // not formatted by any other test
    formatDateTime(WINTER, zone);
    // The zone's check once (uncached, see below), US English for the abbreviation, and British
    // English too since New Zealand's is an offset in US English.
    expect(made.count).toBe(3);
    made.count = 0;
    for (let i = 0; i < 200; i += 1) formatDateTime(new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString(), zone);
    expect(made.count).toBe(0);
    expect(dateTimeFormat('en-GB', zone, { month: 'long' })).toBe(dateTimeFormat('en-GB', zone, { month: 'long' }));
    expect(dateTimeFormat('en-GB', zone, { month: 'long' })).not.toBe(dateTimeFormat('en-GB', zone, { month: 'short' }));
    expect(dateTimeFormat('en-GB', zone)).not.toBe(dateTimeFormat('en-GB', 'UTC'));
  });

  it('is not filled by what people type: checking a zone caches no formatter', () => {
    const before = cachedFormatterCount();
    for (const spelling of ['europe/paris', 'EUROPE/PARIS', 'Europe/PARIS', 'eUrope/paris']) expect(canonicalTimeZone(spelling)).toBe('Europe/Paris');
    expect(cachedFormatterCount()).toBe(before);
  });
});

describe('formatDateTime, read once per zone and quarter hour', () => {
  // What Intl itself says for the very moment: the reference the cached offsets must agree with.
  function reference(iso: string, zone: string): string {
    const parts = (locale: string) =>
      Object.fromEntries(
        new Intl.DateTimeFormat(locale, {
          year: 'numeric',
          month: 'numeric',
          day: 'numeric',
          hour: '2-digit',
          minute: '2-digit',
          hourCycle: 'h23',
          timeZoneName: 'short',
          timeZone: zone,
        })
          .formatToParts(new Date(iso))
          .map((part) => [part.type, part.value]),
      ) as Record<string, string>;
    const us = parts('en-US');
    const offsetName = (name: string | undefined) => !name || /^(GMT|UTC)[+-−]/.test(name);
    let name = us.timeZoneName;
    if (offsetName(name) && !offsetName(parts('en-GB').timeZoneName)) name = parts('en-GB').timeZoneName;
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    return `${Number(us.day)} ${months[Number(us.month) - 1]} ${us.year}, ${us.hour}:${us.minute} ${name}`;
  }

  it('agrees with Intl for any moment since 1972, in zones with summer time, half- and quarter-hour offsets', () => {
    const zones = [
      'UTC',
      'America/Los_Angeles',
      'Europe/London',
      'Europe/Berlin',
      'Asia/Kathmandu',
      'Australia/Lord_Howe',
      'Pacific/Chatham',
      'Asia/Tokyo',
      'America/St_Johns',
      'Asia/Kolkata',
    ];
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1972, 0, 1), max: Date.UTC(2100, 0, 1) }), fc.constantFrom(...zones), (time, zone) => {
        const iso = new Date(time).toISOString();
        expect(formatDateTime(iso, zone)).toBe(reference(iso, zone));
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees on both sides of a change of offset, minute by minute', () => {
    // Los Angeles springs forward at 10:00 UTC on 8 March 2026; Lord Howe goes back half an hour at
    // 15:00 UTC on 4 April 2026; St John's sprang forward at 00:01 local (03:31 UTC) on 5 April 1987.
    for (const [zone, change] of [
      ['America/Los_Angeles', Date.UTC(2026, 2, 8, 10)],
      ['Australia/Lord_Howe', Date.UTC(2026, 3, 4, 15)],
      ['America/St_Johns', Date.UTC(1987, 3, 5, 3, 31)],
    ] as const) {
      for (let minute = -20; minute <= 20; minute += 1) {
        const iso = new Date(change + minute * 60_000 + 30_000).toISOString();
        expect(formatDateTime(iso, zone), iso).toBe(reference(iso, zone));
      }
    }
  });
});
