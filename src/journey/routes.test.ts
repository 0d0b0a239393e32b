import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../testing/test-kith.js';
import { ok, type Result } from '../shared/result.js';
import type { Problem } from '../shared/problem.js';
import type { IdentityRef } from '../profile/identity-resolver.js';
import type { JourneyRuntimeApi, PersonJourneys, VersionReport } from './journey-ports.js';
import type { JourneyDefinition, StepEvent } from './journey-types.js';
import { fullDefinition } from './definition/testing/journey-fixtures.js';
import { rangeOf, journeyEngineNotRunning } from './routes.js';

const J = '/ajo/journeys';

/** The engine seam (it is not storage): answers canned results and records the calls. */
class FakeRuntime implements JourneyRuntimeApi {
  calls: Array<[string, ...unknown[]]> = [];
  async definitionsChanged(sandboxId: string): Promise<void> {
    this.calls.push(['definitionsChanged', sandboxId]);
  }
  async stopVersion(sandboxId: string, versionId: string): Promise<{ ended: number }> {
    this.calls.push(['stopVersion', sandboxId, versionId]);
    return { ended: 2 };
  }
  async test(sandboxId: string, versionId: string, input: { identity: IdentityRef; event?: Record<string, unknown> }): Promise<Result<{ instanceId: string; steps: StepEvent[] }, Problem>> {
    this.calls.push(['test', sandboxId, versionId, input]);
    return ok({ instanceId: 'i-1', steps: [step(versionId)] });
  }
  async report(sandboxId: string, versionId: string, range: { from?: number; to?: number }): Promise<Result<VersionReport, Problem>> {
    this.calls.push(['report', sandboxId, versionId, range]);
    return ok({ journeyId: 'j', versionId, entered: 1, distinctPeople: 1, ended: 1, nodes: [{ nodeId: 'done', nodeName: 'done', nodeType: 'end', count: 1, statuses: { ended: 1 } }], errors: [{ nodeId: 'hook', error: 'http', code: null, count: 0 }], timeouts: 0 });
  }
  async personJourneys(sandboxId: string, identity: IdentityRef): Promise<Result<PersonJourneys, Problem>> {
    this.calls.push(['personJourneys', sandboxId, identity]);
    // PersonJourneys intersects JourneyInstance (steps: a count) with steps: StepEvent[]: the seam's type cannot be built as written
    return ok({ identity, instances: [{ id: 'i-1', sandboxId, journeyId: 'j', versionId: 'v', personKey: `${identity.namespace}:${identity.id}`, identity, status: 'ended', nodeId: 'done', instanceType: 'unitary', inTest: false, enteredAt: 1, updatedAt: 2, endedAt: 2, steps: [step('v')], journeyName: 'J' }] } as unknown as PersonJourneys);
  }
}
const step = (versionId: string): StepEvent => ({
  id: 'i-1:0', sandboxId: 'sb', timestamp: 1, journeyId: 'j', journeyVersionId: versionId, journeyVersionName: 'J', journeyVersion: '1.0', instanceId: 'i-1', instanceType: 'unitary',
  identity: { namespace: 'Email', id: 'a@b.example' }, nodeId: 'done', nodeName: 'done', nodeType: 'end', stepStatus: 'ended', entrance: true, instanceEnded: true, inTest: true, eventID: 'e1', processingTime: 1,
});
const small = (name: string, extra: Partial<JourneyDefinition> = {}): JourneyDefinition => ({ name, entry: { type: 'event', eventType: 'web.signup', namespace: 'Email', next: 'done' }, nodes: [{ id: 'done', type: 'end' }], ...extra });

