import type { ResourceStore } from '../../store/resource-store.js';
import type { Clock } from '../../shared/clock.js';
import { uuid } from '../../shared/ids.js';
import { badRequest, notFound, type Problem } from '../../shared/problem.js';
import { err, ok, type Result } from '../../shared/result.js';
import { splitStatements } from '../engine/sql-lexer.js';
import { TEMPLATE_KIND, type StoredTemplate } from './query-types.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a template body holds: `name` and `sql` (both required, POST and PUT alike), `queryParameters` (defaults). */
function validBody(body: unknown): Result<Pick<StoredTemplate, 'name' | 'sql' | 'queryParameters'>, Problem> {
  if (!isObj(body)) return err(badRequest('Body must be a query template ({ "name": "…", "sql": "…" })'));
  if (typeof body.name !== 'string' || body.name.trim() === '') return err(badRequest('name is required'));
  if (typeof body.sql !== 'string' || splitStatements(body.sql).length === 0) return err(badRequest('sql is required (a SQL statement, with $name placeholders for queryParameters)'));
  const qp = body.queryParameters;
  if (qp !== undefined && qp !== null && (!isObj(qp) || Object.values(qp).some((v) => v !== null && typeof v === 'object')))
    return err(badRequest('queryParameters must be an object of $name → string, number or boolean'));
  return ok({ name: body.name, sql: body.sql, ...(isObj(qp) ? { queryParameters: qp } : {}) });
}

/** Query templates (`/data/foundation/query/query-templates`): named SQL with default `$name` parameters, per sandbox. */
export class TemplateService {
  constructor(
    private readonly resources: ResourceStore,
    private readonly clock: Clock,
  ) {}

  async create(sandboxId: string, userId: string, body: unknown): Promise<Result<StoredTemplate, Problem>> {
    const b = validBody(body);
    if (!b.ok) return b;
    const now = this.clock.now();
    const t: StoredTemplate = { id: uuid(), ...b.value, userId, created: now, updated: now };
    await this.resources.put(TEMPLATE_KIND, sandboxId, t.id, t);
    return ok(t);
  }

  async get(sandboxId: string, id: string): Promise<Result<StoredTemplate, Problem>> {
    const r = await this.resources.get<StoredTemplate>(TEMPLATE_KIND, sandboxId, id);
    return r ? ok(r.doc) : err(notFound(`Query template ${id} not found`));
  }

  async list(sandboxId: string): Promise<StoredTemplate[]> {
    return (await this.resources.list<StoredTemplate>(TEMPLATE_KIND, sandboxId, { limit: 1_000_000 })).map((r) => r.doc);
  }

  /** PUT: replaces name, sql and queryParameters (AEP: the body must carry name and sql). */
  async replace(sandboxId: string, userId: string, id: string, body: unknown): Promise<Result<StoredTemplate, Problem>> {
    const cur = await this.get(sandboxId, id);
    if (!cur.ok) return cur;
    const b = validBody(body);
    if (!b.ok) return b;
    const { queryParameters: _old, ...keep } = cur.value;
    const t: StoredTemplate = { ...keep, ...b.value, lastUpdatedBy: userId, updated: this.clock.now() };
    await this.resources.put(TEMPLATE_KIND, sandboxId, id, t);
    return ok(t);
  }

  async delete(sandboxId: string, id: string): Promise<Result<true, Problem>> {
    return (await this.resources.delete(TEMPLATE_KIND, sandboxId, id)) ? ok(true) : err(notFound(`Query template ${id} not found`));
  }
}
