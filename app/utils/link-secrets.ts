/**
 * Setup-link values must never be stored or logged (DESIGN §1, §6). This module knows what a link
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
  const text = input
    .replace(TOKEN_PARAM_URL, link)
    .replace(SETUP_PATH, link)
    .replace(PREFIXED_TOKEN, token)
    .replace(UNPREFIXED_TOKEN, (run) => (looksRandom(run) ? token() : run));
  return { text, scrubbed: text !== input, removed };
}

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
 * Redacts a request URL for the access log: the segment after /setup/ is the secret itself, and
 * any token-looking value elsewhere in the path or query goes too.
 */
export function redactUrlForLog(url: string): string {
  return url
    .replace(/((?:\/|%2f)setup(?:\/|%2f))[^/?#]*/gi, '$1[redacted]')
    .replace(/([?&]token=)[^&#]*/gi, '$1[redacted]')
    .replace(PREFIXED_TOKEN, '[redacted]');
}

// Long runs of one letter or of plain words are not secrets; a token mixes cases and digits.
function looksRandom(run: string): boolean {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((pattern) => pattern.test(run)).length;
  return classes >= 2;
}
