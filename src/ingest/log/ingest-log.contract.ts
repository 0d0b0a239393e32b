import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { consumedUpTo, type IngestLog, type LogEntryInput } from './ingest-log.js';

const entry = (i: number, extra: Partial<LogEntryInput> = {}): LogEntryInput => ({
  sandboxId: 'sb',
  orgId: 'org',
  kind: 'xdm',
  receivedAt: 1000 + i,
  payload: JSON.stringify({ i }),
  ...extra,
});

/** The contract every IngestLog adapter runs. */
export function ingestLogContract(name: string, create: () => Promise<IngestLog>, destroy: (l: IngestLog) => Promise<void>): void {
  describe(`IngestLog contract: ${name}`, () => {
    let log: IngestLog;
    before(async () => {
      log = await create();
    });
    after(async () => destroy(log));

    it('starts empty', async () => {
      assert.equal(await log.head(), 0);
      assert.deepEqual(await log.read(0, 10), []);
      assert.equal(await log.committed('lake'), 0);
    });

    it('assigns increasing offsets and reads back in order', async () => {
      const offs = await log.append([entry(1), entry(2)]);
      assert.deepEqual(offs, [1, 2]);
      const read = await log.read(0, 10);
      assert.deepEqual(read.map((e) => e.offset), [1, 2]);
      assert.deepEqual(read[0], { offset: 1, ...entry(1) });
    });

    it('group-commits concurrent appends without losing or reordering any', async () => {
      const all = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append([entry(100 + i), entry(200 + i)])));
      const flat = all.flat();
      assert.equal(new Set(flat).size, 100);
      for (const offs of all) assert.equal(offs[1], offs[0]! + 1, 'one append stays contiguous');
      assert.equal(await log.head(), 102);
    });

    it('reads after an offset with a limit', async () => {
      const r = await log.read(2, 3);
      assert.deepEqual(r.map((e) => e.offset), [3, 4, 5]);
    });

    it('tracks consumer offsets independently', async () => {
      await log.commit('lake', 5);
      await log.commit('downstream', 3);
      assert.equal(await log.committed('lake'), 5);
      assert.equal(await log.committed('downstream'), 3);
      await log.commit('lake', 7);
      assert.equal(await log.committed('lake'), 7);
    });

    it('truncates consumed entries but never reuses offsets', async () => {
      await log.truncateBefore(10);
      assert.equal((await log.read(0, 1))[0]!.offset, 11);
      const [o] = await log.append([entry(999)]);
      assert.equal(o, 103);
    });

    describe('invalid input', () => {
      it('an empty append is a no-op', async () => assert.deepEqual(await log.append([]), []));
      it('keeps payloads byte for byte (unicode, big numbers, quotes)', async () => {
        const payload = '{"id":820982911946154508,"s":"Zoë \\"q\\" 🚀"}';
        const [o] = await log.append([entry(1, { payload })]);
        assert.equal((await log.read(o! - 1, 1))[0]!.payload, payload);
      });
      it('reading past the head returns nothing', async () => assert.deepEqual(await log.read(1e9, 10), []));
    });
  });

  describe(`IngestLog contract: ${name} — entry fields and back-pressure`, () => {
    let log: IngestLog;
    before(async () => {
      log = await create();
    });
    after(async () => destroy(log));

    it('keeps the optional fields of an entry and omits absent ones', async () => {
      const full = entry(1, { inletId: 'inlet-1', datasetId: 'ds-1', key: 'ECID:123', requestId: 'req-1', meta: { flowId: 'f', n: 2 } });
      const bare = entry(2);
      await log.append([full, bare]);
      const [a, b] = await log.read(0, 2);
      assert.deepEqual(a, { offset: 1, ...full });
      assert.deepEqual(b, { offset: 2, ...bare });
      assert.equal('key' in b!, false);
    });

    it('an empty key is kept as the empty string', async () => {
      const [o] = await log.append([entry(3, { key: '' })]);
      assert.equal((await log.read(o! - 1, 1))[0]!.key, '');
    });

    it('backlog is what a consumer has not committed yet', async () => {
      assert.equal(await log.backlog('lake'), 3);
      await log.commit('lake', 2);
      assert.equal(await log.backlog('lake'), 1);
      await log.commit('lake', 3);
      assert.equal(await log.backlog('lake'), 0);
      assert.equal(await log.backlog('never-seen'), 3);
    });

    it('1,000 concurrent single-entry appends all resolve with distinct offsets, in call order', async () => {
      const offs = (await Promise.all(Array.from({ length: 1000 }, (_, i) => log.append([entry(i)])))).flat();
      assert.equal(new Set(offs).size, 1000);
      assert.deepEqual(offs, [...offs].sort((x, y) => x - y));
      const read = await log.read(offs[0]! - 1, 1000);
      assert.deepEqual(read.map((e) => e.payload), Array.from({ length: 1000 }, (_, i) => JSON.stringify({ i })));
    });

    it('truncating up to what every consumer committed keeps everything a slower consumer still needs', async () => {
      const head = await log.head();
      await log.commit('lake', head);
      await log.commit('downstream', head - 10);
      const upTo = await consumedUpTo(log, ['lake', 'downstream']);
      assert.equal(upTo, head - 10);
      await log.truncateBefore(upTo);
      assert.equal((await log.read(0, 1))[0]!.offset, head - 9);
      assert.equal(await consumedUpTo(log, ['lake', 'downstream', 'new-consumer']), 0, 'a consumer that never committed holds everything');
      assert.equal(await log.backlog('downstream'), 10);
    });

    describe('invalid input', () => {
      it('append after close rejects', async () => {
        const other = await create();
        await other.close();
        await assert.rejects(other.append([entry(1)]));
        await destroy(other);
      });
    });
  });
}
