import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeParams, OID } from './param-decode.js';

const int = (n: number, bytes: 2 | 4) => {
  const b = Buffer.alloc(bytes);
  if (bytes === 2) b.writeInt16BE(n);
  else b.writeInt32BE(n);
  return b;
};
const i64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
};
const f32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeFloatBE(n);
  return b;
};
const f64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(n);
  return b;
};
/** numeric's binary form from base-10000 digits. */
const numeric = (digits: number[], weight: number, sign: number, dscale: number) => {
  const b = Buffer.alloc(8 + 2 * digits.length);
  b.writeInt16BE(digits.length, 0);
  b.writeInt16BE(weight, 2);
  b.writeUInt16BE(sign, 4);
  b.writeInt16BE(dscale, 6);
  digits.forEach((d, i) => b.writeInt16BE(d, 8 + 2 * i));
  return b;
};
const US_PER_DAY = 86_400_000_000n;

describe('decodeParams: binary parameters to PostgreSQL text', () => {
  const cases: Array<[string, number, Buffer, string]> = [
    ['int2', OID.int2, int(-7, 2), '-7'],
    ['int4', OID.int4, int(2147483647, 4), '2147483647'],
    ['int8 beyond 2^53', OID.int8, i64(9007199254740993n), '9007199254740993'],
    ['float4 shortest', OID.float4, f32(0.1), '0.1'],
    ['float4 NaN', OID.float4, f32(NaN), 'NaN'],
    ['float8', OID.float8, f64(-1.5e300), '-1.5e+300'],
    ['float8 infinity', OID.float8, f64(-Infinity), '-Infinity'],
    ['bool true', OID.bool, Buffer.from([1]), 't'],
    ['bool false', OID.bool, Buffer.from([0]), 'f'],
    ['text', OID.text, Buffer.from('héllo'), 'héllo'],
    ['varchar', OID.varchar, Buffer.from('v'), 'v'],
    ['uuid', OID.uuid, Buffer.from('0123456789abcdef0123456789abcdef', 'hex'), '01234567-89ab-cdef-0123-456789abcdef'],
    ['date', OID.date, int(0, 4), '2000-01-01'],
    ['date before 2000', OID.date, int(-10957, 4), '1970-01-01'],
    ['date BC', OID.date, int(-730485, 4), '0001-01-01 BC'],
    ['timestamp', OID.timestamp, i64(US_PER_DAY + 3_723_000_001n), '2000-01-02 01:02:03.000001'],
    ['timestamp before 2000', OID.timestamp, i64(-1n), '1999-12-31 23:59:59.999999'],
    ['timestamptz', OID.timestamptz, i64(0n), '2000-01-01 00:00:00+00'],
    ['timestamp infinity', OID.timestamp, i64(0x7fffffffffffffffn), 'infinity'],
    ['numeric', OID.numeric, numeric([12, 3400], 0, 0, 2), '12.34'],
    ['numeric negative small', OID.numeric, numeric([12], -2, 0x4000, 8), '-0.00000012'],
    ['numeric large', OID.numeric, numeric([1, 0], 1, 0, 0), '10000'],
    ['jsonb', OID.jsonb, Buffer.concat([Buffer.from([1]), Buffer.from('{"a":1}')]), '{"a":1}'],
    ['bytea', OID.bytea, Buffer.from([0xde, 0xad]), '\\xdead'],
  ];
  for (const [name, oid, b, want] of cases)
    it(name, () => assert.deepEqual(decodeParams([b], [1], [oid]), { ok: true, value: [want] }));

  it('format lists: none = text, one = all, else one each; null stays null', () => {
    assert.deepEqual(decodeParams([Buffer.from('5'), null], [], [23, 23]), { ok: true, value: ['5', null] });
    assert.deepEqual(decodeParams([int(5, 4), int(6, 4)], [1], [23, 23]), { ok: true, value: ['5', '6'] });
    assert.deepEqual(decodeParams([Buffer.from('5'), int(6, 4)], [0, 1], [23, 23]), { ok: true, value: ['5', '6'] });
  });

  describe('invalid input', () => {
    const bad: Array<[string, Array<Buffer | null>, number[], number[], string]> = [
      ['int4 of 3 bytes', [Buffer.alloc(3)], [1], [OID.int4], '22P03'],
      ['int8 of 4 bytes', [Buffer.alloc(4)], [1], [OID.int8], '22P03'],
      ['jsonb of another version', [Buffer.from([2, 0x7b, 0x7d])], [1], [OID.jsonb], '22P03'],
      ['numeric with a digit out of range', [numeric([10000], 0, 0, 0)], [1], [OID.numeric], '22P03'],
      ['binary of an undecoded type', [Buffer.alloc(4)], [1], [600], '0A000'],
      ['format code 2', [Buffer.from('1')], [2], [OID.int4], '22023'],
      ['format count neither 0, 1 nor n', [Buffer.from('1'), Buffer.from('2')], [0, 0, 0], [23, 23], '08P01'],
      ['malformed UTF-8 text', [Buffer.from([0xc3, 0x28])], [0], [OID.text], '22021'],
      ['NUL in text', [Buffer.from('a\0b')], [0], [OID.text], '22021'],
    ];
    for (const [name, params, formats, types, code] of bad)
      it(name, () => {
        const r = decodeParams(params, formats, types);
        assert.equal(r.ok, false);
        if (!r.ok) assert.equal(r.error.code, code);
      });
  });
});
