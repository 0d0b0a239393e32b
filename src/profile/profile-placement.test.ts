import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RULES } from '../identity/linking-rules.js';
import type { IngestOutcome, SkipCode } from '../identity/identity-service.js';
import { placementOf } from './profile-placement.js';

const ext = (namespace: string, primary = false) => ({ namespace, id: `${namespace}-1`, primary });
const usable = (namespace: string, primary = false) => ({ namespace, id: `${namespace}-1`, xid: `x-${namespace}`, primary, type: 'CROSS_DEVICE' });
const skip = (namespace: string, code: SkipCode) => ({ namespace, id: `${namespace}-1`, reason: code.toLowerCase(), code });
const out = (identities: IngestOutcome['identities'], skipped: IngestOutcome['skipped'] = []): IngestOutcome => ({ identities, skipped });

describe('placementOf: the primary identity a record is placed by, or why there is none', () => {
  const cases: Array<[string, ReturnType<typeof ext>[], IngestOutcome, boolean, boolean, string]> = [
    ['record: the one marked primary', [ext('ECID'), ext('Email', true), ext('CRMID')], out([usable('ECID'), usable('Email', true), usable('CRMID')]), false, false, 'Email'],
    ['record: none marked and none declared -> the first', [ext('ECID'), ext('CRMID')], out([usable('ECID'), usable('CRMID')]), false, false, 'ECID'],
    ['record: none marked but the schema declares one -> NO_PRIMARY_IDENTITY', [ext('ECID')], out([usable('ECID')]), false, true, 'NO_PRIMARY_IDENTITY'],
    ['record: the declared primary dropped -> its reason', [ext('Email', true), ext('ECID')], out([usable('ECID')], [skip('Email', 'BLOCKED_IDENTITY')]), false, true, 'BLOCKED_IDENTITY'],
    ['record: the marked primary dropped, none declared -> the first usable', [ext('Email', true), ext('ECID')], out([usable('ECID')], [skip('Email', 'BLOCKED_IDENTITY')]), false, false, 'ECID'],
    ['event: highest priority, primary flags ignored', [ext('ECID', true), ext('Email'), ext('CRMID')], out([usable('ECID', true), usable('Email'), usable('CRMID')]), true, false, 'CRMID'],
    ['event: unknown-priority namespaces rank last', [ext('Loyalty'), ext('ECID')], out([usable('Loyalty'), usable('ECID')]), true, false, 'ECID'],
    ['no identities', [], out([]), true, false, 'NO_IDENTITY'],
    ['every identity of one kind dropped', [ext('A'), ext('B')], out([], [skip('A', 'UNKNOWN_NAMESPACE'), skip('B', 'UNKNOWN_NAMESPACE')]), false, false, 'UNKNOWN_NAMESPACE'],
    ['dropped for different reasons', [ext('A'), ext('Email')], out([], [skip('A', 'UNKNOWN_NAMESPACE'), skip('Email', 'BLOCKED_IDENTITY')]), true, false, 'NO_USABLE_IDENTITY'],
    ['only non-people identifiers', [ext('ShopifyOrderId')], out([], [skip('ShopifyOrderId', 'NON_PEOPLE_IDENTITY')]), false, false, 'NON_PEOPLE_IDENTITY'],
  ];
  for (const [name, extracted, n, isEvent, declared, want] of cases)
    it(name, () => {
      const p = placementOf(extracted, n, isEvent, DEFAULT_RULES, declared);
      assert.equal(p.ok ? p.primary.namespace : p.code, want);
    });

  describe('invalid input', () => {
    it('a skipped list without the primary still gives a reason, never an empty message', () => {
      const p = placementOf([ext('Email', true)], out([], []), false, DEFAULT_RULES, true);
      assert.ok(!p.ok);
      assert.deepEqual([p.code, p.reason], ['NO_USABLE_IDENTITY', 'The primary identity is not usable: none left after normalisation']);
    });
  });
});
