import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { invalidDefinition, urlProblem, validateDefinition, type DefinitionProblem } from './validate-definition.js';
import type { JourneyDefinition, JourneyNode } from '../journey-types.js';
import { fullDefinition } from './testing/journey-fixtures.js';

const simple = (nodes: JourneyNode[], next = nodes[0]?.id ?? 'a'): JourneyDefinition => ({ name: 'J', entry: { type: 'event', eventType: 'x', namespace: 'Email', next }, nodes });

/** The definition with `change` applied to a fresh copy. */
const mutate = (change: (d: any) => void): unknown => {
  const d = structuredClone(fullDefinition()) as any;
  change(d);
  return d;
};
const nodeAt = (d: any, id: string) => d.nodes.find((n: { id: string }) => n.id === id);

describe('validateDefinition', () => {
  it('accepts a journey with every node type, action, exit criterion and re-entrance', () => {
    assert.deepEqual(validateDefinition(fullDefinition()), []);
  });

  const valid: Array<[string, unknown]> = [
    ['the smallest journey', simple([{ id: 'a', type: 'end' }])],
    ['an audience qualification entry', { ...simple([{ id: 'a', type: 'end' }]), entry: { type: 'audienceQualification', segmentId: 's', status: 'exited', namespace: 'ECID', next: 'a' } }],
    ['a read audience entry once', { ...simple([{ id: 'a', type: 'end' }]), entry: { type: 'readAudience', segmentId: 's', namespace: 'ECID', schedule: { frequency: 'once', startAt: '2026-01-01T00:00:00.000+02:00' }, next: 'a' } }],
    ['a read audience entry on a cron', { ...simple([{ id: 'a', type: 'end' }]), entry: { type: 'readAudience', segmentId: 's', namespace: 'ECID', schedule: { frequency: 'cron', cron: '0 0 8 * * ?' }, next: 'a' } }],
    ['a diamond (two paths to one node is no cycle)', simple([
      { id: 'a', type: 'condition', branches: [{ condition: 'x = 1', next: 'b' }], otherwise: 'c' },
      { id: 'b', type: 'wait', seconds: 1, next: 'd' },
      { id: 'c', type: 'wait', seconds: 1, next: 'd' },
      { id: 'd', type: 'end' },
    ])],
    ['an action with no next (the instance ends)', simple([{ id: 'a', type: 'action', action: { kind: 'updateProfile', set: { 'a.b': null } } }])],
    ['a wait of exactly 91 days', simple([{ id: 'a', type: 'wait', seconds: 91 * 86400, next: 'b' }, { id: 'b', type: 'end' }])],
    ['no re-entrance', { ...simple([{ id: 'a', type: 'end' }]), reentrance: { mode: 'none' } }],
    ['a long chain (no recursion limit)', simple(Array.from({ length: 500 }, (_, i): JourneyNode => (i === 499 ? { id: `n${i}`, type: 'end' } : { id: `n${i}`, type: 'wait', seconds: 1, next: `n${i + 1}` })))],
    ['http basic and apiKey auth', simple([
      { id: 'a', type: 'action', action: { kind: 'http', method: 'GET', url: 'http://127.0.0.1:8080/x', auth: { type: 'basic', username: 'u', password: 'p' } }, next: 'b' },
      { id: 'b', type: 'action', action: { kind: 'http', method: 'DELETE', url: 'https://h.example/{{profile.a}}', auth: { type: 'apiKey', header: 'X-Key', value: 'v' } } },
    ])],
  ];
  for (const [name, def] of valid) it(`accepts ${name}`, () => assert.deepEqual(validateDefinition(def), []));

  describe('invalid input', () => {
    const cases: Array<[string, unknown, Array<[string, RegExp]>]> = [
      ['not an object', [], [['', /JSON object/]]],
      ['null', null, [['', /JSON object/]]],
      ['a string', 'journey', [['', /JSON object/]]],
      ['no name', mutate((d) => delete d.name), [['name', /required/]]],
      ['an empty name', mutate((d) => (d.name = '  ')), [['name', /empty/]]],
      ['a name too long', mutate((d) => (d.name = 'x'.repeat(257))), [['name', /at most 256/]]],
      ['a name of the wrong type', mutate((d) => (d.name = 3)), [['name', /string/]]],
      ['an unknown top-level field', mutate((d) => (d.nodez = [])), [['nodez', /unknown field/]]],
      ['no nodes', mutate((d) => delete d.nodes), [['nodes', /required/], ['entry.next', /no node/]]],
      ['empty nodes', mutate((d) => (d.nodes = [])), [['nodes', /at least one/], ['entry.next', /no node/]]],
      ['nodes not an array', mutate((d) => (d.nodes = {})), [['nodes', /array/], ['entry.next', /no node/]]],
      ['a node not an object', simple([{ id: 'a', type: 'end' }, 'b' as never]), [['nodes[1]', /object/]]],
      ['a duplicate node id', simple([{ id: 'a', type: 'wait', seconds: 1, next: 'a2' }, { id: 'a2', type: 'end' }, { id: 'a', type: 'end' }]), [['nodes[2].id', /also the id of nodes\[0\]/]]],
      ['an empty node id', simple([{ id: '', type: 'end' }], 'x'), [['nodes[0].id', /1 to 64/], ['entry.next', /no node has the id "x"/]]],
      ['a node id with a space', simple([{ id: 'a b', type: 'end' }]), [['nodes[0].id', /1 to 64/], ['entry.next', /no node has the id "a b"/]]],
      ['a node id too long', simple([{ id: 'a'.repeat(65), type: 'end' }]), [['nodes[0].id', /1 to 64/], ['entry.next', /at most 64/]]],
      ['an unknown node type', simple([{ id: 'a', type: 'sleep' } as never]), [['nodes[0].type', /must be one of condition/]]],
      ['an unknown field on a node', simple([{ id: 'a', type: 'end', next: 'b' } as never]), [['nodes[0].next', /unknown field/]]],
      ['no entry', mutate((d) => delete d.entry), [['entry', /required/]]],
      ['an unknown entry type', mutate((d) => (d.entry.type = 'webhook')), [['entry.type', /must be one of event/]]],
      ['an empty entry namespace', mutate((d) => (d.entry.namespace = '')), [['entry.namespace', /empty/]]],
      ['an entry with no eventType', mutate((d) => delete d.entry.eventType), [['entry.eventType', /required/]]],
      ['an entry next to no node', mutate((d) => (d.entry.next = 'nowhere')), [['entry.next', /no node has the id "nowhere"/]]],
      ['an entry condition that does not parse', mutate((d) => (d.entry.condition = 'event.a = ')), [['entry.condition', /Invalid PQL: Unexpected end of expression at line 1, column 11/]]],
      ['an empty entry condition', mutate((d) => (d.entry.condition = '')), [['entry.condition', /leave the field out/]]],
      ['an unsupported PQL construct', mutate((d) => (nodeAt(d, 'check').branches[0].condition = 'forall x: x = 1')), [['nodes[0].branches[0].condition', /Invalid PQL/]]],
      ['an audience entry with a bad status', { ...simple([{ id: 'a', type: 'end' }]), entry: { type: 'audienceQualification', segmentId: 's', status: 'existing', namespace: 'E', next: 'a' } }, [['entry.status', /realized/]]],
      ['a read audience with no schedule', { ...simple([{ id: 'a', type: 'end' }]), entry: { type: 'readAudience', segmentId: 's', namespace: 'E', next: 'a' } }, [['entry.schedule', /required/]]],
      ['a read audience with a bad cron', { ...simple([{ id: 'a', type: 'end' }]), entry: { type: 'readAudience', segmentId: 's', namespace: 'E', schedule: { frequency: 'cron', cron: '* *' }, next: 'a' } }, [['entry.schedule.cron', /6 or 7 fields/]]],
      ['a read audience with a bad startAt', { ...simple([{ id: 'a', type: 'end' }]), entry: { type: 'readAudience', segmentId: 's', namespace: 'E', schedule: { frequency: 'once', startAt: 'tomorrow' }, next: 'a' } }, [['entry.schedule.startAt', /ISO-8601/]]],
      ['a read audience with a bad frequency', { ...simple([{ id: 'a', type: 'end' }]), entry: { type: 'readAudience', segmentId: '', namespace: 'E', schedule: { frequency: 'weekly' }, next: 'a' } }, [['entry.segmentId', /empty/], ['entry.schedule.frequency', /once/]]],
      ['a branch to no node', mutate((d) => (nodeAt(d, 'check').branches[0].next = 'ghost')), [['nodes[0].branches[0].next', /no node has the id "ghost"/], ['nodes[6]', /cannot be reached/]]],
      ['otherwise to no node', mutate((d) => (nodeAt(d, 'check').otherwise = 'ghost')), [['nodes[0].otherwise', /"ghost"/], ...[1, 2, 3, 4, 5].map((i): [string, RegExp] => [`nodes[${i}]`, /cannot be reached/])]],
      ['a condition with no branches', mutate((d) => (nodeAt(d, 'check').branches = [])), [['nodes[0].branches', /non-empty/], ['nodes[6]', /cannot be reached/]]],
      ['a branch with no condition', mutate((d) => delete nodeAt(d, 'check').branches[0].condition), [['nodes[0].branches[0].condition', /required/]]],
      ['a timeoutNext to no node', mutate((d) => (nodeAt(d, 'click').timeoutNext = 'ghost')), [['nodes[3].timeoutNext', /"ghost"/], ['nodes[4]', /cannot be reached/], ['nodes[5]', /cannot be reached/]]],
      ['an errorNext to no node', mutate((d) => (nodeAt(d, 'hook').errorNext = 'ghost')), [['nodes[2].errorNext', /"ghost"/]]],
      ['an unreachable node', simple([{ id: 'a', type: 'end' }, { id: 'b', type: 'end' }]), [['nodes[1]', /"b" cannot be reached from the entry/]]],
      ['a cycle of two', simple([{ id: 'a', type: 'wait', seconds: 1, next: 'b' }, { id: 'b', type: 'wait', seconds: 1, next: 'a' }]), [['nodes[1].next', /cycle \(a → b → a\)/]]],
      ['a node to itself', simple([{ id: 'a', type: 'wait', seconds: 1, next: 'a' }]), [['nodes[0].next', /cycle \(a → a\)/]]],
      ['a cycle through an error path', mutate((d) => (nodeAt(d, 'mark').next = 'hook')), [['nodes[3].next', /cycle \(mark → hook → click → mark\)/]]],
      ['a wait with both seconds and until', simple([{ id: 'a', type: 'wait', seconds: 1, until: '2026-01-01T00:00:00Z', next: 'b' }, { id: 'b', type: 'end' }]), [['nodes[0]', /exactly one of seconds/]]],
      ['a wait with neither', simple([{ id: 'a', type: 'wait', next: 'b' } as never, { id: 'b', type: 'end' }]), [['nodes[0]', /exactly one/]]],
      ['a wait of 0 seconds', simple([{ id: 'a', type: 'wait', seconds: 0, next: 'b' }, { id: 'b', type: 'end' }]), [['nodes[0].seconds', /> 0 and <= 7862400/]]],
      ['a wait over 91 days', simple([{ id: 'a', type: 'wait', seconds: 91 * 86400 + 1, next: 'b' }, { id: 'b', type: 'end' }]), [['nodes[0].seconds', /<= 7862400/]]],
      ['a wait until a non-date', simple([{ id: 'a', type: 'wait', until: '2026-13-45T00:00:00Z', next: 'b' }, { id: 'b', type: 'end' }]), [['nodes[0].until', /ISO-8601/]]],
      ['a wait until a date without a zone', simple([{ id: 'a', type: 'wait', until: '2026-01-01T00:00:00', next: 'b' }, { id: 'b', type: 'end' }]), [['nodes[0].until', /ISO-8601/]]],
      ['a wait with no next', simple([{ id: 'a', type: 'wait', seconds: 5 } as never]), [['nodes[0].next', /required/]]],
      ['a waitForEvent with no timeout', mutate((d) => delete nodeAt(d, 'click').timeoutSeconds), [['nodes[3].timeoutSeconds', /required/]]],
      ['a waitForEvent timeout of a string', mutate((d) => (nodeAt(d, 'click').timeoutSeconds = '60')), [['nodes[3].timeoutSeconds', /number/]]],
      ['a waitForEvent timeout over 91 days', mutate((d) => (nodeAt(d, 'click').timeoutSeconds = 92 * 86400)), [['nodes[3].timeoutSeconds', /<= 7862400/]]],
      ['a waitForEvent condition that does not parse', mutate((d) => (nodeAt(d, 'click').condition = 'x ==')), [['nodes[3].condition', /Invalid PQL/]]],
      ['an action with no spec', mutate((d) => delete nodeAt(d, 'hook').action), [['nodes[2].action', /required/]]],
      ['an unknown action kind', mutate((d) => (nodeAt(d, 'mark').action.kind = 'sms')), [['nodes[7].action.kind', /http, email, updateProfile/]]],
      ['an http method not in the enum', mutate((d) => (nodeAt(d, 'hook').action.method = 'TRACE')), [['nodes[2].action.method', /GET, POST/]]],
      ['a relative url', mutate((d) => (nodeAt(d, 'hook').action.url = '/people/{{profile.id}}')), [['nodes[2].action.url', /absolute/]]],
      ['an ftp url', mutate((d) => (nodeAt(d, 'hook').action.url = 'ftp://h.example/x')), [['nodes[2].action.url', /not ftp:/]]],
      ['a url that is only a placeholder', mutate((d) => (nodeAt(d, 'hook').action.url = '{{event.url}}')), [['nodes[2].action.url', /absolute/]]],
      ['a url with a placeholder host', mutate((d) => (nodeAt(d, 'hook').action.url = 'https://{{profile.host}}/x')), [['nodes[2].action.url', /host/]]],
      ['a url with an unclosed placeholder', mutate((d) => (nodeAt(d, 'hook').action.url = 'https://h.example/{{profile.id')), [['nodes[2].action.url', /unclosed/]]],
      ['timeoutMs 0', mutate((d) => (nodeAt(d, 'hook').action.timeoutMs = 0)), [['nodes[2].action.timeoutMs', />= 1 and <= 30000/]]],
      ['timeoutMs over 30 s', mutate((d) => (nodeAt(d, 'hook').action.timeoutMs = 30_001)), [['nodes[2].action.timeoutMs', /<= 30000/]]],
      ['retries 6', mutate((d) => (nodeAt(d, 'hook').action.retries = 6)), [['nodes[2].action.retries', /<= 5/]]],
      ['retries 1.5', mutate((d) => (nodeAt(d, 'hook').action.retries = 1.5)), [['nodes[2].action.retries', /integer/]]],
      ['ratePerSecond 0', mutate((d) => (nodeAt(d, 'hook').action.ratePerSecond = 0)), [['nodes[2].action.ratePerSecond', /> 0/]]],
      ['a bad header name', mutate((d) => (nodeAt(d, 'hook').action.headers = { 'bad header': 'x', ok: 1 })), [['nodes[2].action.headers.bad header', /header name/], ['nodes[2].action.headers.ok', /string/]]],
      ['an unknown auth type', mutate((d) => (nodeAt(d, 'hook').action.auth = { type: 'oauth' })), [['nodes[2].action.auth.type', /none, basic/]]],
      ['basic auth with no password', mutate((d) => (nodeAt(d, 'hook').action.auth = { type: 'basic', username: 'u' })), [['nodes[2].action.auth.password', /required/]]],
      ['an email from no address', mutate((d) => (nodeAt(d, 'mail').action.from = 'shop')), [['nodes[6].action.from', /email address/]]],
      ['an email with an empty subject', mutate((d) => (nodeAt(d, 'mail').action.subject = ' ')), [['nodes[6].action.subject', /empty/]]],
      ['an email with no from', mutate((d) => delete nodeAt(d, 'mail').action.from), [['nodes[6].action.from', /required/]]],
      ['an email subject with an unclosed placeholder (the runner would refuse it)', mutate((d) => (nodeAt(d, 'mail').action.subject = 'Hi {{profile.x')), [['nodes[6].action', /subject: .*unclosed/]]],
      ['an email without text or html', mutate((d) => { delete nodeAt(d, 'mail').action.text; delete nodeAt(d, 'mail').action.html; }), [['nodes[6].action', /text or html/]]],
      ['an http body with an unclosed placeholder', mutate((d) => (nodeAt(d, 'hook').action.body = '{"a":"{{profile.x"}')), [['nodes[2].action', /body: .*unclosed/]]],
      ['updateProfile with an empty set', mutate((d) => (nodeAt(d, 'mark').action.set = {})), [['nodes[7].action.set', /non-empty/]]],
      ['updateProfile of _id', mutate((d) => (nodeAt(d, 'mark').action.set = { _id: 'x', 'identityMap.Email': 'y' })), [['nodes[7].action.set._id', /not writable/], ['nodes[7].action.set.identityMap.Email', /not writable/]]],
      ['updateProfile of an empty path segment', mutate((d) => (nodeAt(d, 'mark').action.set = { 'a..b': 1 })), [['nodes[7].action.set.a..b', /dot-separated/]]],
      ['updateProfile of an object value', mutate((d) => (nodeAt(d, 'mark').action.set = { a: { b: 1 } })), [['nodes[7].action.set.a', /string, number/]]],
      ['a jump with no journey', mutate((d) => (nodeAt(d, 'other').journeyId = '')), [['nodes[5].journeyId', /empty/]]],
      ['exit criteria with a duplicate id', mutate((d) => (d.exitCriteria[1].id = 'unsub')), [['exitCriteria[1].id', /also the id of exitCriteria\[0\]/]]],
      ['exit criteria with a bad type', mutate((d) => (d.exitCriteria[0].type = 'timer')), [['exitCriteria[0].type', /event/]]],
      ['an exit criterion condition that does not parse', mutate((d) => (d.exitCriteria[0].condition = '((')), [['exitCriteria[0].condition', /Invalid PQL/]]],
      ['exit criteria not an array', mutate((d) => (d.exitCriteria = {})), [['exitCriteria', /array/]]],
      ['re-entrance after 0 seconds', mutate((d) => (d.reentrance.waitSeconds = 0)), [['reentrance.waitSeconds', /> 0/]]],
      ['re-entrance with no wait', mutate((d) => delete d.reentrance.waitSeconds), [['reentrance.waitSeconds', /required/]]],
      ['an unknown re-entrance mode', mutate((d) => (d.reentrance = { mode: 'always' })), [['reentrance.mode', /none/]]],
      ['instanceTimeoutSeconds negative', mutate((d) => (d.instanceTimeoutSeconds = -1)), [['instanceTimeoutSeconds', /> 0/]]],
      ['too many nodes', simple(Array.from({ length: 501 }, (_, i): JourneyNode => ({ id: `n${i}`, type: 'end' }))), [['nodes', /at most 500/], ['entry.next', /no node/]]],
    ];
    for (const [name, def, expected] of cases)
      it(`reports ${name}`, () => {
        const got = validateDefinition(def);
        assert.equal(got.length, expected.length, `${name}: ${JSON.stringify(got)}`);
        for (const [i, [path, message]] of expected.entries()) {
          assert.equal(got[i]!.path, path, `${name}: ${JSON.stringify(got)}`);
          assert.match(got[i]!.message, message, `${name}: ${JSON.stringify(got)}`);
        }
      });

    it('reports every problem of a definition at once, never throwing on odd values', () => {
      const bad = { name: '', entry: { type: 'event', namespace: 1, next: 'z' }, nodes: [{ id: 'a', type: 'wait', seconds: -1, next: 'a' }, { id: 'a', type: 'jump' }], exitCriteria: [null], reentrance: 'x' };
      const got = validateDefinition(bad);
      const paths = got.map((x) => x.path);
      for (const p of ['name', 'entry.namespace', 'entry.eventType', 'entry.next', 'nodes[0].seconds', 'nodes[1].id', 'nodes[1].journeyId', 'exitCriteria[0]', 'reentrance']) assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
      for (const odd of [undefined, 0, true, { nodes: [null, 1, 'x', []] }, { entry: [], nodes: [{ type: 'action', action: [] }] }, { nodes: [{ id: 'a', type: 'condition', branches: [null, 1] }] }])
        assert.ok(validateDefinition(odd).length > 0);
    });

    it('a PQL problem carries its code', () => {
      const got = validateDefinition(mutate((d) => (d.entry.condition = 'a ==')));
      assert.equal(got[0]!.code, 'PQL-SYNTAX');
    });
  });

  it('invalidDefinition is a 400 listing every problem', () => {
    const problems: DefinitionProblem[] = Array.from({ length: 25 }, (_, i) => ({ path: `nodes[${i}]`, message: 'bad' }));
    const p = invalidDefinition(problems);
    assert.equal(p.status, 400);
    assert.equal((p.body.problems as unknown[]).length, 25);
    assert.match(String(p.body.detail), /25 problems: nodes\[0\]: bad; .* and 5 more$/);
  });

  it('urlProblem ignores placeholders outside the host', () => {
    const cases: Array<[string, boolean]> = [
      ['https://a.example/{{profile.x}}/y?z={{event.q}}', true],
      ['http://127.0.0.1:9/{{a}}', true],
      ['https://a.example/{{}}', false],
      ['https://a.example/{{a}}}}', false],
      ['mailto:a@b.c', false],
      ['https://user{{x}}@a.example/', false],
    ];
    for (const [url, good] of cases) assert.equal(urlProblem(url) === undefined, good, url);
  });
});
