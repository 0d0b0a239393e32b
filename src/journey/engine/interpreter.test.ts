import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ActionResult, Person } from '../journey-ports.js';
import type { JourneyDefinition, JourneyInstance, JourneyNode, JourneyVersion, StepEvent } from '../journey-types.js';
import { DEFAULT_INSTANCE_TIMEOUT_SECONDS, interpret, MAX_NODES_PER_TRANSITION, type EnterInput, type InterpreterInput, type Transition } from './interpreter.js';
import { eventOf, fields, journeyOf, personOf, T0, versionOf } from './testing/fixtures.js';

const journey = journeyOf('j1');
const identity = { namespace: 'Email', id: 'a@x.io' };

function enterInput(over: Partial<EnterInput> = {}): EnterInput {
  return { kind: 'enter', source: 'event', instanceId: 'i1', identity, personKey: 'Email:a@x.io', trigger: eventOf('e1', 'signup'), eventId: 'e1', eventName: 'signup', ...over };
}

interface Run {
  version: JourneyVersion;
  person: Person;
  instance: JourneyInstance | undefined;
  steps: StepEvent[];
  last: Transition;
}

/** Enters at T0 then applies each [input, at] in turn, keeping the instance and every step. */
function run(def: Partial<JourneyDefinition> & { nodes: JourneyNode[] }, inputs: Array<[InterpreterInput, number]> = [], opts: { person?: Person; enter?: Partial<EnterInput> } = {}): Run {
  const version = versionOf('j1', def);
  const person = opts.person ?? personOf();
  const r: Run = { version, person, instance: undefined, steps: [], last: { applied: false, why: 'none' } };
  for (const [input, at] of [[enterInput(opts.enter), T0] as [InterpreterInput, number], ...inputs]) {
    r.last = interpret({ journey, version, person, now: at }, r.instance, input);
    if (r.last.applied) {
      r.instance = r.last.instance;
      r.steps.push(...r.last.steps);
    }
  }
  return r;
}

const brief = (s: StepEvent) => `${s.nodeId}:${s.stepStatus}${s.instanceEnded ? ':end' : ''}`;
const end: JourneyNode = { id: 'end', type: 'end' };
const endB: JourneyNode = { id: 'endB', type: 'end' };
const timer: InterpreterInput = { kind: 'timer' };
const done = (r: ActionResult): InterpreterInput => ({ kind: 'actionDone', result: r });

