#!/usr/bin/env node
// `npm test`: type-check, lint (`npm run lint`: type-aware promise rules, .oxlintrc.json), then run every *.test.ts
// under src/ and test/ with Node's test runner (through tsx).
// `npm test -- src/identity` runs only the tests under the given paths; `--no-typecheck` skips tsc and the lint,
// `--no-lint` the lint only.
// A full run (no paths) then runs the end-to-end suite (test/e2e) a second time with every test Kith's state on
// PostgreSQL (KITH_TEST_DATABASE_URL; the tests' server, KITH_TEST_POSTGRES_URL or 127.0.0.1:5432/test);
// `--no-postgres-e2e` skips that pass, `--postgres-e2e` runs only it.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const skipTypecheck = args.includes('--no-typecheck');
const skipLint = skipTypecheck || args.includes('--no-lint');
const onlyPgE2e = args.includes('--postgres-e2e');
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

const files = onlyPgE2e ? [] : (roots.length ? roots : ['src', 'test']).flatMap((r) => walk(r, [])).sort();
const pgE2e = onlyPgE2e || (roots.length === 0 && !args.includes('--no-postgres-e2e'));
if (!skipTypecheck) {
  const tc = spawnSync('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  // the console (console/: Preact, DOM types) has its own tsconfig
  const tcc = tc.status === 0 ? spawnSync('npx', ['tsc', '-p', 'console/tsconfig.json'], { stdio: 'inherit' }) : tc;
  if (tc.status !== 0 || tcc.status !== 0) {
    console.error('typecheck failed');
    process.exit(tc.status || tcc.status || 1);
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
if (files.length === 0 && !pgE2e) {
  console.error('no test files found');
  process.exit(1);
}
// KITH_FROM_SOURCE: a `kith` a test spawns (bin/kith.js) runs the sources under test, never a stale dist/
const run = (list, env = {}) =>
  spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${process.env.KITH_TEST_CONCURRENCY ?? 2}`, ...list],
    { stdio: 'inherit', env: { ...process.env, KITH_FROM_SOURCE: '1', KITH_LOG_LEVEL: process.env.KITH_LOG_LEVEL ?? 'silent', KITH_CHECK_RESPONSES: process.env.KITH_CHECK_RESPONSES ?? '1', ...env } },
  ).status ?? 1;
if (files.length > 0) {
  const status = run(files);
  if (status !== 0) process.exit(status);
}
if (pgE2e) {
  console.log('\n# end-to-end suite with all state on PostgreSQL (KITH_TEST_DATABASE_URL)\n');
  const url = process.env.KITH_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  process.exit(run(walk('test/e2e', []).sort(), { KITH_TEST_DATABASE_URL: url }));
}
process.exit(0);
