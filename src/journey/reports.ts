import { ok, err, type Result } from '../shared/result.js';
import { problem, type Problem } from '../shared/problem.js';
import type { IdentityRef } from '../profile/identity-resolver.js';
import type { JourneyDefinitions, PersonJourneys, PersonReader, VersionReport } from './journey-ports.js';
import type { ActionError, StepEvent, StepStatus } from './journey-types.js';
import type { JourneyStore } from './store/journey-store.js';
import type { JourneySystemDatasetIds } from './step-events/journey-system-datasets.js';

/** The lake part reports read (Lake.query: the sandbox's tables by name). */
export interface ReportLake {
  query(sandboxId: string, sql: string, params?: Array<string | number | boolean | null>): Promise<Array<Record<string, unknown>>>;
}

const F = (field: string) => `json_extract_string(record, '$._experience.journeyOrchestration.stepEvents.${field}')`;
const quote = (table: string) => `"${table.replace(/"/g, '""')}"`;
const noTable = (e: unknown) => /does not exist/i.test((e as Error).message);

/**
 * What a version did and where a person is, answered from the data the journeys wrote back: the "Journey Step
 * Events" lake table (the same rows SQL users query as `journey_step_events`; test-mode steps left out of reports)
 * and, for a person's current node, the engine's instances. `flush` first copies the step-event outbox so an answer
 * includes every committed step.
 */
export class JourneyReports {
  constructor(
    private readonly lake: ReportLake,
    private readonly store: JourneyStore,
    private readonly definitions: JourneyDefinitions,
    private readonly people: PersonReader,
    private readonly system: (sandboxId: string) => Promise<JourneySystemDatasetIds | undefined>,
    private readonly flush: () => Promise<unknown>,
  ) {}

  async report(sandboxId: string, versionId: string, range: { from?: number; to?: number }): Promise<Result<VersionReport, Problem>> {
    const found = await this.definitions.version(sandboxId, versionId);
    if (!found) return err(problem(404, 'Not Found', `No journey version ${versionId}`));
    const base: VersionReport = {
      journeyId: found.journey.id,
      versionId,
      ...(range.from !== undefined ? { from: new Date(range.from).toISOString() } : {}),
      ...(range.to !== undefined ? { to: new Date(range.to).toISOString() } : {}),
      entered: 0, distinctPeople: 0, ended: 0, nodes: [], errors: [], timeouts: 0,
    };
    const sys = await this.system(sandboxId);
    if (!sys) return ok(base);
    await this.flush();
    const where = [`${F('journeyVersionID')} = $1`, `coalesce(${F('inTest')}, 'false') <> 'true'`];
    const params: Array<string | number> = [versionId];
    if (range.from !== undefined) where.push(`"timestamp" >= make_timestamptz($${params.push(range.from * 1000)}::BIGINT)`);
    if (range.to !== undefined) where.push(`"timestamp" < make_timestamptz($${params.push(range.to * 1000)}::BIGINT)`);
    const steps = `SELECT ${F('nodeID')} AS node_id, ${F('nodeName')} AS node_name, ${F('nodeType')} AS node_type, ${F('stepStatus')} AS status,
      ${F('entrance')} = 'true' AS entrance, ${F('instanceEnded')} = 'true' AS ended, ${F('profileNamespace')} || ':' || ${F('profileID')} AS person,
      ${F('actionExecutionError')} AS error, ${F('actionExecutionErrorCode')} AS code FROM ${quote(sys.stepEventTable)} WHERE ${where.join(' AND ')}`;
    let totals: Array<Record<string, unknown>>, nodes: Array<Record<string, unknown>>, errors: Array<Record<string, unknown>>;
    try {
      totals = await this.lake.query(sandboxId, `WITH s AS (${steps}) SELECT count(*) FILTER (WHERE entrance) AS entered, count(DISTINCT person) FILTER (WHERE entrance) AS people,
        count(*) FILTER (WHERE ended) AS ended, count(*) FILTER (WHERE status IN ('timedout', 'instanceTimedout')) AS timeouts FROM s`, params);
      nodes = await this.lake.query(sandboxId, `WITH s AS (${steps}) SELECT node_id, any_value(node_name) AS node_name, any_value(node_type) AS node_type, status, count(*) AS n FROM s GROUP BY node_id, status ORDER BY node_id, status`, params);
      errors = await this.lake.query(sandboxId, `WITH s AS (${steps}) SELECT node_id, error, code, count(*) AS n FROM s WHERE error IS NOT NULL GROUP BY node_id, error, code ORDER BY n DESC, node_id`, params);
    } catch (e) {
      if (noTable(e)) return ok(base);
      throw e;
    }
    const t = totals[0] ?? {};
    const byNode = new Map<string, VersionReport['nodes'][number]>();
    for (const r of nodes) {
      const id = String(r.node_id ?? '');
      const n = byNode.get(id) ?? { nodeId: id, nodeName: String(r.node_name ?? id), nodeType: String(r.node_type ?? ''), count: 0, statuses: {} };
      n.count += Number(r.n);
      n.statuses[String(r.status) as StepStatus] = (n.statuses[String(r.status) as StepStatus] ?? 0) + Number(r.n);
      byNode.set(id, n);
    }
    return ok({
      ...base,
      entered: Number(t.entered ?? 0),
      distinctPeople: Number(t.people ?? 0),
      ended: Number(t.ended ?? 0),
      timeouts: Number(t.timeouts ?? 0),
      nodes: [...byNode.values()],
      errors: errors.map((r) => ({ nodeId: String(r.node_id ?? ''), error: String(r.error), code: r.code === null || r.code === undefined ? null : String(r.code), count: Number(r.n) })),
    });
  }