describe('journey routes (/ajo/journeys)', () => {
  let k: TestKith;
  const runtime = new FakeRuntime();
  let sandboxId = '';
  before(async () => {
    k = await startTestKith({}, { journeyRuntime: runtime });
    const sb = await k.app.inject({ method: 'POST', url: '/data/foundation/sandbox-management/sandboxes', headers: k.headers(), payload: { name: 'dev-journeys', title: 'Dev', type: 'development' } });
    assert.equal(sb.statusCode, 201, sb.body);
    sandboxId = (await k.sandboxes.resolve(k.local.orgId, 'prod'))!.id;
  });
  after(() => k.stop());
  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    k.app.inject({ method, url, headers: { ...k.headers(), ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }) });

  it('creates, edits, publishes, versions, stops and deletes a journey', async () => {
    const c = await call('POST', J, fullDefinition());
    assert.equal(c.statusCode, 201, c.body);
    const { journey, version } = c.json();
    assert.deepEqual([version.version, version.status, journey.name, journey.sandboxId], ['1.0', 'draft', 'Welcome', sandboxId]);
    assert.deepEqual(version.definition, fullDefinition());
    const base = `${J}/${journey.id}`;

    const list = await call('GET', `${J}?name=welc&limit=10`);
    assert.equal(list.statusCode, 200, list.body);
    assert.deepEqual(list.json().children.map((j: { id: string }) => j.id), [journey.id]);
    assert.equal(list.json()._page.totalCount, 1);
    const got = await call('GET', base);
    assert.deepEqual(got.json().versions.map((v: { version: string; status: string }) => [v.version, v.status]), [['1.0', 'draft']]);

    // the jump target must exist to publish: make it
    const target = await call('POST', J, small('Other'));
    const def = { ...fullDefinition(), exitCriteria: [fullDefinition().exitCriteria![0]!], nodes: fullDefinition().nodes.map((n) => (n.type === 'jump' ? { ...n, journeyId: target.json().journey.id } : n)) };
    const put = await call('PUT', `${base}/versions/${version.id}`, def);
    assert.equal(put.statusCode, 200, put.body);
    const pub = await call('POST', `${base}/versions/${version.id}/publish`);
    assert.equal(pub.statusCode, 200, pub.body);
    assert.equal(pub.json().version.status, 'live');
    assert.deepEqual(runtime.calls.at(-1), ['definitionsChanged', sandboxId]);

    const editLive = await call('PUT', `${base}/versions/${version.id}`, def);
    assert.equal(editLive.statusCode, 409);
    assert.match(editLive.json().detail, /only a draft/);
    const v2 = await call('POST', `${base}/versions`);
    assert.equal(v2.statusCode, 201, v2.body);
    assert.equal(v2.json().version.version, '2.0');
    assert.equal((await call('POST', `${base}/versions`, def)).statusCode, 409, 'one draft per journey');
    const pub2 = await call('POST', `${base}/versions/${v2.json().version.id}/publish`, {});
    assert.equal(pub2.statusCode, 200, pub2.body);
    assert.equal(pub2.json().finished.status, 'finished');

    const versions = await call('GET', `${base}/versions`);
    assert.deepEqual(versions.json().children.map((v: { version: string; status: string }) => [v.version, v.status]), [['1.0', 'finished'], ['2.0', 'live']]);
    assert.equal((await call('GET', `${base}/versions/${version.id}`)).json().status, 'finished');

    assert.equal((await call('DELETE', base)).statusCode, 409, 'a journey with a live version stays');
    const stop = await call('POST', `${base}/versions/${v2.json().version.id}/stop`);
    assert.equal(stop.statusCode, 200, stop.body);
    assert.deepEqual([stop.json().version.status, stop.json().ended], ['stopped', 2]);
    assert.deepEqual(runtime.calls.at(-1), ['stopVersion', sandboxId, v2.json().version.id]);

    const del = await call('DELETE', base);
    assert.equal(del.statusCode, 200, del.body);
    assert.deepEqual(del.json(), { journeyId: journey.id, versionsDeleted: 2 });
    assert.equal((await call('GET', base)).statusCode, 404);
  });

  it('deletes a draft version; the only one takes its journey', async () => {
    const c = (await call('POST', J, small('Draft only'))).json();
    const d = await call('DELETE', `${J}/${c.journey.id}/versions/${c.version.id}`);
    assert.equal(d.statusCode, 200, d.body);
    assert.equal(d.json().journeyDeleted, true);
    assert.equal((await call('GET', `${J}/${c.journey.id}`)).statusCode, 404);
  });

  it('test runs, reports and a person’s journeys go to the engine', async () => {
    const c = (await call('POST', J, small('Engine'))).json();
    const vurl = `${J}/${c.journey.id}/versions/${c.version.id}`;
    const t = await call('POST', `${vurl}/test`, { identity: { namespace: 'Email', id: 'a@b.example' }, event: { eventType: 'web.signup' } });
    assert.equal(t.statusCode, 200, t.body);
    assert.equal(t.json().instanceId, 'i-1');
    assert.deepEqual(runtime.calls.at(-1), ['test', sandboxId, c.version.id, { identity: { namespace: 'Email', id: 'a@b.example' }, event: { eventType: 'web.signup' } }]);

    const r = await call('GET', `${vurl}/report?from=2026-01-01T00:00:00Z&to=1767312000000`);
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().entered, 1);
    assert.deepEqual(runtime.calls.at(-1), ['report', sandboxId, c.version.id, { from: Date.UTC(2026, 0, 1), to: 1767312000000 }]);

    const p = await call('GET', '/ajo/journey-profiles?namespace=Email&id=a%40b.example');
    assert.equal(p.statusCode, 200, p.body);
    assert.equal(p.json().instances[0].journeyName, 'J');
    assert.deepEqual(runtime.calls.at(-1), ['personJourneys', sandboxId, { namespace: 'Email', id: 'a@b.example' }]);
  });

  it('keeps journeys per sandbox', async () => {
    const c = (await call('POST', J, small('Sandboxed'))).json();
    const dev = { 'x-sandbox-name': 'dev-journeys' };
    assert.equal((await call('GET', `${J}/${c.journey.id}`, undefined, dev)).statusCode, 404);
    assert.deepEqual((await call('GET', J, undefined, dev)).json().children, []);
    assert.equal((await call('POST', J, small('Sandboxed'), dev)).statusCode, 201, 'the same name in another sandbox');
  });

  it('documents every route in /openapi.json, with the node variants discriminated by type', async () => {
    const doc = (await k.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const path of [J, `${J}/{journeyId}`, `${J}/{journeyId}/versions`, `${J}/{journeyId}/versions/{versionId}`, `${J}/{journeyId}/versions/{versionId}/publish`, `${J}/{journeyId}/versions/{versionId}/stop`, `${J}/{journeyId}/versions/{versionId}/test`, `${J}/{journeyId}/versions/{versionId}/report`, '/ajo/journey-profiles'])
      assert.ok(doc.paths[path], path);
    const body = doc.paths[J].post.requestBody.content['application/json'].schema;
    assert.deepEqual(body.required, ['name', 'entry', 'nodes']);
    assert.equal(body.additionalProperties, false);
    assert.equal(body.properties.nodes.items.discriminator.propertyName, 'type');
    assert.deepEqual(body.properties.nodes.items.oneOf.map((v: { properties: { type: { enum: string[] } } }) => v.properties.type.enum[0]), ['condition', 'wait', 'waitForEvent', 'action', 'jump', 'end']);
  });

  describe('invalid input', () => {
    let journeyId = '';
    let versionId = '';
    let otherJourneyId = '';
    before(async () => {
      const c = (await call('POST', J, small('Invalid inputs'))).json();
      journeyId = c.journey.id;
      versionId = c.version.id;
      otherJourneyId = (await call('POST', J, small('Invalid inputs 2'))).json().journey.id;
    });
    const withNode = (node: unknown) => ({ ...small('n'), nodes: [{ id: 'done', type: 'end' }, node] });
    type Case = [string, 'GET' | 'POST' | 'PUT' | 'DELETE', () => string, unknown, Record<string, string>, number, RegExp];
    const cases: Case[] = [
      ['malformed JSON', 'POST', () => J, '{"name": ', {}, 400, /Malformed JSON/],
      ['a JSON array', 'POST', () => J, [], {}, 400, /must be object/],
      ['a text/plain body', 'POST', () => J, 'hello', { 'content-type': 'text/plain' }, 400, /must be object/],
      ['no body', 'POST', () => J, undefined, {}, 400, /body/],
      ['a name of the wrong type', 'POST', () => J, { ...small('x'), name: 1 }, {}, 400, /body\/name must be string|body.name must be string/],
      ['a typo in a field', 'POST', () => J, { ...small('x'), exitCriterias: [] }, {}, 400, /additional properties: 'exitCriterias'/],
      ['an unknown node type', 'POST', () => J, withNode({ id: 'x', type: 'sleep' }), {}, 400, /body.nodes\[1\].type "sleep" is not one of the allowed values/],
      ['a node missing its next', 'POST', () => J, withNode({ id: 'x', type: 'wait', seconds: 1 }), {}, 400, /nodes\[1\] must have required property 'next'/],
      ['an unknown action kind', 'POST', () => J, withNode({ id: 'x', type: 'action', action: { kind: 'sms' } }), {}, 400, /action.kind "sms" is not one of the allowed values/],
      ['a wrong type deep in an action', 'POST', () => J, withNode({ id: 'x', type: 'action', action: { kind: 'http', method: 'GET', url: 'https://a.example', retries: 'two' } }), {}, 400, /retries must be integer/],
      ['an http method not in the enum', 'POST', () => J, withNode({ id: 'x', type: 'action', action: { kind: 'http', method: 'TRACE', url: 'https://a.example' } }), {}, 400, /method must be equal to one of the allowed values/],
      ['a node ref to nothing', 'POST', () => J, { ...small('x'), entry: { type: 'event', eventType: 'x', namespace: 'E', next: 'ghost' } }, {}, 400, /entry.next: no node has the id "ghost"/],
      ['a cycle', 'POST', () => J, { ...small('x'), nodes: [{ id: 'done', type: 'wait', seconds: 1, next: 'b' }, { id: 'b', type: 'wait', seconds: 1, next: 'done' }] }, {}, 400, /cycle \(done → b → done\)/],
      ['bad PQL', 'POST', () => J, { ...small('x'), nodes: [{ id: 'done', type: 'condition', branches: [{ condition: 'a = ', next: 'e' }] }, { id: 'e', type: 'end' }] }, {}, 400, /nodes\[0\].branches\[0\].condition: Invalid PQL: Unexpected end of expression at line 1, column 5/],
      ['a duplicate name', 'POST', () => J, small('INVALID INPUTS'), {}, 409, /already exists/],
      ['a bad definition on PUT', 'PUT', () => `${J}/${journeyId}/versions/${versionId}`, { ...small('x'), nodes: [{ id: 'done', type: 'wait', seconds: 0, next: 'done' }] }, {}, 400, /seconds: must be > 0.*cycle/],
      ['a body on publish', 'POST', () => `${J}/${journeyId}/versions/${versionId}/publish`, { force: true }, {}, 400, /additional properties/],
      ['test with no identity', 'POST', () => `${J}/${journeyId}/versions/${versionId}/test`, { event: {} }, {}, 400, /required property 'identity'/],
      ['test with an empty namespace', 'POST', () => `${J}/${journeyId}/versions/${versionId}/test`, { identity: { namespace: '', id: 'x' } }, {}, 400, /namespace must NOT have fewer than 1 characters/],
      ['an unknown journey', 'GET', () => `${J}/nope`, undefined, {}, 404, /Journey nope not found/],
      ['delete an unknown journey', 'DELETE', () => `${J}/nope`, undefined, {}, 404, /not found/],
      ['versions of an unknown journey', 'GET', () => `${J}/nope/versions`, undefined, {}, 404, /not found/],
      ['an unknown version', 'GET', () => `${J}/${journeyId}/versions/nope`, undefined, {}, 404, /has no version nope/],
      ['a version of another journey', 'GET', () => `${J}/${otherJourneyId}/versions/${versionId}`, undefined, {}, 404, /has no version/],
      ['publish an unknown version', 'POST', () => `${J}/${journeyId}/versions/nope/publish`, undefined, {}, 404, /no version/],
      ['stop a draft', 'POST', () => `${J}/${journeyId}/versions/${versionId}/stop`, undefined, {}, 409, /draft/],
      ['test an unknown version', 'POST', () => `${J}/${journeyId}/versions/nope/test`, { identity: { namespace: 'E', id: 'x' } }, {}, 404, /no version/],
      ['report of an unknown version', 'GET', () => `${J}/${journeyId}/versions/nope/report`, undefined, {}, 404, /no version/],
      ['report from a non-date', 'GET', () => `${J}/${journeyId}/versions/${versionId}/report?from=yesterday`, undefined, {}, 400, /from must be an ISO-8601/],
      ['report from after to', 'GET', () => `${J}/${journeyId}/versions/${versionId}/report?from=2000&to=1000`, undefined, {}, 400, /from must not be after to/],
      ['limit 0', 'GET', () => `${J}?limit=0`, undefined, {}, 400, /limit must be >= 1/],
      ['limit not a number', 'GET', () => `${J}?limit=ten`, undefined, {}, 400, /limit must be integer/],
      ['negative start', 'GET', () => `${J}?start=-1`, undefined, {}, 400, /start must be >= 0/],
      ['an unknown sort', 'GET', () => `${J}?sort=size`, undefined, {}, 400, /sort must be one of/],
      ['profiles with no id', 'GET', () => '/ajo/journey-profiles?namespace=Email', undefined, {}, 400, /required property 'id'/],
      ['an unknown sandbox', 'GET', () => J, undefined, { 'x-sandbox-name': 'no-such-sandbox' }, 403, /.*/],
    ];
    for (const [name, method, url, payload, headers, want, detail] of cases)
      it(`answers ${want} to ${name}`, async () => {
        const r = await call(method, url(), payload, headers);
        assert.equal(r.statusCode, want, `${name}: ${r.body}`);
        const b = r.json();
        if ('error_code' in b) return assert.match(String(b.message), detail);
        assert.equal(b.status, want);
        assert.equal(typeof b.title, 'string');
        assert.match(String(b.detail), detail, name);
      });

    it('lists every problem of a definition in one 400', async () => {
      const r = await call('POST', J, { name: '', entry: { type: 'event', eventType: 'x', namespace: 'E', next: 'a', condition: '((' }, nodes: [{ id: 'a', type: 'wait', seconds: 99_999_999, next: 'ghost' }, { id: 'a', type: 'end' }] });
      assert.equal(r.statusCode, 400);
      assert.equal(r.json().code, 'JOURNEY-INVALID');
      assert.deepEqual(r.json().problems.map((p: { path: string }) => p.path), ['name', 'nodes[0].seconds', 'nodes[1].id', 'entry.condition', 'nodes[0].next']);
    });

    it('answers malformed bodies and queries on real ids with a 4xx problem, never a 5xx', async () => {
      const v = `${J}/${journeyId}/versions/${versionId}`;
      const bodies = ['[]', '"x"', '1', 'null', 'true', '{}', '[{}]', '{not json', '1e400', `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`, JSON.stringify({ ...small('x'), nodes: [{ id: 'done', type: 'end', extra: { deep: [[[1]]] } }] })];
      const writes: Array<['POST' | 'PUT', string]> = [['POST', J], ['POST', `${J}/${journeyId}/versions`], ['PUT', v], ['POST', `${v}/publish`], ['POST', `${v}/stop`], ['POST', `${v}/test`]];
      const failures: string[] = [];
      for (const [method, url] of writes)
        for (const body of bodies) {
          const r = await call(method, url, body);
          if (r.statusCode >= 500 || (r.statusCode >= 400 && typeof r.json().title !== 'string')) failures.push(`${method} ${url} ${body.slice(0, 30)} -> ${r.statusCode} ${r.body.slice(0, 120)}`);
        }
      for (const q of ['from=%E0%A4%A', 'from=1e308', 'to=-1', 'from=2026-02-30T00:00:00Z', 'from=99999999999999999999', 'from=a&from=b'])
        for (const url of [`${v}/report?${q}`, `${J}?${q.replace(/from|to/g, 'limit')}`, `/ajo/journey-profiles?namespace=E&${q.replace(/from|to/g, 'id')}`]) {
          const r = await call('GET', url);
          if (r.statusCode >= 500) failures.push(`GET ${url} -> ${r.statusCode} ${r.body.slice(0, 120)}`);
        }
      assert.deepEqual(failures, []);
    });

    it('answers the gateway errors without the AEP headers', async () => {
      const none = await k.app.inject({ method: 'GET', url: J });
      assert.ok(none.statusCode === 401 || none.statusCode === 403, none.body);
      assert.ok(none.json().error_code);
      const noSandbox = await k.app.inject({ method: 'POST', url: J, headers: { ...k.headers(), 'x-sandbox-name': '' }, payload: small('x') });
      assert.ok(noSandbox.statusCode >= 400 && noSandbox.statusCode < 500, noSandbox.body);
    });
  });

  it('rangeOf reads ISO dates and epoch milliseconds', () => {
    assert.deepEqual(rangeOf({}), ok({}));
    assert.deepEqual(rangeOf({ from: '0', to: '2026-01-01T00:00:00.000Z' }), ok({ from: 0, to: Date.UTC(2026, 0, 1) }));
    for (const bad of [{ from: 'x' }, { to: '1e3' }, { from: '2026-99-99' }, { from: '5', to: '4' }]) assert.equal(rangeOf(bad).ok, false, JSON.stringify(bad));
  });
});

