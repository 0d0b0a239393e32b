import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** This repository's root (the bench scripts' own checkout). */
export const REPO_ROOT = new URL('../../', import.meta.url).pathname;

/**
 * The checkout whose Kith a bench runs: KITH_BENCH_ROOT (another checkout, e.g. the base of bench/side-by-side.ts),
 * else this repository. The load generator always stays this checkout's, so both sides of a comparison get the same.
 */
export function benchRoot(env: NodeJS.ProcessEnv = process.env): string {
  const r = env.KITH_BENCH_ROOT;
  if (!r) return REPO_ROOT;
  const abs = isAbsolute(r) ? r : resolve(r);
  return abs.endsWith('/') ? abs : `${abs}/`;
}

/** A module of the bench root's sources, for a dynamic import through tsx. */
export function rootModule(relPath: string, env: NodeJS.ProcessEnv = process.env): string {
  return pathToFileURL(join(benchRoot(env), relPath)).href;
}

/** Where the server's state lives: PostgreSQL when KITH_DATABASE_URL is set (the server child inherits it). */
export function storageKind(env: NodeJS.ProcessEnv = process.env): 'postgres' | 'embedded' {
  return env.KITH_DATABASE_URL ? 'postgres' : 'embedded';
}

/**
 * Environment for `bin/kith.js` of the bench root: its sources through tsx when it has no dist/ (a temporary
 * worktree never has one) or when KITH_FROM_SOURCE=1 already; the compiled build otherwise.
 */
export function kithEntryEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const fromSource = env.KITH_FROM_SOURCE === '1' || !existsSync(join(benchRoot(env), 'dist/cli/main.js'));
  return fromSource ? { KITH_FROM_SOURCE: '1' } : {};
}