  async personJourneys(sandboxId: string, identity: IdentityRef): Promise<Result<PersonJourneys, Problem>> {
    const person = await this.people.read(sandboxId, identity);
    const instances = await this.store.instancesOf(sandboxId, person.personKeys);
    const sys = await this.system(sandboxId);
    const steps = new Map<string, StepEvent[]>();
    if (sys && instances.length > 0) {
      await this.flush();
      const ids = instances.map((i) => i.id);
      try {
        const rows = await this.lake.query(
          sandboxId,
          `SELECT epoch_ms("timestamp") AS ts, CAST(record AS VARCHAR) AS r FROM ${quote(sys.stepEventTable)} WHERE ${F('instanceID')} IN (${ids.map((_, i) => `$${i + 1}`).join(', ')}) ORDER BY "timestamp", _kith_offset`,
          ids,
        );
        for (const row of rows) {
          const step = stepOfRecord(sandboxId, Number(row.ts), JSON.parse(String(row.r)) as Record<string, unknown>);
          if (!step) continue;
          const list = steps.get(step.instanceId) ?? [];
          list.push(step);
          steps.set(step.instanceId, list);
        }
      } catch (e) {
        if (!noTable(e)) throw e;
      }
    }
    const names = new Map<string, string>();
    for (const i of instances) if (!names.has(i.versionId)) names.set(i.versionId, (await this.definitions.version(sandboxId, i.versionId))?.journey.name ?? '');
    return ok({
      identity,
      instances: instances.map(({ steps: stepCount, ...i }) => ({ ...i, stepCount, ...(names.get(i.versionId) ? { journeyName: names.get(i.versionId)! } : {}), steps: steps.get(i.id) ?? [] })),
    });
  }
}

/** A step-event record of the lake back as the engine's StepEvent (the API's shape). */
export function stepOfRecord(sandboxId: string, ts: number, record: Record<string, unknown>): StepEvent | undefined {
  const s = ((record._experience as Record<string, unknown> | undefined)?.journeyOrchestration as Record<string, unknown> | undefined)?.stepEvents as Record<string, unknown> | undefined;
  if (!s) return undefined;
  const str = (k: string) => (typeof s[k] === 'string' ? (s[k] as string) : undefined);
  const action = str('actionID')
    ? {
        actionID: str('actionID')!,
        actionName: str('actionName') ?? '',
        actionType: (str('actionType') ?? 'http') as 'http' | 'email' | 'updateProfile',
        actionExecutionTime: Number(s.actionExecutionTime ?? 0),
        attempts: 1,
        ...(str('actionExecutionError') ? { actionExecutionError: str('actionExecutionError') as ActionError } : {}),
        ...(str('actionExecutionErrorCode') ? { actionExecutionErrorCode: str('actionExecutionErrorCode')! } : {}),
        ...(str('actionExecutionOriginError') ? { actionExecutionOriginError: str('actionExecutionOriginError') as ActionError } : {}),
        ...(str('actionExecutionOriginCode') ? { actionExecutionOriginCode: str('actionExecutionOriginCode')! } : {}),
        ...(str('actionErrorContext') ? { actionErrorContext: str('actionErrorContext')! } : {}),
      }
    : undefined;
  return {
    id: str('stepID') ?? String(record._id ?? ''),
    sandboxId,
    timestamp: ts,
    journeyId: str('journeyID') ?? '',
    journeyVersionId: str('journeyVersionID') ?? '',
    journeyVersionName: str('journeyVersionName') ?? '',
    journeyVersion: str('journeyVersion') ?? '',
    instanceId: str('instanceID') ?? '',
    instanceType: str('instanceType') === 'batch' ? 'batch' : 'unitary',
    identity: { namespace: str('profileNamespace') ?? '', id: str('profileID') ?? '' },
    nodeId: str('nodeID') ?? '',
    nodeName: str('nodeName') ?? '',
    nodeType: (str('nodeType') ?? 'end') as StepEvent['nodeType'],
    stepStatus: (str('stepStatus') ?? 'ended') as StepStatus,
    entrance: s.entrance === true,
    instanceEnded: s.instanceEnded === true,
    inTest: s.inTest === true,
    eventID: str('eventID') ?? '',
    processingTime: Number(s.processingTime ?? 0),
    ...(str('eventName') ? { eventName: str('eventName')! } : {}),
    ...(str('exitCriteriaID') ? { exitCriteriaID: str('exitCriteriaID')! } : {}),
    ...(str('exitCriteriaName') ? { exitCriteriaName: str('exitCriteriaName')! } : {}),
    // the rest of what step-event-records writes, so a person's steps read back as the engine emitted them
    ...(typeof s.reentrance === 'boolean' ? { reentrance: s.reentrance } : {}),
    ...(typeof s.isExternalEvent === 'boolean' ? { isExternalEvent: s.isExternalEvent } : {}),
    ...(str('parentNodeID') ? { parentNodeId: str('parentNodeID')! } : {}),
    ...(str('parentNodeType') ? { parentNodeType: str('parentNodeType')! } : {}),
    ...(str('parentNodeName') ? { parentNodeName: str('parentNodeName')! } : {}),
    ...(['existing', 'realized', 'exited'].includes(str('segmentQualificationStatus') ?? '') ? { segmentQualificationStatus: str('segmentQualificationStatus') as 'existing' | 'realized' | 'exited' } : {}),
    ...(action ? { action } : {}),
  };
}