describe('interpreter: condition', () => {
  const cases: Array<{ name: string; cond: string; otherwise?: string; person?: Person; trigger?: Record<string, unknown>; want: string[] }> = [
    { name: 'event field', cond: 'event.commerce.total > 100', trigger: eventOf('e1', 'signup', { commerce: { total: 150 } }), want: ['start:transitions', 'c:transitions', 'end:ended:end'] },
    { name: 'event field false → otherwise', cond: 'event.commerce.total > 100', otherwise: 'endB', trigger: eventOf('e1', 'signup', { commerce: { total: 5 } }), want: ['start:transitions', 'c:transitions', 'endB:ended:end'] },
    { name: 'event type', cond: 'event.eventType = "signup"', want: ['start:transitions', 'c:transitions', 'end:ended:end'] },
    { name: 'profile attribute', cond: 'person.name.firstName = "Ann"', person: personOf({ profile: { person: { name: { firstName: 'Ann' } } } }), want: ['start:transitions', 'c:transitions', 'end:ended:end'] },
    { name: '$1.event reads the profile', cond: '$1.event.x = 1', person: personOf({ profile: { event: { x: 1 } } }), want: ['start:transitions', 'c:transitions', 'end:ended:end'] },
    { name: 'inSegment', cond: 'inSegment("seg1")', person: personOf({ segments: new Set(['seg1']) }), want: ['start:transitions', 'c:transitions', 'end:ended:end'] },
    { name: 'inSegment false, no otherwise → ends', cond: 'inSegment("seg1")', want: ['start:transitions', 'c:ended:end'] },
    { name: 'xEvent history', cond: 'xEvent[eventType = "view"].count() >= 1', person: personOf({ events: [{ id: 'h', ts: T0 - 1000, event: { eventType: 'view' } }] }), want: ['start:transitions', 'c:transitions', 'end:ended:end'] },
    { name: 'unparsable → false and error', cond: 'this is not ((( pql', otherwise: 'endB', want: ['start:transitions', 'c:error', 'endB:ended:end'] },
  ];
  for (const c of cases)
    it(c.name, () => {
      const nodes: JourneyNode[] = [{ id: 'c', type: 'condition', branches: [{ condition: c.cond, next: 'end' }], ...(c.otherwise ? { otherwise: c.otherwise } : {}) }, end, endB];
      const r = run({ nodes }, [], { person: c.person, enter: c.trigger ? { trigger: c.trigger } : {} });
      assert.deepEqual(r.steps.map(brief), c.want);
    });

  it('takes the first branch that holds', () => {
    const nodes: JourneyNode[] = [{ id: 'c', type: 'condition', branches: [{ condition: 'false', next: 'end' }, { condition: 'true', next: 'endB' }, { condition: 'true', next: 'end' }] }, end, endB];
    assert.deepEqual(run({ nodes }).steps.map(brief), ['start:transitions', 'c:transitions', 'endB:ended:end']);
  });

  it('fills the step fields (ids, parent, entrance, event)', () => {
    const nodes: JourneyNode[] = [{ id: 'c', name: 'Check', type: 'condition', branches: [{ condition: 'true', next: 'end' }] }, end];
    const [s0, s1, s2] = run({ nodes }).steps;
    assert.equal(s0!.id, 'i1:0');
    assert.equal(s0!.nodeType, 'start');
    assert.equal(s0!.entrance, true);
    assert.equal(s0!.eventID, 'e1');
    assert.equal(s0!.isExternalEvent, true);
    assert.equal(s1!.id, 'i1:1');
    assert.equal(s1!.nodeName, 'Check');
    assert.equal(s1!.parentNodeId, 'start');
    assert.equal(s2!.parentNodeId, 'c');
    assert.equal(s2!.parentNodeName, 'Check');
    assert.equal(s2!.parentNodeType, 'condition');
    assert.equal(s2!.journeyVersion, '1.0');
    assert.equal(s2!.inTest, false);
  });
});

describe('interpreter: wait', () => {
  it('seconds: waits, then the timer passes it on', () => {
    const nodes: JourneyNode[] = [{ id: 'w', type: 'wait', seconds: 60, next: 'end' }, end];
    const entered = run({ nodes });
    assert.deepEqual(entered.last.applied && entered.last.next, { kind: 'timer', due: T0 + 60_000 });
    assert.equal(entered.instance?.status, 'waiting');
    const early = run({ nodes }, [[timer, T0 + 59_999]]);
    assert.equal(early.last.applied, false);
    const r = run({ nodes }, [[timer, T0 + 60_000]]);
    assert.deepEqual(r.steps.map(brief), ['start:transitions', 'w:transitions', 'end:ended:end']);
    assert.equal(r.steps[1]!.eventID, 'timer');
    assert.equal(r.steps[1]!.processingTime, 60_000);
    assert.equal(r.steps[1]!.parentNodeId, 'start');
    assert.equal(r.instance?.status, 'ended');
  });

  it('until: waits for the instant', () => {
    const until = new Date(T0 + 3_600_000).toISOString();
    const nodes: JourneyNode[] = [{ id: 'w', type: 'wait', until, next: 'end' }, end];
    const r = run({ nodes });
    assert.deepEqual(r.last.applied && r.last.next, { kind: 'timer', due: T0 + 3_600_000 });
  });

  it('test mode: waits last 0', () => {
    const nodes: JourneyNode[] = [{ id: 'w', type: 'wait', seconds: 86_400, next: 'end' }, end];
    const version = versionOf('j1', { nodes });
    const t = interpret({ journey, version, person: personOf(), now: T0, test: true }, undefined, enterInput({ source: 'test' }));
    assert.ok(t.applied);
    assert.deepEqual(t.next, { kind: 'timer', due: T0 });
    assert.equal(t.instance.inTest, true);
  });
});