describe('journey routes without a running engine', () => {
  let k: TestKith;
  before(async () => {
    k = await startTestKith({}, { journeyRuntime: journeyEngineNotRunning });
  });
  after(() => k.stop());

  it('keeps definitions and answers 503 "journey engine not running" for what only the engine knows', async () => {
    const h = { ...k.headers(), 'content-type': 'application/json' };
    const c = await k.app.inject({ method: 'POST', url: J, headers: h, payload: JSON.stringify(small('No engine')) });
    assert.equal(c.statusCode, 201, c.body);
    const vurl = `${J}/${c.json().journey.id}/versions/${c.json().version.id}`;
    assert.equal((await k.app.inject({ method: 'POST', url: `${vurl}/publish`, headers: k.headers() })).statusCode, 200);
    for (const [method, url, payload] of [
      ['POST', `${vurl}/test`, { identity: { namespace: 'Email', id: 'a@b.example' } }],
      ['GET', `${vurl}/report`, undefined],
      ['GET', '/ajo/journey-profiles?namespace=Email&id=x', undefined],
    ] as const) {
      const r = await k.app.inject({ method, url, headers: h, ...(payload ? { payload: JSON.stringify(payload) } : {}) });
      assert.equal(r.statusCode, 503, `${url}: ${r.body}`);
      assert.equal(r.json().detail, 'journey engine not running');
    }
    const stop = await k.app.inject({ method: 'POST', url: `${vurl}/stop`, headers: k.headers() });
    assert.equal(stop.statusCode, 200, stop.body);
    assert.equal(stop.json().ended, 0);
  });
});
