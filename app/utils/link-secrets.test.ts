import crypto from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeScrubbed, redactUrlForLog, SCRUBBED_LINK_MARKER, SCRUBBED_TOKEN_MARKER, scrubLinkValues, SETUP_TOKEN_PREFIX } from './link-secrets';

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('');

/** Tokens exactly as the app issues them: prefix + base64url of 32 random bytes. */
const tokenArbitrary = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => SETUP_TOKEN_PREFIX + Buffer.from(bytes).toString('base64url'));

/** Surrounding prose: words, punctuation, line breaks, other URLs. */
const proseArbitrary = fc
  .array(
    fc.oneof(
      fc.constantFrom('Hi', 'the', 'link', 'is', 'here:', '(', ')', '"', '.', ',', '\n', 'https://example.com/docs', 'Acme Corp'),
      fc.string({ maxLength: 12 }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(' '));

const originArbitrary = fc.constantFrom('https://setup-desk.example.com', 'http://localhost:3000', 'HTTPS://Desk.Example.COM:8443', '');

function tokenBody(token: string): string {
  return token.slice(SETUP_TOKEN_PREFIX.length);
}

describe('scrubLinkValues', () => {
  it('removes a setup link, in any surrounding text', () => {
    fc.assert(
      fc.property(proseArbitrary, originArbitrary, tokenArbitrary, proseArbitrary, (before, origin, token, after) => {
        const note = `${before} ${origin}/setup/${token} ${after}`;
        const { text, scrubbed } = scrubLinkValues(note);
        expect(scrubbed).toBe(true);
        expect(text).not.toContain(token);
        expect(text).not.toContain(tokenBody(token));
        expect(text).toContain('[setup link removed]');
      }),
    );
  });

  it('removes a bare token, with or without its prefix, in any letter case of the prefix', () => {
    fc.assert(
      fc.property(proseArbitrary, tokenArbitrary, fc.constantFrom('sdl_', 'SDL_', 'Sdl_', ''), proseArbitrary, (before, token, prefix, after) => {
        const body = tokenBody(token);
        fc.pre(/[a-z]/.test(body) && /[A-Z0-9]/.test(body)); // 2^-40-rare single-class tokens aside
        const { text } = scrubLinkValues(`${before} ${prefix}${body} ${after}`);
        expect(text).not.toContain(body);
      }),
    );
  });

  it('removes WorkOS portal links (token query parameter)', () => {
    fc.assert(
      fc.property(
        proseArbitrary,
        fc.string({ minLength: 1, maxLength: 60 }).filter((s) => !/[\s"'<>]/.test(s)),
        (before, secret) => {
          const { text } = scrubLinkValues(`${before} https://setup.workos.com/portal?token=${secret}&x=1`);
          expect(text).not.toContain(`token=${secret}`);
        },
      ),
    );
  });

  it('removes a percent-encoded setup path', () => {
    const token = SETUP_TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
    const { text } = scrubLinkValues(`see https%3A%2F%2Fdesk.example.com%2Fsetup%2F${token.slice(4)} thanks`);
    expect(text).not.toContain(token.slice(4));
  });

  it('leaves ordinary notes alone', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9'@.-]{1,20}$/);
    const separator = fc.constantFrom(' ', ', ', '. ', '\n', ' - ', '! ', '? ');
    fc.assert(
      fc.property(fc.array(fc.tuple(word, separator), { maxLength: 40 }), (pairs) => {
        const note = pairs.map(([w, sep]) => w + sep).join('');
        fc.pre(!/sdl_/i.test(note) && !/setup/i.test(note));
        expect(scrubLinkValues(note)).toEqual({ text: note, scrubbed: false, removed: { links: 0, tokens: 0 } });
      }),
    );
    const realistic = 'Called Jo at Acme (jo@acme.example); they use Okta. See https://docs.workos.com/sso and ticket ZD-48213.';
    expect(scrubLinkValues(realistic)).toEqual({ text: realistic, scrubbed: false, removed: { links: 0, tokens: 0 } });
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(proseArbitrary, tokenArbitrary, (prose, token) => {
        const once = scrubLinkValues(`${prose} /setup/${token} ${prose}`).text;
        expect(scrubLinkValues(once)).toEqual({ text: once, scrubbed: false, removed: { links: 0, tokens: 0 } });
      }),
    );
  });

  it('never lets a base64url run of token length through when it mixes letter classes', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...BASE64URL), { minLength: 43, maxLength: 43 }), (chars) => {
        const run = chars.join('');
        fc.pre(/[a-z]/.test(run) && /[A-Z0-9]/.test(run));
        expect(scrubLinkValues(`x ${run} y`).text).not.toContain(run);
      }),
    );
  });
});

