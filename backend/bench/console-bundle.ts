/**
 * The console's initial JavaScript per route, gzipped: the entry chunk, the route's lazy
 * chunk and every chunk they import statically, read from Vite's `.vite/manifest.json`
 * after `pnpm build` (this suite builds nothing itself). Held to a fixed budget rather than
 * to a peer: the figure is bytes, which do not vary with the machine.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

import type { BenchRow } from './bench-row.js';

interface ManifestChunk {
  file: string;
  name?: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}

type Manifest = Record<string, ManifestChunk>;

const DIST = new URL('../../frontend/dist/', import.meta.url);
const BUDGET_KB = 250;

/** Route → the page module's chunk name (its file name without extension). */
const ROUTES: { route: string; chunkName: string; hasBudget: boolean }[] = [
  { route: '/sign-in', chunkName: 'sign-in-page', hasBudget: true },
  { route: '/ (dashboard)', chunkName: 'dashboard-page', hasBudget: true },
  { route: '/certificates', chunkName: 'certificates-page', hasBudget: false },
  { route: '/certificate-authorities', chunkName: 'certificate-authorities-page', hasBudget: false },
  { route: '/keys', chunkName: 'keys-page', hasBudget: false },
  { route: '/audit-log', chunkName: 'audit-log-page', hasBudget: false },
  { route: '/users', chunkName: 'users-page', hasBudget: false },
];

function readManifest(): Manifest {
  try {
    return JSON.parse(readFileSync(new URL('.vite/manifest.json', DIST), 'utf8')) as Manifest;
  } catch (error) {
    throw new Error(`no frontend/dist/.vite/manifest.json: run \`pnpm build\` first (${(error as Error).message})`, {
      cause: error,
    });
  }
}

/** The manifest keys of `roots` and of everything they import statically. */
function staticClosure(manifest: Manifest, roots: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const pending = [...roots];
  while (pending.length > 0) {
    const key = pending.pop() as string;
    if (seen.has(key)) continue;
    seen.add(key);
    pending.push(...(manifest[key]?.imports ?? []));
  }
  return seen;
}

function gzippedKb(file: string): number {
  return gzipSync(readFileSync(new URL(file, DIST)), { level: 9 }).length / 1024;
}

export function runConsoleBundleBench(): Promise<BenchRow[]> {
  const manifest = readManifest();
  const entries = Object.entries(manifest);
  const entryKey = entries.find(([, chunk]) => chunk.isEntry === true)?.[0];
  if (entryKey === undefined) throw new Error('the manifest has no entry chunk');
  const rows = ROUTES.map(({ route, chunkName, hasBudget }) => {
    const routeKey = entries.find(([key, chunk]) => chunk.name === chunkName || key.endsWith(`/${chunkName}.tsx`))?.[0];
    if (routeKey === undefined)
      throw new Error(`no chunk for ${route} (${chunkName}) in the manifest: is the page lazy?`);
    const kilobytes = [...staticClosure(manifest, [entryKey, routeKey])]
      .map((key) => manifest[key]?.file)
      .filter((file): file is string => file?.endsWith('.js') === true)
      .reduce((sum, file) => sum + gzippedKb(file), 0);
    return {
      name: `initial JS ${route}`,
      ours: kilobytes,
      peer: BUDGET_KB,
      unit: 'KB gz',
      ratio: BUDGET_KB / kilobytes,
      ...(hasBudget ? { target: `≤ ${BUDGET_KB} KB (ratio ≥ 1.0)` } : {}),
    };
  });
  return Promise.resolve(rows);
}
