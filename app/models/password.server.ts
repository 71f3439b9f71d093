import crypto from 'node:crypto';
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as zxcvbnCommon from '@zxcvbn-ts/language-common';
import * as zxcvbnEnglish from '@zxcvbn-ts/language-en';
import { singleton } from '~/utils/singleton.server';

export const PASSWORD_MIN_LENGTH = 12;
// Argon2 accepts anything, but hashing megabytes on every sign-in attempt is a denial of service.
export const PASSWORD_MAX_LENGTH = 128;

// OWASP's Argon2id baseline: 19 MiB, 2 passes, 1 lane (≈15 ms here).
// 2 is Algorithm.Argon2id (an ambient const enum, which isolated modules cannot read).
const ARGON2_OPTIONS = { algorithm: 2 as Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

// Built on first use: its dictionaries are large, and most processes (the CLI, a worker) never check a password.
function strengthChecker(): ZxcvbnFactory {
  return singleton(
    'password-strength',
    () =>
      new ZxcvbnFactory({
        dictionary: { ...zxcvbnCommon.dictionary, ...zxcvbnEnglish.dictionary },
        graphs: zxcvbnCommon.adjacencyGraphs,
        translations: zxcvbnEnglish.translations,
      }),
  );
}

/** Hashes a password with Argon2id; the result embeds its salt and parameters. */
export async function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** True when `password` matches `passwordHash`; false (never a throw) for a malformed hash. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// Verified when an account does not exist, so that a wrong email costs as long as a wrong password.
export async function spendPasswordCheckTime(password: string): Promise<void> {
  const dummyHash = singleton('dummy-password-hash', () => hashPassword(crypto.randomBytes(16).toString('hex')));
  await verifyPassword(await dummyHash, password);
}

/**
 * Why `password` is not acceptable, or null when it is: too short or long, or guessable —
 * one of the most common passwords, or built from the person's own name or email.
 */
export function passwordProblem(password: string, personalWords: string[] = []): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (password.length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  const personal = personalWords.flatMap(splitPersonalWord);
  const lowered = password.toLowerCase();
  if (personal.some((word) => word.length >= 4 && lowered.includes(word.toLowerCase()))) {
    return 'Do not use your name or email address in your password.';
  }
  const result = strengthChecker().check(password, personal);
  const wholeMatch = result.sequence.length === 1 ? result.sequence[0] : undefined;
  if (wholeMatch?.pattern === 'dictionary' && wholeMatch.dictionaryName === 'passwords') {
    return 'This is one of the most common passwords. Choose another.';
  }
  if (result.score < 3) {
    const hint = result.feedback.warning ? `${result.feedback.warning} ` : '';
    return `${hint}This password is too easy to guess: add more words or characters.`.trim();
  }
  return null;
}

function splitPersonalWord(word: string): string[] {
  return [word, ...word.toLowerCase().split(/[^a-z0-9]+/)].filter((part) => part.length >= 3);
}

// No 0/O, 1/l/I: the temporary password is read off a screen and typed once.
const TEMPORARY_ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A random temporary password (5 groups of 5, ≈145 bits), to be changed at first sign-in. */
export function generateTemporaryPassword(): string {
  const groups: string[] = [];
  for (let group = 0; group < 5; group += 1) {
    let chunk = '';
    for (let index = 0; index < 5; index += 1) chunk += TEMPORARY_ALPHABET[crypto.randomInt(TEMPORARY_ALPHABET.length)];
    groups.push(chunk);
  }
  return groups.join('-');
}
