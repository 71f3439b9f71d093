/**
 * What the production build sends to browsers (`npm run build` output): staff pages carry no zod
 * (no page validates in the browser) and stay under their weight budget; no chunk is an emptied
 * server module. The IT admin's pages load no script at all (server/setup-page.test.ts reads
 * their HTML). Sizes here are bytes, not times.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ServerBuild } from '@remix-run/node';
import { assertBuildIsCurrent } from '../test/built-server';
import {
  allScripts,
  hasZodMarks,
  importServerBuild,
  isCustomerPage,
  isEmptiedModuleChunk,
  pageRouteIds,
  pageScripts,
  readPublicFile,
} from '../test/client-bundle';

const STAFF_PAGE_BUDGET_GZIP_BYTES = 120 * 1024;

let build: ServerBuild;
beforeAll(async () => {
  assertBuildIsCurrent();
  build = await importServerBuild();
});

describe('the browser bundle', () => {
  it('has every page the app renders (the check below covers them all)', () => {
    const pages = pageRouteIds(build);
    expect(pages).toEqual(
      expect.arrayContaining(['root', 'routes/_index', 'routes/organizations._index', 'routes/organizations.$organizationId', 'routes/setup.$token']),
    );
    // The benchmark's bare routes exist only in its own build (.bench/).
    expect(Object.keys(build.routes).filter((id) => id.includes('bench'))).toEqual([]);
    // Resource routes render nothing: the browser never loads their modules.
    expect(pages).not.toContain('routes/audit.export');
    expect(pages).not.toContain('routes/webhooks.workos');
  });

  it('brings no zod to any staff page, and keeps each under 120 KB of gzip JavaScript', () => {
    const staffPages = pageRouteIds(build).filter((id) => id !== 'root' && !isCustomerPage(build, id));
    expect(staffPages.length).toBeGreaterThan(10);
    const report = staffPages.map((id) => {
      const scripts = pageScripts(build, id);
      return {
        id,
        zod: scripts.files.filter((file) => file.hasZod).map((file) => file.href),
        overBudget: scripts.gzipBytes > STAFF_PAGE_BUDGET_GZIP_BYTES,
        gzipBytes: scripts.gzipBytes,
      };
    });
    expect(report.filter((page) => page.zod.length > 0 || page.overBudget)).toEqual([]);
    // Resource routes too: a browser reaches their modules the day one gets a fetcher or a client loader.
    const withZod = Object.keys(build.assets.routes).filter((id) => pageScripts(build, id).files.some((file) => file.hasZod));
    expect(withZod).toEqual([]);
    // The walk reaches the framework itself: a page of a few hundred bytes would mean it did not.
    for (const page of report) expect(page.gzipBytes, page.id).toBeGreaterThan(50 * 1024);
  });

  it('recognizes zod in a minified browser bundle (the marks survive minifying)', async () => {
    const { build: bundle } = await import('esbuild');
    const result = await bundle({
      stdin: { contents: "import { z } from 'zod'; export const schema = z.object({ name: z.string() });", resolveDir: process.cwd() },
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    expect(hasZodMarks(result.outputFiles[0]!.text)).toBe(true);
    expect(hasZodMarks('export const schema = { name: "string" };')).toBe(false);
  });

  it('has no chunk that is only an emptied server module', () => {
    // What such a chunk looked like before the compiler was told these modules have no side effects.
    expect(isEmptiedModuleChunk('import{b as o}from"/build/_shared/chunk-ZT4QWOFN.js";var p=o((r,e)=>{e.exports={}});export{p as a};')).toBe(true);
    expect(isEmptiedModuleChunk('var n={min:1,max:30,default:7};export{n as a};')).toBe(false);
    const scripts = allScripts();
    expect(scripts.length).toBeGreaterThan(10);
    expect(scripts.filter((href) => isEmptiedModuleChunk(readPublicFile(href)))).toEqual([]);
  });
});
