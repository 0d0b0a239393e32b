#!/usr/bin/env node
// Entry of the `kith` command: the compiled JavaScript in dist/ (`npm run build`, which `npm ci` runs through
// `prepare`), with stack traces mapped to the TypeScript sources; KITH_FROM_SOURCE=1 runs src/ through tsx instead
// (`npm test`, `npm run dev`).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
let main;
if (process.env.KITH_FROM_SOURCE === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
} else if (existsSync(compiled)) {
  process.setSourceMapsEnabled(true);
  ({ main } = await import(compiled.href));
} else {
  process.stderr.write('kith: dist/ is missing: run `npm run build` (or set KITH_FROM_SOURCE=1 to run the TypeScript sources)\n');
  process.exit(1);
}
const code = await main(process.argv.slice(2));
if (typeof code === 'number') process.exitCode = code;
