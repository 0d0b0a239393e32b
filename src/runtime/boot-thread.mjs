// Loads a worker thread's module: the compiled one beside this file (dist/), else its TypeScript source through tsx.
import { existsSync } from 'node:fs';

/** Runs `<name>.js` next to `base` when it exists (compiled), else `<name>.ts` through tsx (tests, development). */
export async function bootThread(base, name) {
  const compiled = new URL(`./${name}.js`, base);
  if (existsSync(compiled)) {
    // a worker does not inherit the main thread's setSourceMapsEnabled: stack traces name the TypeScript sources
    process.setSourceMapsEnabled(true);
    return import(compiled.href);
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import(new URL(`./${name}.ts`, base).href);
}
