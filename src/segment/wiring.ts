import type { Clock } from '../shared/clock.js';
import type { ResourceStore } from '../store/resource-store.js';
import { ScheduleService } from './schedule/schedule-service.js';
import type { ProfileContext } from '../profile/wiring.js';
import type { LakeRow } from '../ingest/processor/processor-ports.js';
import type { SegmentStore } from './segment-store.js';
import { DefinitionService, type SandboxRef } from './definition-service.js';
import { MembershipWriter } from './membership-writer.js';
import { StoreMembershipSource } from './membership-view.js';
import { StreamingRuntime } from './streaming-runtime.js';
import { SegmentJobService, type BatchEvaluator } from './job-service.js';
import { PreviewService } from './preview-service.js';
import { AudienceService, type ExportTarget } from './audience-service.js';
import { AudienceCatalog } from './audience-catalog.js';
import { SegmentSearch } from './search/segment-search.js';
import { SegmentationApi } from './segmentation-api.js';

export const AUDIENCE_EVENTS_CONSUMER = 'segment-audience-events';
export const FALLBACK_EVENTS_TABLE = 'kith_audience_membership_events';

/** The lake as segmentation needs it: exactly-once appends by sequence number. */
export interface AudienceEventLake {
  progress(consumer: string): Promise<number>;
  write(consumer: string, upTo: number, rows: LakeRow[]): Promise<void>;
}

