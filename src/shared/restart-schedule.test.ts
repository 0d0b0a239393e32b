import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RestartSchedule, restartPause } from './restart-schedule.js';

describe('RestartSchedule', () => {
  it('pauses double from 0.5 s and stop at 30 s', () => {
    const cases: Array<[number, number]> = [[0, 500], [1, 1000], [2, 2000], [5, 16_000], [6, 30_000], [20, 30_000]];
    for (const [n, ms] of cases) assert.equal(restartPause(n), ms, `after ${n} crashes in a row`);
  });

  it('counts crashes in a row; a worker that ran a minute starts the count again', () => {
    const s = new RestartSchedule();
    s.started(0);
    const noop = async () => undefined;
    assert.equal(s.crashed(noop, () => undefined, 1_000), 500);
    s.cancel();
    assert.equal(s.crashed(noop, () => undefined, 2_000), 1000);
    assert.equal(s.crashed(noop, () => undefined, 3_000), 2000);
    s.started(10_000);
    assert.equal(s.crashed(noop, () => undefined, 71_000), 500, 'ran more than a minute');
  });

  it('starts the replacement after the pause; settled() waits for it', async () => {
    const s = new RestartSchedule();
    s.started();
    let starts = 0;
    s.crashed(async () => void starts++, (e) => assert.fail(String(e)));
    assert.equal(starts, 0, 'not before the pause');
    await s.settled();
    assert.equal(starts, 1);
  });

  describe('invalid input', () => {
    it('a replacement that fails to start is reported, and callers are not left waiting', async () => {
      const s = new RestartSchedule();
      s.started();
      const errors: unknown[] = [];
      s.crashed(async () => { throw new Error('no worker'); }, (e) => errors.push(e));
      await s.settled();
      assert.equal((errors[0] as Error).message, 'no worker');
    });

    it('cancel ends the pause at once and starts nothing', async () => {
      const s = new RestartSchedule();
      s.started();
      s.crashed(async () => undefined, () => undefined); // 0.5 s
      s.crashed(async () => undefined, () => undefined); // replaces the pending one's handle: 1 s
      let starts = 0;
      s.crashed(async () => void starts++, () => undefined); // 2 s
      const t0 = Date.now();
      s.cancel();
      await s.settled();
      assert.ok(Date.now() - t0 < 400, 'no pause waited out');
      assert.equal(starts, 0);
    });
  });
});
