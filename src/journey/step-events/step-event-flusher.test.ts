import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { StepEventsFixture, stepEvent } from './testing/step-events-fixture.js';
import { StepEventFlusher, STEP_EVENTS_CONSUMER, type JourneyVersionSource, type StepEventFlusherDeps, type StepEventLake, type StepEventProfileWriter } from './step-event-flusher.js';
import { readJourneySystemDatasets, type JourneySystemDatasetIds } from './journey-system-datasets.js';
import { profileEventIdOf, stepEventIdOf, type XdmRecord } from './step-event-records.js';
import type { JourneyStore, OutboxRow } from '../store/journey-store.js';
import type { Journey, JourneyVersion, StepEvent } from '../journey-types.js';
import type { LakeRow } from '../../ingest/processor/processor-ports.js';
import { LakeTableSpace } from '../../query/tables/lake-table-space.js';
import { gate } from '../../query/tables/testing/test-gate.js';
import { ORG } from './testing/step-events-fixture.js';
import { ok, err, unwrap } from '../../shared/result.js';

/**
 * Test double of the journey store's OUTBOX part only (readOutbox/trimOutbox over an array): the SQLite and
 * PostgreSQL adapters are written in parallel and run their own contract suite. Everything else here is real: the
 * Lake (DuckDB in a temp dir), the resource store, the Schema Registry, the Catalog and the Query Service tables.
 */
class ArrayOutbox implements Pick<JourneyStore, 'readOutbox' | 'trimOutbox'> {
  rows: OutboxRow[] = [];
  trims: number[] = [];
  private seq = 0;
  add(...events: StepEvent[]): void {
    for (const event of events) this.rows.push({ seq: ++this.seq, event });
  }
  async readOutbox(afterSeq: number, limit: number): Promise<OutboxRow[]> {
    return this.rows.filter((r) => r.seq > afterSeq).slice(0, limit);
  }
  async trimOutbox(upTo: number): Promise<void> {
    this.trims.push(upTo);
    this.rows = this.rows.filter((r) => r.seq > upTo);
  }
}

/** The real lake, with a write that fails while `failWrites` > 0 (a crash before the commit). */
class FlakyLake implements StepEventLake {
  failWrites = 0;
  writes = 0;
  constructor(private readonly lake: StepEventLake) {}
  progress(c: string) {
    return this.lake.progress(c);
  }
  tables(sb: string) {
    return this.lake.tables(sb);
  }
  query(sb: string, sql: string, params?: Array<string | number | boolean | null>) {
    return this.lake.query(sb, sql, params);
  }
  async write(c: string, upTo: number, rows: LakeRow[]): Promise<void> {
    this.writes++;
    if (this.failWrites > 0) {
      this.failWrites--;
      throw new Error('lake write failed (simulated crash)');
    }
    await this.lake.write(c, upTo, rows);
  }
}

const journey = (id: string, sandboxId = 'sb-1'): Journey => ({ id, sandboxId, name: `Journey ${id}`, versionIds: [], createdAt: 0, updatedAt: 0 });
const version = (id: string, journeyId: string, v = '1.0'): JourneyVersion => ({
  id, journeyId, version: v, status: 'live', createdAt: 0, updatedAt: 0,
  definition: { name: `Welcome ${id}`, description: 'Greets new buyers', entry: { type: 'event', eventType: 'purchase', namespace: 'Email', next: 'n1' }, nodes: [] },
});

class Versions implements JourneyVersionSource {
  readonly map = new Map<string, { journey: Journey; version: JourneyVersion }>();
  fail = 0;
  constructor() {
    for (const [v, j] of [['jv-1', 'j-1'], ['jv-2', 'j-1'], ['jv-3', 'j-3']] as const) this.map.set(v, { journey: journey(j), version: version(v, j) });
  }
  async version(_sb: string, versionId: string) {
    if (this.fail > 0) {
      this.fail--;
      throw new Error('definitions unavailable');
    }
    return this.map.get(versionId);
  }
}

