import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../store/sqlite/open.js';
import { SqliteResourceStore } from '../../store/sqlite/sqlite-resource-store.js';
import { PgResourceStore } from '../../store/postgres/pg-resource-store.js';
import { pgFreshSchemas } from '../../store/postgres/testing/pg-test-schema.js';
import type { ResourceStore } from '../../store/resource-store.js';
import { ManualClock } from '../../shared/clock.js';
import { DEFINITION_KIND } from '../../segment/segment-types.js';
import type { Problem } from '../../shared/problem.js';
import type { Result } from '../../shared/result.js';
import type { JourneyDefinition } from '../journey-types.js';
import { JOURNEY_KIND, JourneyService, type JourneyRuntimeNotices } from './journey-service.js';
import { ResourceJourneyDefinitions } from './journey-definitions.js';
import { fullDefinition } from './testing/journey-fixtures.js';

const SB = 'sb-1';
const OTHER = 'sb-2';

/** The runtime seam (not storage): records what the service told the engine. */
class RecordingRuntime implements JourneyRuntimeNotices {
  changed: string[] = [];
  stopped: string[] = [];
  failStop = false;
  async definitionsChanged(sandboxId: string): Promise<void> {
    this.changed.push(sandboxId);
  }
  async stopVersion(_sandboxId: string, versionId: string): Promise<{ ended: number }> {
    if (this.failStop) throw new Error('processor restarting');
    this.stopped.push(versionId);
    return { ended: 3 };
  }
}

const small = (name: string, extra: Partial<JourneyDefinition> = {}): JourneyDefinition => ({
  name,
  entry: { type: 'event', eventType: 'web.signup', namespace: 'Email', next: 'done' },
  nodes: [{ id: 'done', type: 'end' }],
  ...extra,
});
const value = <T>(r: Result<T, Problem>): T => {
  if (!r.ok) assert.fail(`expected ok, got ${r.error.status} ${JSON.stringify(r.error.body)}`);
  return r.value;
};
const status = (r: Result<unknown, Problem>): number => (r.ok ? 200 : r.error.status);

const pg = pgFreshSchemas('journeys');
const stores: Array<{ name: string; open: () => Promise<{ store: ResourceStore; close: () => Promise<void> }> }> = [
  {
    name: 'SQLite',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kith-journeys-'));
      const store = new SqliteResourceStore(openSqlite(dir, 'control'));
      return { store, close: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) };
    },
  },
  { name: 'PostgreSQL', open: async () => ({ store: await PgResourceStore.open({ pool: pg.pool, schema: await pg.fresh() }), close: async () => undefined }) },
];

