import type { ResourceStore } from '../../store/resource-store.js';
import { updateResource } from '../../store/update-resource.js';
import type { Clock } from '../../shared/clock.js';
import { uuid } from '../../shared/ids.js';
import { badRequest, conflict, notFound, type Problem } from '../../shared/problem.js';
import { err, ok, type Result } from '../../shared/result.js';
import type { RemoteService } from '../../shared/rpc.js';
import { SQLSTATE, type QueryEngine, type SqlError } from '../engine/query-engine.js';
import { substituteParameters, targetTable } from './sql-text.js';
import { parseDbName } from '../db-name.js';
import { splitStatements } from '../engine/sql-lexer.js';
import { ACTIVE_STATES, QUERY_KIND, SANDBOX_INDEX_KIND, TEMPLATE_KIND, type QueryOwner, type QueryState, type StoredQuery, type StoredTemplate } from './query-types.js';
import { deleteResults, ResultsWriter } from './results-file.js';

/** The engine as the API thread reaches it: the typed RPC (`Remote<…>['query']`) or the object itself (inline). */
export type EngineLike = RemoteService<QueryEngine>;

export interface QueryServiceDeps {
  engine: EngineLike;
  resources: ResourceStore;
  clock: Clock;
  dataDir: string;
  /** The dataset behind a table name of a sandbox (CTAS / INSERT INTO targets), for the query's dataset link. */
  datasetIdOf?: (sandboxId: string, table: string) => Promise<string | undefined>;
  onError?: (e: unknown) => void;
}

/** Rows per engine fetch: bounded memory per running query. */
const FETCH_ROWS = 1000;
/** A query left running by a stopped server (57P01: PostgreSQL's admin_shutdown). */
export const RESTARTED_ERROR = { code: '57P01', message: 'The server restarted while this query was running; it did not finish. Run it again.' };

interface Running {
  cancelled: boolean;
  sessionId?: string;
  done: Promise<void>;
}

type Outcome = Pick<StoredQuery, 'state' | 'errors' | 'rowCount' | 'isCTAS' | 'isInsertInto'> & { target?: string };

export interface SubmitOptions {
  scheduleId?: string;
  externalTrigger?: boolean;
  /** Who submitted it, as AEP's `client` shows (`API`, `Scheduler`). */
  client?: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optStr = (b: Record<string, unknown>, k: string): Result<string | undefined, Problem> =>
  b[k] === undefined || b[k] === null ? ok(undefined) : typeof b[k] === 'string' ? ok(b[k]) : err(badRequest(`${k} must be a string`));
const tagCount = (tag: string | undefined): number => Number(/(\d+)$/.exec(tag ?? '')?.[1] ?? 0);
const sqlErr = (e: SqlError) => ({ code: e.code, message: e.message + (e.detail ? ` (${e.detail})` : '') + (e.hint ? ` Hint: ${e.hint}` : '') });

/**
 * Queries (`/data/foundation/query/queries`): a POST stores the query (SUBMITTED) and runs it in the background on its
 * own engine session (IN_PROGRESS, then SUCCESS, FAILED with `errors`, or CANCELLED). A SELECT's rows stream to the
 * results file; CTAS and INSERT INTO write datasets. Each state change is a compare-and-set on the stored query, so a
 * cancel and the run's end cannot overwrite each other. A stopped server leaves no query running: the next start
 * marks what was SUBMITTED or IN_PROGRESS as FAILED (`recover`).
 */
export class QueryService {
  private readonly running = new Map<string, Running>();
  private readonly indexed = new Set<string>();
  private closing = false;

  constructor(private readonly deps: QueryServiceDeps) {}

  async indexSandbox(sandboxId: string): Promise<void> {
    if (this.indexed.has(sandboxId)) return;
    await this.deps.resources.put(SANDBOX_INDEX_KIND, 'all', sandboxId, { sandboxId });
    this.indexed.add(sandboxId);
  }

  async sandboxIds(): Promise<string[]> {
    return (await this.deps.resources.list<{ sandboxId: string }>(SANDBOX_INDEX_KIND, 'all', { limit: 1_000_000 })).map((r) => r.doc.sandboxId);
  }

