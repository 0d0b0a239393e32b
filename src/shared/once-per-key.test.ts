import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OncePerKey } from './once-per-key.js';
import { err, ok, type Result } from './result.js';

describe('OncePerKey', () => {
  it('concurrent callers of one key share the run; a success is remembered', async () => {
    const once = new OncePerKey<number, string>();
    let runs = 0;
    const work = async (): Promise<Result<number, string>> => ok(++runs);
    const [a, b] = await Promise.all([once.run('k', work), once.run('k', work)]);
    assert.deepEqual([a, b], [ok(1), ok(1)]);
    assert.deepEqual(await once.run('k', work), ok(1));
    assert.deepEqual(await once.run('other', work), ok(2), 'keys are apart');
  });

  describe('invalid input', () => {
    const cases: Array<{ name: string; work: () => Promise<Result<number, string>>; second: Result<number, string> | 'throws' }> = [
      { name: 'a failure is not remembered: the next call runs again', work: async () => err('down'), second: err('down') },
      { name: 'a thrown error is not remembered either', work: async () => Promise.reject(new Error('boom')), second: 'throws' },
    ];
    for (const c of cases)
      it(c.name, async () => {
        const once = new OncePerKey<number, string>();
        let calls = 0;
        const work = () => (calls++, c.work());
        await once.run('k', work).catch(() => undefined);
        if (c.second === 'throws') await assert.rejects(once.run('k', work));
        else assert.deepEqual(await once.run('k', work), c.second);
        assert.equal(calls, 2);
      });
  });
});
