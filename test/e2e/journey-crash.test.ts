import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { startTestSmtp } from '../../src/testing/smtp-test-server.js';
import { testChildEnv } from '../../src/testing/test-kith.js';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { SqliteJourneyStore } from '../../src/journey/store/sqlite-journey-store.js';
import { PgJourneyStore } from '../../src/journey/store/pg-journey-store.js';
import type { JourneyStore } from '../../src/journey/store/journey-store.js';
import { eventually } from '../helpers/platform.js';

/**
 * Journeys across a kill -9 (acceptance of the journeys issue): a `kith start` child (the processor in its worker
 * thread, as in production) is killed with SIGKILL while instances wait or while their actions are in flight, then
 * started again over the same data directory (or PostgreSQL schema). Everything goes through public APIs: events
 * through /collection, journeys through /ajo/journeys, actions arrive at a real HTTP server and a real SMTP server,
 * step events are counted in SQL through the Query Service.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;
const SE = '_experience.journeyOrchestration.stepEvents';
const N = 30;
const WAIT_FOR = 120_000;
/** Two child starts (~20 s each from the TypeScript sources) and the polls in between. */
const SCENARIO = { timeout: 360_000 };

interface Child {
  child: ChildProcess;
  baseUrl: string;
  queryPort: number;
  exited: Promise<void>;
}

/** `kith start` on `dir` with `env` added; resolves once it prints its HTTP and SQL ports. */
function startChild(dir: string, env: Record<string, string> = {}): Promise<Child> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/kith.js'), 'start', '--port', '0', '--query-port', '0', '--data-dir', dir, '--log-level', 'warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...testChildEnv(dir), ...env },
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    let out = '';
    const t = setTimeout(() => reject(new Error(`child did not start: ${out}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      const port = /SQL \(psql\):.*\bport=(\d+)/.exec(out)?.[1];
      if (url && port) {
        clearTimeout(t);
        resolve({ child, baseUrl: url, queryPort: Number(port), exited });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`child exited ${code}: ${out}`));
    });
  });
}

async function kill9(c: Child): Promise<void> {
  c.child.kill('SIGKILL');
  await c.exited;
}

async function stopGracefully(c: Child): Promise<void> {
  if (c.child.exitCode !== null || c.child.signalCode !== null) return;
  c.child.kill('SIGTERM');
  await c.exited;
}

type Api = (method: string, path: string, body?: unknown) => Promise<{ status: number; json: any }>;

function apiOf(baseUrl: string, creds: Creds): Api {
  const h = { authorization: `Bearer ${creds.accessToken}`, 'x-api-key': creds.apiKey, 'x-gw-ims-org-id': creds.orgId, 'x-sandbox-name': 'prod', 'content-type': 'application/json' };
  return async (method, path, body) => {
    const r = await fetch(baseUrl + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: r.status, json };
  };
}

interface Creds {
  orgId: string;
  apiKey: string;
  accessToken: string;
}
const credsOf = (dir: string): Creds => JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')) as Creds;

/** A data directory (and, on PostgreSQL, its schema), removed after the test. */
function scratch(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `kith-jcrash-${name}-`));
  cleanups.push(async () => {
    rmSync(dir, { recursive: true, force: true });
    const env = testChildEnv(dir);
    if (env.KITH_DATABASE_URL && env.KITH_DATABASE_SCHEMA) {
      const c = new pg.Client({ connectionString: env.KITH_DATABASE_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${env.KITH_DATABASE_SCHEMA} CASCADE`).finally(() => c.end());
    }
  });
  return dir;
}
const cleanups: Array<() => Promise<void>> = [];
const children: Child[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.child.exitCode === null && c.child.signalCode === null) await kill9(c);
  for (const f of cleanups.splice(0).reverse()) await f();
});

async function start(dir: string, env: Record<string, string> = {}): Promise<Child & { api: Api }> {
  const c = await startChild(dir, env);
  children.push(c);
  return { ...c, api: apiOf(c.baseUrl, credsOf(dir)) };
}