describe('interpreter: waitForEvent', () => {
  const nodes: JourneyNode[] = [{ id: 'wf', type: 'waitForEvent', eventType: 'purchase', condition: 'event.total > 10', timeoutSeconds: 3600, next: 'end', timeoutNext: 'endB' }, end, endB];
  it('starts waiting with a transitions step', () => {
    const r = run({ nodes });
    assert.deepEqual(r.steps.map(brief), ['start:transitions', 'wf:transitions']);
    assert.deepEqual(r.last.applied && r.last.next, { kind: 'event', eventType: 'purchase', due: T0 + 3_600_000 });
  });
  const cases: Array<{ name: string; input: InterpreterInput; at: number; want: string[] | 'skip' }> = [
    { name: 'arrived', input: { kind: 'event', event: eventOf('p1', 'purchase', { total: 20 }) }, at: T0 + 5, want: ['start:transitions', 'wf:transitions', 'wf:transitions', 'end:ended:end'] },
    { name: 'condition false', input: { kind: 'event', event: eventOf('p1', 'purchase', { total: 2 }) }, at: T0 + 5, want: 'skip' },
    { name: 'other event type', input: { kind: 'event', event: eventOf('p1', 'view', { total: 20 }) }, at: T0 + 5, want: 'skip' },
    { name: 'timed out → timeoutNext', input: timer, at: T0 + 3_600_000, want: ['start:transitions', 'wf:transitions', 'wf:timedout', 'endB:ended:end'] },
    { name: 'timer not yet due', input: timer, at: T0 + 3_599_999, want: 'skip' },
  ];
  for (const c of cases)
    it(c.name, () => {
      const r = run({ nodes }, [[c.input, c.at]]);
      if (c.want === 'skip') assert.equal(r.last.applied, false);
      else assert.deepEqual(r.steps.map(brief), c.want);
    });
  it('arrival step names the event', () => {
    const r = run({ nodes }, [[{ kind: 'event', event: eventOf('p1', 'purchase', { total: 20 }) }, T0 + 5]]);
    assert.equal(r.steps[2]!.eventID, 'p1');
    assert.equal(r.steps[2]!.eventName, 'purchase');
    assert.equal(r.steps[2]!.isExternalEvent, true);
  });
  it('timeout without timeoutNext ends the instance', () => {
    const r = run({ nodes: [{ id: 'wf', type: 'waitForEvent', eventType: 'purchase', timeoutSeconds: 10, next: 'end' }, end] }, [[timer, T0 + 10_000]]);
    assert.deepEqual(r.steps.map(brief), ['start:transitions', 'wf:transitions', 'wf:timedout:end']);
  });
});

