import type { DuckDBConnection } from '@duckdb/node-api';
import { Serial } from '../../shared/serial.js';
import { err, ok, type Result } from '../../shared/result.js';
import type { SessionView } from '../tables/table-space.js';
import { SQLSTATE, type SqlError } from './query-engine.js';
import { isObject, parseAst, stringifyAst, type AstObject, type AstValue } from './ast-json.js';

/** Table functions a query may call: generators over values, never over files or the server's state. */
export const ALLOWED_TABLE_FUNCTIONS = new Set(['range', 'generate_series', 'unnest', 'json_each', 'json_tree']);
/** Scalar functions that reveal the server (environment, settings, paths): refused before the session's view is asked. */
const REFUSED_FUNCTIONS = new Set(['getenv', 'getvariable', 'current_setting', 'current_query']);
/** `current_setting` arguments that reveal nothing about the host. */
const HARMLESS_SETTINGS = new Set(['timezone', 'calendar']);
const QUERY_NODES = new Set(['SELECT_NODE', 'SET_OPERATION_NODE', 'RECURSIVE_CTE_NODE', 'CTE_NODE']);
const TABLE_REFS = new Set(['BASE_TABLE', 'JOIN', 'SUBQUERY', 'TABLE_FUNCTION', 'EXPRESSION_LIST', 'EMPTY', 'PIVOT']);
const TABLE_REF_NAMES: Record<string, string> = { SHOW_REF: 'DESCRIBE / SHOW / SUMMARIZE', COLUMN_DATA: 'a materialized relation', DELIM_GET: 'an internal relation' };

/** A SELECT parsed by DuckDB and checked: its AST (tables already mapped) and its parameter count. */
export interface CheckedSelect {
  ast: AstValue;
  paramCount: number;
}

const denied = (message: string): SqlError => ({ code: SQLSTATE.insufficientPrivilege, message });
const notSupported = (construct: string): SqlError => ({ code: SQLSTATE.featureNotSupported, message: `${construct} is not supported by the Query Service` });

/**
 * The statement gate for SELECTs: DuckDB's own parser (`json_serialize_sql`, on an engine-internal connection), a
 * walk of the whole AST (every base table mapped through the session's view, every table function checked against
 * an allow-list, every function call's schema mapped), then back to SQL (`json_deserialize_sql`). What runs is
 * always the re-rendered SQL, never the text the client sent.
 */
export class SqlGate {
  private readonly serial = new Serial();
  private readonly castTypes = new Map<string, AstValue>();

  constructor(private readonly conn: DuckDBConnection) {}

  /** Parses and checks one SELECT (after `pgCompat`), mapping its tables for `view`. */
  async check(sql: string, view: SessionView): Promise<Result<CheckedSelect, SqlError>> {
    const text = await this.scalar('SELECT json_serialize_sql($1::VARCHAR)', sql);
    if (!text.ok) return text;
    let ast: AstValue;
    try {
      ast = parseAst(text.value);
    } catch {
      return err({ code: SQLSTATE.internalError, message: 'could not read the parsed statement' });
    }
    if (!isObject(ast)) return err({ code: SQLSTATE.internalError, message: 'could not read the parsed statement' });
    if (ast.error === true) return err(parseError(ast, sql));
    const statements = ast.statements;
    if (!Array.isArray(statements) || statements.length === 0) return err({ code: SQLSTATE.syntaxError, message: 'syntax error: no statement' });
    if (statements.length > 1) return err({ code: SQLSTATE.syntaxError, message: 'cannot insert multiple commands into a prepared statement' });
    const stmt = statements[0]!;
    const walked = new Walker(view).walk(stmt, []);
    if (!walked.ok) return walked;
    if (isObject(stmt)) nameColumns(stmt.node);
    const params = isObject(stmt) && Array.isArray(stmt.named_param_map) ? stmt.named_param_map : [];
    let paramCount = 0;
    for (const p of params) {
      const key = isObject(p) ? p.key : undefined;
      if (typeof key !== 'string' || !/^[0-9]+$/.test(key)) return err({ code: SQLSTATE.syntaxError, message: 'named parameters are not supported: use $1, $2, …' });
      paramCount = Math.max(paramCount, Number(key));
    }
    return ok({ ast, paramCount });
  }