describe('StepEventFlusher', () => {
  let f: StepEventsFixture;
  let sys: JourneySystemDatasetIds;
  let outbox: ArrayOutbox;
  let lake: FlakyLake;
  let versions: Versions;
  let errors: unknown[];

  const flusher = (extra: Partial<StepEventFlusherDeps> = {}) =>
    new StepEventFlusher({
      store: outbox, lake, versions, now: () => f.clock.now(), onError: (e) => errors.push(e),
      systemDatasets: (sb) => readJourneySystemDatasets(f.resources, sb), ...extra,
    });
  const count = async (table: string, sb = 'sb-1') => Number((await f.lake.query(sb, `SELECT count(*) AS n FROM ${table}`))[0]!.n);
  const ids = async (table: string, sb = 'sb-1') => (await f.lake.query(sb, `SELECT _id FROM ${table} ORDER BY _id`)).map((r) => String(r._id));
  const sb = 'sb-1';
  const ev = (instance: string, i: number, extra: Partial<StepEvent> = {}) => stepEvent(instance, i, { sandboxId: sb, ...extra });

  // a fresh lake per test: the copy's progress marker is one per lake
  beforeEach(async () => {
    f = await StepEventsFixture.open();
    sys = unwrap(await f.provisioner().ensure(f.ctx(sb)));
    const port: StepEventLake = f.lake; // the real Lake is the port
    lake = new FlakyLake(port);
    outbox = new ArrayOutbox();
    versions = new Versions();
    errors = [];
  });
  afterEach(async () => f.close());

  it('copies every step to both step tables and each version once to the journeys table, exactly once', async () => {
    outbox.add(ev('i1', 0), ev('i1', 1), ev('i2', 0), ev('i3', 0, { journeyVersionId: 'jv-2', journeyVersion: '2.0' }));
    assert.equal(await flusher().flush(), 4);
    assert.deepEqual(errors, []);
    assert.equal(await lake.progress(STEP_EVENTS_CONSUMER), 4);
    assert.deepEqual(await ids(sys.stepEventTable, sb), ['i1:0', 'i1:1', 'i2:0', 'i3:0'].map(stepEventIdOf));
    assert.deepEqual(await ids(sys.profileEventTable, sb), ['i1:0', 'i1:1', 'i2:0', 'i3:0'].map(profileEventIdOf));
    assert.deepEqual(await ids(sys.journeyTable, sb), ['jv-1', 'jv-2']);
    const [j] = await f.lake.query(sb, `SELECT record->>'$._experience.journeyOrchestration.stepEvents.name' AS name, record->>'$._experience.journeyOrchestration.stepEvents.description' AS d FROM ${sys.journeyTable} WHERE _id = 'jv-1'`);
    assert.deepEqual(j, { name: 'Welcome jv-1', d: 'Greets new buyers' });

    // nothing new: nothing written; a restarted flusher reads the known versions back from the journeys table
    assert.equal(await flusher().flush(), 0);
    outbox.add(ev('i4', 0), ev('i5', 0, { journeyId: 'j-3', journeyVersionId: 'jv-3' }), ev('i6', 0, { journeyVersionId: 'jv-gone', journeyVersionName: 'Old', journeyVersion: '0.9' }));
    assert.equal(await flusher().flush(), 3);
    assert.equal(await count(sys.stepEventTable, sb), 7);
    assert.deepEqual(await ids(sys.journeyTable, sb), ['jv-1', 'jv-2', 'jv-3', 'jv-gone']);
    const [gone] = await f.lake.query(sb, `SELECT record->>'$._experience.journeyOrchestration.stepEvents.name' AS name FROM ${sys.journeyTable} WHERE _id = 'jv-gone'`);
    assert.equal(gone!.name, 'Old', 'a version no longer known is described from its step event');
    assert.deepEqual(errors, []);
  });

  it('a lake write that fails writes nothing; the retry writes every step once', async () => {
    outbox.add(...[0, 1, 2].map((i) => ev('c1', i)), ev('c2', 0, { journeyVersionId: 'jv-3', journeyId: 'j-3' }));
    lake.failWrites = 1;
    const fl = flusher();
    assert.equal(await fl.flush(), 0, 'flush never throws');
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /simulated crash/);
    assert.equal(await lake.progress(STEP_EVENTS_CONSUMER), 0);
    for (const t of [sys.stepEventTable, sys.profileEventTable, sys.journeyTable]) assert.deepEqual(await f.lake.tables(sb).then((ts) => (ts.includes(t) ? count(t, sb) : 0)), 0, t);
    assert.equal(outbox.rows.length, 4, 'nothing trimmed');

    assert.equal(await fl.flush(), 4);
    // and once more from a restarted flusher: the batch is not written again
    assert.equal(await flusher().flush(), 0);
    assert.equal(await count(sys.stepEventTable, sb), 4);
    assert.equal(await count(sys.profileEventTable, sb), 4);
    assert.deepEqual(await ids(sys.journeyTable, sb), ['jv-1', 'jv-3']);
    const dup = await f.lake.query(sb, `SELECT _id, count(*) AS n FROM ${sys.stepEventTable} GROUP BY _id HAVING count(*) > 1`);
    assert.deepEqual(dup, []);
  });

  it('batches through a long outbox and trims copied rows in slices', async () => {
    for (let i = 0; i < 23; i++) outbox.add(ev(`t${i}`, 0));
    const fl = flusher({ batchSize: 5, trimEvery: 4, trimSlice: 3 });
    assert.equal(await fl.flush(), 23);
    assert.equal(await count(sys.stepEventTable, sb), 23);
    assert.ok(outbox.rows.length < 4, 'copied rows are trimmed once trimEvery of them wait');
    assert.ok(outbox.trims.every((t) => t <= 23), 'only copied rows are trimmed');
    assert.equal(Math.max(...outbox.trims), 23 - outbox.rows.length);
    assert.ok(outbox.trims.length > 1);
    for (let i = 1; i < outbox.trims.length; i++) assert.ok(outbox.trims[i]! - outbox.trims[i - 1]! <= 3, 'a slice at a time');
    assert.ok(lake.writes >= 5, 'one lake write per batch');
  });

  it('writes profile events to Profile first when the dataset is enabled; a failure there holds the lake write', async () => {
    const written: Array<{ sb: string; datasetId: string; ids: string[] }> = [];
    let enabled = false;
    let fail = 1;
    const writer: StepEventProfileWriter = {
      enabled: async () => enabled,
      write: async (s, datasetId, events: XdmRecord[]) => {
        if (fail-- > 0) return err('profile store busy');
        written.push({ sb: s, datasetId, ids: events.map((e) => String(e._id)) });
        return ok(undefined);
      },
    };
    outbox.add(ev('p1', 0));
    assert.equal(await flusher({ profileWriter: writer }).flush(), 1);
    assert.deepEqual(written, [], 'not enabled: not called');
    enabled = true;
    outbox.add(ev('p2', 0), ev('p2', 1));
    const fl = flusher({ profileWriter: writer });
    assert.equal(await fl.flush(), 0);
    assert.match(String(errors[0]), /profile store busy/);
    assert.equal(await count(sys.stepEventTable, sb), 1, 'the lake waits for Profile');
    assert.equal(await fl.flush(), 2);
    assert.deepEqual(written, [{ sb, datasetId: sys.profileEventDatasetId, ids: ['p2:0', 'p2:1'].map(profileEventIdOf) }]);
    assert.equal(await count(sys.stepEventTable, sb), 3);
  });

  it('the Query Service types the step table and answers the documented query', async () => {
    outbox.add(ev('q1', 0), ev('q1', 1), ev('q2', 0), ev('q2', 0, { id: 'q2-again:0', instanceId: 'q2-again' }), ev('q3', 0, { instanceType: 'batch' }), ev('q4', 0, { journeyVersionId: 'jv-2' }));
    assert.equal(await flusher().flush(), 6);
    const space = LakeTableSpace.create({ lake: f.lake, catalog: f.catalog, schemas: f.schemas, clock: f.clock, onError: (e) => errors.push(e) });
    await space.start();
    const conn = await f.lake.connect();
    try {
      const view = unwrap(await space.prepare(conn, { orgId: ORG, sandboxId: sb, sandboxName: sb, flatten: false, user: 'tester' }));
      await conn.run(`SET search_path = '${view.searchPath}'`);
      const run = async (sql: string) => (await conn.runAndReadAll(unwrap(await gate(conn, view, space.pgCompat(sql))))).getRowObjectsJson();
      const sql = `SELECT count(distinct _experience.journeyOrchestration.stepEvents.profileID) AS n FROM journey_step_events
        WHERE _experience.journeyOrchestration.stepEvents.journeyVersionID = 'jv-1' AND _experience.journeyOrchestration.stepEvents.nodeType='start'
        AND _experience.journeyOrchestration.stepEvents.instanceType = 'unitary'`;
      assert.deepEqual(await run(sql), [{ n: '2' }], 'q1 and q2 (twice), not the batch one nor another version');
      assert.deepEqual(await run(`SELECT _id, _experience.journeyOrchestration.stepEvents.name AS name, _experience.journeyOrchestration.stepEvents.version AS v FROM journeys ORDER BY 1`), [
        { _id: 'jv-1', name: 'Welcome jv-1', v: '1.0' },
        { _id: 'jv-2', name: 'Welcome jv-2', v: '1.0' },
      ]);
      assert.deepEqual(
        await run(`SELECT identityMap['Email'][1].id AS id, _experience.journeyOrchestration.stepEvents.processingTime + 1 AS t FROM journey_step_profile_event_schema_for_journey_orchestration WHERE _id = '${profileEventIdOf('q1:1')}'`),
        [{ id: 'q1@example.com', t: '4' }],
        'identityMap and integer fields are typed',
      );
      assert.deepEqual(errors, []);
    } finally {
      conn.closeSync();
      await space.close();
    }
  });

  describe('invalid input', () => {
    it('skips and reports a step event that cannot become records; the rest is copied', async () => {
      outbox.add(ev('v1', 0), ev('v2', 0, { identity: { namespace: 'Email', id: '' } }), ev('v3', 0));
      assert.equal(await flusher().flush(), 2);
      assert.equal(errors.length, 1);
      assert.match(String(errors[0]), /outbox seq 2 skipped: .*no identity/);
      assert.equal(await lake.progress(STEP_EVENTS_CONSUMER), 3);
      assert.deepEqual(await ids(sys.stepEventTable, sb), ['v1:0', 'v3:0'].map(stepEventIdOf));
    });

    it('holds the rows of a sandbox not provisioned yet (and what follows), then copies them once provisioned', async () => {
      const other = `${sb}-late`;
      outbox.add(ev('w1', 0), stepEvent('w2', 0, { sandboxId: other }), ev('w3', 0));
      assert.equal(await flusher().flush(), 1);
      assert.match(String(errors[0]), /not provisioned/);
      assert.equal(await lake.progress(STEP_EVENTS_CONSUMER), 1);
      const late = unwrap(await f.provisioner().ensure(f.ctx(other)));
      assert.equal(await flusher().flush(), 2);
      assert.equal(await count(late.stepEventTable, other), 1);
      assert.equal(await count(sys.stepEventTable, sb), 2);
    });

    it('retries when the journey versions cannot be read', async () => {
      versions.fail = 1;
      outbox.add(ev('x1', 0));
      assert.equal(await flusher().flush(), 0);
      assert.match(String(errors[0]), /definitions unavailable/);
      assert.equal(await flusher().flush(), 1);
      assert.deepEqual(await ids(sys.journeyTable, sb), ['jv-1']);
    });

    it('concurrent flushes share one run (no row twice)', async () => {
      outbox.add(ev('y1', 0), ev('y1', 1));
      const fl = flusher();
      const [a, b] = await Promise.all([fl.flush(), fl.flush()]);
      assert.equal(a + b, 4, 'both callers see the one run');
      assert.equal(await count(sys.stepEventTable, sb), 2);
    });
  });
});