describe('interpreter: action', () => {
  const withError: JourneyNode[] = [{ id: 'a', type: 'action', action: { kind: 'http', method: 'POST', url: 'http://x' }, next: 'end', errorNext: 'endB' }, end, endB];
  const noError: JourneyNode[] = [{ id: 'a', type: 'action', action: { kind: 'http', method: 'POST', url: 'http://x' }, next: 'end' }, end];
  it('emits nothing until done and waits with kind action due now', () => {
    const r = run({ nodes: withError });
    assert.deepEqual(r.steps.map(brief), ['start:transitions']);
    assert.deepEqual(r.last.applied && r.last.next, { kind: 'action', nodeId: 'a', idempotencyKey: 'i1:1' });
    assert.deepEqual(r.instance?.wait, { kind: 'action', due: T0, attempt: 1 });
  });
  const cases: Array<{ name: string; nodes: JourneyNode[]; result: ActionResult; want: string[] }> = [
    { name: 'success', nodes: withError, result: { status: 'done', fields: fields() }, want: ['a:transitions', 'end:ended:end'] },
    { name: 'skipped goes on', nodes: withError, result: { status: 'skipped', reason: 'consent', fields: fields() }, want: ['a:transitions', 'end:ended:end'] },
    { name: 'http error → errorNext', nodes: withError, result: { status: 'failed', error: 'http', fields: fields({ actionExecutionError: 'http', actionExecutionErrorCode: '500' }) }, want: ['a:error', 'endB:ended:end'] },
    { name: 'timeout → errorNext', nodes: withError, result: { status: 'failed', error: 'timeout', fields: fields() }, want: ['a:error', 'endB:ended:end'] },
    { name: 'capped → errorNext', nodes: withError, result: { status: 'failed', error: 'capping', fields: fields() }, want: ['a:capped', 'endB:ended:end'] },
    { name: 'http error, no errorNext → ends', nodes: noError, result: { status: 'failed', error: 'http', fields: fields() }, want: ['a:error:end'] },
    { name: 'capped, no errorNext → ends', nodes: noError, result: { status: 'failed', error: 'capping', fields: fields() }, want: ['a:capped:end'] },
    { name: 'success, no next → ends', nodes: [{ id: 'a', type: 'action', action: { kind: 'email', from: 'f@x', subject: 's' } }], result: { status: 'done', fields: fields() }, want: ['a:ended:end'] },
  ];
  for (const c of cases)
    it(c.name, () => {
      const r = run({ nodes: c.nodes }, [[done(c.result), T0 + 50]]);
      assert.deepEqual(r.steps.slice(1).map(brief), c.want);
      const step = r.steps[1]!;
      assert.equal(step.id, 'i1:1', 'the action step id is its idempotency key');
      assert.equal(step.eventID, 'executedAction');
      // a skipped action's step says why nothing was done
      assert.deepEqual(step.action, c.result.status === 'skipped' ? { ...c.result.fields, actionErrorContext: `skipped: ${c.result.reason}` } : c.result.fields);
    });
});

describe('interpreter: jump and end', () => {
  it('jump ends the instance and asks for the target journey', () => {
    const r = run({ nodes: [{ id: 'jp', type: 'jump', journeyId: 'j2' }] });
    assert.deepEqual(r.steps.map(brief), ['start:transitions', 'jp:ended:end']);
    assert.deepEqual(r.last.applied && r.last.next, { kind: 'jump', journeyId: 'j2' });
    assert.equal(r.instance?.status, 'ended');
  });
  it('end', () => {
    const r = run({ nodes: [end] });
    assert.deepEqual(r.steps.map(brief), ['start:transitions', 'end:ended:end']);
    assert.equal(r.instance?.endedAt, T0);
  });
});

describe('interpreter: exit criteria', () => {
  const nodes: JourneyNode[] = [{ id: 'w', type: 'wait', seconds: 600, next: 'end' }, end];
  const exitCriteria: JourneyDefinition['exitCriteria'] = [
    { id: 'x1', name: 'Unsubscribed', type: 'event', eventType: 'unsubscribe', condition: 'event.reason != "test"' },
    { id: 'x2', type: 'audienceExit', segmentId: 'vip' },
  ];
  const cases: Array<{ name: string; input: InterpreterInput; want: string | 'skip' }> = [
    { name: 'by event', input: { kind: 'event', event: eventOf('u1', 'unsubscribe', { reason: 'spam' }) }, want: 'x1' },
    { name: 'by event, condition false', input: { kind: 'event', event: eventOf('u1', 'unsubscribe', { reason: 'test' }) }, want: 'skip' },
    { name: 'by audience exit', input: { kind: 'audienceExit', segmentId: 'vip' }, want: 'x2' },
    { name: 'other audience', input: { kind: 'audienceExit', segmentId: 'other' }, want: 'skip' },
  ];
  for (const c of cases)
    it(c.name, () => {
      const r = run({ nodes, exitCriteria }, [[c.input, T0 + 10]]);
      if (c.want === 'skip') return assert.equal(r.last.applied, false);
      const s = r.steps.at(-1)!;
      assert.equal(brief(s), 'w:ended:end');
      assert.equal(s.exitCriteriaID, c.want);
      assert.equal(s.eventID, 'exitCriteria');
      assert.equal(r.instance?.status, 'ended');
    });
  it('exits an instance waiting for an action (its outcome is then refused)', () => {
    const r = run({ nodes: [{ id: 'a', type: 'action', action: { kind: 'updateProfile', set: { x: 1 } }, next: 'end' }, end], exitCriteria }, [
      [{ kind: 'audienceExit', segmentId: 'vip' }, T0 + 1],
      [done({ status: 'done', fields: fields() }), T0 + 2],
    ]);
    assert.equal(r.last.applied, false);
    assert.deepEqual(r.steps.map(brief), ['start:transitions', 'a:ended:end']);
  });
});

