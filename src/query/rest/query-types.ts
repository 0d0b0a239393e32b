/**
 * What the Query Service REST API keeps in the ResourceStore (scope: the sandbox id), and how it shows it in AEP's
 * shapes (`help/query-service/api/queries.md`, `query-templates.md`, `scheduled-queries.md`,
 * `runs-scheduled-queries.md`). Links are path-absolute (`/data/foundation/query/…`): the server's own origin.
 */

export const QUERY_KIND = 'query';
export const TEMPLATE_KIND = 'query-template';
export const SCHEDULE_KIND = 'query-schedule';
/** Sandboxes that have (or had) queries or schedules: what restart recovery and the scheduler look through. */
export const SANDBOX_INDEX_KIND = 'query-sandbox';

export const BASE = '/data/foundation/query';

export type QueryState = 'SUBMITTED' | 'IN_PROGRESS' | 'SUCCESS' | 'FAILED' | 'CANCELLED';
export const ACTIVE_STATES: readonly QueryState[] = ['SUBMITTED', 'IN_PROGRESS'];

/** Who ran it, where (a query runs as its creator, in its sandbox). */
export interface QueryOwner {
  orgId: string;
  sandboxId: string;
  sandboxName: string;
  userId: string;
  clientId?: string;
}

export interface StoredQuery extends QueryOwner {
  id: string;
  request: { dbName: string; sql: string; name?: string; description?: string };
  /** The SQL after `$name` substitution: what ran. */
  effectiveSQL: string;
  flatten: boolean;
  state: QueryState;
  errors: Array<{ code: string; message: string }>;
  isCTAS: boolean;
  isInsertInto: boolean;
  rowCount: number;
  /** ms from IN_PROGRESS to the end (0 until then). */
  elapsedTime: number;
  created: number;
  updated: number;
  startedAt?: number;
  client: string;
  templateId?: string;
  scheduleId?: string;
  /** A scheduled run started by POST /schedules/{id}/runs (not by the cron). */
  externalTrigger?: boolean;
  /** Result rows were written (`<dataDir>/query-results/<id>.ndjson`). */
  hasResults: boolean;
  /** The dataset a CTAS / INSERT INTO wrote, when known. */
  datasetId?: string;
  softDeleted?: boolean;
}

export interface StoredTemplate {
  id: string;
  name: string;
  sql: string;
  queryParameters?: Record<string, unknown>;
  userId: string;
  lastUpdatedBy?: string;
  created: number;
  updated: number;
}

export interface StoredSchedule extends QueryOwner {
  id: string;
  state: 'ENABLED' | 'DISABLED';
  query: { dbName: string; sql: string; name?: string; description?: string; queryParameters?: Record<string, unknown> };
  templateId?: string;
  schedule: { schedule: string; startDate: string; endDate?: string; maxActiveRuns: 1 };
  updatedUserId: string;
  created: number;
  updated: number;
  /** The fire time (ms) last handled, or when the schedule (or its cron, or its enabling) took effect. */
  handledUpTo: number;
  /** `@once` schedules: it ran. */
  ranOnce?: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const link = (href: string, method = 'GET', body?: string) => ({ href, method, ...(body !== undefined ? { body } : {}) });

/** A query as AEP shows it. */
export function queryView(q: StoredQuery): Record<string, unknown> {
  const self = `${BASE}/queries/${q.id}`;
  const active = ACTIVE_STATES.includes(q.state);
  return {
    isInsertInto: q.isInsertInto,
    request: q.request,
    clientId: q.clientId ?? null,
    state: q.state,
    rowCount: q.rowCount,
    errors: q.errors,
    isCTAS: q.isCTAS,
    version: 1,
    id: q.id,
    elapsedTime: q.elapsedTime,
    updated: iso(q.updated),
    client: q.client,
    effectiveSQL: q.effectiveSQL,
    userId: q.userId,
    created: iso(q.created),
    ...(q.templateId ? { templateId: q.templateId } : {}),
    ...(q.scheduleId ? { scheduleId: q.scheduleId } : {}),
    ...(q.softDeleted ? { softDeleted: true } : {}),
    _links: {
      self: link(self),
      soft_delete: link(self, 'PATCH', '{ "op": "soft_delete"}'),
      ...(active ? { cancel: link(self, 'PATCH', '{ "op": "cancel"}') } : {}),
      ...(q.hasResults ? { results: link(`${self}/results?format=json`), results_csv: link(`${self}/results?format=csv`) } : {}),
      ...(q.datasetId ? { referenced_datasets: [{ id: q.datasetId, href: `/data/foundation/catalog/dataSets/${q.datasetId}` }] } : {}),
    },
  };
}

export function templateView(t: StoredTemplate): Record<string, unknown> {
  const self = `${BASE}/query-templates/${t.id}`;
  return {
    sql: t.sql,
    name: t.name,
    ...(t.queryParameters ? { queryParameters: t.queryParameters } : {}),
    id: t.id,
    updated: iso(t.updated),
    ...(t.lastUpdatedBy ? { lastUpdatedBy: t.lastUpdatedBy } : {}),
    userId: t.userId,
    created: iso(t.created),
    _links: {
      self: link(self),
      delete: link(self, 'DELETE'),
      update: link(self, 'PUT', '{"sql": "new sql ", "name": "new name"}'),
    },
  };
}

export function scheduleView(s: StoredSchedule): Record<string, unknown> {
  const self = `${BASE}/schedules/${s.id}`;
  return {
    state: s.state,
    query: s.query,
    ...(s.templateId ? { templateId: s.templateId } : {}),
    updatedUserId: s.updatedUserId,
    version: 2,
    id: s.id,
    // AEP shows a schedule's times as epoch milliseconds in a string
    updated: String(s.updated),
    schedule: s.schedule,
    userId: s.userId,
    created: String(s.created),
    _links: {
      enable: link(self, 'PATCH', '{ "op": "enable" }'),
      runs: link(`${self}/runs`),
      self: link(self),
      delete: link(self, 'DELETE'),
      disable: link(self, 'PATCH', '{ "op": "disable" }'),
      trigger: link(`${self}/runs`, 'POST'),
    },
  };
}

/** A scheduled query's run (one query, linked by scheduleId; the run id is the query id). */
export function runView(q: StoredQuery): Record<string, unknown> {
  const self = `${BASE}/schedules/${q.scheduleId}/runs/${q.id}`;
  const end = q.startedAt !== undefined && !ACTIVE_STATES.includes(q.state) ? q.startedAt + q.elapsedTime : undefined;
  return {
    state: q.state,
    version: 1,
    id: q.id,
    scheduleId: q.scheduleId,
    queryId: q.id,
    externalTrigger: String(q.externalTrigger === true),
    created: iso(q.created),
    updated: iso(q.updated),
    rowCount: q.rowCount,
    errors: q.errors,
    taskStatusList: [
      {
        state: q.state,
        message: q.state === 'SUCCESS' ? 'Processed Successfully' : (q.errors[0]?.message ?? q.state),
        ...(q.startedAt !== undefined ? { startDate: iso(q.startedAt) } : {}),
        ...(end !== undefined ? { endDate: iso(end), duration: Math.round(q.elapsedTime / 1000) } : {}),
        taskId: q.id,
      },
    ],
    _links: {
      self: link(self),
      cancel: link(self, 'PATCH', '{ "op": "cancel" }'),
      query: link(`${BASE}/queries/${q.id}`),
    },
  };
}
