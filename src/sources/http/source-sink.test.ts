import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite, type SqliteDb } from '../../store/sqlite/open.js';
import { SqliteIngestLog } from '../../ingest/log/sqlite-ingest-log.js';
import { decodeEntry } from '../../ingest/processor/steps/decode-entry.js';
import type { DatasetInfo } from '../../ingest/ports.js';
import { emptyOutput, type SourceOutput, type XdmRecord } from '../shared/xdm-output.js';
import { SourceSink, type WriteMeta } from './source-sink.js';

const ds = (id: string): DatasetInfo => ({ id, sandboxId: 'sb', name: id, schemaId: `schema-${id}`, tableName: id, profileEnabled: true, identityEnabled: true });
const TARGET = { sandboxId: 'sb', orgId: 'org', sourceName: 'edge:Commerce', connectionId: 'conn-1', profileDataSetId: 'profiles', eventDataSetId: 'events' };

const withId: XdmRecord = { _id: 'rec-1', identityMap: { CustomerId: [{ id: '1001' }] } };
const noId: XdmRecord = { identityMap: { CustomerId: [{ id: '1002' }] } };
const numericId: XdmRecord = { _id: 7, identityMap: { CustomerId: [{ id: '1003' }] } };
const other: XdmRecord = { _id: 'rec-2', identityMap: { CustomerId: [{ id: '1004' }] } };

describe('SourceSink: profile records whose `_id` names one send are marked for the processor`s `_id` dedupe', () => {
  let dir = '';
  let db: SqliteDb;
  let log: SqliteIngestLog;
  let sink: SourceSink;
  let from = 0;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kith-sink-'));
    db = openSqlite(dir, 'ingest-log');
    log = new SqliteIngestLog(db);
    sink = new SourceSink({ getDataset: async (_sb, id) => (id === 'profiles' || id === 'events' ? ds(id) : undefined) }, { append: (m) => log.append(m), saturated: () => false });
  });
  after(async () => {
    await log.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes, then reads back what the processor decodes: per entry its dataset, `_id` and mark. */
  async function write(out: SourceOutput, meta: Partial<WriteMeta> = {}) {
    const r = await sink.write(TARGET, out, { receivedAt: 1, xactionBase: 'x', requestId: 'r', ...meta });
    assert.ok(!('error' in r));
    const entries = await log.read(from, 100);
    from = entries.at(-1)?.offset ?? from;
    return entries.map((e) => decodeEntry(e)).map((e) => ({ d: e.datasetId, id: e.entity?._id, u: e.uniqueId === true }));
  }

  const cases: Array<{ name: string; out: SourceOutput; meta?: Partial<WriteMeta>; want: Array<{ d: string; id: unknown; u: boolean }> }> = [
    {
      name: 'the Edge records (named in uniqueIdProfiles) with a string `_id` are marked; others, events and identity links are not',
      out: { profiles: [withId, noId, other], events: [{ _id: 'ev-1', timestamp: '2026-01-01T00:00:00Z', eventType: 'x', identityMap: {} }], identityLinks: [[{ namespace: 'Email', id: 'a@b.c' }, { namespace: 'CustomerId', id: '1001' }]] },
      meta: { uniqueIdProfiles: new Set([withId, noId]) },
      want: [
        { d: 'profiles', id: 'rec-1', u: true },
        { d: 'profiles', id: undefined, u: false },
        { d: 'profiles', id: 'rec-2', u: false },
        { d: 'events', id: 'ev-1', u: false },
        { d: 'profiles', id: undefined, u: false },
      ],
    },
    { name: 'without uniqueIdProfiles (Shopify, Segment, set-consent) nothing is marked', out: { ...emptyOutput(), profiles: [withId, other] }, want: [{ d: 'profiles', id: 'rec-1', u: false }, { d: 'profiles', id: 'rec-2', u: false }] },
  ];
  for (const c of cases) it(c.name, async () => assert.deepEqual(await write(c.out, c.meta), c.want));

  describe('invalid input', () => {
    it('a named record whose `_id` is not a string is not marked', async () => {
      assert.deepEqual(await write({ ...emptyOutput(), profiles: [numericId] }, { uniqueIdProfiles: new Set([numericId]) }), [{ d: 'profiles', id: 7, u: false }]);
    });
  });
});
