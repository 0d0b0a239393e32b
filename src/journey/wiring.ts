import type { Clock } from '../shared/clock.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { Lake } from '../lake/lake.js';
import type { CatalogService } from '../catalog/catalog-service.js';
import type { ProfileService } from '../profile/profile-service.js';
import type { ComputedAttributeService } from '../profile/computed-attributes.js';
import type { MembershipReader } from '../segment/membership-view.js';
import type { AcceptedRecord } from '../ingest/processor/processor-ports.js';
import { ok, err } from '../shared/result.js';
import type { JourneyRuntimeApi } from './journey-ports.js';
import type { JourneyStore } from './store/journey-store.js';
import { ResourceJourneyDefinitions } from './definition/journey-definitions.js';
import { ProfilePersonReader, sandboxDirectory } from './person-reader.js';
import { ProfileUpdates } from './profile-updates.js';
import { JourneyActionRunner } from './actions/action-runner.js';
import { JourneyEngine } from './engine/runner.js';
import { StepEventFlusher, type StepEventProfileWriter } from './step-events/step-event-flusher.js';
import { readJourneySystemDatasets } from './step-events/journey-system-datasets.js';
import { AudienceEventFeed } from './audience-feed.js';
import { AudienceReads } from './audience-reads.js';
import { JourneyReports } from './reports.js';

export interface JourneyContextDeps {
  store: JourneyStore;
  resources: ResourceStore;
  catalog: CatalogService;
  clock: Clock;
  lake: Lake;
  profiles: ProfileService;
  computedAttributes: ComputedAttributeService;
  memberships: MembershipReader;
  /** The sandbox's "Audience Membership Events" table (segmentation's system datasets), if provisioned. */
  audienceTableOf: (sandboxId: string) => Promise<string | undefined>;
  /** Every sandbox at start (those with journeys are found among them; a new one arrives with definitionsChanged). */
  sandboxIds: readonly string[];
  onError: (e: unknown) => void;
  /** KithConfig `smtpUrl` (`--smtp-url`, `KITH_SMTP_URL`): where email actions go. */
  smtpUrl?: string;
  /** How often due waits, audience transitions and scheduled reads are looked at (default 200 ms; a manual clock's tests pass 0 and drive `drain`). */
  tickMs?: number;
}

