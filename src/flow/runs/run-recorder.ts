import { sha256Hex } from '../../shared/ids.js';
import { envNumber } from '../../shared/env-number.js';
import type { Clock } from '../../shared/clock.js';
import type { RunCounter, RunSource, RunTally } from '../../ingest/processor/run-tally.js';
import type { FlowEntity, FlowService } from '../flow-service.js';
import type { RunDelta, RunMetricsStore } from './run-metrics-store.js';
import { countRecords } from '../../metrics/pipeline-metrics.js';

/**
 * Run window of streaming dataflows (`KITH_FLOW_RUN_WINDOW_MINUTES`, default 60): streaming has no natural runs, so
 * a run is the records a dataflow received in one window, by receipt time (UTC, aligned on the epoch).
 */
export const RUN_WINDOW_MS = envNumber('KITH_FLOW_RUN_WINDOW_MINUTES', 60, { min: 1, integer: true }) * 60_000;

/** A run's id: a UUID-shaped hash of its sandbox, dataflow (or connection, when no dataflow names the records) and window. */
export function runIdOf(sandboxId: string, flowId: string, connectionId: string, windowStart: number): string {
  const h = sha256Hex(`${sandboxId}\u0000${flowId || `connection:${connectionId}`}\u0000${windowStart}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** What the recorder needs of the Flow Service. */
export type RunFlowLookup = Pick<FlowService, 'resolveInlet' | 'resolveFlow' | 'list'>;

interface SandboxFlows {
  at: number;
  /** `connectionId/datasetId` → the dataflow (the oldest when several). */
  byConnection: Map<string, string>;
}

/** How long a sandbox's dataflows are cached, in wall time (a dataflow created later is seen this much later). */
const FLOWS_TTL_MS = 5_000;

/**
 * The processor's RunCounter over the run metrics store: resolves each tally group's dataflow and base connection
 * (the envelope's flow id, else the dataflow whose source connection's base connection is the inlet's streaming
 * connection or the source's connection and whose target is the dataset) and stores the group as a delta of its run.
 */
export class RunRecorder implements RunCounter {
  private readonly sandboxes = new Map<string, SandboxFlows>();
  private readonly inletConnections = new Map<string, string>();
  private readonly flowConnections = new Map<string, { at: number; connectionId: string }>();
  private readonly runIds = new Map<string, string>();

  constructor(
    private readonly store: RunMetricsStore,
    private readonly flows: RunFlowLookup,
    private readonly clock: Clock,
    readonly windowMs: number = RUN_WINDOW_MS,
  ) {}

  mark(stage: 'lake' | 'profile'): Promise<number> {
    return this.store.mark(stage);
  }

  async commit(stage: 'lake' | 'profile', upTo: number, tallies: readonly RunTally[]): Promise<void> {
    const deltas: RunDelta[] = [];
    const at = this.clock.now();
    for (const t of tallies)
      for (const g of t.groups.values()) {
        const { flowId, connectionId } = await this.attribute(g.source);
        deltas.push({
          sandboxId: g.source.sandboxId,
          flowId,
          connectionId,
          datasetId: g.source.datasetId,
          windowStart: g.source.windowStart,
          runId: this.runId(g.source.sandboxId, flowId, connectionId, g.source.windowStart),
          windowMs: t.windowMs,
          counts: g.counts,
          errors: g.errors,
          firstAt: g.firstAt,
          lastAt: g.lastAt,
          at,
        });
      }
    // Prometheus counters move once, after the commit (a replay the store skips is not counted again)
    if (await this.store.add(stage, upTo, deltas)) for (const d of deltas) countRecords(d.counts, d.errors ?? {});
  }

  /** runIdOf, remembered (a hash per group per commit was a visible share of the counting cost). */
  private runId(sandboxId: string, flowId: string, connectionId: string, windowStart: number): string {
    const k = `${sandboxId}\u0000${flowId}\u0000${connectionId}\u0000${windowStart}`;
    let id = this.runIds.get(k);
    if (id === undefined) {
      if (this.runIds.size > 10_000) this.runIds.clear();
      this.runIds.set(k, (id = runIdOf(sandboxId, flowId, connectionId, windowStart)));
    }
    return id;
  }

  private async attribute(s: RunSource): Promise<{ flowId: string; connectionId: string }> {
    let connectionId = s.connectionId;
    if (!connectionId && s.inletId) connectionId = await this.inletConnection(s.inletId);
    if (s.flowId) return { flowId: s.flowId, connectionId: connectionId || (await this.flowConnection(s.sandboxId, s.flowId)) };
    if (!connectionId) return { flowId: '', connectionId: '' };
    const flows = await this.sandboxFlows(s.sandboxId);
    return { flowId: flows.byConnection.get(`${connectionId}/${s.datasetId}`) ?? '', connectionId };
  }

  private async inletConnection(inletId: string): Promise<string> {
    let c = this.inletConnections.get(inletId);
    if (c === undefined) {
      c = (await this.flows.resolveInlet(inletId))?.connectionId ?? '';
      if (this.inletConnections.size > 10_000) this.inletConnections.clear();
      this.inletConnections.set(inletId, c);
    }
    return c;
  }

  private async flowConnection(sandboxId: string, flowId: string): Promise<string> {
    const k = `${sandboxId}/${flowId}`;
    const hit = this.flowConnections.get(k);
    if (hit && performance.now() - hit.at < FLOWS_TTL_MS) return hit.connectionId;
    const base = (await this.flows.resolveFlow(sandboxId, flowId))?.sourceConnection?.baseConnectionId;
    const connectionId = typeof base === 'string' ? base : '';
    if (this.flowConnections.size > 10_000) this.flowConnections.clear();
    this.flowConnections.set(k, { at: performance.now(), connectionId });
    return connectionId;
  }

  private async sandboxFlows(sandboxId: string): Promise<SandboxFlows> {
    const hit = this.sandboxes.get(sandboxId);
    if (hit && performance.now() - hit.at < FLOWS_TTL_MS) return hit;
    const [flows, sources, targets] = await Promise.all([this.flows.list(sandboxId, 'flows'), this.flows.list(sandboxId, 'sourceConnections'), this.flows.list(sandboxId, 'targetConnections')]);
    const baseOf = new Map(sources.map((s) => [s.id, typeof s.baseConnectionId === 'string' ? s.baseConnectionId : '']));
    const datasetOf = new Map(targets.map((t) => [t.id, (t.params as { dataSetId?: unknown } | undefined)?.dataSetId]));
    const byConnection = new Map<string, string>();
    const created = (f: FlowEntity) => (typeof f.createdAt === 'number' ? f.createdAt : 0);
    for (const f of [...flows].sort((a, b) => created(a) - created(b)))
      for (const sc of idsOf(f.sourceConnectionIds))
        for (const tc of idsOf(f.targetConnectionIds)) {
          const conn = baseOf.get(sc);
          const ds = datasetOf.get(tc);
          if (conn && typeof ds === 'string' && !byConnection.has(`${conn}/${ds}`)) byConnection.set(`${conn}/${ds}`, f.id);
        }
    const out = { at: performance.now(), byConnection };
    this.sandboxes.set(sandboxId, out);
    return out;
  }
}

const idsOf = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
