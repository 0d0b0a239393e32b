import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository stands alone: nothing under src/, test/, bench/ or scripts/ may read a file outside it (a fresh
 * clone has no sibling folders). Every relative path written in a string is resolved against its file's folder and
 * must stay inside the repository; absolute paths into the workplace and the shared folder's names are refused too.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIRS = ['src', 'test', 'bench', 'scripts'];
const CODE = /\.(?:ts|mts|cts|js|mjs|cjs|sh)$/;

function filesUnder(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules' || e.startsWith('.')) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) filesUnder(p, out);
    else if (CODE.test(e)) out.push(p);
  }
  return out;
}

/** The offending references of one file's text: [line, text, why]. */
export function outsideReferences(file: string, text: string, root: string): Array<[number, string, string]> {
  const found: Array<[number, string, string]> = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    for (const m of line.matchAll(/(?:\.\.\/)+[^'"`\s)]*/g)) {
      // `new URL(rel, import.meta.url)` and path.join(dirname(file), rel) both resolve against the file's folder
      const target = resolve(dirname(file), m[0]);
      const rel = relative(root, target);
      if (rel === '..' || rel.startsWith(`..${sep}`)) found.push([i + 1, m[0], 'resolves outside the repository']);
    }
    for (const m of line.matchAll(/\/work\/[\w./-]*|\bshared\/(?:fixtures|reference|seeds)\b/g)) found.push([i + 1, m[0], 'names a path outside the repository']);
  });
  return found;
}

describe('the repository stands alone', () => {
  it('no file under src/, test/, bench/ or scripts/ refers to a path outside the repository', () => {
    const self = fileURLToPath(import.meta.url);
    const bad: string[] = [];
    for (const d of DIRS) {
      let files: string[] = [];
      try {
        files = filesUnder(join(ROOT, d));
      } catch {
        continue;
      }
      for (const f of files) {
        if (f === self) continue;
        for (const [line, ref, why] of outsideReferences(f, readFileSync(f, 'utf8'), ROOT)) bad.push(`${relative(ROOT, f)}:${line}: ${ref} ${why}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  describe('the check itself', () => {
    const file = join(ROOT, 'test', 'e2e', 'x.test.ts');
    // the bad references are assembled here, so this file itself holds none of them
    const sibling = ['..', 'shared'].join('/');
    const cases: Array<[string, string, boolean]> = [
      ['a sibling folder through new URL', `new URL('../../${sibling}/fixtures/a.json', import.meta.url)`, true],
      ['a path join that climbs out', "join(here, '../../../../../elsewhere/x')", true],
      ['an absolute workplace path', `readFileSync('/work/${sibling.slice(3)}/x.json')`, true],
      ['the shared folder named plainly', `const DIR = '${sibling.slice(3)}/fixtures/'`, true],
      ['an import inside the repository', "import { ok } from '../../src/shared/result.js'", false],
      ['a fixture inside the repository', "new URL('../fixtures/shopify/', import.meta.url)", false],
    ];
    for (const [name, text, n] of cases) it(name, () => assert.equal(outsideReferences(file, text, ROOT).length > 0, n));
  });
});
