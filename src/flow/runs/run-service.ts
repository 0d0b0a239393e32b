import { err, ok, type Result } from '../../shared/result.js';
import { badRequest, type Problem } from '../../shared/problem.js';
import type { Clock } from '../../shared/clock.js';
import type { RunErrorRow, RunMetricsStore, RunQuery, RunRow } from './run-metrics-store.js';

/** A run's record counts (AEP's recordSummary, plus the profile's side). */
interface Summary {
  received: number;
  ingested: number;
  failed: number;
  duplicates: number;
  profileIngested: number;
  profileNotIngested: number;
  inputBytes: number;
}

const zero = (): Summary => ({ received: 0, ingested: 0, failed: 0, duplicates: 0, profileIngested: 0, profileNotIngested: 0, inputBytes: 0 });
const addTo = (s: Summary, r: RunRow) => {
  for (const k of Object.keys(s) as Array<keyof Summary>) s[k] += r[k];
};

const recordSummary = (s: Summary) => ({
  inputRecordCount: s.received,
  outputRecordCount: s.ingested,
  failedRecordCount: s.failed,
  skippedRecordCount: s.duplicates,
});

type Status = 'inProgress' | 'success' | 'partialSuccess' | 'failed';

/** A closed window with failures and nothing ingested failed; failures or records not placed in the profile make a partial success. */
function statusOf(s: Summary, open: boolean): Status {
  if (open) return 'inProgress';
  if (s.failed > 0 && s.ingested === 0) return 'failed';
  if (s.failed > 0 || s.profileNotIngested > 0) return 'partialSuccess';
  return 'success';
}

export interface RunView extends Record<string, unknown> {
  id: string;
  createdAt: number;
  updatedAt: number;
}

/** Filters of `GET /runs` (`property=`): equality on ids, comparisons on times. */
const EQ_PROPS = ['id', 'flowId', 'connectionId', 'dataSetId'] as const;
const TIME_PROPS = ['createdAt', 'updatedAt'] as const;
type Filter = { prop: (typeof EQ_PROPS)[number]; op: '==' | '!='; value: string } | { prop: (typeof TIME_PROPS)[number]; op: '==' | '!=' | '<' | '<=' | '>' | '>='; value: number };

export function parseRunFilters(property: string | string[] | undefined): Result<Filter[], Problem> {
  const out: Filter[] = [];
  for (const p of Array.isArray(property) ? property : property === undefined ? [] : [property]) {
    const m = /^([A-Za-z]+)(==|!=|<=|>=|<|>)(.+)$/.exec(p);
    if (!m) return err(badRequest(`property "${p}" is not a filter: use name==value (name: ${[...EQ_PROPS, ...TIME_PROPS].join(', ')})`));
    const [, prop, op, value] = m as unknown as [string, string, string, string];
    if ((EQ_PROPS as readonly string[]).includes(prop)) {
      if (op !== '==' && op !== '!=') return err(badRequest(`property ${prop} takes == or !=, not ${op}`));
      out.push({ prop: prop as Filter['prop'] & (typeof EQ_PROPS)[number], op, value });
    } else if ((TIME_PROPS as readonly string[]).includes(prop)) {
      const n = /^\d{1,15}$/.test(value) ? Number(value) : Date.parse(value);
      if (!Number.isFinite(n)) return err(badRequest(`property ${prop} needs epoch milliseconds or an ISO 8601 time, got "${value}"`));
      out.push({ prop: prop as (typeof TIME_PROPS)[number], op: op as Extract<Filter, { value: number }>['op'], value: n });
    } else return err(badRequest(`property ${prop} cannot filter runs (use ${[...EQ_PROPS, ...TIME_PROPS].join(', ')})`));
  }
  return ok(out);
}

const cmp = (a: number, op: string, b: number) => (op === '==' ? a === b : op === '!=' ? a !== b : op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b);

export interface RunListQuery {
  property?: string | string[];
  limit?: number;
  /** `createdAt` (oldest first) or `-createdAt` (newest first, the default). */
  orderby?: string;
  continuationToken?: string;
  count?: boolean;
}

