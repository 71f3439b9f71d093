import crypto from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { removeRunTempDirs } from './temp-dirs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The tag in the name of every temporary folder this run makes (test/temp-dirs.ts). */
    testRun: string;
  }
}

/**
 * Once per `vitest run`: tags the run's temporary folders, and removes them all at the end —
 * whether the tests passed or not, and whatever a crashed worker left behind.
 */
export default function setup(project: TestProject) {
  const run = `run${crypto.randomBytes(4).toString('hex')}`;
  project.provide('testRun', run);
  // Also when vitest ends early (a worker that died takes the run down before teardown). First in
  // line: vitest's own exit listener exits at once, and listeners after it would never run.
  const onExit = () => removeRunTempDirs(run);
  process.prependOnceListener('exit', onExit);
  return () => {
    process.off('exit', onExit);
    removeRunTempDirs(run);
  };
}
