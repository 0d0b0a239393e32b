import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openSqlite } from '../store/sqlite/open.js';
import { SqliteResourceStore } from '../store/sqlite/sqlite-resource-store.js';
import { IdentityReplica } from './identity-replica.js';
import { SqliteIdentityStore } from './sqlite-identity-store.js';
import { NamespaceService } from './namespaces.js';
import { item, openIdentity, type OpenedIdentity } from './testing.js';
import { xidOf } from './xid.js';
import { RpcServer, type Remote } from '../shared/rpc.js';

type ReplicaRemote = Remote<{ replica: IdentityReplica }>['replica'];

const SB = 'sb1';
const x = (s: string) => xidOf(s.slice(0, s.indexOf(':')), s.slice(s.indexOf(':') + 1));

/** A replica over its own connections to the writer's files (as the reader thread opens them). */
function replicaOf(o: OpenedIdentity) {
  const idDb = openSqlite(o.dir, 'identity');
  const controlDb = openSqlite(o.dir, 'control');
  const resources = new SqliteResourceStore(controlDb);
  const replica = new IdentityReplica(new SqliteIdentityStore(idDb), resources, new NamespaceService(resources, o.clock));
  // as the reader thread is called: each lookup starts in a later macrotask
  const remote = new RpcServer<{ replica: IdentityReplica }>({ replica }).local().replica;
  return { replica, remote, close: () => (idDb.close(), controlDb.close()) };
}

/** The writer's graphs and the replica's answer for each of their identities, as sorted XID lists. */
async function bothViews(o: OpenedIdentity, replica: ReplicaRemote): Promise<{ writer: string[][]; replica: string[][] }> {
  const graphs = (await o.svc.graphs(SB)).map((g) => g.map((m) => m.xid).sort()).sort();
  const seen: string[][] = [];
  for (const g of graphs) for (const xid of g) seen.push((await replica.members(SB, xid)).map((m) => m.xid).sort());
  return { writer: graphs.flatMap((g) => g.map(() => g)), replica: seen };
}

describe('IdentityReplica: the graph outside its writer', () => {
  const cases: Array<{ name: string; run: (o: OpenedIdentity, r: ReplicaRemote) => Promise<void>; loads?: number }> = [
    { name: 'links ingested after the replica loaded are tailed', run: async (o, r) => {
      await o.svc.ingest(SB, [item(1, ['ECID:1', 'Email:a@x.com'])]);
      assert.equal((await r.members(SB, x('ECID:1'))).length, 2);
      await o.svc.ingest(SB, [item(2, ['Email:a@x.com', 'Phone:5551']), item(3, ['ECID:9', 'Phone:555'])]);
    } },
    { name: 'a snapshot (checkpoint) followed by more observations', run: async (o) => {
      await o.svc.ingest(SB, [item(1, ['ECID:1', 'Email:a@x.com']), item(2, ['ECID:2', 'Email:b@x.com'])]);
      await o.svc.checkpoint(SB);
      await o.svc.ingest(SB, [item(3, ['Email:a@x.com', 'Email:b@x.com'])]);
    } },
    { name: 'a removed batch makes the replica load the graph again', loads: 2, run: async (o, r) => {
      await o.svc.ingest(SB, [item(1, ['ECID:1', 'Email:a@x.com'], 'b1'), item(2, ['Email:a@x.com', 'Phone:5551'], 'b2')]);
      assert.equal((await r.members(SB, x('ECID:1'))).length, 3);
      assert.ok((await o.svc.unlink(SB, { batchId: 'b2' })).ok);
      assert.equal((await r.members(SB, x('ECID:1'))).length, 2);
    } },
    { name: 'a replaced graph (new linking rules) is loaded again with the new rules', loads: 2, run: async (o, r) => {
      await o.svc.ingest(SB, [item(1, ['Email:a@x.com', 'ECID:1']), item(2, ['ECID:1', 'Email:b@x.com'])]);
      assert.equal((await r.members(SB, x('ECID:1'))).length, 3);
      assert.ok((await o.svc.setRules(SB, { uniqueNamespaces: ['Email'] })).ok);
      assert.equal((await r.members(SB, x('ECID:1'))).length, 2);
      assert.deepEqual((await r.rules(SB)).uniqueNamespaces, ['Email']);
    } },
    { name: 'a link unlinked by hand is gone and stays apart when seen again', loads: 2, run: async (o, r) => {
      await o.svc.ingest(SB, [item(1, ['ECID:1', 'Email:a@x.com'])]);
      assert.equal((await r.members(SB, x('ECID:1'))).length, 2);
      assert.ok((await o.svc.unlink(SB, { a: x('ECID:1'), b: x('Email:a@x.com') })).ok);
      assert.equal((await r.members(SB, x('ECID:1'))).length, 1);
      await o.svc.ingest(SB, [item(5, ['ECID:1', 'Email:a@x.com'])]);
      assert.equal((await r.members(SB, x('ECID:1'))).length, 1);
    } },
  ];
  for (const c of cases)
    it(c.name, async () => {
      const o = openIdentity();
      const { replica, remote, close } = replicaOf(o);
      try {
        await c.run(o, remote);
        const v = await bothViews(o, remote);
        assert.deepEqual(v.replica, v.writer);
        assert.equal(replica.stats.loads, c.loads ?? 1);
      } finally {
        close();
        await o.dispose();
      }
    });

  it('concurrent lookups share refreshes and each sees what was committed before it asked', async () => {
    const o = openIdentity();
    const { replica, remote, close } = replicaOf(o);
    try {
      await o.svc.ingest(SB, [item(1, ['ECID:1', 'Email:a@x.com'])]);
      const first = await Promise.all(Array.from({ length: 20 }, () => remote.members(SB, x('ECID:1'))));
      assert.ok(first.every((m) => m.length === 2));
      assert.ok(replica.stats.tails <= 3, `${replica.stats.tails} tail reads for 20 concurrent lookups`);
      await o.svc.ingest(SB, [item(2, ['ECID:1', 'Phone:5551'])]);
      assert.equal((await remote.members(SB, x('Phone:5551'))).length, 3);
    } finally {
      close();
      await o.dispose();
    }
  });

  describe('invalid input', () => {
    const o = openIdentity();
    const { replica, close } = replicaOf(o);
    const cases: Array<{ name: string; run: () => Promise<unknown>; want: unknown }> = [
      { name: 'unknown sandbox: no identity', run: () => replica.node('no-such-sandbox', x('ECID:1')), want: undefined },
      { name: 'unknown sandbox: no members', run: () => replica.members('no-such-sandbox', x('ECID:1')), want: [] },
      { name: 'unknown identity', run: () => replica.node(SB, 'not-an-xid'), want: undefined },
      { name: 'unknown identity: no members', run: () => replica.members(SB, 'not-an-xid'), want: [] },
      { name: 'unknown namespace: no XID', run: () => replica.xid(SB, 'NoSuchNamespace', '1'), want: undefined },
      { name: 'empty sandbox id', run: () => replica.members('', x('ECID:1')), want: [] },
    ];
    for (const c of cases) it(c.name, async () => assert.deepEqual(await c.run(), c.want));
    it('closes', async () => {
      close();
      await o.dispose();
    });
  });
});