describe('what scrubLinkValues says it removed', () => {
  const occurrences = (text: string, marker: string) => text.split(marker).length - 1;

  it('counts a setup link (with its token) as one link, and bare tokens as tokens', () => {
    const [first, second, third] = [0, 1, 2].map(() => SETUP_TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url')) as [string, string, string];
    expect(scrubLinkValues(`see https://desk.example.com/setup/${first}`).removed).toEqual({ links: 1, tokens: 0 });
    expect(scrubLinkValues(`token ${first}, again ${tokenBody(first)}`).removed).toEqual({ links: 0, tokens: 2 });
    expect(scrubLinkValues('the portal https://setup.workos.com/portal?token=abc&x=1').removed).toEqual({ links: 1, tokens: 0 });
    const mixed = scrubLinkValues(`/setup/${first} and /setup/${second}, then ${third}`);
    expect(mixed).toMatchObject({ scrubbed: true, removed: { links: 2, tokens: 1 } });
  });

  it('counts exactly the markers it put in, and something only when it scrubbed', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            proseArbitrary,
            tokenArbitrary.map((token) => `/setup/${token}`),
            tokenArbitrary,
            tokenArbitrary.map(tokenBody),
          ),
          { maxLength: 6 },
        ),
        (parts) => {
          const input = parts.join(' ');
          fc.pre(!input.includes(SCRUBBED_LINK_MARKER) && !input.includes(SCRUBBED_TOKEN_MARKER));
          const { text, scrubbed, removed } = scrubLinkValues(input);
          expect(removed).toEqual({ links: occurrences(text, SCRUBBED_LINK_MARKER), tokens: occurrences(text, SCRUBBED_TOKEN_MARKER) });
          expect(removed.links + removed.tokens > 0).toBe(scrubbed);
        },
      ),
    );
  });
});

describe('describeScrubbed', () => {
  it('says what was removed in words', () => {
    expect(describeScrubbed({ links: 0, tokens: 0 })).toBe('');
    expect(describeScrubbed({ links: 1, tokens: 0 })).toBe('a setup link');
    expect(describeScrubbed({ links: 2, tokens: 0 })).toBe('2 setup links');
    expect(describeScrubbed({ links: 0, tokens: 1 })).toBe('a token');
    expect(describeScrubbed({ links: 0, tokens: 3 })).toBe('3 tokens');
    expect(describeScrubbed({ links: 1, tokens: 1 })).toBe('a setup link and a token');
    expect(describeScrubbed({ links: 2, tokens: 2 })).toBe('2 setup links and 2 tokens');
  });

  it('describes what a scrub removed', () => {
    const token = SETUP_TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
    expect(describeScrubbed(scrubLinkValues(`https://desk.example.com/setup/${token} or just ${token}`).removed)).toBe('a setup link and a token');
  });
});

