import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import pg from 'pg';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { Platform, eventually } from '../helpers/platform.js';

/**
 * Journeys end to end, as a user drives them: a journey created and published through /ajo/journeys, a person's
 * event streamed through /collection, the custom HTTP action arriving at a real HTTP server, the step events in the
 * lake with AEP's field paths, counted with the Query Service in SQL, the version's report and the person's journeys.
 */
const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;
const SE = '_experience.journeyOrchestration.stepEvents';

describe('journeys end to end', () => {
  let k: TestKith;
  let p: Platform;
  let inlet: string;
  let schema: string;
  let ds: string;
  let server: http.Server;
  let hookUrl: string;
  const received: Array<{ headers: http.IncomingHttpHeaders; body: any }> = [];

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    hookUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
    k = await startTestKith();
    p = new Platform(k);
    schema = await p.createSchema('Journey Orders', FG('experienceevent'), [FG('identitymap'), FG('experienceevent-commerce')], true);
    ds = await p.createDataset('Journey Orders', schema, { profile: true, identity: true });
    inlet = (await p.createInlet('journey inlet')).inletId;
  });
  after(async () => {
    await k.stop();
    server.close();
  });

  const order = (id: string, email: string, total: number) =>
    p.collect(`/collection/${inlet}`, p.envelope(schema, ds, {
      _id: id, timestamp: new Date().toISOString(), eventType: 'commerce.purchases',
      identityMap: { Email: [{ id: email, primary: true }] },
      commerce: { order: { priceTotal: total, currencyCode: 'USD' }, purchases: { value: 1 } },
    }));

  it('an event enters the journey, the HTTP action arrives, steps land in the lake and answer SQL', async () => {
    const created = await p.call('POST', '/ajo/journeys', {
      name: 'Big spenders',
      entry: { type: 'event', eventType: 'commerce.purchases', namespace: 'Email', next: 'big' },
      nodes: [
        { id: 'big', name: 'Big order?', type: 'condition', branches: [{ name: 'big', condition: 'event.commerce.order.priceTotal > 100', next: 'notify' }], otherwise: 'done' },
        { id: 'notify', name: 'Notify CRM', type: 'action', action: { kind: 'http', method: 'POST', url: hookUrl, body: '{"email":"{{identity.id}}","total":{{event.commerce.order.priceTotal}}}' }, next: 'done' },
        { id: 'done', name: 'Done', type: 'end' },
      ],
    });
    assert.equal(created.status, 201, created.body);
    const journeyId = created.json.journey.id as string;
    const versionId = created.json.version.id as string;
    const published = await p.call('POST', `/ajo/journeys/${journeyId}/versions/${versionId}/publish`);
    assert.equal(published.status, 200, published.body);

    assert.equal((await order('o-1', 'big@example.com', 250)).status, 200);
    assert.equal((await order('o-2', 'small@example.com', 20)).status, 200);
    const call = await eventually(async () => received.find((r) => r.body?.email === 'big@example.com'), 'the HTTP action');
    assert.equal(call.body.total, 250);
    assert.match(String(call.headers['idempotency-key']), /.+:\d+/);
    assert.equal(received.filter((r) => r.body?.email === 'small@example.com').length, 0, 'the small order took the other branch');

    // the report reads the step events back from the lake
    const report = await eventually(async () => {
      const r = await p.call('GET', `/ajo/journeys/${journeyId}/versions/${versionId}/report`);
      return r.status === 200 && r.json.entered === 2 && r.json.ended === 2 ? r.json : undefined;
    }, 'the report');
    assert.equal(report.distinctPeople, 2);
    const notify = report.nodes.find((n: { nodeId: string }) => n.nodeId === 'notify');
    assert.equal(notify?.count, 1);

    // SQL over journey_step_events, as the seed's queries do
    const c = new pg.Client({ host: '127.0.0.1', port: k.queryPort, user: k.local.orgId, password: k.local.accessToken, database: 'prod:all' });
    await c.connect();
    try {
      const started = await c.query(`SELECT count(distinct ${SE}.profileID) AS n FROM journey_step_events WHERE ${SE}.journeyVersionID = $1 AND ${SE}.nodeType = 'start' AND ${SE}.instanceType = 'unitary'`, [versionId]);
      assert.equal(Number(started.rows[0].n), 2);
      const perNode = await c.query(`SELECT ${SE}.nodeID AS node, count(*) AS n FROM journey_step_events WHERE ${SE}.journeyVersionID = $1 GROUP BY 1 ORDER BY 1`, [versionId]);
      const counts = Object.fromEntries(perNode.rows.map((r: { node: string; n: string }) => [r.node, Number(r.n)]));
      assert.equal(counts.notify, 1);
      assert.equal(counts.big, 2);
      const action = await c.query(`SELECT ${SE}.actionExecutionTime AS t, ${SE}.stepStatus AS s, ${SE}.actionID AS a FROM journey_step_events WHERE ${SE}.nodeID = 'notify'`);
      assert.equal(action.rows.length, 1);
      assert.ok(Number(action.rows[0].t) >= 0);
      const journeys = await c.query(`SELECT count(*) AS n FROM journeys WHERE ${SE}.journeyVersionID = $1`, [versionId]);
      assert.equal(Number(journeys.rows[0].n), 1, 'one Journeys record per version');
    } finally {
      await c.end();
    }

    // the person's journeys: where they are and the steps they took
    const mine = await p.call('GET', '/ajo/journey-profiles?namespace=Email&id=big@example.com');
    assert.equal(mine.status, 200, mine.body);
    assert.equal(mine.json.instances.length, 1);
    assert.equal(mine.json.instances[0].status, 'ended');
    assert.deepEqual(mine.json.instances[0].steps.map((s: { nodeId: string }) => s.nodeId).filter((n: string) => n !== 'start'), ['big', 'notify', 'done'].filter((n) => mine.json.instances[0].steps.some((s: { nodeId: string }) => s.nodeId === n)));

    // test mode: no action called, steps flagged inTest
    const before = received.length;
    const t = await p.call('POST', `/ajo/journeys/${journeyId}/versions/${versionId}/test`, { identity: { namespace: 'Email', id: 'tester@example.com' }, event: { _id: 't-1', eventType: 'commerce.purchases', timestamp: new Date().toISOString(), commerce: { order: { priceTotal: 500 } } } });
    assert.equal(t.status, 200, t.body);
    assert.ok(t.json.steps.length >= 3);
    assert.ok(t.json.steps.every((s: { inTest: boolean }) => s.inTest === true));
    assert.ok(t.json.steps.some((s: { nodeId: string }) => s.nodeId === 'notify'));
    assert.equal(received.length, before, 'test mode calls no action');
  });
});
