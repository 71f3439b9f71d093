import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';
import zlib from 'node:zlib';
import type { ServerBuild } from '@remix-run/node';

/** The production build's route table and browser manifest (`npm run build` output). */
export async function importServerBuild(root = process.cwd()): Promise<ServerBuild> {
  return (await import(url.pathToFileURL(path.join(root, 'build/remix/index.js')).href)) as ServerBuild;
}

export interface ScriptFile {
  /** As the page names it: /build/… */
  href: string;
  bytes: number;
  gzipBytes: number;
  /** zod's own code is in it (its classes are named by strings that minifying keeps). */
  hasZod: boolean;
}

/** A page's scripts: what a browser loads for its first view of `routeId`. */
export interface PageScripts {
  routeId: string;
  files: ScriptFile[];
  bytes: number;
  gzipBytes: number;
}

const IMPORTED = /(?:from|import)\s*["'](\/build\/[^"']+\.js)["']/g;
// Marks of zod in a minified chunk: its classes register under these names.
const ZOD_MARKS = ['"$ZodType"', '"$ZodError"'];

/** Whether a script holds zod's code. */
export function hasZodMarks(text: string): boolean {
  return ZOD_MARKS.some((mark) => text.includes(mark));
}

function readScript(publicDir: string, href: string): ScriptFile & { text: string } {
  const buffer = fs.readFileSync(path.join(publicDir, href));
  const text = buffer.toString('utf8');
  return { href, text, bytes: buffer.length, gzipBytes: zlib.gzipSync(buffer).length, hasZod: hasZodMarks(text) };
}

/**
 * Every script a page loads: the entry, the route manifest, the root's and the route's modules,
 * and everything they import, followed through the files themselves (the manifest lists only
 * what a module imports directly, and leaves out what a parent already imports).
 */
export function pageScripts(build: ServerBuild, routeId: string, root = process.cwd()): PageScripts {
  const publicDir = path.join(root, 'public');
  const chain: string[] = [];
  for (let id: string | undefined = routeId; id; id = build.assets.routes[id]?.parentId) chain.unshift(id);
  const start = [build.assets.url, build.assets.entry.module, ...build.assets.entry.imports];
  for (const id of chain) {
    const route = build.assets.routes[id]!;
    start.push(route.module, ...(route.imports ?? []));
  }
  const seen = new Map<string, ScriptFile>();
  const queue = [...start];
  while (queue.length > 0) {
    const href = queue.shift()!;
    if (seen.has(href)) continue;
    const { text, ...file } = readScript(publicDir, href);
    seen.set(href, file);
    for (const match of text.matchAll(IMPORTED)) queue.push(match[1]!);
  }
  const files = [...seen.values()];
  return {
    routeId,
    files,
    bytes: files.reduce((sum, file) => sum + file.bytes, 0),
    gzipBytes: files.reduce((sum, file) => sum + file.gzipBytes, 0),
  };
}

/** The routes that render a page (a default export): resource routes ship nothing to a browser. */
export function pageRouteIds(build: ServerBuild): string[] {
  return Object.entries(build.routes)
    .filter(([, route]) => typeof route.module.default === 'function')
    .map(([id]) => id);
}

/** Whether a route is a customer's page (no staff shell, no script: `handle.layout === 'public'`). */
export function isCustomerPage(build: ServerBuild, routeId: string): boolean {
  return (build.routes[routeId]?.module.handle as { layout?: string } | undefined)?.layout === 'public';
}

/** Every script file of the build, as /build/… paths. */
export function allScripts(root = process.cwd()): string[] {
  const dir = path.join(root, 'public/build');
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.js'))
    .map((file) => `/build/${file.split(path.sep).join('/')}`);
}

/**
 * A chunk that holds nothing but a `.server` module the compiler emptied for the browser
 * (`module.exports = {}` behind its CommonJS wrapper): a request that brings no code.
 */
export function isEmptiedModuleChunk(text: string): boolean {
  const code = text.replace(/\/\/# sourceMappingURL=.*$/m, '').trim();
  return /^(?:import\{[^}]*\}from"[^"]+";)*var \w+=\w+\(\((\w+),(\w+)\)=>\{\2\.exports=\{\}\}\);export\{\w+ as \w+\};$/.test(code);
}

export function readPublicFile(href: string, root = process.cwd()): string {
  return fs.readFileSync(path.join(root, 'public', href), 'utf8');
}