describe('redactUrlForLog', () => {
  it('hides the segment after /setup/ and every token-looking value', () => {
    fc.assert(
      fc.property(tokenArbitrary, fc.constantFrom('', '.data', '?intent=sso', '/launch'), (token, suffix) => {
        const redacted = redactUrlForLog(`/setup/${token}${suffix}`);
        expect(redacted).not.toContain(tokenBody(token));
        expect(redacted.startsWith('/setup/[redacted]')).toBe(true);
      }),
    );
    expect(redactUrlForLog('/Setup/abc')).toBe('/Setup/[redacted]');
    expect(redactUrlForLog('/x?token=abc&y=1')).toBe('/x?token=[redacted]&y=1');
    expect(redactUrlForLog('/organizations/12?tab=links')).toBe('/organizations/12?tab=links');
  });

  // Every way a client can spell a URL that still reaches the secret: each character of the
  // path may be percent-encoded (once or twice), letters of /setup in any case, with a trailing
  // slash or a single-fetch suffix; a portal token under an encoded parameter name.
  const encodeChar = (char: string, times: number) => {
    let spelled = char;
    for (let round = 0; round < times; round += 1) spelled = [...spelled].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
    return spelled;
  };
  const respell = (text: string) =>
    fc.array(fc.constantFrom(0, 0, 0, 1, 2), { minLength: text.length, maxLength: text.length }).chain((rounds) =>
      fc.array(fc.boolean(), { minLength: text.length, maxLength: text.length }).map((upper) =>
        text
          .split('')
          .map((char, index) => {
            const cased = upper[index] && /[a-z]/.test(char) ? char.toUpperCase() : char;
            return rounds[index] === 0 ? cased : encodeChar(char, rounds[index]!);
          })
          .join(''),
      ),
    );

  it('hides the token however the path spells it: encoded letters, encoded or doubly encoded token, case, suffixes', () => {
    fc.assert(
      fc.property(
        tokenArbitrary.chain((token) =>
          fc.tuple(fc.constant(token), respell('/setup/'), respell(token), fc.constantFrom('', '/', '.data', '.data?_routes=routes%2Fsetup.%24token')),
        ),
        ([token, route, spelledToken, suffix]) => {
          const redacted = redactUrlForLog(`${route}${spelledToken}${suffix}`);
          expect(redacted).not.toContain(tokenBody(token));
          expect(redacted.toLowerCase()).toContain('/setup/[redacted]');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('hides a portal token under any spelling of its parameter, and bare tokens anywhere', () => {
    const portalToken = crypto.randomBytes(32).toString('base64url');
    for (const query of [
      `?token=${portalToken}`,
      `?%74oken=${portalToken}`,
      `?tok%65n%3D${portalToken}`,
      `?x=1&TOKEN=${portalToken}`,
      `?access_token=${portalToken}`,
      `?next=%3Ftoken%3D${portalToken}`,
    ]) {
      expect(redactUrlForLog(`/setup/return${query}`), query).not.toContain(portalToken);
    }
    const token = SETUP_TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
    expect(redactUrlForLog(`/organizations?q=${encodeURIComponent(token)}`)).not.toContain(tokenBody(token));
    expect(redactUrlForLog(`/organizations?q=${tokenBody(token)}`)).not.toContain(tokenBody(token));
    expect(redactUrlForLog(`/x?q=%25%32%35`)).toBe('/x?q=%');
  });
});

describe('percent-encoded link values', () => {
  it('are judged by what they decode to, once or many times encoded', () => {
    fc.assert(
      fc.property(tokenArbitrary, fc.integer({ min: 1, max: 3 }), (token, rounds) => {
        let encoded = token;
        for (let round = 0; round < rounds; round += 1) encoded = [...encoded].map((char) => `%${char.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
        const result = scrubLinkValues(`Pasted: ${encoded} (from the ticket)`);
        expect(result.scrubbed).toBe(true);
        expect(result.text).toBe(`Pasted: ${SCRUBBED_TOKEN_MARKER} (from the ticket)`);
        expect(result.removed).toEqual({ links: 0, tokens: 1 });
      }),
      { numRuns: 100 },
    );
    expect(scrubLinkValues('https://desk.example/%73etup/abc').text).toBe(SCRUBBED_LINK_MARKER);
    // Ordinary encoded text stays as written.
    expect(scrubLinkValues('50%25 off, see https://example.com/a%20b').text).toBe('50%25 off, see https://example.com/a%20b');
  });
});
