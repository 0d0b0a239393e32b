import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { definitions, memberships, NOW, profiles } from './batch-arbitraries.js';
import { openBatchDb, runBoth, type BatchDb } from './batch-harness.js';

/**
 * The batch SQL and the streaming evaluator agree on random definitions and data: same members for every
 * definition the SQL compiles. (Unsupported definitions fall back to the evaluator, so they cannot disagree.)
 */
describe('batch SQL = streaming evaluator (property)', () => {
  let db: BatchDb;
  before(async () => {
    db = await openBatchDb();
  });
  after(() => db.close());

  it('gives the same members on random definitions, profiles and events', async () => {
    let compiled = 0;
    let total = 0;
    await fc.assert(
      fc.asyncProperty(
        definitions,
        profiles.chain((ps) => fc.tuple(fc.constant(ps), memberships(ps.length))),
        async (defs, [ps, mem]) => {
          const r = await runBoth(db, defs, ps, mem, NOW);
          total += defs.length;
          compiled += r.sql.size;
          for (const [id, members] of r.sql) assert.deepEqual(members, r.js.get(id), `definition ${id}: ${JSON.stringify(defs.find((d) => d.id === id)?.root)}`);
        },
      ),
      { numRuns: Number(process.env.SEGMENT_SQL_RUNS ?? 300) },
    );
    // The generator stays inside what the compiler supports (pattern arguments are literals, nothing nested in
    // event scopes that SQL refuses), so nearly every definition is really compared.
    assert.ok(compiled / total > 0.8, `only ${compiled}/${total} definitions compiled`);
  });
});