for (const backend of stores) {
  describe(`JourneyService (on a ${backend.name} ResourceStore)`, () => {
    let store: ResourceStore;
    let close: () => Promise<void>;
    let clock: ManualClock;
    let runtime: RecordingRuntime;
    let svc: JourneyService;
    before(async () => {
      ({ store, close } = await backend.open());
    });
    after(() => close());
    let n = 0;
    beforeEach(() => {
      clock = new ManualClock(Date.UTC(2026, 0, 1));
      runtime = new RecordingRuntime();
      svc = new JourneyService(store, clock, runtime);
      n++;
    });
    const uniq = (s: string) => `${s} ${n}`;

    it('creates a journey with its draft 1.0, gets and lists it', async () => {
      const { journey, version } = value(await svc.create(SB, fullDefinition(), 'me@AdobeID'));
      assert.equal(version.version, '1.0');
      assert.equal(version.status, 'draft');
      assert.deepEqual(version.definition, fullDefinition());
      assert.deepEqual([journey.name, journey.sandboxId, journey.draftVersionId, journey.liveVersionId, journey.versionIds, journey.createdBy, journey.createdAt], ['Welcome', SB, version.id, undefined, [version.id], 'me@AdobeID', clock.now()]);
      const got = value(await svc.get(SB, journey.id));
      assert.deepEqual(got.journey, journey);
      assert.deepEqual(got.versions.map((v) => [v.version, v.status, v.name]), [['1.0', 'draft', 'Welcome']]);
      assert.equal('definition' in got.versions[0]!, false);
      assert.deepEqual(value(await svc.getVersion(SB, journey.id, version.id)), version);
      const list = value(await svc.list(SB, { name: 'welc' }));
      assert.deepEqual(list.children.map((j) => j.id), [journey.id]);
      assert.equal(status(await svc.get(OTHER, journey.id)), 404, 'another sandbox does not see it');
    });

    it('keeps names unique per sandbox, case-insensitively', async () => {
      value(await svc.create(SB, small(uniq('Dup'))));
      const again = await svc.create(SB, small(uniq('dup').toUpperCase()));
      assert.equal(status(again), 409);
      value(await svc.create(OTHER, small(uniq('Dup'))));
      // a rename of a draft to a taken name is refused too
      const b = value(await svc.create(SB, small(uniq('Other'))));
      assert.equal(status(await svc.updateDraft(SB, b.journey.id, b.version.id, small(uniq('DUP')))), 409);
    });

    it('pages, filters and sorts the list', async () => {
      const sb = `sb-list-${n}`;
      for (const name of ['b', 'a', 'c']) {
        value(await svc.create(sb, small(`Journey ${name}`)));
        clock.advance(1000);
      }
      const page1 = value(await svc.list(sb, { limit: 2 }));
      assert.deepEqual(page1.children.map((j) => j.name), ['Journey c', 'Journey a']);
      assert.deepEqual(page1._page, { totalCount: 3, pageSize: 2, start: 0, limit: 2 });
      assert.equal(page1._links.next?.href, '/ajo/journeys?start=2&limit=2');
      const page2 = value(await svc.list(sb, { start: 2, limit: 2 }));
      assert.deepEqual(page2.children.map((j) => j.name), ['Journey b']);
      assert.deepEqual(page2._links, {});
      assert.deepEqual(value(await svc.list(sb, { sort: 'name:asc' })).children.map((j) => j.name), ['Journey a', 'Journey b', 'Journey c']);
      assert.deepEqual(value(await svc.list(sb, { name: 'NEY B' })).children.map((j) => j.name), ['Journey b']);
    });

    it('versions: edit the draft, publish it, a live version is read-only, a new version copies it, publishing it finishes the old one', async () => {
      const { journey, version: v1 } = value(await svc.create(SB, small(uniq('Lifecycle'))));
      clock.advance(10);
      const edited = value(await svc.updateDraft(SB, journey.id, v1.id, small(uniq('Lifecycle'), { description: 'edited' })));
      assert.equal(edited.definition.description, 'edited');
      assert.equal(edited.updatedAt, clock.now());

      const p1 = value(await svc.publish(SB, journey.id, v1.id));
      assert.equal(p1.version.status, 'live');
      assert.equal(p1.version.publishedAt, clock.now());
      assert.equal(p1.journey.liveVersionId, v1.id);
      assert.equal(p1.journey.draftVersionId, undefined);
      assert.equal(p1.finished, undefined);
      assert.deepEqual(runtime.changed, [SB, SB, SB], 'the engine is told of every write (create, edit, publish)');

      const live = await svc.updateDraft(SB, journey.id, v1.id, small(uniq('Lifecycle')));
      assert.equal(status(live), 409);
      assert.match(String((live as { error: Problem }).error.body.detail), /only a draft can be edited/);
      assert.equal(status(await svc.publish(SB, journey.id, v1.id)), 409, 'a live version is not published again');

      const { version: v2 } = value(await svc.newVersion(SB, journey.id));
      assert.equal(v2.version, '2.0');
      assert.equal(v2.status, 'draft');
      assert.deepEqual(v2.definition, edited.definition, 'the draft copies the live version');
      assert.equal(status(await svc.newVersion(SB, journey.id)), 409, 'one draft per journey');
      value(await svc.updateDraft(SB, journey.id, v2.id, small(uniq('Lifecycle 2'))));

      const p2 = value(await svc.publish(SB, journey.id, v2.id));
      assert.equal(p2.finished?.id, v1.id);
      assert.equal(p2.finished?.status, 'finished');
      assert.equal(p2.journey.liveVersionId, v2.id);
      assert.equal(p2.journey.name, uniq('Lifecycle 2'));
      const versions = value(await svc.versions(SB, journey.id));
      assert.deepEqual(versions.map((v) => [v.version, v.status]), [['1.0', 'finished'], ['2.0', 'live']]);
      assert.equal(versions.filter((v) => v.status === 'live').length, 1, 'one live version per journey');

      // a new version with a body of its own
      const { version: v3 } = value(await svc.newVersion(SB, journey.id, small(uniq('Lifecycle 3'))));
      assert.deepEqual([v3.version, v3.definition.name], ['3.0', uniq('Lifecycle 3')]);
    });

    it('publishing checks what the definition refers to: every problem in one 400', async () => {
      const target = value(await svc.create(SB, small(uniq('Target'))));
      const def: JourneyDefinition = {
        ...small(uniq('Refs')),
        entry: { type: 'audienceQualification', segmentId: 'no-such-segment', status: 'realized', namespace: 'Email', next: 'j' },
        nodes: [{ id: 'j', type: 'condition', branches: [{ condition: 'a = 1', next: 'ok' }], otherwise: 'bad' }, { id: 'ok', type: 'jump', journeyId: target.journey.id }, { id: 'bad', type: 'jump', journeyId: 'no-such-journey' }],
        exitCriteria: [{ id: 'x', type: 'audienceExit', segmentId: 'gone' }],
      };
      const { journey, version } = value(await svc.create(SB, def));
      runtime.changed = [];
      const r = await svc.publish(SB, journey.id, version.id);
      assert.equal(status(r), 400);
      const body = (r as { error: Problem }).error.body;
      assert.deepEqual(body.problems, [
        { path: 'nodes[2].journeyId', message: 'no journey no-such-journey in this sandbox' },
        { path: 'entry.segmentId', message: 'no audience no-such-segment in this sandbox' },
        { path: 'exitCriteria[0].segmentId', message: 'no audience gone in this sandbox' },
      ]);
      assert.deepEqual(runtime.changed, [], 'nothing published');
      assert.equal(value(await svc.getVersion(SB, journey.id, version.id)).status, 'draft');

      // once they exist (the target only as a draft: existence is enough), it publishes
      await store.put(DEFINITION_KIND, SB, 'no-such-segment', { id: 'no-such-segment' });
      await store.put(DEFINITION_KIND, SB, 'gone', { id: 'gone' });
      const fixed = value(await svc.updateDraft(SB, journey.id, version.id, { ...def, nodes: [def.nodes[0]!, def.nodes[1]!, { id: 'bad', type: 'end' }] }));
      assert.equal(value(await svc.publish(SB, journey.id, fixed.id)).version.status, 'live');
    });

    it('a journey cannot jump to itself', async () => {
      const { journey, version } = value(await svc.create(SB, small(uniq('Self'))));
      const r = await svc.updateDraft(SB, journey.id, version.id, small(uniq('Self'), { nodes: [{ id: 'j', type: 'jump', journeyId: journey.id }], entry: { type: 'event', eventType: 'x', namespace: 'Email', next: 'j' } }));
      assert.equal(status(r), 400);
      assert.deepEqual((r as { error: Problem }).error.body.problems, [{ path: 'nodes[0].journeyId', message: 'a journey cannot jump to itself' }]);
    });

    it('stop: live → stopped, the engine ends its instances; a stopped version stops again (a retry); a draft does not', async () => {
      const { journey, version } = value(await svc.create(SB, small(uniq('Stop'))));
      assert.equal(status(await svc.stop(SB, journey.id, version.id)), 409, 'a draft is not stopped');
      value(await svc.publish(SB, journey.id, version.id));
      clock.advance(5);
      const s = value(await svc.stop(SB, journey.id, version.id));
      assert.deepEqual([s.version.status, s.version.stoppedAt, s.ended, s.journey.liveVersionId], ['stopped', clock.now(), 3, undefined]);
      assert.deepEqual(runtime.stopped, [version.id]);
      runtime.failStop = true;
      const failed = await svc.stop(SB, journey.id, version.id);
      assert.equal(status(failed), 503, 'the engine did not answer: say so, the retry is the same call');
      runtime.failStop = false;
      assert.equal(value(await svc.stop(SB, journey.id, version.id)).ended, 3);
      // a stopped journey gets a new draft copied from its latest version
      const { version: v2 } = value(await svc.newVersion(SB, journey.id));
      assert.equal(v2.version, '2.0');
    });

    it('stopping a finished version ends what still runs on it', async () => {
      const { journey, version: v1 } = value(await svc.create(SB, small(uniq('Finished'))));
      value(await svc.publish(SB, journey.id, v1.id));
      const { version: v2 } = value(await svc.newVersion(SB, journey.id));
      value(await svc.publish(SB, journey.id, v2.id));
      const s = value(await svc.stop(SB, journey.id, v1.id));
      assert.equal(s.version.status, 'stopped');
      assert.equal(s.journey.liveVersionId, v2.id, 'the live version stays live');
    });

    it('delete rules: only drafts; the only draft of a journey never published takes the journey; a journey with a live version stays', async () => {
      const lone = value(await svc.create(SB, small(uniq('Lone'))));
      assert.deepEqual(value(await svc.deleteVersion(SB, lone.journey.id, lone.version.id)), { journeyId: lone.journey.id, versionId: lone.version.id, journeyDeleted: true });
      assert.equal(status(await svc.get(SB, lone.journey.id)), 404);
      value(await svc.create(SB, small(uniq('Lone')))); // its name is free again

      const { journey, version: v1 } = value(await svc.create(SB, small(uniq('Kept'))));
      value(await svc.publish(SB, journey.id, v1.id));
      assert.equal(status(await svc.deleteVersion(SB, journey.id, v1.id)), 409, 'a live version is not deleted');
      const { version: v2 } = value(await svc.newVersion(SB, journey.id, small(uniq('Kept renamed'))));
      assert.equal(value(await svc.get(SB, journey.id)).journey.name, uniq('Kept renamed'));
      assert.equal(value(await svc.deleteVersion(SB, journey.id, v2.id)).journeyDeleted, false);
      const after = value(await svc.get(SB, journey.id)).journey;
      assert.deepEqual([after.versionIds, after.draftVersionId, after.name], [[v1.id], undefined, uniq('Kept')], 'the name goes back to the remaining version');

      assert.equal(status(await svc.deleteJourney(SB, journey.id)), 409, 'a journey with a live version is not deleted');
      value(await svc.stop(SB, journey.id, v1.id));
      assert.deepEqual(value(await svc.deleteJourney(SB, journey.id)), { journeyId: journey.id, versionsDeleted: 1 });
      assert.equal(status(await svc.get(SB, journey.id)), 404);
      assert.equal(status(await svc.getVersion(SB, journey.id, v1.id)), 404);
    });

    it('deleting a journey ends the instances of its finished versions first', async () => {
      const { journey, version: v1 } = value(await svc.create(SB, small(uniq('Gone'))));
      value(await svc.publish(SB, journey.id, v1.id));
      const { version: v2 } = value(await svc.newVersion(SB, journey.id));
      value(await svc.publish(SB, journey.id, v2.id));
      value(await svc.stop(SB, journey.id, v2.id));
      runtime.stopped = [];
      runtime.failStop = true;
      assert.equal(status(await svc.deleteJourney(SB, journey.id)), 503);
      assert.equal(status(await svc.get(SB, journey.id)), 200, 'nothing deleted while the engine did not answer');
      runtime.failStop = false;
      assert.equal(value(await svc.deleteJourney(SB, journey.id)).versionsDeleted, 2);
      assert.deepEqual(runtime.stopped, [v1.id]);
    });

    it('two writers (two processes) on one journey: one wins, the other is a 409', async () => {
      const { journey } = value(await svc.create(SB, small(uniq('Race'))));
      value(await svc.publish(SB, journey.id, journey.draftVersionId!));
      const other = new JourneyService(store, clock, runtime);
      const results = await Promise.all([svc.newVersion(SB, journey.id), other.newVersion(SB, journey.id)]);
      assert.deepEqual(results.map(status).sort(), [200, 409]);
      assert.equal(value(await svc.versions(SB, journey.id)).length, 2);
    });

    it('another process reading the journey right after a new draft was named in it finds that draft (409, not a second draft)', async () => {
      const { journey } = value(await svc.create(SB, small(uniq('Race2'))));
      value(await svc.publish(SB, journey.id, journey.draftVersionId!));
      // the real store; the other process runs whole between the first one's writes of the journey document
      let other: Result<unknown, Problem> | undefined;
      const between: ResourceStore = {
        get: (...a) => store.get(...a),
        getByUniqueKey: (...a) => store.getByUniqueKey(...a),
        list: (...a) => store.list(...a),
        delete: (...a) => store.delete(...a),
        close: () => store.close(),
        put: async (kind, scope, id, doc, opts) => {
          const r = await store.put(kind, scope, id, doc, opts);
          if (kind === JOURNEY_KIND && other === undefined) other = await new JourneyService(store, clock, runtime).newVersion(SB, journey.id);
          return r;
        },
      };
      const first = await new JourneyService(between, clock, runtime).newVersion(SB, journey.id);
      assert.equal(status(first), 200);
      assert.equal(other && status(other), 409);
      assert.equal(value(await svc.versions(SB, journey.id)).filter((v) => v.status === 'draft').length, 1);
    });

    it('ResourceJourneyDefinitions: the live versions of a sandbox, any version, the live one of a journey; cached until invalidated', async () => {
      const sb = `sb-defs-${n}`;
      const defs = new ResourceJourneyDefinitions(store);
      assert.deepEqual(await defs.live(sb), []);
      const a = value(await svc.create(sb, small('A')));
      const b = value(await svc.create(sb, small('B')));
      value(await svc.publish(sb, a.journey.id, a.version.id));
      assert.deepEqual(await defs.live(sb), [], 'cached');
      defs.invalidate(sb);
      const live = await defs.live(sb);
      assert.deepEqual(live.map((x) => [x.journey.id, x.version.id, x.version.status]), [[a.journey.id, a.version.id, 'live']]);
      assert.equal((await defs.liveOf(sb, a.journey.id))?.version.id, a.version.id);
      assert.equal(await defs.liveOf(sb, b.journey.id), undefined, 'a draft is not live');
      assert.equal((await defs.version(sb, b.version.id))?.version.status, 'draft');
      value(await svc.updateDraft(sb, b.journey.id, b.version.id, small('B', { description: 'edited' })));
      assert.equal((await defs.version(sb, b.version.id))?.version.definition.description, 'edited', 'a draft is read as it is now');
      // a version made after the snapshot is read from the store
      const { version: a2 } = value(await svc.newVersion(sb, a.journey.id));
      assert.equal((await defs.version(sb, a2.id))?.journey.id, a.journey.id);
      assert.equal(await defs.version(sb, 'nope'), undefined);
      assert.equal(await defs.version(OTHER, a.version.id), undefined, 'sandboxes do not mix');
      // a half-written publish (the journey names a live version still stored as a draft) is not live
      await store.put(JOURNEY_KIND, sb, b.journey.id, { ...b.journey, liveVersionId: b.version.id });
      defs.invalidate(sb);
      assert.deepEqual((await defs.live(sb)).map((x) => x.journey.id), [a.journey.id]);
    });

    describe('invalid input', () => {
      it('answers 400 with every problem, 404 for unknown ids, 409 for wrong states', async () => {
        const { journey, version } = value(await svc.create(SB, small(uniq('Inputs'))));
        const published = value(await svc.create(SB, small(uniq('Inputs published'))));
        value(await svc.publish(SB, published.journey.id, published.version.id));
        const cases: Array<[string, () => Promise<Result<unknown, Problem>>, number, RegExp]> = [
          ['create with a non-object', () => svc.create(SB, 'x'), 400, /JSON object/],
          ['create with null', () => svc.create(SB, null), 400, /JSON object/],
          ['create with a cycle', () => svc.create(SB, { ...small('c'), nodes: [{ id: 'done', type: 'wait', seconds: 1, next: 'done' }] }), 400, /cycle/],
          ['create with bad PQL', () => svc.create(SB, { ...small('p'), entry: { type: 'event', eventType: 'x', namespace: 'E', next: 'done', condition: 'a = ' } }), 400, /Invalid PQL/],
          ['update with a bad definition', () => svc.updateDraft(SB, journey.id, version.id, { name: '' }), 400, /name: must not be empty/],
          ['a new version while a draft exists', () => svc.newVersion(SB, journey.id, small('x')), 409, /already has a draft/],
          ['a new version with a bad definition', () => svc.newVersion(SB, published.journey.id, { nodes: 1 }), 400, /problems/],
          ['list with an unknown sort field', () => svc.list(SB, { sort: 'size' }), 400, /sort/],
          ['list with a bad direction', () => svc.list(SB, { sort: 'name:up' }), 400, /sort/],
          ['get an unknown journey', () => svc.get(SB, 'nope'), 404, /Journey nope not found/],
          ['versions of an unknown journey', () => svc.versions(SB, 'nope'), 404, /not found/],
          ['an unknown version', () => svc.getVersion(SB, journey.id, 'nope'), 404, /has no version nope/],
          ['a version of an unknown journey', () => svc.getVersion(SB, 'nope', version.id), 404, /Journey nope not found/],
          ['update an unknown version', () => svc.updateDraft(SB, journey.id, 'nope', small('x')), 404, /no version/],
          ['publish an unknown version', () => svc.publish(SB, journey.id, 'nope'), 404, /no version/],
          ['publish in another sandbox', () => svc.publish(OTHER, journey.id, version.id), 404, /not found/],
          ['stop an unknown journey', () => svc.stop(SB, 'nope', version.id), 404, /not found/],
          ['delete an unknown version', () => svc.deleteVersion(SB, journey.id, 'nope'), 404, /no version/],
          ['delete an unknown journey', () => svc.deleteJourney(SB, 'nope'), 404, /not found/],
          ['a new version of an unknown journey', () => svc.newVersion(SB, 'nope'), 404, /not found/],
        ];
        for (const [name, call, want, detail] of cases) {
          const r = await call();
          assert.equal(status(r), want, name);
          assert.match(String((r as { error: Problem }).error.body.detail), detail, name);
        }
        const bad = await svc.create(SB, { name: '', entry: {}, nodes: [] });
        assert.deepEqual((bad as { error: Problem }).error.body.problems, [
          { path: 'name', message: 'must not be empty' },
          { path: 'nodes', message: 'a journey needs at least one node' },
          { path: 'entry.namespace', message: 'is required' },
          { path: 'entry.next', message: 'is required' },
          { path: 'entry.type', message: 'must be one of event, audienceQualification, readAudience' },
        ]);
      });
    });
  });
}