  /** Validates a query request (AEP's body; `sql` or `templateId`) into what runs; nothing is stored. */
  async prepare(owner: QueryOwner, body: unknown): Promise<Result<Pick<StoredQuery, 'request' | 'effectiveSQL' | 'flatten' | 'isCTAS' | 'isInsertInto' | 'templateId'>, Problem>> {
    if (!isObj(body)) return err(badRequest('Body must be a query object ({ "dbName": "prod:all", "sql": "SELECT …" })'));
    const fields = ['dbName', 'sql', 'name', 'description', 'templateId'].map((k) => [k, optStr(body, k)] as const);
    for (const [, r] of fields) if (!r.ok) return r;
    const f = Object.fromEntries(fields.map(([k, r]) => [k, r.ok ? r.value : undefined])) as Record<string, string | undefined>;
    // AEP's own example spells it templateID
    const legacyId = optStr(body, 'templateID');
    if (!legacyId.ok) return legacyId;
    const templateId = f.templateId ?? legacyId.value;
    if (body.queryParameters !== undefined && body.queryParameters !== null && !isObj(body.queryParameters)) return err(badRequest('queryParameters must be an object of $name → value'));
    let sql = f.sql;
    let params = (body.queryParameters ?? undefined) as Record<string, unknown> | undefined;
    if (templateId !== undefined) {
      if (sql !== undefined) return err(badRequest('Give sql or templateId, not both'));
      const t = await this.deps.resources.get<StoredTemplate>(TEMPLATE_KIND, owner.sandboxId, templateId);
      if (!t) return err(badRequest(`templateId ${templateId}: no such query template in sandbox ${owner.sandboxName}`));
      sql = t.doc.sql;
      params = { ...t.doc.queryParameters, ...params };
    }
    if (sql === undefined || sql.trim() === '') return err(badRequest('sql is required (or a templateId)'));
    const dbName = f.dbName ?? `${owner.sandboxName}:all`;
    const db = parseDbName(dbName);
    if (!db.ok) return err(badRequest(db.error));
    if (db.value.sandbox !== owner.sandboxName)
      return err(badRequest(`dbName "${dbName}" names sandbox "${db.value.sandbox}", but the request is for sandbox "${owner.sandboxName}" (x-sandbox-name): a query runs in the request's sandbox`));
    const eff = substituteParameters(sql, params);
    if (!eff.ok) return err(badRequest(eff.error));
    const statements = splitStatements(eff.value);
    if (statements.length === 0) return err(badRequest('sql has no statement to run'));
    const targets = statements.map(targetTable);
    return ok({
      request: { dbName, sql, ...(f.name !== undefined ? { name: f.name } : {}), ...(f.description !== undefined ? { description: f.description } : {}) },
      effectiveSQL: eff.value,
      flatten: db.value.flatten,
      isCTAS: targets.some((t) => t?.kind === 'ctas'),
      isInsertInto: targets.some((t) => t?.kind === 'insert'),
      ...(templateId !== undefined ? { templateId } : {}),
    });
  }

  /** Stores a query (SUBMITTED) and starts running it. */
  async submit(owner: QueryOwner, body: unknown, opts: SubmitOptions = {}): Promise<Result<StoredQuery, Problem>> {
    if (this.closing) return err({ status: 503, body: { type: 'http://ns.adobe.com/aep/errors/503', status: 503, title: 'Service Unavailable', detail: 'The server is stopping' } });
    const p = await this.prepare(owner, body);
    if (!p.ok) return p;
    const now = this.deps.clock.now();
    const q: StoredQuery = {
      ...owner,
      id: uuid(),
      ...p.value,
      state: 'SUBMITTED',
      errors: [],
      rowCount: 0,
      elapsedTime: 0,
      created: now,
      updated: now,
      client: opts.client ?? 'API',
      hasResults: false,
      ...(opts.scheduleId !== undefined ? { scheduleId: opts.scheduleId, externalTrigger: opts.externalTrigger === true } : {}),
    };
    await this.indexSandbox(owner.sandboxId);
    await this.deps.resources.put(QUERY_KIND, owner.sandboxId, q.id, q);
    const r: Running = { cancelled: false, done: Promise.resolve() };
    this.running.set(q.id, r);
    r.done = this.run(q, r)
      .catch((e: unknown) => this.deps.onError?.(e))
      .finally(() => this.running.delete(q.id));
    return ok(q);
  }

  /** Resolves when the query's background run (if any, in this process) has ended. */
  async settled(id: string): Promise<void> {
    await this.running.get(id)?.done;
  }

