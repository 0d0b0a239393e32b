import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { xidOf } from './xid.js';

describe('xidOf', () => {
  it('is the first 30 characters of base64url(sha256(NAMESPACE upper-cased \\0 value))', () => {
    const cases: Array<[string, string]> = [
      ['Email', 'jane@x.com'],
      ['ECID', '12345678901234567890123456789012345678'],
      ['crmid', 'ünïcödé'],
    ];
    for (const [ns, id] of cases) {
      const want = createHash('sha256').update(`${ns.toUpperCase()}\u0000${id}`).digest('base64url').slice(0, 30);
      assert.equal(xidOf(ns, id), want);
      assert.match(xidOf(ns, id), /^[A-Za-z0-9_-]{30}$/);
    }
  });
  it('namespace case does not matter; the value case does (values are normalised before)', () => {
    assert.equal(xidOf('email', 'a'), xidOf('EMAIL', 'a'));
    assert.notEqual(xidOf('Email', 'a'), xidOf('Email', 'A'));
    assert.notEqual(xidOf('Email', 'a'), xidOf('Phone', 'a'));
  });
});
