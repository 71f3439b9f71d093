// `npm run bench` builds a second copy of the app (SETUP_DESK_BENCH_BUILD=1) into .bench/, with
// the routes of bench/routes added: a bare page and a bare resource route to measure the real
// pages against, in the same server and the same run. Production builds never have them.
const benchBuild = process.env.SETUP_DESK_BENCH_BUILD === '1';

/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ignoredRouteFiles: ['**/.*', '**/*.test.{ts,tsx}'],
  serverModuleFormat: 'esm',
  // The Express server (server/index.ts) imports this build; it lives apart from the server bundle.
  serverBuildPath: benchBuild ? '.bench/build/remix/index.js' : 'build/remix/index.js',
  assetsBuildDirectory: benchBuild ? '.bench/public/build' : 'public/build',
  routes: benchBuild
    ? async (defineRoutes) =>
        defineRoutes((route) => {
          route('__bench/page', '../bench/routes/page.tsx');
          route('__bench/resource', '../bench/routes/resource.ts');
          route('__bench/memory', '../bench/routes/memory.ts');
        })
    : undefined,
  tailwind: true,
  postcss: true,
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_singleFetch: true,
    // Off: with two dozen routes the whole route manifest is one small cached file, where lazy
    // discovery matched every page's path segments on each render and inlined a partial
    // manifest into every page (decision 023).
    v3_lazyRouteDiscovery: false,
  },
};