  /** Resolves when no query runs in this process. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running.values()].map((r) => r.done));
  }

  async get(sandboxId: string, id: string, withDeleted = false): Promise<Result<StoredQuery, Problem>> {
    const r = await this.deps.resources.get<StoredQuery>(QUERY_KIND, sandboxId, id);
    return r && (withDeleted || !r.doc.softDeleted) ? ok(r.doc) : err(notFound(`Query ${id} not found`));
  }

  async list(sandboxId: string, filter: { includeDeleted?: boolean; scheduleId?: string } = {}): Promise<StoredQuery[]> {
    const all = (await this.deps.resources.list<StoredQuery>(QUERY_KIND, sandboxId, { limit: 1_000_000 })).map((r) => r.doc);
    return all.filter((q) => (filter.includeDeleted || !q.softDeleted) && (filter.scheduleId === undefined || q.scheduleId === filter.scheduleId));
  }

  private async transition(q: Pick<StoredQuery, 'sandboxId' | 'id'>, change: (cur: StoredQuery) => StoredQuery | undefined): Promise<StoredQuery | undefined> {
    const r = await updateResource<StoredQuery, never>(this.deps.resources, QUERY_KIND, q.sandboxId, q.id, (cur) => ok(change(cur)));
    return r.ok ? r.value : undefined;
  }

  /** PATCH `{op: "cancel"}`: a SUBMITTED query is CANCELLED at once; a running one is interrupted (its run ends CANCELLED). */
  async cancel(sandboxId: string, id: string): Promise<Result<StoredQuery, Problem>> {
    const g = await this.get(sandboxId, id);
    if (!g.ok) return g;
    if (!ACTIVE_STATES.includes(g.value.state)) return err(conflict(`Query ${id} is ${g.value.state}: only a SUBMITTED or IN_PROGRESS query can be cancelled`));
    const run = this.running.get(id);
    if (run) run.cancelled = true;
    const now = this.deps.clock.now();
    // not running here (nothing will end it): cancelled directly, whatever its state says
    const direct = (cur: StoredQuery) => cur.state === 'SUBMITTED' || (cur.state === 'IN_PROGRESS' && !run);
    const after = await this.transition(g.value, (cur) => (direct(cur) ? { ...cur, state: 'CANCELLED', updated: now } : undefined));
    // an engine that cannot be reached still ends the run: the flag stops it at its next fetch
    if (run?.sessionId !== undefined && !after) await this.deps.engine.cancel(run.sessionId).catch((e: unknown) => this.deps.onError?.(e));
    return ok(after ?? g.value);
  }

  /** PATCH `{op: "soft_delete"}`: hidden from lists and reads (unless asked for), results deleted; a running query is cancelled first. */
  async softDelete(sandboxId: string, id: string): Promise<Result<true, Problem>> {
    const g = await this.get(sandboxId, id);
    if (!g.ok) return g;
    if (ACTIVE_STATES.includes(g.value.state)) await this.cancel(sandboxId, id);
    await this.transition(g.value, (cur) => ({ ...cur, softDeleted: true, hasResults: false, updated: this.deps.clock.now() }));
    // nobody can read them any more: their disk space is given back
    deleteResults(this.deps.dataDir, id);
    return ok(true);
  }

  /** Marks queries a stopped server left SUBMITTED or IN_PROGRESS as FAILED; returns how many. */
  async recover(): Promise<number> {
    let n = 0;
    for (const sb of await this.sandboxIds())
      for (const q of await this.list(sb, { includeDeleted: true })) {
        if (!ACTIVE_STATES.includes(q.state) || this.running.has(q.id)) continue;
        deleteResults(this.deps.dataDir, q.id);
        const now = this.deps.clock.now();
        const done = await this.transition(q, (cur) => (ACTIVE_STATES.includes(cur.state) ? { ...cur, state: 'FAILED', errors: [RESTARTED_ERROR], updated: now } : undefined));
        if (done) n++;
      }
    return n;
  }

  /** Stops: running queries are interrupted and left as they are stored (the next start's `recover` fails them). */
  async close(): Promise<void> {
    this.closing = true;
    for (const r of this.running.values()) {
      r.cancelled = true;
      if (r.sessionId !== undefined) await this.deps.engine.cancel(r.sessionId).catch(() => undefined);
    }
    await this.idle();
  }

