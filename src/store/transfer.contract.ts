import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { allRows, holdsData, TRANSFER_BATCH_ROWS, TransferRowError, type Transferable } from './transfer.js';

/** One adapter of a port under the transfer contract: a fresh, empty store per `create`. */
export interface TransferSide<S extends Transferable> {
  /** The adapter's kind in test names ('sqlite', 'postgres'). */
  name: string;
  create(): Promise<S>;
  destroy(s: S): Promise<void>;
}

const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** JSON with object keys sorted (PostgreSQL jsonb reorders a document's keys). */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** The rows as a set: adapters may order rows differently (PostgreSQL sorts NUL-escaped text by its escape). */
const rowSet = (rows: readonly unknown[]): string[] => rows.map(canonical).sort();

/** Rows no store accepts: the generic invalid-input block of every transfer suite. */
const FOREIGN_ROWS: Array<[string, unknown[]]> = [
  ['null', [null]],
  ['a string', ['row']],
  ['an array', [[1, 2]]],
  ['an empty object', [{}]],
  ['an unknown kind', [{ t: 'no-such-kind' }]],
];

/**
 * The transfer contract of one port, both ways between two adapters (SQLite → PostgreSQL and back): `seed` writes
 * through the port, the rows go out in JSON batches and into the other adapter, and `check` compares the two stores'
 * answers through the port. `invalid` adds rows of the port's own shape that must be refused.
 */
export function transferContract<S extends Transferable>(
  name: string,
  makeSource: TransferSide<S>,
  makeTarget: TransferSide<S>,
  seed: (s: S) => Promise<void>,
  check: (source: S, target: S) => Promise<void>,
  invalid: Array<[string, unknown[]]> = [],
): void {
  for (const [from, to] of [[makeSource, makeTarget], [makeTarget, makeSource]] as const) {
    describe(`Transfer contract: ${name}, ${from.name} → ${to.name}`, () => {
      let source: S;
      let target: S;
      const exported: Array<readonly unknown[]> = [];
      before(async () => {
        source = await from.create();
        target = await to.create();
      });
      after(async () => {
        await from.destroy(source);
        await to.destroy(target);
      });

      it('an empty store exports nothing', async () => {
        assert.equal(await holdsData(source), false);
        assert.deepEqual(await allRows(source), []);
      });

      it('exports what was written through the port, in batches of JSON rows', async () => {
        await seed(source);
        assert.equal(await holdsData(source), true);
        for await (const batch of source.exportRows()) {
          assert.ok(batch.length > 0 && batch.length <= TRANSFER_BATCH_ROWS, `batch of ${batch.length}`);
          assert.deepEqual(json(batch), batch, 'rows survive JSON');
          exported.push(json(batch));
        }
        assert.equal(source.transferName, target.transferName);
      });

      it('the other adapter answers the same through the port after the import, and exports the same rows', async () => {
        for (const batch of exported) await target.importRows(batch);
        await check(source, target);
        assert.deepEqual(rowSet(await allRows(target)), rowSet(exported.flat()));
      });

      it('importing the same rows twice changes nothing', async () => {
        for (const batch of exported) await target.importRows(batch);
        await check(source, target);
        assert.deepEqual(rowSet(await allRows(target)), rowSet(exported.flat()));
      });

      describe('invalid input', () => {
        for (const [what, rows] of [...FOREIGN_ROWS, ...invalid])
          it(`refuses ${what} and writes nothing of its batch`, async () => {
            const before = await allRows(target);
            await assert.rejects(target.importRows([...exported.flat().slice(0, 1), ...rows]), TransferRowError);
            assert.deepEqual(await allRows(target), before);
          });
        it('an empty batch is a no-op', async () => {
          const before = await allRows(target);
          await target.importRows([]);
          assert.deepEqual(await allRows(target), before);
        });
      });
    });
  }
}