describe('interpreter: entry and re-entrance', () => {
  const nodes: JourneyNode[] = [end];
  const ended = (enteredAt: number): JourneyInstance => ({
    id: 'old', sandboxId: 'sb', journeyId: 'j1', versionId: 'j1-v1', personKey: 'Email:a@x.io', identity, status: 'ended', nodeId: 'end',
    instanceType: 'unitary', inTest: false, enteredAt, updatedAt: enteredAt, endedAt: enteredAt, steps: 2,
  });
  const cases: Array<{ name: string; def: Partial<JourneyDefinition>; last?: JourneyInstance; runId?: string; entered: boolean }> = [
    { name: 'first entry', def: {}, entered: true },
    { name: 'a replayed audience read run does not enter a person it entered', def: { reentrance: { mode: 'afterWait', waitSeconds: 0 } }, last: { ...ended(T0 - 1000), runId: 'r1' }, runId: 'r1', entered: false },
    { name: 'the next run of the read enters them again (re-entrance allows)', def: { reentrance: { mode: 'afterWait', waitSeconds: 0 } }, last: { ...ended(T0 - 1000), runId: 'r1' }, runId: 'r2', entered: true },
    { name: 'none: once ended, never again', def: { reentrance: { mode: 'none' } }, last: ended(T0 - 86_400_000), entered: false },
    { name: 'default is none', def: {}, last: ended(T0 - 86_400_000), entered: false },
    { name: 'afterWait: too early', def: { reentrance: { mode: 'afterWait', waitSeconds: 3600 } }, last: ended(T0 - 1000), entered: false },
    { name: 'afterWait: after the wait', def: { reentrance: { mode: 'afterWait', waitSeconds: 3600 } }, last: ended(T0 - 3_600_000), entered: true },
    { name: 'still active', def: { reentrance: { mode: 'afterWait', waitSeconds: 0 } }, last: { ...ended(T0 - 10), status: 'waiting' }, entered: false },
    { name: 'entry condition holds', def: { entry: { type: 'event', eventType: 'signup', namespace: 'Email', condition: 'event.plan = "pro"', next: 'end' } }, entered: false },
  ];
  for (const c of cases)
    it(c.name, () => {
      const r = run({ nodes, ...c.def }, [], { enter: { last: c.last, ...(c.runId ? { source: 'readAudience' as const, runId: c.runId } : {}) } });
      assert.equal(r.last.applied, c.entered, r.last.applied ? '' : r.last.why);
      if (r.last.applied && c.last) assert.equal(r.steps[0]!.reentrance, true);
    });
  it('audience entry carries the qualification status', () => {
    const r = run({ nodes, entry: { type: 'audienceQualification', segmentId: 's', status: 'realized', namespace: 'Email', next: 'end' } }, [], {
      enter: { source: 'audience', eventId: 'audience', trigger: undefined, segmentStatus: 'realized' },
    });
    assert.equal(r.steps[0]!.segmentQualificationStatus, 'realized');
    assert.equal(r.steps[0]!.eventID, 'audience');
    assert.equal(r.instance?.instanceType, 'unitary');
  });
  it('audience read members are batch instances', () => {
    const r = run({ nodes }, [], { enter: { source: 'readAudience', eventId: 'audience' } });
    assert.equal(r.instance?.instanceType, 'batch');
  });
});