  private async run(q: StoredQuery, r: Running): Promise<void> {
    const started = this.deps.clock.now();
    const go = await this.transition(q, (cur) => (cur.state === 'SUBMITTED' && !r.cancelled ? { ...cur, state: 'IN_PROGRESS', startedAt: started, updated: started } : undefined));
    if (!go) return;
    const writer = new ResultsWriter(this.deps.dataDir, q.id);
    let outcome: Outcome;
    let sessionId: string | undefined;
    try {
      sessionId = await this.deps.engine.openSession({ orgId: q.orgId, sandboxId: q.sandboxId, sandboxName: q.sandboxName, flatten: q.flatten, user: q.userId });
      r.sessionId = sessionId;
      outcome = await this.execute(sessionId, splitStatements(q.effectiveSQL), writer, r, q);
    } catch (e) {
      // openSession refuses a session it cannot prepare with the SQL error attached (`sqlError`); anything else is the engine's fault
      const known = (e as { sqlError?: SqlError } | undefined)?.sqlError;
      if (!known) this.deps.onError?.(e);
      const error = known ? sqlErr(known) : { code: SQLSTATE.internalError, message: `The query engine failed: ${(e as Error).message}` };
      outcome = { state: r.cancelled ? 'CANCELLED' : 'FAILED', errors: r.cancelled ? [] : [error], rowCount: 0, isCTAS: q.isCTAS, isInsertInto: q.isInsertInto };
    } finally {
      if (sessionId !== undefined) await this.deps.engine.closeSession(sessionId).catch((e: unknown) => this.deps.onError?.(e));
    }
    if (this.closing) {
      // left IN_PROGRESS on purpose: the next start fails it with RESTARTED_ERROR
      await writer.discard();
      return;
    }
    const hasResults = outcome.state === 'SUCCESS' ? await writer.commit() : (await writer.discard(), false);
    const datasetId = outcome.state === 'SUCCESS' && outcome.target !== undefined && this.deps.datasetIdOf ? await this.deps.datasetIdOf(q.sandboxId, outcome.target).catch(() => undefined) : undefined;
    const ended = this.deps.clock.now();
    const { target: _t, ...fields } = outcome;
    const done = await this.transition(q, (cur) =>
      cur.state === 'IN_PROGRESS' ? { ...cur, ...fields, hasResults, ...(datasetId !== undefined ? { datasetId } : {}), elapsedTime: Math.max(0, ended - started), updated: ended } : undefined,
    );
    if (!done && hasResults) deleteResults(this.deps.dataDir, q.id);
  }

  /** Runs the statements in order on the session; the last one that returns rows is the query's result. */
  private async execute(sid: string, statements: string[], writer: ResultsWriter, r: Running, q: StoredQuery): Promise<Outcome> {
    const { engine } = this.deps;
    let isCTAS = q.isCTAS;
    let isInsertInto = q.isInsertInto;
    let rowCount = 0;
    let hadRows = false;
    let target: string | undefined;
    const stopped = (state: QueryState, e?: SqlError): Outcome => ({ state, errors: e ? [sqlErr(e)] : [], rowCount, isCTAS, isInsertInto });
    for (const stmt of statements) {
      if (r.cancelled) return stopped('CANCELLED');
      const s = await engine.startPortal(sid, '', stmt, [], [], []);
      if (!s.ok) return s.error.code === SQLSTATE.queryCanceled || r.cancelled ? stopped('CANCELLED') : stopped('FAILED', s.error);
      const returnsRows = s.value.columns !== null;
      let first = true;
      let rows = 0;
      let tag: string | undefined;
      for (;;) {
        if (r.cancelled) {
          await engine.closePortal(sid, '');
          return stopped('CANCELLED');
        }
        const c = await engine.fetchJson(sid, '', FETCH_ROWS);
        if (!c.ok) return c.error.code === SQLSTATE.queryCanceled || r.cancelled ? stopped('CANCELLED') : stopped('FAILED', c.error);
        if (returnsRows && first) await writer.begin(c.value.columns);
        first = false;
        if (returnsRows) await writer.append(c.value.rows);
        rows += c.value.rows.length;
        if (!c.value.suspended) {
          tag = c.value.commandTag;
          break;
        }
      }
      await engine.closePortal(sid, '');
      const t = targetTable(stmt);
      if (tag?.startsWith('CREATE TABLE AS') || t?.kind === 'ctas') isCTAS = true;
      if (tag?.startsWith('INSERT') || t?.kind === 'insert') isInsertInto = true;
      if (t) target = t.table;
      if (returnsRows) {
        hadRows = true;
        rowCount = rows;
      } else if (!hadRows) rowCount = tagCount(tag);
    }
    return { state: 'SUCCESS', errors: [], rowCount, isCTAS, isInsertInto, ...(target !== undefined ? { target } : {}) };
  }
}
