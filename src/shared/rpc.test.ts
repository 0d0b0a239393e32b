import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { roundRobin, RpcClient, RpcServer, type Remote, type RpcReply } from './rpc.js';
import { calcServices, type CalcServiceMap } from '../../test/fixtures/rpc/calc-services.js';

type WorkerMap = CalcServiceMap & { control: { stop(): void } };

/** A real worker thread serving `calc` (test/fixtures/rpc/calc-worker.ts), driven as the server drives its workers. */
async function startCalcWorker(): Promise<{ remote: Remote<WorkerMap>; exited: Promise<void> }> {
  const worker = new Worker(new URL('../../test/fixtures/rpc/calc-worker-boot.mjs', import.meta.url));
  let gone = false;
  const client = new RpcClient<WorkerMap>((m) => worker.postMessage(m), {
    peer: 'calc worker',
    before: async () => {
      if (gone) throw new Error('calc worker is not running');
    },
  });
  worker.on('message', (m: RpcReply) => client.receive(m));
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      gone = true;
      client.rejectAll('calc worker exited');
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    worker.once('online', resolve);
    worker.once('error', reject);
  });
  return { remote: client.remote, exited };
}

describe('typed RPC (src/shared/rpc.ts)', () => {
  const transports: Array<{ name: string; remote: () => Remote<CalcServiceMap>; crossesThread: boolean }> = [];
  let worker!: { remote: Remote<WorkerMap>; exited: Promise<void> };
  before(async () => {
    worker = await startCalcWorker();
  });
  after(async () => {
    await worker.remote.control.stop().catch(() => undefined);
    await worker.exited;
  });
  const local = new RpcServer<CalcServiceMap>(calcServices()).local();
  transports.push({ name: 'worker thread', remote: () => worker.remote, crossesThread: true }, { name: 'same thread', remote: () => local, crossesThread: false });

  for (const t of transports)
    describe(t.name, () => {
      const cases: Array<{ name: string; run: (r: Remote<CalcServiceMap>) => Promise<void> }> = [
        { name: 'a call returns the value', run: async (r) => assert.equal(await r.calc.add(2, 3), 5) },
        {
          name: 'a remote throw keeps its name, message and the remote stack (after the local one)',
          run: async (r) => {
            const e = await r.calc.fail('boom').then(
              () => assert.fail('resolved'),
              (x: unknown) => x as Error,
            );
            assert.equal(e.name, 'RangeError');
            assert.equal(e.message, 'boom');
            const stack = e.stack ?? '';
            assert.match(stack, /failDeep/); // the frame that threw, on the serving side
            assert.match(stack, /calc-services\.ts/);
            // across a thread: the call site first, then the remote frames
            if (t.crossesThread) assert.ok(stack.indexOf('rpc.test.ts') >= 0 && stack.indexOf('rpc.test.ts') < stack.indexOf('failDeep'), stack);
          },
        },
        {
          name: 'concurrent calls resolve to their own replies (whatever order the replies come in)',
          run: async (r) => {
            const sums = Promise.all(Array.from({ length: 50 }, (_, i) => r.calc.add(i, i)));
            const a = r.calc.hold('a');
            const b = r.calc.hold('b');
            assert.equal(await r.calc.release('b'), true);
            assert.equal(await b, 'b');
            assert.equal(await r.calc.release('a'), true);
            assert.equal(await a, 'a');
            assert.deepEqual(await sums, Array.from({ length: 50 }, (_, i) => 2 * i));
          },
        },
        {
          name: 'a remote service is not a promise (awaiting it does not hang)',
          run: async (r) => assert.equal(await Promise.resolve(r.calc), r.calc), // resolving adopts a thenable
        },
      ];
      for (const c of cases) it(c.name, () => c.run(t.remote()));

      describe('invalid input', () => {
        it('an unknown method cannot be expressed; called anyway, it is an error reply', async () => {
          const r = t.remote();
          // @ts-expect-error: the compiler refuses a method the service does not have
          const call = () => r.calc.multiply(2, 3) as Promise<unknown>;
          await assert.rejects(call, /unknown RPC method calc\.multiply/);
          // @ts-expect-error: nor arguments of the wrong type
          const wrong = () => r.calc.add('2', 3);
          assert.equal(typeof wrong, 'function');
        });
        it('Object.prototype names are not methods', async () => {
          const untyped = (name: string) => (t.remote().calc as unknown as Record<string, () => Promise<unknown>>)[name]!();
          for (const name of ['constructor', 'toString', 'hasOwnProperty']) await assert.rejects(() => untyped(name), new RegExp(`unknown RPC method calc\\.${name}`));
        });
      });
    });

  describe('a worker that stopped', () => {
    it('rejects the calls in flight when it exits, and every call after', async () => {
      const w = await startCalcWorker();
      const inFlight = w.remote.calc.hold('never');
      await w.remote.control.stop();
      await w.exited;
      await assert.rejects(inFlight, /calc worker exited/);
      await assert.rejects(() => w.remote.calc.add(1, 1), /calc worker is not running/);
    });
  });
});

describe('roundRobin: one remote over peers of one kind', () => {
  type Counted = { who: { name(): string }; reset: { clear(): number } };
  const peer = (name: string, cleared: string[]) =>
    new RpcServer<Counted>({ who: { name: () => name }, reset: { clear: () => (cleared.push(name), 1) } }).local();
  it('calls the peers in turn, and every peer for a broadcast service', async () => {
    const cleared: string[] = [];
    const r = roundRobin<Counted>([peer('a', cleared), peer('b', cleared), peer('c', cleared)], new Set(['reset']));
    const names = [];
    for (let i = 0; i < 6; i++) names.push(await r.who.name());
    assert.deepEqual(names, ['a', 'b', 'c', 'a', 'b', 'c']);
    assert.equal(await r.reset.clear(), 1);
    assert.deepEqual(cleared.sort(), ['a', 'b', 'c']);
  });
  it('invalid: no peers is an error at once', () => {
    assert.throws(() => roundRobin<Counted>([]), /at least one peer/);
  });
});
