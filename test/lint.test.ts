import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run lint` (and `npm test`, after the type-check) runs oxlint with type information over src/ and bench/
 * (.oxlintrc.json): a promise nobody awaits, an async callback where a void one is expected, or an await of a
 * non-promise is an error. Checked here on fixtures, linted with the repository's own config.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES = 'test/fixtures/lint';

interface Diagnostic {
  code: string;
  filename: string;
}

describe('lint: type-aware promise rules', () => {
  let status: number | null = null;
  let found: Diagnostic[] = [];
  before(() => {
    const r = spawnSync(join(ROOT, 'node_modules/.bin/oxlint'), ['--type-aware', '-c', '.oxlintrc.json', '-f', 'json', FIXTURES], { cwd: ROOT, encoding: 'utf8' });
    status = r.status;
    found = (JSON.parse(r.stdout) as { diagnostics: Diagnostic[] }).diagnostics;
  });
  const rulesOf = (file: string): string[] => [...new Set(found.filter((d) => d.filename === `${FIXTURES}/${file}`).map((d) => d.code))];

  it('passes code that awaits, or voids with its errors handled; node:test describe/it are allowed', () => {
    assert.deepEqual(rulesOf('clean.ts'), []);
  });

  describe('invalid input', () => {
    const cases: Array<[file: string, rule: string]> = [
      ['floating-promise.ts', 'typescript(no-floating-promises)'],
      ['misused-promise.ts', 'typescript(no-misused-promises)'],
      ['await-thenable.ts', 'typescript(await-thenable)'],
    ];
    for (const [file, rule] of cases)
      it(`${file}: ${rule} is an error`, () => {
        assert.deepEqual(rulesOf(file), [rule]);
        assert.notEqual(status, 0, 'oxlint exits non-zero');
      });
  });
});
