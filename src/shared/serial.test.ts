import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedSerial, Serial } from './serial.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('Serial / KeyedSerial', () => {
  it('runs calls one at a time in call order, whatever each takes', async () => {
    const s = new Serial();
    const log: string[] = [];
    const job = (name: string, ticks: number) => async () => {
      log.push(`${name}+`);
      for (let i = 0; i < ticks; i++) await tick();
      log.push(`${name}-`);
      return name;
    };
    assert.deepEqual(await Promise.all([s.run(job('a', 3)), s.run(job('b', 0)), s.run(job('c', 1))]), ['a', 'b', 'c']);
    assert.deepEqual(log, ['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
  });
  it('keys are independent; one key is serial', async () => {
    const k = new KeyedSerial();
    const log: string[] = [];
    const job = (name: string) => async () => {
      log.push(`${name}+`);
      await tick();
      log.push(`${name}-`);
    };
    await Promise.all([k.run('x', job('x1')), k.run('y', job('y1')), k.run('x', job('x2'))]);
    assert.deepEqual(log.filter((l) => l.startsWith('x')), ['x1+', 'x1-', 'x2+', 'x2-']);
    assert.ok(log.indexOf('y1+') < log.indexOf('x1-'), 'y does not wait for x');
  });
  describe('invalid input', () => {
    it('a failing call fails alone; the next still runs', async () => {
      const s = new Serial();
      const bad = s.run(async () => {
        throw new RangeError('no');
      });
      const good = s.run(async () => 1);
      await assert.rejects(bad, RangeError);
      assert.equal(await good, 1);
    });
    it('a function that throws synchronously is a rejected call, not a thrown one', async () => {
      const k = new KeyedSerial();
      await assert.rejects(k.run('x', () => { throw new Error('sync'); }), /sync/);
      assert.equal(await k.run('x', async () => 2), 2);
    });
  });
});
