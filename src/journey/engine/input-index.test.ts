import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildIndex, type LiveVersion } from './input-index.js';
import { journeyOf, versionOf } from './testing/fixtures.js';

const lv = (id: string, status: 'live' | 'finished', nodes: Parameters<typeof versionOf>[1]): LiveVersion => ({ journey: journeyOf(id), version: versionOf(id, nodes, { status }) });

const live = lv('a', 'live', { nodes: [{ id: 'w', type: 'waitForEvent', eventType: 'opened', timeoutSeconds: 60, next: 'end' }, { id: 'end', type: 'end' }] });
const finished = lv('b', 'finished', {
  entry: { type: 'event', eventType: 'bought', namespace: 'ECID', next: 'w' },
  nodes: [{ id: 'w', type: 'waitForEvent', eventType: 'clicked', timeoutSeconds: 60, next: 'end' }, { id: 'end', type: 'end' }],
  exitCriteria: [{ id: 'x', type: 'audienceExit', segmentId: 'seg-1' }],
});

describe('input index', () => {
  const ix = buildIndex([live], [live, finished]);
  const cases: Array<{ name: string; got: () => unknown; want: unknown }> = [
    { name: 'a live version enters on its event', got: () => ix.eventEntries.get('signup')?.map((v) => v.journey.id), want: ['a'] },
    { name: 'a finished version takes no entrants', got: () => ix.eventEntries.get('bought'), want: undefined },
    { name: "a finished version's instances still get the event they wait for", got: () => [...(ix.eventNamespaces.get('clicked') ?? [])], want: ['ecid'] },
    { name: "a finished version's audience exit still counts", got: () => [...(ix.audienceNamespaces.get('seg-1') ?? [])], want: ['ecid'] },
    { name: 'a live wait is indexed under its entry namespace', got: () => [...(ix.eventNamespaces.get('opened') ?? [])], want: ['email'] },
    { name: 'no condition reads past events: person reads skip them', got: () => ix.readsHistory, want: false },
    {
      name: 'a condition over xEvent makes person reads include past events',
      got: () => buildIndex([lv('c', 'live', { nodes: [{ id: 'c', type: 'condition', branches: [{ condition: 'xEvent[eventType = "x"].count() > 1', next: 'end' }] }, { id: 'end', type: 'end' }] })]).readsHistory,
      want: true,
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(c.got(), c.want));

  describe('invalid input', () => {
    it('no versions, and a version without an entry, index nothing', () => {
      const empty = buildIndex([]);
      assert.equal(empty.eventEntries.size + empty.eventNamespaces.size + empty.audienceEntries.size + empty.audienceNamespaces.size, 0);
      const broken = { ...live, version: { ...live.version, definition: { ...live.version.definition, entry: undefined as never } } };
      const ix2 = buildIndex([broken], [broken]);
      assert.equal(ix2.eventEntries.size + ix2.eventNamespaces.size, 0);
    });
  });
});
