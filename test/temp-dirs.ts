import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Temporary folders for tests, removed after the run. Each is made in the system's temp folder,
 * named `<prefix><run tag>-XXXXXX`: the test file that made it removes it when it ends
 * (`removeTempDirs`, test/setup.ts), and the run's global teardown removes whatever is left with
 * its tag (`removeRunTempDirs`) — a folder from a worker that crashed, say — without touching the
 * folders of another run going on at the same time.
 */
export const TEST_RUN_ENV = 'SETUP_DESK_TEST_RUN';

const made = new Set<string>();

/** A new empty folder `<prefix><run tag>-XXXXXX` in the system's temp folder, removed after the run. */
export function makeTempDir(prefix: string): string {
  const run = process.env[TEST_RUN_ENV];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), run ? `${prefix}${run}-` : prefix));
  made.add(dir);
  return dir;
}

/** Removes every folder this process made so far (at the end of each test file). */
export function removeTempDirs(): void {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  made.clear();
}

/** Removes the folders any process of this run made; returns their paths. */
export function removeRunTempDirs(run: string): string[] {
  const ours = new RegExp(`-${run}-[^-]{6}$`);
  const removed: string[] = [];
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith('setup-desk-') || !ours.test(name)) continue;
    const dir = path.join(os.tmpdir(), name);
    fs.rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}
