import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../testing/test-kith.js';
import { Platform } from '../../../test/helpers/platform.js';
import { ManualClock } from '../../shared/clock.js';
import { registerQueryRoutes, type QueryRest } from './routes.js';
import { ScriptedEngine } from './testing/scripted-engine.js';
import { resultsPath } from './results-file.js';
import { existsSync } from 'node:fs';

const Q = '/data/foundation/query';
const people = {
  columns: [
    { name: 'name', type: 'VARCHAR' },
    { name: 'n', type: 'BIGINT' },
    { name: 'address', type: 'STRUCT' },
  ],
  rows: [
    ['Ann', 1, { city: 'Lyon' }],
    ['Bob, "the" builder', '9007199254740993', null],
    ['Cy', 3, { city: 'Oslo' }],
  ],
};

/** The Query Service REST API on a real server, with the scripted engine (the real one is the lead's e2e). */
describe('Query Service REST API', () => {
  let k: TestKith;
  let p: Platform;
  let rest: QueryRest;
  const engine = new ScriptedEngine();
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const datasets = new Map<string, string>([['orders_copy', 'ds0000000000000000000001']]);
  const mount = (extra: Partial<Parameters<typeof registerQueryRoutes>[1]> = {}) => ({
    skipQueryRoutes: true,
    extraRoutes: (app: Parameters<typeof registerQueryRoutes>[0], kith: { resources: TestKith['resources']; config: TestKith['config'] }) => {
      rest = registerQueryRoutes(app, {
        engine,
        resources: kith.resources,
        clock,
        dataDir: kith.config.dataDir,
        queryEndpoint: () => ({ host: '127.0.0.1', port: 5433, tls: false }),
        datasetIdOf: async (_sb, table) => datasets.get(table),
        scheduleTickMs: 0,
        ...extra,
      });
    },
  });
  /** Submits a query and waits for its background run; answers the final query. */
  const runQuery = async (body: Record<string, unknown>) => {
    const r = await p.call('POST', `${Q}/queries`, body);
    assert.equal(r.status, 202, r.body);
    await rest.queries.settled(r.json.id);
    return (await p.call('GET', `${Q}/queries/${r.json.id}`)).json;
  };
  const assertProblem = (r: { status: number; json: Record<string, unknown> }, status: number, detail: RegExp) => {
    assert.equal(r.status, status, JSON.stringify(r.json));
    assert.equal(r.json.status, status);
    assert.equal(typeof r.json.title, 'string');
    assert.match(String(r.json.type), /^http:\/\/ns\.adobe\.com\/aep\/errors\//);
    assert.match(String(r.json.detail), detail);
  };

  before(async () => {
    engine
      .script('SELECT * FROM people', people)
      .script("SELECT * FROM people WHERE name = 'Ann'", { columns: people.columns, rows: [people.rows[0]!] })
      .script('SET auto_to_json = true', { commandTag: 'SET' })
      .script('SELECT broken', { error: { code: '42703', message: 'column "broken" does not exist' } })
      .script('SELECT pg_sleep_forever()', { columns: [{ name: 'x', type: 'INTEGER' }], block: true })
      .script('CREATE TABLE orders_copy AS (SELECT * FROM orders)', { commandTag: 'CREATE TABLE AS 10' });
    k = await startTestKith({}, mount());
    p = new Platform(k);
  });
  after(async () => {
    await k.stop();
  });

  it('documents every route in /openapi.json, the results endpoint as our addition', async () => {
    const r = await p.call('GET', '/openapi.json');
    assert.equal(r.status, 200, r.body);
    const paths = Object.keys(r.json.paths).filter((x) => x.startsWith(Q));
    assert.equal(paths.length, 10, paths.join(' '));
    assert.match(r.json.paths[`${Q}/queries/{id}/results`].get.summary, /Kith's addition/);
  });

  it('answers connection parameters in AEP shape, with the caller token and a psql line', async () => {
    const r = await p.call('GET', `${Q}/connection_parameters`);
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json, {
      version: 1,
      host: '127.0.0.1',
      port: 5433,
      username: k.local.orgId,
      token: k.local.accessToken,
      dbName: 'prod:all',
      sslmode: 'disable',
      psql: `psql 'sslmode=disable host=127.0.0.1 port=5433 dbname=prod:all user=${k.local.orgId} password=${k.local.accessToken}'`,
    });
  });

  it('runs a SELECT in the background: 202 SUBMITTED, then SUCCESS with the row count, in AEP query shape', async () => {
    const r = await p.call('POST', `${Q}/queries`, { dbName: 'prod:all', sql: 'SELECT * FROM people', name: 'All people', description: 'd' });
    assert.equal(r.status, 202, r.body);
    assert.equal(r.json.state, 'SUBMITTED');
    assert.deepEqual(r.json.request, { dbName: 'prod:all', sql: 'SELECT * FROM people', name: 'All people', description: 'd' });
    assert.equal(r.json._links.cancel.body, '{ "op": "cancel"}');
    for (const f of ['id', 'errors', 'created', 'updated', 'client', 'userId', 'isInsertInto', 'isCTAS', 'effectiveSQL', 'elapsedTime', 'rowCount']) assert.ok(f in r.json, f);
    await rest.queries.settled(r.json.id);
    const g = await p.call('GET', `${Q}/queries/${r.json.id}`);
    assert.equal(g.json.state, 'SUCCESS');
    assert.equal(g.json.rowCount, 3);
    assert.deepEqual(g.json.errors, []);
    assert.equal(g.json._links.cancel, undefined);
    assert.equal(g.json._links.results.href, `${Q}/queries/${r.json.id}/results?format=json`);
    // the session runs as the caller, in the request's sandbox
    const spec = engine.opened.at(-1)!;
    assert.deepEqual({ ...spec }, { orgId: k.local.orgId, sandboxId: spec.sandboxId, sandboxName: 'prod', flatten: false, user: spec.user });
    assert.equal(engine.openSessions(), 0);
  });

  it('pages JSON results and streams CSV', async () => {
    const q = await runQuery({ sql: 'SELECT * FROM people' });
    const a = await p.call('GET', `${Q}/queries/${q.id}/results?format=json&limit=2`);
    assert.equal(a.status, 200, a.body);
    assert.deepEqual(a.json.columns, people.columns);
    assert.deepEqual(a.json.rows, [
      { name: 'Ann', n: 1, address: { city: 'Lyon' } },
      { name: 'Bob, "the" builder', n: '9007199254740993', address: null },
    ]);
    assert.deepEqual(a.json._page, { start: 0, limit: 2, count: 2, totalCount: 3 });
    const b = await p.call('GET', a.json._links.next.href);
    assert.deepEqual(b.json.rows, [{ name: 'Cy', n: 3, address: { city: 'Oslo' } }]);
    assert.deepEqual(b.json._links, {});
    const c = await p.call('GET', `${Q}/queries/${q.id}/results?format=csv`);
    assert.equal(c.status, 200);
    assert.match(String(c.headers['content-type']), /^text\/csv/);
    assert.equal(c.body, 'name,n,address\r\nAnn,1,"{""city"":""Lyon""}"\r\n"Bob, ""the"" builder",9007199254740993,\r\nCy,3,"{""city"":""Oslo""}"\r\n');
  });

  it('soft delete hides a query and gives back its results file', async () => {
    const q = await runQuery({ sql: 'SELECT * FROM people' });
    assert.ok(existsSync(resultsPath(k.dataDir, q.id)));
    assert.deepEqual((await p.call('PATCH', `${Q}/queries/${q.id}`, { op: 'soft_delete' })).json, { message: 'Query soft delete request received', statusCode: 202 });
    assert.equal(existsSync(resultsPath(k.dataDir, q.id)), false);
    assertProblem(await p.call('GET', `${Q}/queries/${q.id}/results`), 404, /not found/);
    const all = await p.call('GET', `${Q}/queries?limit=1000&excludeSoftDeleted=false&property=id==${q.id}`);
    assert.equal(all.json.queries[0].softDeleted, true);
  });

  it('substitutes queryParameters into $name placeholders (effectiveSQL), and runs several statements in order', async () => {
    const q = await runQuery({ sql: 'SET auto_to_json = true; SELECT * FROM people WHERE name = $who;', queryParameters: { $who: "'Ann'" } });
    assert.equal(q.state, 'SUCCESS', JSON.stringify(q.errors));
    assert.equal(q.effectiveSQL, "SET auto_to_json = true; SELECT * FROM people WHERE name = 'Ann';");
    assert.equal(q.rowCount, 1);
    assert.deepEqual(engine.ran.slice(-2), ['SET auto_to_json = true', "SELECT * FROM people WHERE name = 'Ann'"]);
  });

  it('ends FAILED with the SQL error, and has no results to read', async () => {
    const q = await runQuery({ sql: 'SELECT broken' });
    assert.equal(q.state, 'FAILED');
    assert.deepEqual(q.errors, [{ code: '42703', message: 'column "broken" does not exist' }]);
    assertProblem(await p.call('GET', `${Q}/queries/${q.id}/results`), 409, /FAILED/);
  });

  it('ends FAILED with the SQL error when the engine refuses the session', async () => {
    engine.refuseSessions = { code: '3D000', message: 'sandbox "prod" has no query tables yet' };
    try {
      const q = await runQuery({ sql: 'SELECT * FROM people' });
      assert.equal(q.state, 'FAILED');
      assert.deepEqual(q.errors, [{ code: '3D000', message: 'sandbox "prod" has no query tables yet' }]);
    } finally {
      engine.refuseSessions = undefined;
    }
  });

  it('cancels a running query (PATCH op cancel → 202, state CANCELLED; a second cancel is refused)', async () => {
    const r = await p.call('POST', `${Q}/queries`, { sql: 'SELECT pg_sleep_forever()' });
    await engine.whenBlocked('SELECT pg_sleep_forever()');
    assert.equal((await p.call('GET', `${Q}/queries/${r.json.id}`)).json.state, 'IN_PROGRESS');
    const c = await p.call('PATCH', `${Q}/queries/${r.json.id}`, { op: 'cancel' });
    assert.equal(c.status, 202, c.body);
    assert.deepEqual(c.json, { message: 'Query cancel request received', statusCode: 202 });
    await rest.queries.settled(r.json.id);
    const g = await p.call('GET', `${Q}/queries/${r.json.id}`);
    assert.equal(g.json.state, 'CANCELLED');
    assertProblem(await p.call('PATCH', `${Q}/queries/${r.json.id}`, { op: 'cancel' }), 409, /CANCELLED/);
  });

  it('reports CTAS (isCTAS, rows written, the dataset link) and has no rows to download', async () => {
    const q = await runQuery({ sql: 'CREATE TABLE orders_copy AS (SELECT * FROM orders)' });
    assert.equal(q.state, 'SUCCESS');
    assert.equal(q.isCTAS, true);
    assert.equal(q.rowCount, 10);
    assert.deepEqual(q._links.referenced_datasets, [{ id: 'ds0000000000000000000001', href: '/data/foundation/catalog/dataSets/ds0000000000000000000001' }]);
    assertProblem(await p.call('GET', `${Q}/queries/${q.id}/results`), 404, /dataset/);
  });

  it('lists queries with paging, orderby, property filters and soft delete', async () => {
    clock.advance(60_000);
    const first = await runQuery({ sql: 'SELECT broken', name: 'later failure' });
    const all = await p.call('GET', `${Q}/queries?limit=1000`);
    const total = all.json._page.totalCount as number;
    const totalWithDeleted = (await p.call('GET', `${Q}/queries?limit=1&excludeSoftDeleted=false`)).json._page.totalCount as number;
    assert.ok(total >= 6);
    assert.equal(all.json.queries[0].id, first.id, 'default order: newest first');
    const asc = await p.call('GET', `${Q}/queries?orderby=%2Bcreated&limit=1000`);
    assert.equal(asc.json.queries.at(-1).id, first.id);
    const page = await p.call('GET', `${Q}/queries?limit=2&start=1`);
    assert.equal(page.json.queries.length, 2);
    assert.deepEqual(page.json.queries.map((x: { id: string }) => x.id), all.json.queries.slice(1, 3).map((x: { id: string }) => x.id));
    assert.match(page.json._links.next.href, /start=3&limit=2$/);
    const byPage = await p.call('GET', `${Q}/queries?limit=2&page=1`);
    assert.deepEqual(byPage.json.queries, all.json.queries.slice(2, 4));
    const failed = await p.call('GET', `${Q}/queries?property=state==FAILED&limit=1000`);
    assert.ok(failed.json.queries.length >= 2 && failed.json.queries.every((x: { state: string }) => x.state === 'FAILED'));
    const since = await p.call('GET', `${Q}/queries?property=${encodeURIComponent(`created>${new Date(Date.UTC(2026, 0, 1, 0, 0, 30)).toISOString()},state==FAILED`)}`);
    assert.deepEqual(since.json.queries.map((x: { id: string }) => x.id), [first.id]);
    assert.equal((await p.call('PATCH', `${Q}/queries/${first.id}`, { op: 'soft_delete' })).status, 202);
    assertProblem(await p.call('GET', `${Q}/queries/${first.id}`), 404, /not found/);
    assert.equal((await p.call('GET', `${Q}/queries?limit=1000`)).json._page.totalCount, total - 1);
    const withDeleted = await p.call('GET', `${Q}/queries?limit=1000&excludeSoftDeleted=false`);
    assert.equal(withDeleted.json._page.totalCount, totalWithDeleted);
  });

  it('keeps query templates (CRUD) and runs one by templateId, its parameters the defaults', async () => {
    const c = await p.call('POST', `${Q}/query-templates`, { name: 'By name', sql: 'SELECT * FROM people WHERE name = $who', queryParameters: { who: "'Nobody'" } });
    assert.equal(c.status, 202, c.body);
    const id = c.json.id;
    assert.equal(c.json._links.update.method, 'PUT');
    assert.equal((await p.call('GET', `${Q}/query-templates/${id}`)).json.name, 'By name');
    const put = await p.call('PUT', `${Q}/query-templates/${id}`, { name: 'Renamed', sql: 'SELECT * FROM people WHERE name = $who', queryParameters: { who: "'Ann'" } });
    assert.equal(put.status, 202, put.body);
    assert.equal(put.json.name, 'Renamed');
    assert.equal(put.json.lastUpdatedBy, put.json.userId);
    const listed = await p.call('GET', `${Q}/query-templates?property=name==Renamed`);
    assert.deepEqual(listed.json.templates.map((t: { id: string }) => t.id), [id]);
    const q = await runQuery({ templateId: id });
    assert.equal(q.state, 'SUCCESS', JSON.stringify(q.errors));
    assert.equal(q.effectiveSQL, "SELECT * FROM people WHERE name = 'Ann'");
    assert.equal(q.templateId, id);
    const over = await runQuery({ templateId: id, queryParameters: { who: "'Zed'" } });
    assert.equal(over.state, 'FAILED', 'the override ran (and has no script)');
    assert.equal(over.effectiveSQL, "SELECT * FROM people WHERE name = 'Zed'");
    const d = await p.call('DELETE', `${Q}/query-templates/${id}`);
    assert.deepEqual(d.json, { message: 'Deleted', statusCode: 202 });
    assertProblem(await p.call('GET', `${Q}/query-templates/${id}`), 404, /not found/);
  });

  it('runs scheduled queries when their cron fires (manual clock), once per fire time, and on trigger', async () => {
    clock.set(Date.UTC(2026, 0, 2, 0, 0));
    const c = await p.call('POST', `${Q}/schedules`, {
      query: { dbName: 'prod:all', sql: 'SELECT * FROM people', name: 'Hourly people' },
      schedule: { schedule: '30 * * * *', startDate: '2026-01-02T00:00:00.000Z' },
    });
    assert.equal(c.status, 202, c.body);
    const id = c.json.id;
    assert.equal(c.json.state, 'ENABLED');
    assert.deepEqual(c.json.schedule, { schedule: '30 * * * *', startDate: '2026-01-02T00:00:00.000Z', maxActiveRuns: 1 });
    assert.equal(c.json._links.trigger.method, 'POST');
    assert.deepEqual(await rest.runDue(), [], 'nothing before 00:30');
    clock.set(Date.UTC(2026, 0, 2, 0, 31));
    const fired = await rest.runDue();
    assert.equal(fired.length, 1);
    assert.equal(fired[0]!.scheduleId, id);
    await rest.queries.settled(fired[0]!.id);
    assert.deepEqual(await rest.runDue(), [], 'a fire time runs once');
    // hours missed (a server down from 00:31 to 03:45) run once, not three times
    clock.set(Date.UTC(2026, 0, 2, 3, 45));
    const caught = await rest.runDue();
    assert.equal(caught.length, 1);
    await rest.queries.settled(caught[0]!.id);
    clock.advance(1000);
    const t = await p.call('POST', `${Q}/schedules/${id}/runs`);
    assert.equal(t.status, 202, t.body);
    await rest.queries.settled(t.json.runId);
    const runs = await p.call('GET', `${Q}/schedules/${id}/runs`);
    assert.equal(runs.status, 200, runs.body);
    assert.deepEqual(runs.json.runsSchedules.map((r: { externalTrigger: string; state: string }) => [r.externalTrigger, r.state]), [
      ['false', 'SUCCESS'],
      ['false', 'SUCCESS'],
      ['true', 'SUCCESS'],
    ]);
    const manual = await p.call('GET', `${Q}/schedules/${id}/runs?property=externalTrigger==true`);
    assert.deepEqual(manual.json.runsSchedules.map((r: { id: string }) => r.id), [t.json.runId]);
    const run = await p.call('GET', `${Q}/schedules/${id}/runs/${t.json.runId}`);
    assert.equal(run.json.scheduleId, id);
    assert.equal(run.json.taskStatusList[0].message, 'Processed Successfully');
    const q = await p.call('GET', `${Q}/queries/${t.json.runId}`);
    assert.equal(q.json.rowCount, 3);
    assert.equal(q.json.scheduleId, id);
    // disabled: no runs; deleting needs it disabled first
    assertProblem(await p.call('DELETE', `${Q}/schedules/${id}`), 400, /disable it/);
    const off = await p.call('PATCH', `${Q}/schedules/${id}`, { body: [{ op: 'replace', path: '/state', value: 'disable' }] });
    assert.deepEqual(off.json, { message: 'Request to patch accepted', statusCode: 202 });
    clock.set(Date.UTC(2026, 0, 2, 5, 0));
    assert.deepEqual(await rest.runDue(), []);
    const cron = await p.call('PATCH', `${Q}/schedules/${id}`, [{ op: 'replace', path: '/schedule/schedule', value: '@daily' }]);
    assert.equal(cron.status, 202, cron.body);
    const g = await p.call('GET', `${Q}/schedules/${id}`);
    assert.equal(g.json.state, 'DISABLED');
    assert.equal(g.json.schedule.schedule, '@daily');
    assert.equal((await p.call('GET', `${Q}/schedules`)).json.schedules.length, 1);
    assert.deepEqual((await p.call('DELETE', `${Q}/schedules/${id}`)).json, { message: 'Schedule deleted successfully', statusCode: 202 });
    assertProblem(await p.call('GET', `${Q}/schedules/${id}`), 404, /not found/);
  });

  it('an @once schedule runs once at its start date', async () => {
    clock.set(Date.UTC(2026, 0, 3, 0, 0));
    const c = await p.call('POST', `${Q}/schedules`, { query: { sql: 'SELECT * FROM people' }, schedule: { schedule: '@once', startDate: '2026-01-03T06:00:00Z' } });
    assert.equal(c.status, 202, c.body);
    assert.deepEqual(await rest.runDue(), []);
    clock.set(Date.UTC(2026, 0, 3, 7, 0));
    const fired = await rest.runDue();
    assert.equal(fired.length, 1);
    await rest.queries.settled(fired[0]!.id);
    clock.set(Date.UTC(2026, 0, 9));
    assert.deepEqual(await rest.runDue(), []);
  });

  it('keeps sandboxes apart', async () => {
    const q = await runQuery({ sql: 'SELECT * FROM people' });
    const dev = await k.sandboxes.create(k.local.orgId, { name: 'dev', title: 'Dev', type: 'development' }, 'test');
    assert.ok(dev.ok);
    const devHeaders = { 'x-sandbox-name': 'dev' };
    assertProblem(await p.call('GET', `${Q}/queries/${q.id}`, undefined, devHeaders), 404, /not found/);
    assertProblem(await p.call('GET', `${Q}/queries/${q.id}/results`, undefined, devHeaders), 404, /not found/);
    const r = await p.call('POST', `${Q}/queries`, { dbName: 'dev:all', sql: 'SELECT * FROM people' }, devHeaders);
    assert.equal(r.status, 202, r.body);
    await rest.queries.settled(r.json.id);
    assert.equal(engine.opened.at(-1)!.sandboxName, 'dev');
    const cp = await p.call('GET', `${Q}/connection_parameters`, undefined, devHeaders);
    assert.equal(cp.json.dbName, 'dev:all');
  });

  describe('refuses bad input with AEP problem bodies', () => {
    const cases: Array<[string, string, string, unknown, number, RegExp]> = [
      ['missing sql', 'POST', '/queries', { dbName: 'prod:all' }, 400, /sql is required/],
      ['blank sql', 'POST', '/queries', { sql: ' ; -- nothing\n' }, 400, /no statement/],
      ['sql not a string', 'POST', '/queries', { sql: 42 }, 400, /sql/],
      ['sql and templateId', 'POST', '/queries', { sql: 'SELECT 1', templateId: 'x' }, 400, /not both/],
      ['unknown templateId', 'POST', '/queries', { templateId: 'nope' }, 400, /no such query template/],
      ['bad dbName', 'POST', '/queries', { dbName: 'prod:', sql: 'SELECT 1' }, 400, /<sandbox>:all/],
      ['other database', 'POST', '/queries', { dbName: 'prod:cja', sql: 'SELECT 1' }, 400, /only the "all" database/],
      ["another sandbox's dbName", 'POST', '/queries', { dbName: 'dev:all', sql: 'SELECT 1' }, 400, /names sandbox "dev"/],
      ['missing parameter', 'POST', '/queries', { sql: 'SELECT $a, $b', queryParameters: { a: 1 } }, 400, /no value for \$b/],
      ['nested parameter', 'POST', '/queries', { sql: 'SELECT $a', queryParameters: { a: { x: 1 } } }, 400, /queryParameters/],
      ['unknown query', 'GET', '/queries/00000000-0000-0000-0000-000000000000', undefined, 404, /not found/],
      ['unknown query results', 'GET', '/queries/nope/results', undefined, 404, /not found/],
      ['bad results format', 'GET', '/queries/nope/results?format=xml', undefined, 400, /format/],
      ['unknown op', 'PATCH', '/queries/nope', { op: 'explode' }, 400, /op must be/],
      ['cancel unknown', 'PATCH', '/queries/nope', { op: 'cancel' }, 404, /not found/],
      ['bad limit', 'GET', '/queries?limit=0', undefined, 400, /limit/],
      ['bad orderby', 'GET', '/queries?orderby=name', undefined, 400, /orderby/],
      ['bad property', 'GET', '/queries?property=sql==x', undefined, 400, /cannot be filtered/],
      ['bad property syntax', 'GET', '/queries?property=state', undefined, 400, /field==value/],
      ['bad excludeSoftDeleted', 'GET', '/queries?excludeSoftDeleted=maybe', undefined, 400, /true or false/],
      ['template without name', 'POST', '/query-templates', { sql: 'SELECT 1' }, 400, /name/],
      ['template without sql', 'PUT', '/query-templates/nope', { name: 'n' }, 400, /sql/],
      ['unknown template', 'GET', '/query-templates/nope', undefined, 404, /not found/],
      ['delete unknown template', 'DELETE', '/query-templates/nope', undefined, 404, /not found/],
      ['bad cron', 'POST', '/schedules', { query: { sql: 'SELECT 1' }, schedule: { schedule: '99 * * * *' } }, 400, /schedule/],
      ['bad shorthand', 'POST', '/schedules', { query: { sql: 'SELECT 1' }, schedule: { schedule: '@sometimes' } }, 400, /@hourly/],
      ['both days', 'POST', '/schedules', { query: { sql: 'SELECT 1' }, schedule: { schedule: '0 0 1 * 1' } }, 400, /not both/],
      ['bad startDate', 'POST', '/schedules', { query: { sql: 'SELECT 1' }, schedule: { schedule: '@daily', startDate: 'soon' } }, 400, /ISO 8601/],
      ['endDate before start', 'POST', '/schedules', { query: { sql: 'SELECT 1' }, schedule: { schedule: '@daily', startDate: '2026-02-01T00:00:00Z', endDate: '2026-01-01T00:00:00Z' } }, 400, /endDate/],
      ['schedule without sql', 'POST', '/schedules', { query: { name: 'x' }, schedule: { schedule: '@daily' } }, 400, /sql is required/],
      ["schedule in another sandbox's db", 'POST', '/schedules', { query: { dbName: 'dev:all', sql: 'SELECT 1' }, schedule: { schedule: '@daily' } }, 400, /names sandbox/],
      ['unknown schedule', 'GET', '/schedules/nope', undefined, 404, /not found/],
      ['runs of unknown schedule', 'GET', '/schedules/nope/runs', undefined, 404, /not found/],
      ['trigger unknown schedule', 'POST', '/schedules/nope/runs', undefined, 404, /not found/],
      ['unknown run', 'GET', '/schedules/nope/runs/nope', undefined, 404, /not found/],
      ['patch unknown schedule', 'PATCH', '/schedules/nope', { body: [{ op: 'replace', path: '/state', value: 'enable' }] }, 404, /not found/],
    ];
    for (const [name, method, path, body, status, detail] of cases)
      it(name, async () => {
        const r = await p.call(method, `${Q}${path}`, body);
        assertProblem(r, status, detail);
      });

    it('refuses bad schedule patches', async () => {
      const c = await p.call('POST', `${Q}/schedules`, { query: { sql: 'SELECT 1' }, schedule: { schedule: '@daily' } });
      const id = c.json.id;
      assertProblem(await p.call('PATCH', `${Q}/schedules/${id}`, { body: [{ op: 'replace', path: '/state', value: 'sideways' }] }), 400, /enable/);
      assertProblem(await p.call('PATCH', `${Q}/schedules/${id}`, { body: [{ op: 'replace', path: '/schedule/schedule', value: '* * *' }] }), 400, /cron|fields/);
      assertProblem(await p.call('PATCH', `${Q}/schedules/${id}`, { body: [{ op: 'replace', path: '/query/sql', value: 'x' }] }), 400, /only \/state/);
      assertProblem(await p.call('PATCH', `${Q}/schedules/${id}`, { nothing: true }), 400, /Body must be/);
      assert.equal((await p.call('PATCH', `${Q}/schedules/${id}`, { op: 'disable' })).status, 202);
      assert.equal((await p.call('DELETE', `${Q}/schedules/${id}`)).status, 202);
    });
  });
});

describe('Query Service REST API across a restart', () => {
  it('marks queries a stopped server left running as FAILED (nothing silently lost)', async () => {
    const engine = new ScriptedEngine().script('SELECT pg_sleep_forever()', { columns: [{ name: 'x', type: 'INTEGER' }], block: true });
    let rest: QueryRest | undefined;
    const mount = {
      skipQueryRoutes: true,
      extraRoutes: (app: Parameters<typeof registerQueryRoutes>[0], kith: { resources: TestKith['resources']; config: TestKith['config'] }) => {
        rest = registerQueryRoutes(app, { engine, resources: kith.resources, clock: new ManualClock(), dataDir: kith.config.dataDir, queryEndpoint: () => ({ host: 'h', port: 1, tls: true }), scheduleTickMs: 0 });
      },
    };
    const k1 = await startTestKith({}, mount);
    const p1 = new Platform(k1);
    const r = await p1.call('POST', `${Q}/queries`, { sql: 'SELECT pg_sleep_forever()' });
    assert.equal(r.status, 202, r.body);
    await engine.whenBlocked('SELECT pg_sleep_forever()');
    await k1.stop({ keepData: true });
    assert.equal(engine.openSessions(), 0, 'the stop closed the session');
    const k2 = await startTestKith({ dataDir: k1.dataDir }, mount);
    try {
      const g = await new Platform(k2).call('GET', `${Q}/queries/${r.json.id}`);
      assert.equal(g.json.state, 'FAILED');
      assert.equal(g.json.errors[0].code, '57P01');
      assert.match(g.json.errors[0].message, /server restarted/);
      assert.ok(rest);
      assert.equal(await rest.queries.recover(), 0, 'recovered once');
    } finally {
      await k2.stop();
    }
  });
});
