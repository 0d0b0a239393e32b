#!/usr/bin/env node
// `npm test`: type-check, lint (`npm run lint`: type-aware promise rules, .oxlintrc.json), then run every *.test.ts
// under src/ and test/ with Node's test runner (through tsx).
// `npm test -- src/identity` runs only the tests under the given paths; `--no-typecheck` skips tsc and the lint,
// `--no-lint` the lint only.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const skipTypecheck = args.includes('--no-typecheck');
const skipLint = skipTypecheck || args.includes('--no-lint');
const roots = args.filter((a) => !a.startsWith('--'));

function walk(p, out) {
  if (!existsSync(p)) return out;
  if (statSync(p).isFile()) {
    if (p.endsWith('.test.ts')) out.push(p);
    return out;
  }
  for (const e of readdirSync(p)) {
    if (e === 'node_modules' || e.startsWith('.')) continue;
    walk(join(p, e), out);
  }
  return out;
}

const files = (roots.length ? roots : ['src', 'test']).flatMap((r) => walk(r, [])).sort();
if (!skipTypecheck) {
  const tc = spawnSync('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  if (tc.status !== 0) {
    console.error('typecheck failed');
    process.exit(tc.status ?? 1);
  }
}
if (!skipLint) {
  // a promise nobody awaits (a cross-thread call answered before it is done) fails the build
  const lint = spawnSync('npm', ['run', '--silent', 'lint'], { stdio: 'inherit' });
  if (lint.status !== 0) {
    console.error('lint failed');
    process.exit(lint.status ?? 1);
  }
}
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// KITH_FROM_SOURCE: a `kith` a test spawns (bin/kith.js) runs the sources under test, never a stale dist/
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${process.env.KITH_TEST_CONCURRENCY ?? 2}`, ...files],
  { stdio: 'inherit', env: { ...process.env, KITH_FROM_SOURCE: '1', KITH_LOG_LEVEL: process.env.KITH_LOG_LEVEL ?? 'silent', KITH_CHECK_RESPONSES: process.env.KITH_CHECK_RESPONSES ?? '1' } },
);
process.exit(r.status ?? 1);
