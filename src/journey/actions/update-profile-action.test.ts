import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../shared/clock.js';
import { err, ok, type Result } from '../../shared/result.js';
import type { IdentityRef } from '../../profile/identity-resolver.js';
import type { ProfileUpdateSink } from '../journey-ports.js';
import type { UpdateProfileActionSpec } from '../journey-types.js';
import { JourneyActionRunner } from './action-runner.js';
import { buildFragment, checkUpdateProfile } from './update-profile-action.js';
import { actionContext } from './testing/action-context.js';

/** The port's simplest implementation (no storage adapter exists yet): keeps what it is given. */
class RecordingSink implements ProfileUpdateSink {
  writes: Array<{ sandboxId: string; identity: IdentityRef; record: Record<string, unknown>; key: string }> = [];
  constructor(private readonly answer: () => Promise<Result<void, string>> = () => Promise.resolve(ok(undefined))) {}
  write(sandboxId: string, identity: IdentityRef, record: Record<string, unknown>, key: string): Promise<Result<void, string>> {
    this.writes.push({ sandboxId, identity, record, key });
    return this.answer();
  }
}

const upd = (set: UpdateProfileActionSpec['set']): UpdateProfileActionSpec => ({ kind: 'updateProfile', set });
const identityMap = { Email: [{ id: 'ada@example.com', primary: true }] };

describe('update profile action', () => {
  const ctx = actionContext({
    profile: { age: 36, vip: true, person: { name: { firstName: 'Ada' } }, tags: ['a'] },
    event: { commerce: { order: { priceTotal: 42.5, items: [{ sku: 'S1' }] } } },
  });

  const fragments: Array<[string, UpdateProfileActionSpec['set'], Record<string, unknown>]> = [
    ['literals kept', { '_tenant.score': 5, '_tenant.ok': false, '_tenant.none': null, '_tenant.s': 'plain' }, { _tenant: { score: 5, ok: false, none: null, s: 'plain' } }],
    ['nested paths merge', { 'a.b.c': 'x', 'a.b.d': 'y', 'a.e': 'z' }, { a: { b: { c: 'x', d: 'y' }, e: 'z' } }],
    ['a single placeholder keeps the type', { 'x.n': '{{event.commerce.order.priceTotal}}', 'x.b': ' {{profile.vip}} ', 'x.arr': '{{event.commerce.order.items}}' }, { x: { n: 42.5, b: true, arr: [{ sku: 'S1' }] } }],
    ['a mixed template is text', { 'x.n': 'total {{event.commerce.order.priceTotal}}', 'x.two': '{{profile.age}}{{profile.age}}' }, { x: { n: 'total 42.5', two: '3636' } }],
    ['a missing single placeholder leaves the field out', { 'x.gone': '{{profile.nope}}', 'x.kept': 'k' }, { x: { kept: 'k' } }],
    ['a missing value in a mixed template is empty', { 'x.s': 'hi {{profile.nope}}' }, { x: { s: 'hi ' } }],
    ['instance and identity roots', { 'j.instance': '{{instance.id}}', 'j.ns': '{{identity.namespace}}' }, { j: { instance: 'inst-1', ns: 'Email' } }],
  ];
  for (const [name, set, want] of fragments) {
    it(name, () => assert.deepEqual(buildFragment(upd(set), ctx), { ...want, identityMap }));
  }

  it('a copied object does not share memory with the event', () => {
    const f = buildFragment(upd({ 'x.items': '{{event.commerce.order.items}}' }), ctx) as { x: { items: Array<{ sku: string }> } };
    f.x.items[0].sku = 'changed';
    assert.equal(((ctx.event as { commerce: { order: { items: Array<{ sku: string }> } } }).commerce.order.items[0]).sku, 'S1');
  });

  it('runs through the sink with the identity and the idempotency key', async () => {
    const sink = new RecordingSink();
    const runner = new JourneyActionRunner({ clock: new ManualClock(), profileUpdates: sink });
    const r = await runner.run(upd({ '_tenant.lastJourney': '{{journey.id}}' }), ctx);
    assert.equal(r.status, 'done');
    assert.deepEqual(r.fields, { actionID: 'n1', actionName: 'Call', actionType: 'updateProfile', actionExecutionTime: 0, attempts: 1 });
    assert.deepEqual(sink.writes, [{ sandboxId: 'sb1', identity: { namespace: 'Email', id: 'ada@example.com' }, record: { _tenant: { lastJourney: 'j1' }, identityMap }, key: 'inst-1:3' }]);
  });

  const sinkFailures: Array<[string, () => Promise<Result<void, string>>]> = [
    ['an error value', () => Promise.resolve(err('dataset missing'))],
    ['a rejection', () => Promise.reject(new Error('dataset missing'))],
  ];
  for (const [name, answer] of sinkFailures) {
    it(`the sink answering ${name} → failed error`, async () => {
      const runner = new JourneyActionRunner({ clock: new ManualClock(), profileUpdates: new RecordingSink(answer) });
      const r = await runner.run(upd({ a: 'b' }), ctx);
      assert.equal(r.status, 'failed');
      assert.equal(r.fields.actionExecutionError, 'error');
      assert.equal(r.fields.actionExecutionErrorCode, 'profileWrite');
      assert.equal(r.fields.actionErrorContext, 'dataset missing');
    });
  }

  describe('invalid input', () => {
    const bad: Array<[string, unknown, RegExp]> = [
      ['empty set', {}, /set is empty/],
      ['set not an object', ['a'], /set must be an object/],
      ['empty path', { '': 'x' }, /empty/],
      ['empty segment', { 'a..b': 'x' }, /empty segment/],
      ['_id', { _id: 'x' }, /may not be set/],
      ['_id below', { '_id.x': 'x' }, /may not be set/],
      ['identityMap', { 'identityMap.Email': 'x' }, /may not be set/],
      ['prototype pollution', { 'a.__proto__.polluted': 'x' }, /forbidden segment/],
      ['path inside another', { a: 1, 'a.b': 2 }, /inside 'a'/],
      ['malformed template value', { a: '{{profile.x' }, /unclosed/],
      ['unknown root', { a: '{{env.HOME}}' }, /unknown placeholder root/],
      ['object value', { a: { b: 1 } }, /must be a string, number, boolean or null/],
    ];
    for (const [name, set, want] of bad) {
      it(`${name}: refused at check; run fails without writing`, async () => {
        const spec = { kind: 'updateProfile', set } as UpdateProfileActionSpec;
        const c = checkUpdateProfile(spec);
        assert.equal(c.ok, false);
        if (!c.ok) assert.match(c.error, want);
        const sink = new RecordingSink();
        const r = await new JourneyActionRunner({ clock: new ManualClock(), profileUpdates: sink }).run(spec, ctx);
        assert.equal(r.status, 'failed');
        assert.equal(r.fields.actionExecutionErrorCode, 'invalidSpec');
        assert.equal(r.fields.attempts, 0);
        assert.equal(sink.writes.length, 0);
      });
    }
    it('_identity is not _id', () => assert.equal(checkUpdateProfile(upd({ '_identity.x': 1 })).ok, true));
    it('a non-object profile fills as missing', () => {
      const f = buildFragment(upd({ 'a.b': '{{profile.x}}', 'a.c': 'v{{profile.x}}' }), actionContext({ profile: 'nope' as unknown as Record<string, unknown> }));
      assert.deepEqual(f, { a: { c: 'v' }, identityMap });
    });
  });
});