describe('interpreter: instance timeout and forced ends', () => {
  it('default 91 days: a longer wait is cut at the deadline and ends as instanceTimedout', () => {
    const nodes: JourneyNode[] = [{ id: 'w', type: 'wait', seconds: 200 * 86_400, next: 'end' }, end];
    const deadline = T0 + DEFAULT_INSTANCE_TIMEOUT_SECONDS * 1000;
    const r = run({ nodes }, [[timer, deadline]]);
    assert.deepEqual(r.steps.map(brief), ['start:transitions', 'w:instanceTimedout:end']);
  });
  it('instanceTimeoutSeconds caps an event wait', () => {
    const nodes: JourneyNode[] = [{ id: 'wf', type: 'waitForEvent', eventType: 'p', timeoutSeconds: 3600, next: 'end' }, end];
    const r = run({ nodes, instanceTimeoutSeconds: 60 });
    assert.deepEqual(r.last.applied && r.last.next, { kind: 'event', eventType: 'p', due: T0 + 60_000 });
    const t = run({ nodes, instanceTimeoutSeconds: 60 }, [[timer, T0 + 60_000]]);
    assert.equal(brief(t.steps.at(-1)!), 'wf:instanceTimedout:end');
  });
  it('forceEnd (identity merge) ends where the instance is', () => {
    const nodes: JourneyNode[] = [{ id: 'w', type: 'wait', seconds: 600, next: 'end' }, end];
    const r = run({ nodes }, [[{ kind: 'forceEnd', eventId: 'identityMerge' }, T0 + 1]]);
    const s = r.steps.at(-1)!;
    assert.equal(brief(s), 'w:ended:end');
    assert.equal(s.eventID, 'identityMerge');
  });
});

describe('interpreter: invalid input', () => {
  it('an unknown next node ends the instance with an error', () => {
    const r = run({ nodes: [{ id: 'c', type: 'condition', branches: [{ condition: 'true', next: 'nowhere' }] }] });
    assert.deepEqual(r.steps.map(brief), ['start:transitions', 'c:error:end']);
  });
  it('empty nodes: the start step is an error', () => {
    const r = run({ nodes: [], entry: { type: 'event', eventType: 'signup', namespace: 'Email', next: 'n1' } });
    assert.deepEqual(r.steps.map(brief), ['start:error:end']);
  });
  it('a definition loop without a wait ends as an error', () => {
    const nodes: JourneyNode[] = [
      { id: 'c1', type: 'condition', branches: [{ condition: 'true', next: 'c2' }] },
      { id: 'c2', type: 'condition', branches: [{ condition: 'true', next: 'c1' }] },
    ];
    const r = run({ nodes });
    assert.equal(r.steps.length, MAX_NODES_PER_TRANSITION + 1);
    assert.equal(brief(r.steps.at(-1)!).endsWith(':error:end'), true);
  });
  const waiting: JourneyNode[] = [{ id: 'wf', type: 'waitForEvent', eventType: 'p', timeoutSeconds: 10, next: 'end' }, end];
  const garbage: Array<[string, InterpreterInput]> = [
    ['event: null', { kind: 'event', event: null as unknown as Record<string, unknown> }],
    ['event: an array', { kind: 'event', event: [] as unknown as Record<string, unknown> }],
    ['event: no eventType', { kind: 'event', event: { _id: 'x' } }],
    ['event: numeric eventType', { kind: 'event', event: { _id: 'x', eventType: 5 } }],
    ['actionDone while not at an action', done({ status: 'done', fields: fields() })],
    ['unknown input kind', { kind: 'nope' } as unknown as InterpreterInput],
  ];
  for (const [name, input] of garbage)
    it(name, () => {
      const r = run({ nodes: waiting }, [[input, T0 + 1]]);
      assert.equal(r.last.applied, false);
      assert.equal(r.instance?.status, 'waiting');
    });
  it('no instance, or an ended one, takes no input', () => {
    const version = versionOf('j1', { nodes: [end] });
    assert.equal(interpret({ journey, version, person: personOf(), now: T0 }, undefined, timer).applied, false);
    const r = run({ nodes: [end] }, [[timer, T0 + 1]]);
    assert.equal(r.last.applied, false);
  });
  it('a wait with an unparsable until ends with an error', () => {
    const r = run({ nodes: [{ id: 'w', type: 'wait', until: 'tomorrow-ish', next: 'end' }, end] });
    assert.deepEqual(r.steps.map(brief), ['start:transitions', 'w:error:end']);
  });
});
