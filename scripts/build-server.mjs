// Bundles the Express server (server/index.ts and the app modules it imports) for `npm start`.
// npm packages stay external; the Remix build is imported at run time from build/remix.
import { build } from 'esbuild';

await build({
  entryPoints: ['server/index.ts'],
  outfile: 'build/server/index.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  // The app's own modules (imported by the background jobs) use the `~/` path alias.
  alias: { '~': './app' },
  sourcemap: true,
  logLevel: 'warning',
});
