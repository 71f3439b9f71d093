/**
 * The guard that keeps server tests off a stale build (test/built-server.ts): a build whose
 * recorded source hash no longer matches the sources is refused, by name, before any server starts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILD_INFO_FILE, sourceHash } from '~/utils/source-hash.server';
import { assertBuildIsCurrent, STALE_BUILD_MESSAGE } from '../test/built-server';
import { makeTempDir } from '../test/temp-dirs';

/** A project folder with one source file and a build made from it, as `npm run build` leaves it. */
function builtProject(): string {
  const root = makeTempDir('setup-desk-guard-');
  fs.mkdirSync(path.join(root, 'app'));
  fs.writeFileSync(path.join(root, 'app/page.ts'), 'export const answer = 42;\n');
  fs.mkdirSync(path.join(root, 'build/server'), { recursive: true });
  fs.writeFileSync(path.join(root, 'build/server/index.js'), '');
  fs.writeFileSync(path.join(root, BUILD_INFO_FILE), JSON.stringify({ sourceHash: sourceHash(root), builtAt: '2026-11-30T09:00:00.000Z' }));
  return root;
}

describe('the stale-build guard', () => {
  it('lets a build made from the current sources through', () => {
    expect(() => assertBuildIsCurrent(builtProject())).not.toThrow();
  });

  it('refuses a build older than a source file, and says what to run', () => {
    const root = builtProject();
    fs.appendFileSync(path.join(root, 'app/page.ts'), '// changed after the build\n');
    expect(() => assertBuildIsCurrent(root)).toThrow(STALE_BUILD_MESSAGE);
    expect(() => assertBuildIsCurrent(root)).toThrow('was built at 2026-11-30T09:00:00.000Z');
  });

  it('refuses a build with no record of its sources, and no build at all', () => {
    const root = builtProject();
    fs.rmSync(path.join(root, BUILD_INFO_FILE));
    expect(() => assertBuildIsCurrent(root)).toThrow(`${STALE_BUILD_MESSAGE} (it has no ${BUILD_INFO_FILE})`);
    fs.rmSync(path.join(root, 'build'), { recursive: true });
    expect(() => assertBuildIsCurrent(root)).toThrow(/build\/server\/index\.js is missing: run `npm run build`/);
  });

  it('ignores test files: changing a test needs no new build', () => {
    const root = builtProject();
    fs.writeFileSync(path.join(root, 'app/page.test.ts'), 'it.todo("later");\n');
    expect(() => assertBuildIsCurrent(root)).not.toThrow();
  });
});
