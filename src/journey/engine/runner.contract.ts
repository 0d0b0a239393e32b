import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../shared/clock.js';
import type { ActionResult } from '../journey-ports.js';
import type { JourneyDefinition, JourneyNode, StepEvent } from '../journey-types.js';
import type { JourneyStore } from '../store/journey-store.js';
import { JourneyEngine, type JourneyEngineOptions } from './runner.js';
import { eventOf, fields, journeyOf, T0, versionOf } from './testing/fixtures.js';
import { FakeActions, FakeDefinitions, FakePeople } from './testing/engine-fakes.js';

/** What the runner's scenarios need of a JourneyStore adapter: a fresh store, the same data again (a restart), removal. */
export interface RunnerStoreHarness {
  create(): Promise<JourneyStore>;
  /** Another store over the same data; the first stays open (a process dropped without close). */
  reopen(s: JourneyStore): Promise<JourneyStore>;
  /** Closes every store of a scenario and removes its data. */
  destroy(stores: JourneyStore[]): Promise<void>;
}

interface World {
  store: JourneyStore;
  clock: ManualClock;
  defs: FakeDefinitions;
  people: FakePeople;
  actions: FakeActions;
  errors: unknown[];
  engine: JourneyEngine;
  /** A new store over the same data (a restart). */
  reopen(): Promise<JourneyStore>;
  engineOver(store: JourneyStore, actions: FakeActions): JourneyEngine;
}

