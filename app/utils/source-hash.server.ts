import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// What the production build was made from. Kept apart from the doctor on purpose: `npm run build`
// imports it, and must not load app modules that read the environment as they load.

/** The files whose content the production build is made from (tests excluded), in a stable order. */
export function sourceFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (!/\.test\.tsx?$/.test(entry.name)) files.push(full);
    }
  };
  for (const dir of ['app', 'server', 'db/migrations', 'public', 'patches']) walk(path.join(root, dir));
  for (const file of [
    'package.json',
    'package-lock.json',
    'remix.config.js',
    'tailwind.config.ts',
    'postcss.config.cjs',
    'tsconfig.json',
    'scripts/build-server.mjs',
  ]) {
    if (fs.existsSync(path.join(root, file))) files.push(path.join(root, file));
  }
  return files.filter((file) => !file.startsWith(path.join(root, 'public', 'build')));
}

/** SHA-256 over the source files' paths and contents: what `npm run build` records in build/build-info.json. */
export function sourceHash(root: string): string {
  const hash = crypto.createHash('sha256');
  for (const file of sourceFiles(root)) {
    hash.update(path.relative(root, file));
    hash.update('\0');
    hash.update(fs.readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

export const BUILD_INFO_FILE = 'build/build-info.json';
