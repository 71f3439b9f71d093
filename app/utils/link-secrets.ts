/**
 * Setup-link values must never be stored or logged (docs/decisions/009-setup-links.md). This module knows what a link
 * value looks like, so that notes, log lines and error reports can be scrubbed of one.
 */

/** Every setup token starts with this prefix, so that leak scanners can find one. */
export const SETUP_TOKEN_PREFIX = 'sdl_';

export const SCRUBBED_LINK_MARKER = '[setup link removed]';
export const SCRUBBED_TOKEN_MARKER = '[token removed]';

// A setup-link URL or path: "/setup/" (or its percent-encoded form) and the segment after it.
const SETUP_PATH = /(?:https?:\/\/[^\s/?#]+)?(?:\/|%2f)setup(?:\/|%2f)[^\s/?#"'<>]+/gi;
// A bare token with its prefix, in any letter case (someone may retype it).
const PREFIXED_TOKEN = /sdl_[A-Za-z0-9_-]+/gi;
// Any URL carrying a `token=` parameter (WorkOS portal links look like this).
const TOKEN_PARAM_URL = /https?:\/\/[^\s"'<>]*[?&]token=[^\s"'<>]*/gi;
// A token pasted without its prefix: 43 base64url characters (32 bytes) or longer.
const UNPREFIXED_TOKEN = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{40,}(?![A-Za-z0-9_-])/g;

export interface ScrubResult {
  text: string;
  /** True when something was replaced, so the UI can tell the rep their note was changed. */
  scrubbed: boolean;
  /** What was replaced: links (setup-link URLs or paths, portal links) and bare tokens. */
  removed: ScrubbedCounts;
}

export interface ScrubbedCounts {
  links: number;
  tokens: number;
}

/** Replaces anything that looks like a setup link, a setup token or a portal link with a marker. */
export function scrubLinkValues(input: string): ScrubResult {
  const removed: ScrubbedCounts = { links: 0, tokens: 0 };
  const link = () => {
    removed.links += 1;
    return SCRUBBED_LINK_MARKER;
  };
  const token = () => {
    removed.tokens += 1;
    return SCRUBBED_TOKEN_MARKER;
  };
  const plain = (text: string, onLink: () => string, onToken: () => string) =>
    text
      .replace(TOKEN_PARAM_URL, onLink)
      .replace(SETUP_PATH, onLink)
      .replace(PREFIXED_TOKEN, onToken)
      .replace(UNPREFIXED_TOKEN, (run) => (looksRandom(run) ? onToken() : run));
  // A percent-encoded run is judged by what it decodes to: `%73%64%6C%5F…` is a token too.
  const decodedFirst = input.replace(ENCODED_RUN, (run) => {
    const decoded = decodeUntilStable(run);
    if (decoded === run) return run;
    const found = { link: false, token: decoded.startsWith('[unreadable') };
    plain(
      decoded,
      () => ((found.link = true), ''),
      () => ((found.token = true), ''),
    );
    return found.link ? link() : found.token ? token() : run;
  });
  const text = plain(decodedFirst, link, token);
  return { text, scrubbed: text !== input, removed };
}

// A run of URL characters with at least one percent-escape in it.
const ENCODED_RUN = /(?:%[0-9A-Fa-f]{2}|[A-Za-z0-9_.~:/?#=&+-])*%[0-9A-Fa-f]{2}(?:%[0-9A-Fa-f]{2}|[A-Za-z0-9_.~:/?#=&+-])*/g;

/** What was removed, in words for a sentence: "a setup link", "2 setup links and a token"; "" for nothing. */
export function describeScrubbed(removed: ScrubbedCounts): string {
  const counted = (n: number, one: string, many: string) => (n === 1 ? `a ${one}` : `${n} ${many}`);
  const parts = [
    ...(removed.links > 0 ? [counted(removed.links, 'setup link', 'setup links')] : []),
    ...(removed.tokens > 0 ? [counted(removed.tokens, 'token', 'tokens')] : []),
  ];
  return parts.join(' and ');
}

/**
 * Redacts a request URL (or a path) for a log line: the segment after /setup/ is the secret
 * itself, and any token-looking value elsewhere in the path or query goes too. The URL is
 * percent-decoded until it stops changing first (a few rounds at most), so no spelling — an
 * encoded letter of "/setup", an encoded slash, a doubly encoded token or "%74oken=" — slips
 * through; the line shows the decoded, redacted form.
 */
export function redactUrlForLog(url: string): string {
  return decodeUntilStable(url.slice(0, 4000))
    .replace(/([/\\]setup[/\\])[^/\\?#]*/gi, '$1[redacted]')
    .replace(/([?&;][a-z_]*token=)[^&#;]*/gi, '$1[redacted]')
    .replace(PREFIXED_TOKEN, '[redacted]')
    .replace(UNPREFIXED_TOKEN, (run) => (looksRandom(run) ? '[redacted]' : run));
}

function decodeUntilStable(text: string): string {
  let current = text;
  for (let round = 0; round < 5; round += 1) {
    const next = current.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        // Not UTF-8: byte by byte is enough to see what it spells.
        return run.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
      }
    });
    if (next === current) return current;
    current = next;
  }
  // Still changing after five rounds: nobody encodes a real URL that deep; nothing of it is kept.
  return '[unreadable: encoded too deeply]';
}

// Long runs of one letter or of plain words are not secrets; a token mixes cases and digits.
function looksRandom(run: string): boolean {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((pattern) => pattern.test(run)).length;
  return classes >= 2;
}