  /**
   * Back to SQL, with the parameters in `casts` (1-based index → DuckDB type) wrapped in a CAST: a parameter the
   * client typed has that type (as in PostgreSQL), and one DuckDB cannot infer becomes text.
   */
  async render(checked: CheckedSelect, casts: Map<number, string> = new Map()): Promise<Result<string, SqlError>> {
    let ast = checked.ast;
    if (casts.size > 0) {
      const types = new Map<number, AstValue>();
      for (const [i, t] of casts) {
        const ct = await this.castType(t);
        if (!ct.ok) return ct;
        types.set(i, ct.value);
      }
      ast = wrapParams(ast, types);
    }
    const sql = await this.scalar('SELECT json_deserialize_sql($1::JSON)', stringifyAst(ast));
    if (!sql.ok) return err({ ...sql.error, code: sql.error.code === SQLSTATE.internalError ? SQLSTATE.featureNotSupported : sql.error.code });
    return sql;
  }

  /** The serialized form of a DuckDB type, read from DuckDB itself (cached). */
  private async castType(type: string): Promise<Result<AstValue, SqlError>> {
    const cached = this.castTypes.get(type);
    if (cached) return ok(cached);
    if (!/^[A-Za-z][A-Za-z0-9_ (),]*$/.test(type)) return err({ code: SQLSTATE.internalError, message: `bad cast type ${type}` });
    const text = await this.scalar('SELECT json_serialize_sql($1::VARCHAR)', `SELECT CAST(NULL AS ${type})`);
    if (!text.ok) return text;
    const ast = parseAst(text.value);
    const select = isObject(ast) && Array.isArray(ast.statements) && isObject(ast.statements[0]) ? ast.statements[0].node : undefined;
    const expr = isObject(select) && Array.isArray(select.select_list) ? select.select_list[0] : undefined;
    if (!isObject(expr) || expr.cast_type === undefined) return err({ code: SQLSTATE.internalError, message: `bad cast type ${type}` });
    this.castTypes.set(type, expr.cast_type);
    return ok(expr.cast_type);
  }

  private scalar(sql: string, arg: string): Promise<Result<string, SqlError>> {
    return this.serial.run(async () => {
      try {
        const r = await this.conn.runAndReadAll(sql, [arg]);
        return ok(String(r.getRows()[0]![0]));
      } catch (e) {
        const message = (e as Error).message.replace(/^[A-Za-z ]+ Error: /, '').split('\n')[0]!;
        return err({ code: /^Parser Error/.test((e as Error).message) ? SQLSTATE.syntaxError : SQLSTATE.internalError, message });
      }
    });
  }
}

function parseError(ast: AstObject, sql: string): SqlError {
  const type = typeof ast.error_type === 'string' ? ast.error_type : '';
  const message = typeof ast.error_message === 'string' ? ast.error_message : 'syntax error';
  if (type === 'not implemented') {
    // a SELECT-looking text holding another statement kind (e.g. after a `;` the classifier did not see)
    return notSupported('a statement other than SELECT');
  }
  const pos = typeof ast.position === 'string' && /^[0-9]+$/.test(ast.position) ? Number(ast.position) : undefined;
  return { code: SQLSTATE.syntaxError, message, ...(pos !== undefined && pos < sql.length ? { position: pos + 1 } : {}) };
}

function wrapParams(v: AstValue, types: Map<number, AstValue>): AstValue {
  if (Array.isArray(v)) return v.map((x) => wrapParams(x, types));
  if (!isObject(v)) return v;
  if (v.class === 'PARAMETER' && typeof v.identifier === 'string') {
    const t = types.get(Number(v.identifier));
    if (t !== undefined) return { class: 'CAST', type: 'OPERATOR_CAST', alias: v.alias ?? '', query_location: v.query_location ?? null, child: v, cast_type: t, try_cast: false };
    return v;
  }
  const out: AstObject = {};
  for (const [k, x] of Object.entries(v)) out[k] = wrapParams(x, types);
  return out;
}