/** The runner's scenarios over a real store adapter (run by runner.test.ts on SQLite, runner-postgres.test.ts on PostgreSQL). */
export function runnerContract(name: string, h: RunnerStoreHarness): void {
  async function withWorld(fn: (w: World) => Promise<void>, options: JourneyEngineOptions = {}): Promise<void> {
    const store = await h.create();
    const stores = [store];
    const clock = new ManualClock(T0);
    const defs = new FakeDefinitions();
    const people = new FakePeople();
    const actions = new FakeActions();
    const errors: unknown[] = [];
    let n = 0;
    const engineOver = (s: JourneyStore, a: FakeActions) =>
      new JourneyEngine({ store: s, definitions: defs, people, actions: a, clock, onError: (e) => errors.push(e), options, newId: () => `i${String(++n).padStart(6, '0')}` });
    const reopen = async () => {
      const s = await h.reopen(store);
      stores.push(s);
      return s;
    };
    const w: World = { store, clock, defs, people, actions, errors, engine: engineOver(store, actions), reopen, engineOver };
    try {
      await fn(w);
      assert.deepEqual(errors, []);
    } finally {
      await w.engine.close();
      await h.destroy(stores);
    }
  }

  const journey = (id: string, def: Partial<JourneyDefinition> & { nodes: JourneyNode[] }) => ({ journey: journeyOf(id), version: versionOf(id, def) });
  function addJourney(w: World, id: string, def: Partial<JourneyDefinition> & { nodes: JourneyNode[] }) {
    const j = journey(id, def);
    w.defs.add(j.journey, j.version);
    return j;
  }
  const email = (x: string) => ({ namespace: 'Email', id: x });
  const steps = async (s: JourneyStore): Promise<StepEvent[]> => (await s.readOutbox(0, 1_000_000)).map((r) => r.event);
  const brief = (s: StepEvent) => `${s.nodeId}:${s.stepStatus}${s.instanceEnded ? ':end' : ''}`;
  const end: JourneyNode = { id: 'end', type: 'end' };

  describe(`JourneyEngine over the ${name} store`, () => {
    it('an event enters, a wait is due on the timer wheel, the instance ends; steps reach the outbox with the state', () =>
      withWorld(async (w) => {
        addJourney(w, 'j1', { nodes: [{ id: 'w', type: 'wait', seconds: 60, next: 'end' }, end] });
        assert.equal(await w.engine.feedEvents('sb', [eventOf('e1', 'signup'), eventOf('e2', 'unrelated')]), 1);
        await w.engine.drain();
        const [inst] = await w.store.instancesOf('sb', ['email:a@x.io']);
        assert.equal(inst?.status, 'waiting');
        assert.deepEqual(inst?.wait, { kind: 'timer', due: T0 + 60_000 });
        assert.deepEqual(await w.store.readInbox(0, 10), [], 'the input is consumed');
        w.clock.advance(60_000);
        await w.engine.drain();
        assert.equal((await w.store.instance(inst!.id))?.status, 'ended');
        assert.deepEqual((await steps(w.store)).map(brief), ['start:transitions', 'w:transitions', 'end:ended:end']);
        assert.equal(await w.engine.feedEvents('sb', [eventOf('e1', 'signup')]), 0, 'a re-delivered event is enqueued once');
      }));

    it('orders each person’s inputs and runs different persons concurrently', () =>
      withWorld(async (w) => {
        addJourney(w, 'j1', {
          nodes: [
            { id: 'wa', type: 'waitForEvent', eventType: 'a', timeoutSeconds: 3600, next: 'wb' },
            { id: 'wb', type: 'waitForEvent', eventType: 'b', timeoutSeconds: 3600, next: 'end' },
            end,
          ],
        });
        const people = Array.from({ length: 40 }, (_, i) => `p${i}@x.io`);
        w.people.delay = (key) => (key.length * 7) % 5;
        const events = ['signup', 'a', 'b'].flatMap((t, k) => people.map((p) => eventOf(`${p}-${k}`, t, {}, p)));
        assert.equal(await w.engine.feedEvents('sb', events), 120);
        await w.engine.drain();
        const all = await w.store.instancesOf('sb', people.map((p) => `email:${p}`));
        assert.equal(all.length, 40);
        assert.ok(all.every((i) => i.status === 'ended'), 'a b before its a would have been skipped');
        const byInstance = new Map<string, StepEvent[]>();
        for (const s of await steps(w.store)) byInstance.set(s.instanceId, [...(byInstance.get(s.instanceId) ?? []), s]);
        for (const ss of byInstance.values()) assert.deepEqual(ss.map(brief), ['start:transitions', 'wa:transitions', 'wa:transitions', 'wb:transitions', 'wb:transitions', 'end:ended:end']);
        assert.ok(w.people.maxInFlight > 1, `persons ran one at a time (${w.people.maxInFlight})`);
      }));

    it('runs an action after committing its wait, with the idempotency key of its step', () =>
      withWorld(async (w) => {
        addJourney(w, 'j1', { nodes: [{ id: 'a', name: 'Notify', type: 'action', action: { kind: 'http', method: 'POST', url: 'http://127.0.0.1:1/x' }, next: 'end' }, end] });
        w.actions.answer = async (_spec, ctx) => {
          const inst = await w.store.instance(ctx.instance.id);
          assert.equal(inst?.wait?.kind, 'action', 'the action wait is committed before the call');
          return { status: 'done', fields: fields({ actionID: 'a' }) };
        };
        await w.engine.feedEvents('sb', [eventOf('e1', 'signup', { plan: 'pro' })]);
        await w.engine.drain();
        assert.equal(w.actions.calls.length, 1);
        const { ctx } = w.actions.calls[0]!;
        assert.equal(ctx.idempotencyKey, `${ctx.instance.id}:1`);
        assert.equal(ctx.actionName, 'Notify');
        assert.equal(ctx.event?.plan, 'pro');
        const ss = await steps(w.store);
        assert.deepEqual(ss.map(brief), ['start:transitions', 'a:transitions', 'end:ended:end']);
        assert.equal(ss[1]!.id, ctx.idempotencyKey);
        assert.equal(ss[1]!.action?.actionID, 'a');
      }));

    it('start(): the ticker runs due waits by itself; close() waits for the work in flight', () =>
      withWorld(
        async (w) => {
          addJourney(w, 'j1', { nodes: [{ id: 'w', type: 'wait', seconds: 60, next: 'a' }, { id: 'a', type: 'action', action: { kind: 'updateProfile', set: { x: 1 } }, next: 'end' }, end] });
          w.engine.start();
          await w.engine.feedEvents('sb', [eventOf('e1', 'signup')]);
          await w.engine.drain();
          w.clock.advance(60_000);
          // the ticker is unref'd (it never holds a process open): keep the loop alive while waiting for its work
          const keepAlive = setInterval(() => undefined, 60_000);
          await w.actions.called(1);
          clearInterval(keepAlive);
          await w.engine.close();
          assert.deepEqual((await steps(w.store)).map(brief), ['start:transitions', 'w:transitions', 'a:transitions', 'end:ended:end']);
        },
        { tickMs: 5 },
      ));

    it('a failed action takes errorNext', () =>
      withWorld(async (w) => {
        addJourney(w, 'j1', { nodes: [{ id: 'a', type: 'action', action: { kind: 'email', from: 'f@x.io', subject: 'hi' }, next: 'end', errorNext: 'oops' }, end, { id: 'oops', type: 'end' }] });
        w.actions.answer = async (): Promise<ActionResult> => ({ status: 'failed', error: 'http', fields: fields({ actionExecutionError: 'http', actionExecutionErrorCode: '503' }) });
        await w.engine.feedEvents('sb', [eventOf('e1', 'signup')]);
        await w.engine.drain();
        assert.deepEqual((await steps(w.store)).map(brief), ['start:transitions', 'a:error', 'oops:ended:end']);
      }));

    it('a crash mid-action: a new engine over the same store calls it again with the same key; its step is written once', () =>
      withWorld(async (w) => {
        addJourney(w, 'j1', { nodes: [{ id: 'a', type: 'action', action: { kind: 'updateProfile', set: { 'x.y': 1 } }, next: 'end' }, end] });
        let lateAnswer!: (r: ActionResult) => void;
        w.actions.answer = () => new Promise<ActionResult>((r) => (lateAnswer = r));
        await w.engine.feedEvents('sb', [eventOf('e1', 'signup')]);
        await w.actions.called(1);
        // engine 1 is dropped here, its call unanswered; engine 2 starts over the same file
        const actions2 = new FakeActions();
        const engine2 = w.engineOver(await w.reopen(), actions2);
        await engine2.drain();
        await engine2.close();
        assert.equal(actions2.calls.length, 1);
        assert.equal(actions2.calls[0]!.ctx.idempotencyKey, w.actions.calls[0]!.ctx.idempotencyKey);
        // the first call's answer arrives late: the instance moved on, so it is not applied
        lateAnswer({ status: 'done', fields: fields() });
        await w.engine.close();
        const ss = await steps(w.store);
        assert.deepEqual(ss.map(brief), ['start:transitions', 'a:transitions', 'end:ended:end']);
        assert.equal(ss.filter((s) => s.id === actions2.calls[0]!.ctx.idempotencyKey).length, 1);
      }));

    it('a due read taken before an action’s outcome committed does not call the action again (found by the kill -9 e2e test)', () =>
      withWorld(async (w) => {
        addJourney(w, 'j1', { nodes: [{ id: 'a', type: 'action', action: { kind: 'updateProfile', set: { x: 1 } }, next: 'end' }, end] });
        let answer!: (r: ActionResult) => void;
        w.actions.answer = () => new Promise<ActionResult>((r) => (answer = r));
        await w.engine.feedEvents('sb', [eventOf('e1', 'signup')]);
        await w.actions.called(1);
        w.actions.answer = async () => ({ status: 'done', fields: fields() });
        // the timer wheel reads the action wait while the call runs, and hands it on only after the outcome is committed
        const due = w.store.due.bind(w.store);
        let stale!: () => void;
        const readTaken = new Promise<void>((r) => (stale = r));
        let release!: () => void;
        const held = new Promise<void>((r) => (release = r));
        w.store.due = async (now, limit) => {
          const rows = await due(now, limit);
          stale();
          await held;
          return rows;
        };
        const running = w.engine.runDue();
        await readTaken;
        answer({ status: 'done', fields: fields() });
        const [inst] = await w.store.instancesOf('sb', ['email:a@x.io']);
        while ((await w.store.instance(inst!.id))?.status !== 'ended') await new Promise<void>((r) => setImmediate(r));
        await new Promise<void>((r) => setImmediate(r));
        release();
        await running;
        w.store.due = due;
        await w.engine.drain();
        assert.equal(w.actions.calls.length, 1, 'the action ran once');
        assert.deepEqual((await steps(w.store)).map(brief), ['start:transitions', 'a:transitions', 'end:ended:end']);
      }));

    for (const via of ['a@x.io', 'b@x.io'])
      it(`identity merge mid-journey (next input for ${via}): the instance entered first goes on, the other ends (identityMerge)`, () =>
        withWorld(async (w) => {
          addJourney(w, 'j1', { nodes: [{ id: 'w', type: 'wait', seconds: 86_400, next: 'end' }, end], exitCriteria: [{ id: 'x', type: 'event', eventType: 'ping', condition: 'false' }] });
          await w.engine.feedEvents('sb', [eventOf('e1', 'signup', {}, 'a@x.io')]);
          await w.engine.drain();
          w.clock.advance(1000);
          await w.engine.feedEvents('sb', [eventOf('e2', 'signup', {}, 'b@x.io')]);
          await w.engine.drain();
          w.people.link('email:a@x.io', 'email:b@x.io');
          await w.engine.feedEvents('sb', [eventOf('e3', 'ping', {}, via)]);
          await w.engine.drain();
          const [a, b] = await w.store.instancesOf('sb', ['email:a@x.io', 'email:b@x.io']);
          assert.equal(a?.personKey, 'email:a@x.io');
          assert.equal(a?.status, 'waiting');
          assert.equal(b?.status, 'ended');
          const last = (await steps(w.store)).at(-1)!;
          assert.equal(last.instanceId, b!.id);
          assert.equal(last.eventID, 'identityMerge');
          assert.equal(brief(last), 'w:ended:end');
          await w.engine.feedEvents('sb', [eventOf('e4', 'signup', {}, 'b@x.io')]);
          await w.engine.drain();
          assert.equal((await w.store.instancesOf('sb', ['email:b@x.io'])).length, 1, 'the merged person is in the journey: no new entry');
        }));

    it('after an identity merge the surviving instance takes the awaited event of the other identity', () =>
      withWorld(async (w) => {
        addJourney(w, 'j1', { nodes: [{ id: 'w', type: 'waitForEvent', eventType: 'opened', timeoutSeconds: 86_400, next: 'end' }, end] });
        await w.engine.feedEvents('sb', [eventOf('e1', 'signup', {}, 'a@x.io')]);
        await w.engine.drain();
        w.clock.advance(1000);
        await w.engine.feedEvents('sb', [eventOf('e2', 'signup', {}, 'b@x.io')]);
        await w.engine.drain();
        w.people.link('email:a@x.io', 'email:b@x.io');
        await w.engine.feedEvents('sb', [eventOf('e3', 'opened', {}, 'b@x.io')]);
        await w.engine.drain();
        const [a, b] = await w.store.instancesOf('sb', ['email:a@x.io', 'email:b@x.io']);
        assert.equal(a?.personKey, 'email:a@x.io');
        assert.equal(a?.status, 'ended');
        assert.equal(a?.nodeId, 'end', 'the survivor went on with the event of b');
        const ofB = (await steps(w.store)).filter((st) => st.instanceId === b!.id);
        assert.equal(ofB.at(-1)?.eventID, 'identityMerge');
        assert.equal((await steps(w.store)).filter((st) => st.instanceId === a!.id && st.eventID === 'e3' && st.nodeId === 'w').length, 1, 'once');
      }));

    it('exit criteria by event, and the instance timeout on the timer wheel', () =>
      withWorld(async (w) => {
        addJourney(w, 'j1', { nodes: [{ id: 'w', type: 'wait', seconds: 86_400, next: 'end' }, end], instanceTimeoutSeconds: 3600, exitCriteria: [{ id: 'x', type: 'event', eventType: 'unsubscribe' }] });
        await w.engine.feedEvents('sb', [eventOf('e1', 'signup', {}, 'a@x.io'), eventOf('e2', 'signup', {}, 'b@x.io')]);
        await w.engine.drain();
        await w.engine.feedEvents('sb', [eventOf('u1', 'unsubscribe', {}, 'a@x.io')]);
        await w.engine.drain();
        w.clock.advance(3600 * 1000);
        await w.engine.drain();
        const byKey = new Map((await steps(w.store)).filter((s) => s.instanceEnded).map((s) => [s.identity.id, s]));
        assert.equal(byKey.get('a@x.io')?.exitCriteriaID, 'x');
        assert.equal(byKey.get('b@x.io')?.stepStatus, 'instanceTimedout');
      }));

    it('an audience read of 10,000 members starts 10,000 instances in few transactions', () =>
      withWorld(async (w) => {
        const { version } = addJourney(w, 'j1', { entry: { type: 'readAudience', segmentId: 's1', namespace: 'Email', schedule: { frequency: 'once' }, next: 'w' }, nodes: [{ id: 'w', type: 'wait', seconds: 3600, next: 'end' }, end] });
        let commits = 0;
        const commit = w.store.commit.bind(w.store);
        w.store.commit = (u) => (commits++, commit(u));
        const members = Array.from({ length: 10_000 }, (_, i) => email(`m${i}@x.io`));
        assert.equal(await w.engine.startAudienceRead('sb', 'j1', version.id, 'run1', members), 10_000);
        assert.equal(await w.engine.startAudienceRead('sb', 'j1', version.id, 'run1', members), 0, 'a replayed run is deduplicated');
        await w.engine.drain();
        // a replay whose membership changed meanwhile enqueues its chunk again, yet starts no member twice
        assert.equal(await w.engine.startAudienceRead('sb', 'j1', version.id, 'run1', members.slice(0, 10)), 10);
        await w.engine.drain();
        const active = await w.store.instancesOfVersion('sb', version.id, { status: 'active' });
        assert.equal(active.length, 10_000);
        assert.ok(active.every((i) => i.instanceType === 'batch'));
        assert.ok(commits <= 200, `${commits} commits for 10,000 entries`);
        assert.equal((await steps(w.store)).filter((s) => s.entrance && s.segmentQualificationStatus === 'existing').length, 10_000);
      }));

    it('an audience read keys each member by their identity in the journey namespace; a member without one does not enter', () =>
      withWorld(async (w) => {
        const { version } = addJourney(w, 'j1', { entry: { type: 'readAudience', segmentId: 's1', namespace: 'CRMID', schedule: { frequency: 'once' }, next: 'w' }, nodes: [{ id: 'w', type: 'wait', seconds: 3600, next: 'end' }, end] });
        w.people.link('email:a@x.io', 'crmid:c-1');
        const crm = { namespace: 'CRMID', id: 'c-2' };
        assert.equal(await w.engine.startAudienceRead('sb', 'j1', version.id, 'run1', [email('a@x.io'), email('b@x.io'), crm]), 3);
        await w.engine.drain();
        const active = await w.store.instancesOfVersion('sb', version.id, { status: 'active' });
        assert.deepEqual(active.map((i) => i.personKey).sort(), ['crmid:c-1', 'crmid:c-2']);
        assert.deepEqual(active.find((i) => i.personKey === 'crmid:c-1')?.identity, { namespace: 'crmid', id: 'c-1' });
      }));

    it('waits due at once beyond one page are all handed by one pass of the timer wheel', () =>
      withWorld(async (w) => {
        const { version } = addJourney(w, 'j1', { entry: { type: 'readAudience', segmentId: 's1', namespace: 'Email', schedule: { frequency: 'once' }, next: 'w' }, nodes: [{ id: 'w', type: 'wait', seconds: 60, next: 'end' }, end] });
        await w.engine.startAudienceRead('sb', 'j1', version.id, 'run1', Array.from({ length: 25 }, (_, i) => email(`m${i}@x.io`)));
        await w.engine.drain();
        w.clock.advance(60_000);
        assert.equal(await w.engine.runDue(), 25);
        await w.engine.drain();
        assert.equal((await w.store.instancesOfVersion('sb', version.id, { status: 'ended' })).length, 25);
      }, { inboxBatch: 10 }));

    it('a replayed read run (its membership changed) enters only members it did not enter, though re-entrance allows; the next run enters again', () =>
      withWorld(async (w) => {
        const { version } = addJourney(w, 'j1', { entry: { type: 'readAudience', segmentId: 's1', namespace: 'Email', schedule: { frequency: 'once' }, next: 'end' }, nodes: [end], reentrance: { mode: 'afterWait', waitSeconds: 0 } });
        await w.engine.startAudienceRead('sb', 'j1', version.id, 'run1', [email('a@x.io'), email('b@x.io')]);
        await w.engine.drain();
        assert.equal(await w.engine.startAudienceRead('sb', 'j1', version.id, 'run1', [email('a@x.io'), email('b@x.io'), email('c@x.io')]), 3);
        await w.engine.drain();
        const entries = async () => (await steps(w.store)).filter((s) => s.entrance).map((s) => s.identity.id).sort();
        assert.deepEqual(await entries(), ['a@x.io', 'b@x.io', 'c@x.io']);
        await w.engine.startAudienceRead('sb', 'j1', version.id, 'run2', [email('a@x.io')]);
        await w.engine.drain();
        assert.deepEqual(await entries(), ['a@x.io', 'a@x.io', 'b@x.io', 'c@x.io']);
        assert.deepEqual(await w.store.readInbox(0, 10), [], 'every chunk consumed');
      }));

    it('a read member whose person is busy enters after what their lane runs; the chunk is consumed once every member is handled', () =>
      withWorld(async (w) => {
        addJourney(w, 'j0', { nodes: [{ id: 'w', type: 'wait', seconds: 60, next: 'end' }, end] });
        const { version } = addJourney(w, 'j1', { entry: { type: 'readAudience', segmentId: 's1', namespace: 'Email', schedule: { frequency: 'once' }, next: 'w' }, nodes: [{ id: 'w', type: 'wait', seconds: 60, next: 'end' }, end] });
        // a's event is still being handled (its person read takes turns of the event loop) when the chunk is handed out
        w.people.delay = (key) => (key === 'email:a@x.io' ? 50 : 0);
        await w.engine.feedEvents('sb', [eventOf('e1', 'signup', {}, 'a@x.io')]);
        await w.engine.startAudienceRead('sb', 'j1', version.id, 'run1', [email('a@x.io'), email('b@x.io'), email('c@x.io')]);
        await w.engine.drain();
        const byJourney = (await w.store.instancesOf('sb', ['email:a@x.io', 'email:b@x.io', 'email:c@x.io'])).map((i) => `${i.journeyId}:${i.personKey}`).sort();
        assert.deepEqual(byJourney, ['j0:email:a@x.io', 'j1:email:a@x.io', 'j1:email:b@x.io', 'j1:email:c@x.io']);
        const order = (await steps(w.store)).filter((s) => s.entrance && s.identity.id === 'a@x.io').map((s) => s.journeyId);
        assert.deepEqual(order, ['j0', 'j1'], 'the event enqueued first is handled first');
        assert.deepEqual(await w.store.readInbox(0, 10), []);
      }));

    it('two direct entries of one person in one inbox batch: the second finds the first instance (no double entry)', () =>
      withWorld(async (w) => {
        const { version } = addJourney(w, 'j1', { entry: { type: 'readAudience', segmentId: 's1', namespace: 'Email', schedule: { frequency: 'once' }, next: 'w' }, nodes: [{ id: 'w', type: 'wait', seconds: 60, next: 'end' }, end] });
        await w.engine.startAudienceRead('sb', 'j1', version.id, 'run1', [email('a@x.io'), email('b@x.io')]);
        await w.engine.startAudienceRead('sb', 'j1', version.id, 'run2', [email('a@x.io')]);
        await w.engine.drain();
        assert.deepEqual((await w.store.instancesOf('sb', ['email:a@x.io', 'email:b@x.io'])).map((i) => i.personKey).sort(), ['email:a@x.io', 'email:b@x.io']);
      }));

    it('stopVersion ends the version’s active instances', () =>
      withWorld(async (w) => {
        const { version } = addJourney(w, 'j1', { nodes: [{ id: 'w', type: 'wait', seconds: 600, next: 'end' }, end] });
        await w.engine.feedEvents('sb', ['a', 'b', 'c'].map((p) => eventOf(`e-${p}`, 'signup', {}, `${p}@x.io`)));
        await w.engine.drain();
        assert.deepEqual(await w.engine.stopVersion('sb', version.id), { ended: 3 });
        assert.equal((await w.store.instancesOfVersion('sb', version.id, { status: 'active' })).length, 0);
        const ended = (await steps(w.store)).filter((s) => s.eventID === 'journeyStopped');
        assert.deepEqual(ended.map(brief), ['w:ended:end', 'w:ended:end', 'w:ended:end']);
        assert.deepEqual(await w.engine.stopVersion('sb', version.id), { ended: 0 });
      }));

    it('exit criteria by an audience exit (from the Audience Membership Events records)', () =>
      withWorld(async (w) => {
        addJourney(w, 'j1', { nodes: [{ id: 'w', type: 'wait', seconds: 600, next: 'end' }, end], exitCriteria: [{ id: 'x', name: 'Left VIP', type: 'audienceExit', segmentId: 'vip' }] });
        await w.engine.feedEvents('sb', [eventOf('e1', 'signup')]);
        await w.engine.drain();
        const record = { _id: 'm1', eventType: 'segmentMembership.exited', identityMap: { Email: [{ id: 'a@x.io', primary: true }] }, segmentMembership: { ups: { vip: { status: 'exited' } } } };
        assert.equal(await w.engine.feedAudienceEvents('sb', [record, { ...record, _id: 'm2', segmentMembership: { ups: { other: { status: 'exited' } } } }]), 1);
        await w.engine.drain();
        const last = (await steps(w.store)).at(-1)!;
        assert.equal(last.exitCriteriaID, 'x');
        assert.equal(brief(last), 'w:ended:end');
      }));

    it('a jump enters the target journey’s live version', () =>
      withWorld(async (w) => {
        addJourney(w, 'j1', { nodes: [{ id: 'jp', type: 'jump', journeyId: 'j2' }] });
        addJourney(w, 'j2', { entry: { type: 'event', eventType: 'never', namespace: 'Email', next: 'end' }, nodes: [end] });
        await w.engine.feedEvents('sb', [eventOf('e1', 'signup', { plan: 'pro' })]);
        await w.engine.drain();
        const all = await w.store.instancesOf('sb', ['email:a@x.io']);
        assert.deepEqual(all.map((i) => [i.journeyId, i.status]), [['j1', 'ended'], ['j2', 'ended']]);
        assert.equal(all[1]!.trigger?.plan, 'pro', 'the trigger travels with the jump');
      }));

    it('test mode: inTest steps, waits of 0, no action called; the real journey is not blocked', () =>
      withWorld(async (w) => {
        const { version } = addJourney(w, 'j1', {
          nodes: [
            { id: 'w', type: 'wait', seconds: 86_400, next: 'a' },
            { id: 'a', type: 'action', action: { kind: 'http', method: 'GET', url: 'http://127.0.0.1:1/' }, next: 'wf' },
            { id: 'wf', type: 'waitForEvent', eventType: 'buy', timeoutSeconds: 600, next: 'end', timeoutNext: 'end' },
            end,
          ],
        });
        version.status = 'draft';
        const r = await w.engine.test('sb', version.id, { identity: email('a@x.io'), event: eventOf('t1', 'signup') });
        assert.ok(r.ok);
        assert.deepEqual(r.value.steps.map(brief), ['start:transitions', 'w:transitions', 'a:transitions', 'wf:transitions', 'wf:timedout', 'end:ended:end']);
        assert.ok(r.value.steps.every((s) => s.inTest));
        assert.equal(w.actions.calls.length, 0);
        assert.equal((await steps(w.store)).length, 6, 'test steps reach the outbox (flagged inTest)');
        version.status = 'live';
        await w.engine.definitionsChanged('sb');
        await w.engine.feedEvents('sb', [eventOf('e1', 'signup')]);
        await w.engine.drain();
        const real = (await w.store.instancesOf('sb', ['email:a@x.io'])).filter((i) => !i.inTest);
        assert.equal(real.length, 1);
      }));

    describe('invalid input', () => {
      it('an unreadable inbox item is consumed and ignored', () =>
        withWorld(async (w) => {
          addJourney(w, 'j1', { nodes: [end] });
          await w.store.enqueue([{ sandboxId: 'sb', personKey: 'email:a@x.io', kind: 'event', dedupeKey: 'bad', payload: '{not json', at: T0 }]);
          await w.store.enqueue([{ sandboxId: 'sb', personKey: 'email:a@x.io', kind: 'event', dedupeKey: 'bad2', payload: '{"identity":1}', at: T0 }]);
          await w.engine.drain();
          assert.deepEqual(await w.store.readInbox(0, 10), []);
          assert.deepEqual(await steps(w.store), []);
        }));
      it('events without _id, eventType or identity, and events no version cares about, are not enqueued', () =>
        withWorld(async (w) => {
          addJourney(w, 'j1', { nodes: [end] });
          const garbage = [{ eventType: 'signup' }, { _id: 'x' }, { _id: 'y', eventType: 'signup' }, eventOf('z', 'other'), null, 7] as unknown as Record<string, unknown>[];
          assert.equal(await w.engine.feedEvents('sb', garbage), 0);
          assert.equal(await w.engine.feedAudienceEvents('sb', garbage), 0);
          assert.equal(await w.engine.feedEvents('nosandbox', [eventOf('e1', 'signup')]), 0);
        }));
      it('test mode: an unknown version is 404, a refused entry 422', () =>
        withWorld(async (w) => {
          const { version } = addJourney(w, 'j1', { entry: { type: 'event', eventType: 'signup', namespace: 'Email', condition: 'event.plan = "pro"', next: 'end' }, nodes: [end] });
          const missing = await w.engine.test('sb', 'nope', { identity: email('a@x.io') });
          assert.equal(!missing.ok && missing.error.status, 404);
          const refused = await w.engine.test('sb', version.id, { identity: email('a@x.io'), event: eventOf('t', 'signup', { plan: 'free' }) });
          assert.equal(!refused.ok && refused.error.status, 422);
        }));
      it('after close(), inputs are kept in the inbox for the next start', () =>
        withWorld(async (w) => {
          addJourney(w, 'j1', { nodes: [end] });
          await w.engine.close();
          assert.equal(await w.engine.feedEvents('sb', [eventOf('e1', 'signup')]), 1);
          await w.engine.drain();
          assert.equal((await w.store.readInbox(0, 10)).length, 1);
          const next = w.engineOver(w.store, w.actions);
          await next.drain();
          await next.close();
          assert.deepEqual((await steps(w.store)).map(brief), ['start:transitions', 'end:ended:end']);
        }));
      it('an instance whose version disappeared is left alone', () =>
        withWorld(async (w) => {
          const { version } = addJourney(w, 'j1', { nodes: [{ id: 'w', type: 'wait', seconds: 1, next: 'end' }, end] });
          await w.engine.feedEvents('sb', [eventOf('e1', 'signup')]);
          await w.engine.drain();
          w.defs.byVersion.delete(version.id);
          w.clock.advance(1000);
          await w.engine.drain();
          assert.equal((await w.store.instancesOf('sb', ['email:a@x.io']))[0]?.status, 'waiting');
        }));
    });
  });
}