/** An event schema and dataset (Profile and Identity enabled) and a streaming inlet; `enter` streams one event per person in one batch. */
async function eventSource(api: Api, baseUrl: () => string) {
  const schema = await api('POST', '/data/foundation/schemaregistry/tenant/schemas', { type: 'object', title: 'Crash journey events', allOf: [{ $ref: FG('experienceevent') }, { $ref: FG('identitymap') }], 'meta:immutableTags': ['union'] });
  assert.equal(schema.status, 201, JSON.stringify(schema.json));
  const schemaRef = { id: schema.json.$id as string, contentType: 'application/vnd.adobe.xed-full+json;version=1' };
  const ds = await api('POST', '/data/foundation/catalog/dataSets', { name: 'Crash journey events', schemaRef, tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] } });
  assert.equal(ds.status, 201, JSON.stringify(ds.json));
  const datasetId = String(ds.json[0]).replace('@/dataSets/', '');
  const conn = await api('POST', '/data/foundation/flowservice/connections', { name: 'crash journeys', connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' }, auth: { specName: 'Streaming Connection', params: { dataType: 'xdm' } } });
  const inletId = (await api('GET', `/data/foundation/flowservice/connections/${conn.json.id}`)).json.items[0].auth.params.inletId as string;
  return async (emails: string[], eventType = 'crash.order') => {
    const messages = emails.map((email) => ({ header: { schemaRef, datasetId }, body: { xdmMeta: { schemaRef }, xdmEntity: { _id: `${eventType}:${email}`, timestamp: new Date().toISOString(), eventType, identityMap: { Email: [{ id: email, primary: true }] } } } }));
    const r = await fetch(`${baseUrl()}/collection/batch/${inletId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages }) });
    assert.equal(r.status, 207);
    const body = (await r.json()) as { responses: Array<{ xactionId?: string }> };
    assert.equal(body.responses.filter((x) => x.xactionId).length, emails.length, JSON.stringify(body));
  };
}

/** Creates and publishes a journey entered by `crash.order` events of Email people. */
async function publish(api: Api, name: string, nodes: unknown[]): Promise<{ journeyId: string; versionId: string }> {
  const created = await api('POST', '/ajo/journeys', { name, entry: { type: 'event', eventType: 'crash.order', namespace: 'Email', next: (nodes[0] as { id: string }).id }, nodes });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const journeyId = created.json.journey.id as string;
  const versionId = created.json.version.id as string;
  const published = await api('POST', `/ajo/journeys/${journeyId}/versions/${versionId}/publish`);
  assert.equal(published.status, 200, JSON.stringify(published.json));
  return { journeyId, versionId };
}

/** The version's report (read from the step events in the lake; the outbox is flushed first). */
async function report(api: Api, j: { journeyId: string; versionId: string }): Promise<any> {
  const r = await api('GET', `/ajo/journeys/${j.journeyId}/versions/${j.versionId}/report`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
}
const nodeCount = (rep: any, nodeId: string): number => rep.nodes.find((n: { nodeId: string }) => n.nodeId === nodeId)?.count ?? 0;

/**
 * In the lake, through the Query Service: each (instanceID, nodeID) step exactly once, one instance per person, every
 * instance with its start, every node of `path` and its end step.
 */
async function assertStepsOnce(c: Child, dir: string, versionId: string, people: string[], path: string[]): Promise<void> {
  const creds = credsOf(dir);
  const client = new pg.Client({ host: '127.0.0.1', port: c.queryPort, user: creds.orgId, password: creds.accessToken, database: 'prod:all' });
  await client.connect();
  try {
    const rows = (await client.query(`SELECT ${SE}.instanceID AS i, ${SE}.nodeID AS n, ${SE}.profileID AS p, count(*) AS c, count(DISTINCT ${SE}.stepID) AS s, bool_or(${SE}.instanceEnded) AS e
      FROM journey_step_events WHERE ${SE}.journeyVersionID = $1 GROUP BY 1, 2, 3`, [versionId])).rows as Array<{ i: string; n: string; p: string; c: string; s: string; e: boolean | null }>;
    const doubled = rows.filter((r) => Number(r.c) !== 1 || Number(r.s) !== 1);
    assert.deepEqual(doubled.slice(0, 5), [], `${doubled.length} steps are in the lake more than once`);
    const byInstance = new Map<string, { person: string; nodes: Set<string>; ended: number }>();
    for (const r of rows) {
      const x = byInstance.get(r.i) ?? byInstance.set(r.i, { person: r.p, nodes: new Set(), ended: 0 }).get(r.i)!;
      x.nodes.add(r.n);
      if (r.e === true) x.ended++;
    }
    const personsWithInstances = [...byInstance.values()].map((x) => x.person).sort();
    assert.deepEqual(personsWithInstances, [...people].sort(), 'one instance per person, none lost');
    const incomplete = [...byInstance].filter(([, x]) => !['start', ...path].every((n) => x.nodes.has(n)) || x.ended !== 1);
    assert.deepEqual(incomplete.slice(0, 3).map(([i, x]) => `${i}: ${[...x.nodes].join(',')} ended ${x.ended}`), [], `${incomplete.length} instances miss a step or their end`);
  } finally {
    await client.end();
  }
}

/** An HTTP endpoint for the custom action: records every call; while `hold` is set it answers none (the calls stay in flight). */
async function receiver() {
  const calls: Array<{ key: string; email: string; phase: number }> = [];
  const held: http.ServerResponse[] = [];
  const state = { hold: false, phase: 1 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { email?: string };
      calls.push({ key: String(req.headers['idempotency-key']), email: String(body.email), phase: state.phase });
      if (state.hold) held.push(res);
      else res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, calls, held, state };
}

/** Every person's action arrived, each person under one key (the instance's step), repeated keys only for calls made before the kill. */
function assertActionsOnceByKey(calls: Array<{ key: string; email: string; phase: number }>, people: string[]): Map<string, string> {
  const keyOf = new Map<string, Set<string>>();
  for (const c of calls) (keyOf.get(c.email) ?? keyOf.set(c.email, new Set()).get(c.email)!).add(c.key);
  assert.deepEqual([...keyOf.keys()].sort(), [...people].sort(), 'every person is called');
  const several = [...keyOf].filter(([, ks]) => ks.size !== 1);
  assert.deepEqual(several, [], 'one idempotency key per person');
  const seen = new Map<string, number>();
  for (const c of calls) seen.set(c.key, (seen.get(c.key) ?? 0) + 1);
  const repeated = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
  const beforeKill = new Set(calls.filter((c) => c.phase === 1).map((c) => c.key));
  assert.deepEqual(repeated.filter((k) => !beforeKill.has(k)), [], 'a key is repeated only for a call in flight at the kill');
  for (const k of repeated) assert.equal(calls.filter((c) => c.key === k && c.phase === 2).length, 1, `${k} is called once after the restart`);
  return new Map([...keyOf].map(([e, ks]) => [e, [...ks][0]!]));
}

const people = (tag: string, n = N) => Array.from({ length: n }, (_, i) => `p${i}@${tag}.example`);

describe('journeys across kill -9 (a child Kith, processor in its worker thread)', () => {
  it('mid-journey: killed while every instance waits; after restart every action arrives, every instance ends, each step is in the lake once', SCENARIO, async () => {
    const dir = scratch('wait');
    const hook = await receiver();
    let c = await start(dir);
    const enter = await eventSource(c.api, () => c.baseUrl);
    const j = await publish(c.api, 'Crash: wait then call', [
      { id: 'wait', type: 'wait', seconds: 3, next: 'notify' },
      { id: 'notify', type: 'action', action: { kind: 'http', method: 'POST', url: hook.url, body: '{"email":"{{identity.id}}"}' }, next: 'done' },
      { id: 'done', type: 'end' },
    ]);
    const who = people('wait');
    await enter(who);
    // every instance is committed waiting (its start step is in the lake with it) and none has left the wait yet
    const atKill = await eventually(async () => {
      const rep = await report(c.api, j);
      return rep.entered === N ? rep : undefined;
    }, 'every person in the journey', WAIT_FOR);
    await kill9(c);
    hook.state.phase = 2;
    assert.equal(nodeCount(atKill, 'wait'), 0, 'the kill landed while the instances waited');
    assert.ok(hook.calls.length < N, `the kill landed mid-journey (${hook.calls.length} calls before it)`);

    c = await start(dir);
    await eventually(async () => (await report(c.api, j)).ended === N, 'every instance ended after the restart', WAIT_FOR);
    assertActionsOnceByKey(hook.calls, who);
    await assertStepsOnce(c, dir, j.versionId, who, ['wait', 'notify', 'done']);
    const rep = await report(c.api, j);
    assert.deepEqual([rep.entered, rep.distinctPeople, rep.ended, nodeCount(rep, 'notify')], [N, N, N, N]);
    await stopGracefully(c);
  });

  it('mid-action: killed while every call is held by the endpoint; after restart the calls repeat with the same Idempotency-Key, each step once', SCENARIO, async () => {
    const dir = scratch('action');
    const hook = await receiver();
    hook.state.hold = true;
    let c = await start(dir);
    const enter = await eventSource(c.api, () => c.baseUrl);
    const j = await publish(c.api, 'Crash: call in flight', [
      { id: 'wait', type: 'wait', seconds: 1, next: 'notify' },
      { id: 'notify', type: 'action', action: { kind: 'http', method: 'POST', url: hook.url, body: '{"email":"{{identity.id}}"}', timeoutMs: 30_000 }, next: 'done' },
      { id: 'done', type: 'end' },
    ]);
    const who = people('action');
    await enter(who);
    // the endpoint answers nothing: every action is in flight (N <= the engine's action concurrency)
    await eventually(async () => hook.held.length === N, 'every call held by the endpoint', WAIT_FOR);
    await kill9(c);
    hook.state.phase = 2;
    hook.state.hold = false;
    for (const res of hook.held.splice(0)) res.destroy();
    const heldKeys = new Map(hook.calls.map((x) => [x.email, x.key]));

    c = await start(dir);
    await eventually(async () => (await report(c.api, j)).ended === N, 'every instance ended after the restart', WAIT_FOR);
    const keys = assertActionsOnceByKey(hook.calls, who);
    assert.deepEqual(keys, heldKeys, 'every call is repeated with the key it had before the kill');
    // the endpoint, deduping by key, handled every person once
    assert.equal(new Set(hook.calls.filter((x) => x.phase === 2).map((x) => x.key)).size, N);
    await assertStepsOnce(c, dir, j.versionId, who, ['wait', 'notify', 'done']);
    const rep = await report(c.api, j);
    assert.deepEqual(rep.nodes.find((n: { nodeId: string }) => n.nodeId === 'notify')?.statuses, { transitions: N }, 'each action step once, succeeded');
    await stopGracefully(c);
  });

  it('email: killed between two email steps; a real SMTP server accepts exactly one message per person per step', SCENARIO, async () => {
    const dir = scratch('email');
    const smtp = await smtpServer();
    let c = await start(dir, { KITH_SMTP_URL: smtp.url });
    const enter = await eventSource(c.api, () => c.baseUrl);
    const email = (subject: string) => ({ kind: 'email', from: 'journeys@kith.test', to: '{{identity.id}}', subject, text: 'Hello {{identity.id}}' });
    const j = await publish(c.api, 'Crash: emails', [
      { id: 'welcome', type: 'action', action: email('Welcome'), next: 'wait' },
      { id: 'wait', type: 'wait', seconds: 3, next: 'followUp' },
      { id: 'followUp', type: 'action', action: email('Follow-up'), next: 'done' },
      { id: 'done', type: 'end' },
    ]);
    const who = people('email');
    // Why exactly once holds: the kill lands when every welcome's outcome is committed (its step is in the lake), so
    // no welcome is in flight; follow-ups are not accepted before the kill (the server holds their final 250, and a
    // message whose 250 never came is not delivered: its connection dies with the child), so none was delivered whose
    // outcome could be lost. After the restart nothing is killed: each send's outcome commits after its 250.
    smtp.hold.subject = 'Follow-up';
    await enter(who);
    await eventually(async () => {
      const rep = await report(c.api, j);
      return rep.entered === N && nodeCount(rep, 'welcome') === N;
    }, 'every welcome sent and committed', WAIT_FOR);
    await kill9(c);
    await eventually(async () => smtp.pending.size === 0, 'held messages dropped with their connections', WAIT_FOR);
    smtp.hold.subject = undefined;
    assert.equal(smtp.received.filter((m) => m.subject === 'Follow-up').length, 0, 'no follow-up delivered before the kill');

    c = await start(dir, { KITH_SMTP_URL: smtp.url });
    await eventually(async () => (await report(c.api, j)).ended === N, 'every instance ended after the restart', WAIT_FOR);
    for (const subject of ['Welcome', 'Follow-up']) {
      const got = smtp.received.filter((m) => m.subject === subject);
      assert.deepEqual(got.map((m) => m.to.join(',')).sort(), [...who].sort(), `one ${subject} per person`);
      assert.equal(new Set(got.map((m) => m.messageId)).size, N, `distinct Message-IDs (${subject})`);
      assert.equal(new Set(got.map((m) => m.key)).size, N, `distinct X-Kith-Idempotency-Keys (${subject})`);
      for (const m of got) assert.equal(m.messageId, `<${m.key.replace(/:/g, '%3A')}@kith>`, 'the Message-ID carries the idempotency key');
    }
    await assertStepsOnce(c, dir, j.versionId, who, ['welcome', 'wait', 'followUp', 'done']);
    const rep = await report(c.api, j);
    assert.deepEqual([nodeCount(rep, 'welcome'), nodeCount(rep, 'followUp'), rep.errors.length], [N, N, 0]);
    await stopGracefully(c);
  });

  describe('invalid input', () => {
    it('a restart over an inbox holding unparsable and unusable items consumes them and goes on (the waiting instances end, new people enter)', SCENARIO, async () => {
      const dir = scratch('inbox');
      const hook = await receiver();
      let c = await start(dir);
      const enter = await eventSource(c.api, () => c.baseUrl);
      const j = await publish(c.api, 'Crash: bad inbox', [
        { id: 'wait', type: 'wait', seconds: 2, next: 'notify' },
        { id: 'notify', type: 'action', action: { kind: 'http', method: 'POST', url: hook.url, body: '{"email":"{{identity.id}}"}' }, next: 'done' },
        { id: 'done', type: 'end' },
      ]);
      const first = people('inbox', 5);
      await enter(first);
      await eventually(async () => (await report(c.api, j)).entered === first.length, 'every person in the journey', WAIT_FOR);
      const mine = await c.api('GET', `/ajo/journey-profiles?namespace=Email&id=${encodeURIComponent(first[0]!)}`);
      const sandboxId = mine.json.instances[0].sandboxId as string;
      await kill9(c);
      hook.state.phase = 2;

      // written while the child is dead, as a torn or foreign writer could leave them; one on a waiting person's lane
      const at = Date.now();
      const bad = [
        { sandboxId, personKey: `email:${first[0]}`, kind: 'event' as const, dedupeKey: 'bad:json', payload: '{"identity": {"namespace": "Em', at },
        { sandboxId, personKey: 'email:nobody@inbox.example', kind: 'event' as const, dedupeKey: 'bad:no-id', payload: '{"identity":{"namespace":"Email"},"event":{}}', at },
        { sandboxId, personKey: 'email:nobody@inbox.example', kind: 'audience' as const, dedupeKey: 'bad:null', payload: 'null', at },
        { sandboxId, personKey: `email:${first[1]}`, kind: 'readAudience' as const, dedupeKey: 'bad:journey', payload: JSON.stringify({ identity: { namespace: 'Email', id: first[1] }, journeyId: 'no-such-journey', source: 'jump' }), at },
        { sandboxId, personKey: 'email:x', kind: 'test' as const, dedupeKey: 'bad:kind', payload: '{}', at },
        { sandboxId: 'no-such-sandbox', personKey: 'email:x', kind: 'event' as const, dedupeKey: 'bad:sandbox', payload: JSON.stringify({ identity: { namespace: 'Email', id: 'x' }, event: { _id: 'x', eventType: 'crash.order' } }), at },
      ];
      await withJourneyStore(dir, async (s) => assert.equal(await s.enqueue(bad), bad.length));

      c = await start(dir);
      const later = people('inbox-later', 3);
      await enter(later);
      const all = [...first, ...later];
      await eventually(async () => (await report(c.api, j)).ended === all.length, 'every instance ended after the restart', WAIT_FOR);
      assertActionsOnceByKey(hook.calls, all);
      await assertStepsOnce(c, dir, j.versionId, all, ['wait', 'notify', 'done']);
      await stopGracefully(c);
      await withJourneyStore(dir, async (s) => assert.deepEqual((await s.readInbox(0, 100)).map((i) => i.dedupeKey), [], 'every inbox item consumed'));
    });
  });
});

/** The journey store of a stopped Kith's data directory (journey.db, or its PostgreSQL schema). */
async function withJourneyStore(dir: string, fn: (s: JourneyStore) => Promise<void>): Promise<void> {
  const env = testChildEnv(dir);
  if (env.KITH_DATABASE_URL) {
    const pool = new pg.Pool({ connectionString: env.KITH_DATABASE_URL, max: 2 });
    try {
      await fn(await PgJourneyStore.open({ pool, schema: env.KITH_DATABASE_SCHEMA }));
    } finally {
      await pool.end();
    }
    return;
  }
  const db = openSqlite(dir, 'journey');
  try {
    await fn(new SqliteJourneyStore(db));
  } finally {
    db.close();
  }
}

/** The test SMTP server (src/testing/smtp-test-server.ts); stopped with the scenario. */
async function smtpServer() {
  const smtp = await startTestSmtp();
  cleanups.push(() => smtp.close());
  return smtp;
}