/** PostgreSQL's names for a few cast targets (`SELECT true` is named `bool`). */
const PG_TYPE_NAMES: Record<string, string> = {
  BOOLEAN: 'bool',
  SMALLINT: 'int2',
  INTEGER: 'int4',
  BIGINT: 'int8',
  FLOAT: 'float4',
  DOUBLE: 'float8',
  DECIMAL: 'numeric',
  VARCHAR: 'text',
  DATE: 'date',
  TIME: 'time',
  TIMESTAMP: 'timestamp',
  'TIMESTAMP WITH TIME ZONE': 'timestamptz',
  TIMESTAMP_TZ: 'timestamptz',
  INTERVAL: 'interval',
  BLOB: 'bytea',
  UUID: 'uuid',
};
const FUNCTION_NAMES: Record<string, string> = { count_star: 'count', list_value: 'array', struct_pack: 'row' };

/** The column name PostgreSQL gives an unaliased select-list expression. */
function pgColumnName(e: AstValue): string {
  if (!isObject(e)) return '?column?';
  if (e.class === 'COLUMN_REF' && Array.isArray(e.column_names)) return String(e.column_names[e.column_names.length - 1]);
  if (e.is_operator === true) return '?column?';
  if (e.class === 'FUNCTION' || e.class === 'AGGREGATE' || e.class === 'WINDOW') {
    const n = String(e.function_name);
    return FUNCTION_NAMES[n] ?? n;
  }
  if (e.class === 'CAST') {
    const child = e.child;
    if (isObject(child) && child.class !== 'CONSTANT') return pgColumnName(child);
    const id = isObject(e.cast_type) && typeof e.cast_type.id === 'string' ? e.cast_type.id : '';
    return PG_TYPE_NAMES[id] ?? '?column?';
  }
  if (e.class === 'CASE') return 'case';
  return '?column?';
}

/**
 * Names the outermost select list's unaliased expressions as PostgreSQL does (`count`, `bool`, `?column?`): the SQL
 * that runs is re-rendered from the AST, so without this DuckDB would name them after the rendering (`count_star()`).
 */
function nameColumns(node: AstValue | undefined): void {
  if (!isObject(node)) return;
  if (node.type === 'SET_OPERATION_NODE') return nameColumns(node.left);
  if (node.type !== 'SELECT_NODE' || !Array.isArray(node.select_list)) return;
  for (const e of node.select_list) {
    if (!isObject(e) || e.alias !== '' || e.class === 'STAR') continue;
    e.alias = pgColumnName(e);
  }
}

const lower = (v: AstValue | undefined): string => (typeof v === 'string' ? v.toLowerCase() : '');

/** Walks a parsed statement, mapping tables in place and refusing what is not allowed. */
class Walker {
  constructor(private readonly view: SessionView) {}

  walk(v: AstValue, ctes: Array<Set<string>>): Result<void, SqlError> {
    if (Array.isArray(v)) {
      for (const x of v) {
        const r = this.walk(x, ctes);
        if (!r.ok) return r;
      }
      return ok(undefined);
    }
    if (!isObject(v)) return ok(undefined);
    let scope = ctes;
    if ('modifiers' in v && typeof v.type === 'string' && !('class' in v)) {
      if (!QUERY_NODES.has(v.type)) return err(notSupported(`the query form ${v.type}`));
      // CTE names are visible in the node that defines them and everything under it (DuckDB binds the same way)
      const map = isObject(v.cte_map) && Array.isArray(v.cte_map.map) ? v.cte_map.map : [];
      const names = new Set(map.map((e) => (isObject(e) ? lower(e.key) : '')).filter((n) => n !== ''));
      if (v.type === 'RECURSIVE_CTE_NODE' && typeof v.ctename === 'string') names.add(v.ctename.toLowerCase());
      if (names.size > 0) scope = [...ctes, names];
    } else if ('sample' in v && 'alias' in v && 'query_location' in v && !('class' in v) && typeof v.type === 'string') {
      const r = this.tableRef(v, scope);
      if (!r.ok) return r;
      if (r.value) return ok(undefined);
    } else if (typeof v.class === 'string' && typeof v.function_name === 'string') {
      const r = this.func(v);
      if (!r.ok) return r;
    }
    for (const x of Object.values(v)) {
      const r = this.walk(x, scope);
      if (!r.ok) return r;
    }
    return ok(undefined);
  }