export interface JourneyContext {
  engine: JourneyEngine;
  /** Served to the API thread as `journeys`. */
  api: JourneyRuntimeApi;
  /** The processor's records after the profile step: ExperienceEvents go to the journeys that care. */
  feed(records: readonly AcceptedRecord[]): Promise<void>;
  /** Until nothing is left to do now (tests): audience transitions read, scheduled reads run, the engine idle, steps in the lake. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Journeys on the processor thread: the engine over its store, fed by the pipeline's events, the audience-event
 * table and scheduled audience reads; its step events copied to the lake; reports read back from there.
 */
export async function createJourneyContext(d: JourneyContextDeps): Promise<JourneyContext> {
  const definitions = new ResourceJourneyDefinitions(d.resources);
  const people = new ProfilePersonReader(d.profiles, d.computedAttributes, sandboxDirectory(d.resources, d.clock));
  const system = (sandboxId: string) => readJourneySystemDatasets(d.resources, sandboxId);
  const profileUpdates = new ProfileUpdates(d.profiles, d.lake, async (sb) => {
    const s = await system(sb);
    return s?.profileUpdateDatasetId && s.profileUpdateTable ? { datasetId: s.profileUpdateDatasetId, table: s.profileUpdateTable } : undefined;
  }, d.clock);
  const actions = new JourneyActionRunner({ clock: d.clock, profileUpdates, ...(d.smtpUrl ? { smtpUrl: d.smtpUrl } : {}) });
  const engine = new JourneyEngine({ store: d.store, definitions, people, actions, clock: d.clock, onError: (e) => d.onError(e), options: { tickMs: d.tickMs || 200 } });
  // a user who enables Profile on the step profile-event dataset sees the steps among the person's events
  const profileWriter: StepEventProfileWriter = {
    enabled: async (sb, datasetId) => {
      const ds = await d.catalog.getDataset(sb, datasetId);
      return ds !== undefined && d.catalog.isProfileEnabled(ds);
    },
    write: async (sb, datasetId, events) => {
      for (const event of events) {
        const idm = event.identityMap as Record<string, Array<{ id: string }>> | undefined;
        const [namespace, ids] = Object.entries(idm ?? {})[0] ?? [];
        if (!namespace || !ids?.[0]) continue;
        const r = await d.profiles.applyEvent(sb, { datasetId, batchId: 'journey-step-events', primary: { namespace, id: ids[0].id }, event });
        if (!r.ok) return err(String(r.error.body.detail ?? r.error.body.title ?? 'profile refused the step event'));
      }
      return ok(undefined);
    },
  };
  const flusher = new StepEventFlusher({ store: d.store, lake: d.lake, systemDatasets: system, versions: definitions, profileWriter, now: () => d.clock.now(), onError: d.onError });
  const audience = new AudienceEventFeed(d.lake, d.store, async (sb) => audienceTables.get(sb) ?? d.audienceTableOf(sb), async (sb, events) => void (await engine.feedAudienceEvents(sb, events)));
  const reads = new AudienceReads(definitions, d.store, d.memberships, (sb, j, v, run, members) => engine.startAudienceRead(sb, j, v, run, members), d.clock);
  const reports = new JourneyReports(d.lake, d.store, definitions, people, system, () => flusher.flush());

  // the sandboxes with journeys (the feeds and reads look at those only); a new one arrives with definitionsChanged
  const active = new Set<string>();
  for (const sb of d.sandboxIds) if ((await definitions.running(sb)).length > 0) active.add(sb);

  // audience transitions: the sandbox's table is read (on the lake's one connection, which the ingest path writes
  // through) only after the lake committed rows to it, and only for sandboxes whose journeys enter or exit on audiences
  const audienceTables = new Map<string, string>();
  const unread = new Set<string>(active);
  d.lake.onCommitted((tables) => {
    for (const t of tables) if (audienceTables.get(t.sandboxId) === t.table) unread.add(t.sandboxId);
  });
  const readsAudiences = async (sb: string) =>
    (await definitions.running(sb)).some(({ version: { definition: def } }) => def.entry.type === 'audienceQualification' || (def.exitCriteria ?? []).some((c) => c.type === 'audienceExit'));
  const background = async () => {
    for (const sb of active) {
      if (audienceTables.has(sb)) continue;
      // segmentation provisions its events table with the sandbox's first audience: until then nothing to read
      const table = await d.audienceTableOf(sb);
      if (table === undefined) continue;
      audienceTables.set(sb, table);
      unread.add(sb);
    }
    for (const sb of [...unread]) {
      unread.delete(sb);
      try {
        if (await readsAudiences(sb)) await audience.poll(sb);
      } catch (e) {
        unread.add(sb); // read again at the next tick
        throw e;
      }
    }
    await reads.runDue(active);
  };
  let ticking: Promise<void> | undefined;
  const tick = () => {
    ticking ??= background()
      .catch((e: unknown) => d.onError(e))
      .finally(() => (ticking = undefined));
    return ticking;
  };
  let timer: NodeJS.Timeout | undefined;
  if (d.tickMs !== 0) {
    engine.start();
    flusher.start(d.tickMs ?? 200);
    timer = setInterval(() => void tick(), Math.max(d.tickMs ?? 200, 200) * 2.5);
    timer.unref();
  }

  const api: JourneyRuntimeApi = {
    definitionsChanged: async (sb) => {
      active.add(sb);
      // a journey that now enters on an audience reads what the table holds after the cursor
      unread.add(sb);
      await engine.definitionsChanged(sb);
    },
    stopVersion: (sb, versionId) => engine.stopVersion(sb, versionId),
    test: async (sb, versionId, input) => {
      const r = await engine.test(sb, versionId, input);
      await flusher.flush();
      return r;
    },
    report: (sb, versionId, range) => reports.report(sb, versionId, range),
    personJourneys: (sb, identity) => reports.personJourneys(sb, identity),
  };

  return {
    engine,
    api,
    async feed(records) {
      const bySandbox = new Map<string, Array<Record<string, unknown>>>();
      for (const r of records) {
        if (!r.isEvent || !active.has(r.sandboxId)) continue;
        const list = bySandbox.get(r.sandboxId) ?? [];
        list.push(r.entity);
        bySandbox.set(r.sandboxId, list);
      }
      for (const [sb, events] of bySandbox) await engine.feedEvents(sb, events);
    },
    async drain() {
      for (let i = 0; i < 5; i++) {
        await tick();
        await engine.drain();
      }
      await flusher.flush();
    },
    async close() {
      if (timer) clearInterval(timer);
      await ticking;
      await engine.close();
      await flusher.close();
      actions.close();
    },
  };
}
