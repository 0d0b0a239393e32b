import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDbName } from './db-name.js';

describe('parseDbName: the wire dbname and the REST dbName', () => {
  const valid: Array<[string, { sandbox: string; flatten: boolean }]> = [
    ['prod:all', { sandbox: 'prod', flatten: false }],
    ['prod', { sandbox: 'prod', flatten: false }],
    ['Dev-1:all?FLATTEN', { sandbox: 'dev-1', flatten: true }],
    ['prod:ALL?flatten', { sandbox: 'prod', flatten: true }],
  ];
  for (const [text, want] of valid) it(JSON.stringify(text), () => assert.deepEqual(parseDbName(text), { ok: true, value: want }));

  describe('invalid input', () => {
    for (const bad of ['', ':all', 'prod:', 'prod:cja', 'prod:x', 'prod:all?X', 'prod?x', 'a b:all', 'prod:all?FLATTEN?FLATTEN', '../etc:all'])
      it(JSON.stringify(bad), () => assert.equal(parseDbName(bad).ok, false));
  });
});