export interface SegmentContext {
  store: SegmentStore;
  definitions: DefinitionService;
  runtime: StreamingRuntime;
  jobs: SegmentJobService;
  previews: PreviewService;
  audiences: AudienceService;
  /** `/config/schedules`: batch jobs by cron (run by tick). */
  schedules: ScheduleService;
  /** The RPC facade the HTTP routes call (`segments.*`). */
  api: SegmentationApi;
  /** Re-evaluates due timers, flushes audience events to the lake and starts due scheduled jobs (also run by the internal ticker). */
  tick(): Promise<{ timers: number; events: number; scheduled: number }>;
  /** True when the last process did not stop cleanly: every profile of sandboxes with definitions is re-evaluated. */
  recovering: Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Builds segmentation over its store, downstream of the profile context (it subscribes to profile
 * changes). Runs with the profile in the processor (one writer). `tickMs` (default 500) drives timers and the
 * audience-event flush; 0 disables the ticker (tests call tick()).
 */
export function createSegmentContext(deps: {
  dataDir: string;
  resources: ResourceStore;
  clock: Clock;
  profile: ProfileContext;
  lake?: AudienceEventLake;
  exportTarget?: ExportTarget;
  batchSql?: BatchEvaluator;
  tickMs?: number;
  /** Profiles a preview/estimate reads at most (default 100,000; beyond, the estimate is scaled). */
  previewSampleSize?: number;
  /**
   * Runs before a new or changed definition's backfill reads the profile store (the segmentation worker makes sure
   * the processor forwards the sandbox's changes from then on: everything it skipped is in the store by then).
   */
  beforeBackfill?: (sandboxId: string) => Promise<void>;
  /** Segmentation's store (the caller's: left open by close() unless `ownsStore`). */
  store: SegmentStore;
  ownsStore?: boolean;
}): SegmentContext {
  const store = deps.store;
  const definitions = new DefinitionService(deps.resources, deps.clock);
  const writer = new MembershipWriter(store, deps.resources, deps.clock);
  // the profile shows memberships from this store (read on this thread; other threads use a MembershipReader)
  deps.profile.profiles.useMemberships(new StoreMembershipSource(store));
  const rdeps = { profiles: deps.profile.profiles, profileStore: deps.profile.store, computedAttributes: deps.profile.computedAttributes };
  const runtime = new StreamingRuntime({ store, definitions, writer, clock: deps.clock, ...rdeps });
  const unsubscribe = deps.profile.profiles.onProfileChange(runtime.onProfileChange);
  const jobs = new SegmentJobService(deps.resources, deps.clock, definitions, store, runtime, rdeps, deps.batchSql);
  const previews = new PreviewService(deps.resources, deps.clock, store, rdeps, deps.previewSampleSize);
  const audiences = new AudienceService(deps.resources, deps.clock, definitions, store, rdeps, deps.dataDir === ':memory:' ? '/tmp/kith-exports' : deps.dataDir, deps.exportTarget);

  /** Every profile of the sandbox evaluated again (after the worker makes sure the sandbox's changes reach it). */
  const reevaluateAll = async (sandboxId: string): Promise<void> => {
    await deps.beforeBackfill?.(sandboxId);
    await runtime.reevaluateAll(sandboxId);
  };

  // a new or changed definition: build its state from stored events, then evaluate every known profile
  definitions.onChange((sandboxId, c) => {
    const id = c.created ?? c.updated;
    // started at once (SQLite runs it before returning), failures reported as the runtime's
    if (c.deleted) store.dropSegment(sandboxId, c.deleted).catch((e) => runtime.onError(e));
    if (!id) return;
    store.rememberSandbox(sandboxId).catch((e) => runtime.onError(e));
    runtime.schedule(() => reevaluateAll(sandboxId));
  });

  // Recovery. Changes reach segmentation after the profile store committed them and are evaluated later (in this
  // thread or the segmentation worker): a crash in between would leave memberships behind their profiles. The store
  // is marked open while running; found open at start (the last process never closed it), every profile of every
  // sandbox with definitions is evaluated again, in the background, as for a new definition.
  const recovering = store.markOpen();
  runtime.schedule(async () => {
    if (!(await recovering)) return;
    for (const sandboxId of await store.activeSandboxes()) if ((await definitions.compiled(sandboxId)).length > 0) await reevaluateAll(sandboxId);
  });

  let flushing: Promise<number> | undefined;
  let trimmed: number | undefined;
  const flush = async (): Promise<number> => {
    if (!deps.lake) return 0;
    if (flushing) return flushing;
    flushing = (async () => {
      let total = 0;
      for (;;) {
        const done = await deps.lake!.progress(AUDIENCE_EVENTS_CONSUMER);
        const rows = await store.readOutbox(done, 5000);
        if (rows.length === 0) {
          // trim what the lake has, a slice at a time: one large delete held the thread for a while (a latency
          // spike of every membership waiting behind it), and its pages all reached the WAL at once
          trimmed ??= (await store.firstOutboxSeq()) - 1;
          if (done - trimmed >= 1000) {
            const upTo = Math.min(done, trimmed + 5000);
            await store.trimOutbox(upTo);
            trimmed = upTo;
          }
          return total;
        }
        const lakeRows: LakeRow[] = [];
        const systems = new Map<string, Awaited<ReturnType<typeof writer.system>>>();
        for (const r of rows) {
          if (!systems.has(r.sandboxId)) systems.set(r.sandboxId, await writer.system(r.sandboxId));
          const sys = systems.get(r.sandboxId);
          lakeRows.push({ sandboxId: r.sandboxId, table: sys?.eventsTable ?? FALLBACK_EVENTS_TABLE, id: r.id, timestamp: r.ts, batchId: 'segmentation', offset: r.seq, ingestedAt: r.ts, record: r.record });
        }
        await deps.lake!.write(AUDIENCE_EVENTS_CONSUMER, rows.at(-1)!.seq, lakeRows);
        total += rows.length;
      }
    })().finally(() => (flushing = undefined));
    return flushing;
  };

  const schedules = new ScheduleService(deps.resources, deps.clock, definitions);
  const tick = async () => {
    await runtime.drain();
    const timers = await runtime.runDueTimers();
    const events = await flush();
    // scheduled batch jobs (queued behind any running job; a tick does not wait for them)
    const scheduled = (await schedules.runDue((sb, body, source, props) => jobs.create(sb, body, source, props), (e) => runtime.onError(e))).length;
    return { timers, events, scheduled };
  };
  let ticking = false;
  const timer = (deps.tickMs ?? 500) > 0
    ? setInterval(() => {
        if (ticking) return;
        ticking = true;
        tick().catch((e) => runtime.onError(e)).finally(() => (ticking = false));
      }, deps.tickMs ?? 500)
    : undefined;
  timer?.unref();

  const catalog = new AudienceCatalog(deps.resources, deps.clock, definitions, audiences);
  const search = new SegmentSearch(catalog);
  const api = new SegmentationApi({ definitions, runtime, jobs, previews, audiences, catalog, search, writer, schedules, tick });
  return {
    store, definitions, runtime, jobs, previews, audiences, schedules, api, tick, recovering,
    async close() {
      if (timer) clearInterval(timer);
      runtime.stop();
      await runtime.drain();
      await jobs.idle();
      await flush().catch(() => 0);
      unsubscribe();
      deps.profile.profiles.useMemberships(undefined);
      await store.markClosed();
      if (deps.ownsStore) await store.close();
    },
  };
}

export type { SandboxRef };