export const MAX_RUNS_LIMIT = 100;

/**
 * Flow Service runs from the run counters: one run per dataflow (or, for records no dataflow names, per base
 * connection) and run window, with AEP's metrics (durationSummary, sizeSummary, recordSummary, statusSummary) and
 * two activities, the lake and the profile.
 */
export class RunService {
  constructor(
    private readonly store: RunMetricsStore,
    private readonly clock: Clock,
    /** The longest run window there may be rows of (createdAt filters read rows by window). */
    private readonly windowMs: number,
  ) {}

  async list(sandbox: { id: string; name: string }, orgId: string, q: RunListQuery): Promise<Result<{ items: RunView[]; next?: string } | { count: number }, Problem>> {
    const filters = parseRunFilters(q.property);
    if (!filters.ok) return filters;
    const orderby = q.orderby ?? '-createdAt';
    if (orderby !== 'createdAt' && orderby !== '-createdAt') return err(badRequest(`orderby must be createdAt or -createdAt, got "${orderby}"`));
    let start = 0;
    if (q.continuationToken !== undefined) {
      const t = Buffer.from(q.continuationToken, 'base64url').toString();
      if (!/^runs:\d{1,9}$/.test(t)) return err(badRequest('continuationToken is not one this service gave'));
      start = Number(t.slice(5));
    }
    // the store narrows by the equality filters it indexes; the rest is applied to the runs
    const rq: RunQuery = { sandboxId: sandbox.id };
    for (const f of filters.value) {
      if (f.prop === 'createdAt') {
        // a run starts in its window: createdAt >= windowStart > createdAt - window (the rows are read by window)
        if (f.op === '>' || f.op === '>=' || f.op === '==') rq.from = Math.max(rq.from ?? -Infinity, f.value - this.windowMs);
        if (f.op === '<' || f.op === '<=' || f.op === '==') rq.to = Math.min(rq.to ?? Infinity, f.value + 1);
      } else if (f.op === '==') {
        if (f.prop === 'flowId') rq.flowId = f.value;
        else if (f.prop === 'connectionId') rq.connectionId = f.value;
        else if (f.prop === 'id') rq.runId = f.value;
      }
    }
    let runs = await this.views(sandbox, orgId, await this.store.rows(rq));
    runs = runs.filter((r) => !(r.flowId === undefined && r.connectionId === undefined));
    for (const f of filters.value) {
      runs = runs.filter((r) => {
        if (f.prop === 'createdAt' || f.prop === 'updatedAt') return cmp(r[f.prop], f.op, f.value);
        const v = f.prop === 'dataSetId' ? (r.dataSetIds as string[]) : [String(r[f.prop] ?? '')];
        const value = String(f.value);
        return f.op === '==' ? v.includes(value) : !v.includes(value);
      });
    }
    if (q.count) return ok({ count: runs.length });
    runs.sort((a, b) => (orderby === 'createdAt' ? 1 : -1) * ((a.runWindow as { start: number }).start - (b.runWindow as { start: number }).start || a.id.localeCompare(b.id)));
    const limit = q.limit ?? MAX_RUNS_LIMIT;
    const page = runs.slice(start, start + limit);
    return ok({ items: page, ...(start + limit < runs.length ? { next: Buffer.from(`runs:${start + limit}`).toString('base64url') } : {}) });
  }

  async get(sandbox: { id: string; name: string }, orgId: string, runId: string): Promise<RunView | undefined> {
    return (await this.views(sandbox, orgId, await this.store.rows({ sandboxId: sandbox.id, runId })))[0];
  }

  private async views(sandbox: { id: string; name: string }, orgId: string, rows: RunRow[]): Promise<RunView[]> {
    const byRun = new Map<string, RunRow[]>();
    for (const r of rows) (byRun.get(r.runId) ?? byRun.set(r.runId, []).get(r.runId)!).push(r);
    const errors = new Map<string, RunErrorRow[]>();
    for (const e of await this.store.errors(sandbox.id, [...byRun.keys()])) (errors.get(e.runId) ?? errors.set(e.runId, []).get(e.runId)!).push(e);
    const now = this.clock.now();
    return [...byRun.entries()].map(([id, list]) => this.view(sandbox, orgId, id, list, errors.get(id) ?? [], now));
  }

