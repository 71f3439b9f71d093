// `npm install`'s postinstall: applies patches/ (patch-package) to the build tools they fix. An
// install without devDependencies (`npm ci --omit=dev`, to run a build made elsewhere) has
// neither the tools nor patch-package, and nothing to patch.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
try {
  require.resolve('patch-package/package.json');
} catch {
  console.log('apply-patches: no devDependencies installed, nothing to patch');
  process.exit(0);
}
const result = spawnSync(process.execPath, [require.resolve('patch-package/index.js'), '--error-on-fail'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