  /** Checks (and maps) a table reference; true when it walked its parts itself. */
  private tableRef(v: AstObject, ctes: Array<Set<string>>): Result<boolean, SqlError> {
    const type = v.type as string;
    if (!TABLE_REFS.has(type)) return err(notSupported(TABLE_REF_NAMES[type] ?? `the table reference ${type}`));
    if (type === 'BASE_TABLE') {
      if (v.at_clause !== null && v.at_clause !== undefined) return err(notSupported('AT (time travel)'));
      const ref = { catalog: typeof v.catalog_name === 'string' ? v.catalog_name : '', schema: typeof v.schema_name === 'string' ? v.schema_name : '', name: typeof v.table_name === 'string' ? v.table_name : '' };
      if (ref.catalog === '' && ref.schema === '' && ctes.some((s) => s.has(ref.name.toLowerCase()))) return ok(false);
      const mapped = this.view.resolveTable(ref);
      if (!mapped.ok) return mapped;
      v.catalog_name = mapped.value.catalog;
      v.schema_name = mapped.value.schema;
      v.table_name = mapped.value.name;
      return ok(false);
    }
    if (type !== 'TABLE_FUNCTION') return ok(false);
    const f = v.function;
    if (!isObject(f) || typeof f.function_name !== 'string') return err(notSupported('this table function form'));
    const schema = lower(f.schema);
    const name = f.function_name.toLowerCase();
    if (!ALLOWED_TABLE_FUNCTIONS.has(name) || (lower(f.catalog) !== '' && lower(f.catalog) !== 'system') || (schema !== '' && schema !== 'pg_catalog' && schema !== 'main'))
      return err(denied(`table function ${f.function_name} is not allowed in the Query Service`));
    f.schema = '';
    f.catalog = '';
    // the call itself is not a scalar function call: walk its arguments and the reference's other parts only
    for (const [k, x] of [...Object.entries(f).filter(([k]) => k !== 'function_name'), ...Object.entries(v).filter(([k]) => k !== 'function')]) {
      if (k === 'type' || k === 'class') continue;
      const r = this.walk(x, ctes);
      if (!r.ok) return r;
    }
    return ok(true);
  }

  private func(v: AstObject): Result<void, SqlError> {
    const name = (v.function_name as string).toLowerCase();
    if (REFUSED_FUNCTIONS.has(name)) {
      const arg = Array.isArray(v.children) ? v.children[0] : undefined;
      const constant = isObject(arg) && arg.class === 'CONSTANT' && isObject(arg.value) ? arg.value.value : undefined;
      if (!(name === 'current_setting' && typeof constant === 'string' && HARMLESS_SETTINGS.has(constant.toLowerCase())))
        return err(denied(`function ${v.function_name as string} is not allowed in the Query Service`));
    }
    const mapped = this.view.resolveFunction({ catalog: typeof v.catalog === 'string' ? v.catalog : '', schema: typeof v.schema === 'string' ? v.schema : '', name: v.function_name as string });
    if (!mapped.ok) return mapped;
    if (typeof v.catalog === 'string') v.catalog = mapped.value.catalog;
    if (typeof v.schema === 'string') v.schema = mapped.value.schema;
    v.function_name = mapped.value.name;
    return ok(undefined);
  }
}