  private view(sandbox: { id: string; name: string }, orgId: string, id: string, rows: RunRow[], errors: RunErrorRow[], now: number): RunView {
    const first = rows[0]!;
    const total = zero();
    const byDataset = new Map<string, Summary>();
    for (const r of rows) {
      addTo(total, r);
      const s = byDataset.get(r.datasetId) ?? byDataset.set(r.datasetId, zero()).get(r.datasetId)!;
      addTo(s, r);
    }
    const startedAt = Math.min(...rows.map((r) => r.firstAt));
    const updatedAt = Math.max(...rows.map((r) => r.updatedAt));
    const windowEnd = first.windowStart + first.windowMs;
    const open = now < windowEnd;
    const status = statusOf(total, open);
    const codes = new Map<string, number>();
    for (const e of errors) codes.set(e.code, (codes.get(e.code) ?? 0) + e.count);
    const errs = [...codes].map(([code, n]) => ({ code, message: `${n} record(s) failed with ${code}: see /data/foundation/kith/failed-records`, recordCount: n }));
    const profile = total.profileIngested + total.profileNotIngested;
    const lakeActivity = {
      id: `${id}-ingestion`,
      name: 'Data Lake Ingestion',
      durationSummary: { startedAtUTC: startedAt, completedAtUTC: updatedAt },
      sizeSummary: { inputBytes: total.inputBytes },
      recordSummary: recordSummary(total),
      statusSummary: { status: open ? 'inProgress' : total.failed > 0 && total.ingested === 0 ? 'failed' : total.failed > 0 ? 'partialSuccess' : 'success', errors: errs },
    };
    const profileActivity = {
      id: `${id}-profile`,
      name: 'Profile Ingestion',
      durationSummary: { startedAtUTC: startedAt, completedAtUTC: updatedAt },
      recordSummary: { inputRecordCount: profile, outputRecordCount: total.profileIngested, failedRecordCount: total.profileNotIngested },
      statusSummary: {
        status: open ? 'inProgress' : total.profileNotIngested > 0 ? (total.profileIngested > 0 ? 'partialSuccess' : 'failed') : 'success',
        errors: total.profileNotIngested > 0 ? [{ code: 'NOT_INGESTED_TO_PROFILE', message: `${total.profileNotIngested} record(s) not ingested to profile: see /data/foundation/kith/not-ingested-to-profile`, recordCount: total.profileNotIngested }] : [],
      },
    };
    return {
      id,
      ...(first.flowId ? { flowId: first.flowId } : {}),
      ...(first.connectionId ? { connectionId: first.connectionId } : {}),
      createdAt: startedAt,
      updatedAt,
      createdBy: 'kith',
      updatedBy: 'kith',
      createdClient: 'kith',
      updatedClient: 'kith',
      sandboxId: sandbox.id,
      sandboxName: sandbox.name,
      imsOrgId: orgId,
      etag: `"${updatedAt.toString(16)}-0000-0200-0000-${total.received.toString(16).padStart(12, '0')}"`,
      runWindow: { start: first.windowStart, end: windowEnd },
      dataSetIds: [...byDataset.keys()],
      metrics: {
        durationSummary: { startedAtUTC: startedAt, completedAtUTC: updatedAt },
        sizeSummary: { inputBytes: total.inputBytes },
        recordSummary: {
          ...recordSummary(total),
          profileRecordSummary: { inputRecordCount: profile, ingestedRecordCount: total.profileIngested, notIngestedRecordCount: total.profileNotIngested },
          targetSummaries: [...byDataset].map(([datasetId, s]) => ({
            entityType: 'dataset',
            entityId: datasetId,
            recordSummary: { ...recordSummary(s), profileIngestedRecordCount: s.profileIngested, profileNotIngestedRecordCount: s.profileNotIngested },
          })),
        },
        statusSummary: { status, errors: errs },
      },
      activities: [lakeActivity, profileActivity],
    };
  }
}
