import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../shared/clock.js';
import { ok } from '../../shared/result.js';
import type { ActionSpec } from '../journey-types.js';
import { checkAction, JourneyActionRunner } from './action-runner.js';
import { actionContext } from './testing/action-context.js';

const sink = { write: () => Promise.resolve(ok(undefined)) };

describe('JourneyActionRunner', () => {
  const valid: Array<[string, ActionSpec]> = [
    ['http', { kind: 'http', method: 'POST', url: 'https://hooks.example.com/{{profile.id}}', body: '{"a":"{{event.x}}"}' }],
    ['email', { kind: 'email', from: 'a@kith.test', subject: 'Hi', text: 'Hello {{profile.person.name.firstName}}' }],
    ['updateProfile', { kind: 'updateProfile', set: { 'a.b': '{{event.x}}' } }],
  ];
  for (const [name, spec] of valid) it(`checkAction accepts a valid ${name} action`, () => assert.deepEqual(checkAction(spec), ok(undefined)));

  it('execution time comes from the clock', async () => {
    const clock = new ManualClock();
    const slowSink = {
      write: () => {
        clock.advance(25);
        return Promise.resolve(ok(undefined));
      },
    };
    const r = await new JourneyActionRunner({ clock, profileUpdates: slowSink }).run({ kind: 'updateProfile', set: { a: 1 } }, actionContext());
    assert.equal(r.fields.actionExecutionTime, 25);
  });

  describe('invalid input', () => {
    const bad: unknown[] = [{ kind: 'sms' }, {}, null, 'http'];
    for (const spec of bad) {
      it(`checkAction refuses ${JSON.stringify(spec)}`, () => assert.equal(checkAction(spec as ActionSpec).ok, false));
      it(`run fails (never throws) on ${JSON.stringify(spec)}`, async () => {
        const r = await new JourneyActionRunner({ clock: new ManualClock(), profileUpdates: sink }).run(spec as ActionSpec, actionContext());
        assert.equal(r.status, 'failed');
        assert.equal(r.fields.actionExecutionErrorCode, 'internal');
        assert.equal(r.fields.actionID, 'n1');
        assert.equal(r.fields.attempts, 0);
      });
    }
  });
});
