import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RULES } from '../identity/linking-rules.js';
import { primaryOf } from './profile-sink.js';

const id = (namespace: string, primary = false) => ({ namespace, id: `${namespace}-1`, primary });

describe('ProfileSink primaryOf (the rule IdentityService.primaryOf applies, with the chunk rules)', () => {
  const cases: Array<[string, ReturnType<typeof id>[], boolean, string | undefined]> = [
    ['record: the one marked primary', [id('ECID'), id('Email', true), id('CRMID')], false, 'Email'],
    ['record: none marked -> the first', [id('ECID'), id('CRMID')], false, 'ECID'],
    ['event: highest priority, primary flags ignored', [id('ECID', true), id('Email'), id('CRMID')], true, 'CRMID'],
    ['event: unknown namespaces rank last', [id('Loyalty'), id('ECID')], true, 'ECID'],
    ['no identities', [], true, undefined],
  ];
  for (const [name, ids, isEvent, want] of cases)
    it(name, () => assert.equal(primaryOf(ids, isEvent, DEFAULT_RULES)?.namespace, want));
});
