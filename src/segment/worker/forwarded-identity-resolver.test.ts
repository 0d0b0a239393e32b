import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ForwardedIdentityResolver as Resolver } from './forwarded-identity-resolver.js';
import type { GraphOwner } from './protocol.js';
import type { RemoteService } from '../../shared/rpc.js';

/** The graph owner's remote, answered by one function of the method name (recording what is asked). */
type Ask = (method: string, ...args: unknown[]) => Promise<unknown>;
const ownerOf = (ask: Ask) =>
  ({
    graphOf: (...a: unknown[]) => ask('graphOf', ...a),
    xidOf: (...a: unknown[]) => ask('xidOf', ...a),
    resolveXid: (...a: unknown[]) => ask('resolveXid', ...a),
    namespacePriority: (...a: unknown[]) => ask('namespacePriority', ...a),
  }) as RemoteService<GraphOwner>;
const ForwardedIdentityResolver = class extends Resolver {
  constructor(ask: Ask, capacity?: number, ttl?: number) {
    super(ownerOf(ask), capacity, ttl);
  }
};

const member = (namespace: string, id: string) => ({ namespace, id, xid: `x-${namespace}-${id}` });

describe('ForwardedIdentityResolver', () => {
  const asked: string[] = [];
  const methods = (): string[] => asked.map((a) => a.split(' ')[0]!);
  const ask = async (method: string, ...args: unknown[]) => {
    asked.push(`${method} ${JSON.stringify(args)}`);
    if (method === 'graphOf') return undefined;
    if (method === 'xidOf') return 'x-asked';
    if (method === 'resolveXid') return undefined;
    if (method === 'namespacePriority') return { email: 1 };
    return undefined;
  };

  it('answers from forwarded views without asking: lone identities, stitched graphs (every member), XIDs', async () => {
    asked.length = 0;
    const r = new ForwardedIdentityResolver(ask);
    r.learn({ sandboxId: 's', ref: { namespace: 'ECID', id: 'c1' }, xid: 'x-ECID-c1' });
    assert.equal(await r.graphOf('s', { namespace: 'ecid', id: 'c1' }), undefined);
    assert.equal(await r.xidOf('s', { namespace: 'ECID', id: 'c1' }), 'x-ECID-c1');
    const members = [member('ECID', 'c1'), member('Email', 'a@x.com')];
    r.learn({ sandboxId: 's', ref: { namespace: 'ECID', id: 'c1' }, xid: 'x-ECID-c1', members });
    const g = await r.graphOf('s', { namespace: 'Email', id: 'a@x.com' });
    assert.deepEqual(g?.members, members);
    assert.equal(g?.graphId, 'x-ECID-c1');
    assert.deepEqual(await r.resolveXid('s', 'x-Email-a@x.com'), { namespace: 'Email', id: 'a@x.com' });
    assert.equal(asked.length, 0);
    // another sandbox is another graph
    assert.equal(await r.graphOf('t', { namespace: 'ECID', id: 'c1' }), undefined);
    assert.deepEqual(methods(), ['graphOf', 'xidOf']);
  });

  it('asks the graph owner on a miss, then remembers; priorities are reused for a while', async () => {
    asked.length = 0;
    const r = new ForwardedIdentityResolver(ask);
    assert.equal(await r.xidOf('s', { namespace: 'Phone', id: '1' }), 'x-asked');
    await r.graphOf('s', { namespace: 'Phone', id: '1' });
    await r.graphOf('s', { namespace: 'Phone', id: '1' });
    assert.deepEqual(methods(), ['xidOf', 'graphOf', 'xidOf']);
    assert.deepEqual(await r.namespacePriority('s'), { email: 1 });
    assert.deepEqual(await r.namespacePriority('s'), { email: 1 });
    assert.equal(asked.filter((a) => a.startsWith('namespacePriority')).length, 1);
  });

  it('past the TTL answers the known priority at once and refreshes it in the background (one question at a time)', async () => {
    const calls: Array<(v: unknown) => void> = [];
    let value = { email: 1 };
    const slow = (method: string) => (method === 'namespacePriority' ? new Promise((r) => calls.push(() => r(value))) : Promise.resolve(undefined));
    const r = new ForwardedIdentityResolver(slow, 100, 0); // TTL 0: every answer is past it
    const first = r.namespacePriority('s');
    assert.equal(calls.length, 1);
    calls.shift()!(undefined);
    assert.deepEqual(await first, { email: 1 });
    value = { email: 7 };
    // stale answers while the refresh is out; only one refresh is asked
    assert.deepEqual(await r.namespacePriority('s'), { email: 1 });
    assert.deepEqual(await r.namespacePriority('s'), { email: 1 });
    assert.equal(calls.length, 1);
    calls.shift()!(undefined);
    await new Promise((res) => setImmediate(res));
    assert.deepEqual(await r.namespacePriority('s'), { email: 7 });
  });

  describe('invalid input', () => {
    it('is bounded: the least recently learned views are forgotten (and asked for again)', async () => {
      asked.length = 0;
      const r = new ForwardedIdentityResolver(ask, 2);
      for (const id of ['1', '2', '3']) r.learn({ sandboxId: 's', ref: { namespace: 'ECID', id }, xid: `x${id}` });
      assert.equal(await r.xidOf('s', { namespace: 'ECID', id: '3' }), 'x3');
      assert.equal(await r.xidOf('s', { namespace: 'ECID', id: '1' }), 'x-asked');
      assert.equal(asked.length, 1);
    });
  });
});
