import { DuckDBListType, DuckDBMapType, DuckDBStructType, DuckDBTypeId, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import type { Lake } from '../../lake/lake.js';
import type { CatalogService } from '../../catalog/catalog-service.js';
import type { SchemaRegistry } from '../../schema/schema-registry.js';
import type { SandboxContext } from '../../http/request-context.js';
import type { Clock } from '../../shared/clock.js';
import type { JsonSchema } from '../../schema/global/field-types.js';
import { ADHOC } from '../../schema/global/classes.js';
import { TABLE_TAG, type Dataset } from '../../catalog/catalog-types.js';
import { randomHex, uuid } from '../../shared/ids.js';
import { isObj } from '../../shared/objects.js';
import { ok, err, type Result } from '../../shared/result.js';
import { SQLSTATE, type SessionSpec, type SqlError } from '../engine/query-engine.js';
import { quoteIdent } from './xdm-column-types.js';
import type { QueryTables, TableDef } from './query-tables.js';

/** Tag on datasets CTAS made: only those may be dropped with DROP TABLE. */
export const CREATED_BY_TAG = 'kith/created-by';
export const CREATED_BY_QUERY_SERVICE = 'query-service';
const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const INVALID_NAME = '42602';
const DATATYPE_MISMATCH = '42804';
const UNDEFINED_OBJECT = '42704';

export interface CtasDeps {
  lake: Lake;
  catalog: CatalogService;
  schemas: SchemaRegistry;
  clock: Clock;
  tenantId: string;
  tables: QueryTables;
  defsOf(sandboxId: string): Promise<TableDef[]>;
}

type Column = { name: string; type: DuckDBType };

/** A DuckDB error as a PostgreSQL one (the statement's own mistakes keep DuckDB's message). */
export function sqlErrorOf(e: unknown): SqlError {
  const message = e instanceof Error ? e.message : String(e);
  const code = /^Parser Error/.test(message)
    ? SQLSTATE.syntaxError
    : /^Catalog Error: Table/.test(message)
      ? SQLSTATE.undefinedTable
      : /^Binder Error: .*column/i.test(message)
        ? SQLSTATE.undefinedColumn
        : /^(Conversion|Invalid Input|Out of Range) Error/.test(message)
          ? SQLSTATE.dataException
          : /^Catalog Error: Scalar Function/.test(message)
            ? SQLSTATE.undefinedFunction
            : SQLSTATE.internalError;
  return { code, message: message.split('\n')[0]! };
}

/** The XDM (JSON Schema) field of a result column's DuckDB type. */
export function xdmFieldOf(t: DuckDBType): JsonSchema {
  if (t.alias === 'JSON') return {};
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { type: 'boolean' };
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return { type: 'integer' };
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
      return { type: 'number' };
    case DuckDBTypeId.DATE:
      return { type: 'string', format: 'date' };
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_NS:
      return { type: 'string', format: 'date-time' };
    case DuckDBTypeId.STRUCT: {
      const s = t as DuckDBStructType;
      return { type: 'object', properties: Object.fromEntries(s.entryNames.map((n, i) => [n, xdmFieldOf(s.entryTypes[i]!)])) };
    }
    case DuckDBTypeId.LIST:
      return { type: 'array', items: xdmFieldOf((t as DuckDBListType).valueType) };
    case DuckDBTypeId.MAP:
      return { type: 'object', 'meta:xdmType': 'map', additionalProperties: xdmFieldOf((t as DuckDBMapType).valueType) };
    default:
      return { type: 'string' };
  }
}

/** The coarse kind of a field, for checking a result against an existing schema. */
function kindOf(f: JsonSchema): string {
  if (!isObj(f) || f.type === undefined) return 'json';
  if (f.type === 'string') return f.format === 'date-time' ? 'date-time' : f.format === 'date' ? 'date' : 'string';
  if (f.type === 'object') return isObj(f.properties) && Object.keys(f.properties).length ? 'object' : isObj(f.additionalProperties) ? 'map' : 'json';
  return String(f.type);
}

function compatible(schemaKind: string, resultKind: string): boolean {
  if (schemaKind === resultKind || schemaKind === 'json') return true;
  if (schemaKind === 'number' && resultKind === 'integer') return true;
  // ISO text is a valid date/date-time value, and a timestamp's text a valid string
  if ((schemaKind === 'date-time' || schemaKind === 'date') && resultKind === 'string') return true;
  if (schemaKind === 'object' && resultKind === 'map') return true;
  return false;
}

const PG_KIND: Record<string, string> = { string: 'text', integer: 'bigint', number: 'double precision', boolean: 'boolean', 'date-time': 'timestamp with time zone', date: 'date', object: 'record', map: 'map', array: 'array', json: 'json' };

/**
 * CREATE TABLE AS / INSERT INTO / DROP TABLE as Catalog datasets: the SELECT runs into a temporary table on the
 * session's connection, its rows go to the lake as XDM JSON (`to_json` of the row) under a new Catalog batch, and the
 * typed query table follows like any dataset's. A CTAS dataset gets an ad hoc schema derived from the result (an
 * ad hoc tenant class plus a schema whose own fields are the result's columns, so the table's columns are the
 * SELECT's), or, with `WITH (schema='<title>')`, the named schema, which the result must fit.
 */
export class CtasWriter {
  constructor(private readonly deps: CtasDeps) {}

  private ctx(spec: SessionSpec): SandboxContext {
    return {
      orgId: spec.orgId,
      tenantId: this.deps.tenantId,
      actor: spec.user,
      requestId: 'query-service',
      sandbox: {
        id: spec.sandboxId,
        orgId: spec.orgId,
        name: spec.sandboxName,
        title: spec.sandboxName,
        type: spec.sandboxName === 'prod' ? 'production' : 'development',
        isDefault: spec.sandboxName === 'prod',
        state: 'active',
        createdDate: 0,
        lastModifiedDate: 0,
        createdBy: spec.user,
        lastModifiedBy: spec.user,
      },
    };
  }

  private async datasetOf(sandboxId: string, table: string): Promise<Dataset | undefined> {
    return (await this.deps.catalog.listDatasets(sandboxId)).find((d) => d.tags[TABLE_TAG]?.[0] === table);
  }

  /** Runs the SELECT into a temporary table; returns its name and columns. */
  private async stage(conn: DuckDBConnection, select: string): Promise<Result<{ tmp: string; columns: Column[] }, SqlError>> {
    const tmp = `temp.main.kith_ctas_${randomHex(6)}`;
    try {
      await conn.run(`CREATE TEMP TABLE ${tmp.slice('temp.main.'.length)} AS ${select}`);
    } catch (e) {
      return err(sqlErrorOf(e));
    }
    const r = await conn.runAndReadAll(`SELECT * FROM ${tmp} LIMIT 0`);
    const types = r.columnTypes();
    return ok({ tmp, columns: r.columnNames().map((name, i) => ({ name, type: types[i]! })) });
  }

  /** Checks the result's columns against a schema's fields (by name; types must fit). */
  private check(columns: Column[], props: Record<string, JsonSchema>, title: string): SqlError | undefined {
    const names = new Set<string>();
    for (const c of columns) {
      if (names.has(c.name)) return { code: SQLSTATE.invalidParameterValue, message: `column "${c.name}" appears more than once in the result` };
      names.add(c.name);
      const f = props[c.name];
      if (!f) return { code: SQLSTATE.invalidParameterValue, message: `column "${c.name}" is not a field of schema "${title}"` };
      const want = kindOf(f);
      const got = kindOf(xdmFieldOf(c.type));
      if (!compatible(want, got)) return { code: DATATYPE_MISMATCH, message: `column "${c.name}" is of type ${PG_KIND[got] ?? got} but field "${c.name}" of schema "${title}" is ${PG_KIND[want] ?? want}` };
    }
    return undefined;
  }

  /** Appends the staged rows to the dataset's lake table under a new successful Catalog batch. */
  private async write(conn: DuckDBConnection, spec: SessionSpec, ds: Dataset, table: string, staged: { tmp: string; columns: Column[] }): Promise<number> {
    const has = (n: string) => staged.columns.some((c) => c.name === n);
    const idExpr = has('_id') ? 'CAST("_id" AS VARCHAR)' : 'CAST(uuid() AS VARCHAR)';
    const tsExpr = has('timestamp') ? 'epoch_ms(TRY_CAST("timestamp" AS TIMESTAMPTZ))' : 'NULL';
    const r = await conn.runAndReadAll(`SELECT ${idExpr}, ${tsExpr}, CAST(to_json(t) AS VARCHAR) FROM ${staged.tmp} t`);
    const now = this.deps.clock.now();
    const batch = await this.deps.catalog.createBatch(spec.sandboxId, { datasetId: ds.id, source: 'batch', inputFormat: { format: 'json' } }, spec.user, spec.orgId);
    const rows = r.getRows().map((row, i) => ({
      id: row[0] === null ? uuid() : String(row[0]),
      timestamp: row[1] === null ? null : Number(row[1]),
      batchId: batch.id,
      offset: i,
      ingestedAt: now,
      record: String(row[2]),
    }));
    await this.deps.lake.ensureDatasetTable(spec.sandboxId, table);
    if (rows.length) await this.deps.lake.appendRecords(spec.sandboxId, table, rows);
    await this.deps.catalog.updateBatch(spec.sandboxId, batch.id, { status: 'success', recordCount: rows.length, started: now, completed: this.deps.clock.now() });
    return rows.length;
  }

  private static tableName(table: string): Result<string, SqlError> {
    const t = table.toLowerCase();
    return TABLE_NAME.test(t) ? ok(t) : err({ code: INVALID_NAME, message: `invalid table name "${table}": use letters, digits and underscores (at most 63), not starting with a digit` });
  }

  async createTableAs(conn: DuckDBConnection, spec: SessionSpec, tableIn: string, select: string, options: { schemaTitle?: string }): Promise<Result<number, SqlError>> {
    const name = CtasWriter.tableName(tableIn);
    if (!name.ok) return name;
    const table = name.value;
    if (await this.datasetOf(spec.sandboxId, table)) return err({ code: SQLSTATE.duplicateTable, message: `relation "${table}" already exists` });
    const staged = await this.stage(conn, select);
    if (!staged.ok) return staged;
    try {
      const ctx = this.ctx(spec);
      let schemaId: string;
      if (options.schemaTitle !== undefined) {
        const s = (await this.deps.schemas.list(spec.sandboxId, 'tenant', 'schemas')).find((x) => String(x.title).toLowerCase() === options.schemaTitle!.toLowerCase());
        if (!s) return err({ code: UNDEFINED_OBJECT, message: `schema "${options.schemaTitle}" does not exist in sandbox ${spec.sandboxName}` });
        const flat = await this.deps.schemas.flattenOf(spec.sandboxId, s);
        const bad = this.check(staged.value.columns, flat.properties, String(s.title));
        if (bad) return err(bad);
        schemaId = s.$id;
      } else {
        const created = await this.adhocSchema(ctx, table, staged.value.columns);
        if (!created.ok) return created;
        schemaId = created.value;
      }
      const ds = await this.deps.catalog.createDataset(ctx, {
        name: table,
        description: `Created by CREATE TABLE AS in Query Service`,
        schemaRef: { id: schemaId, contentType: 'application/vnd.adobe.xed+json;version=1' },
        tags: { [CREATED_BY_TAG]: [CREATED_BY_QUERY_SERVICE] },
      });
      if (!ds.ok) return err({ code: SQLSTATE.duplicateTable, message: `relation "${table}" already exists (${String(ds.error.body.detail ?? ds.error.body.title)})` });
      if (ds.value.tags[TABLE_TAG]?.[0] !== table) {
        // the name was reserved by a deleted dataset (the lake keeps its rows): refuse rather than answer another name
        await this.deps.catalog.deleteDataset(ctx, ds.value.id);
        return err({ code: SQLSTATE.duplicateTable, message: `relation "${table}" already exists (its name belongs to a deleted dataset)` });
      }
      return ok(await this.write(conn, spec, ds.value, table, staged.value));
    } finally {
      await conn.run(`DROP TABLE IF EXISTS ${staged.value.tmp}`).catch(() => undefined);
    }
  }

  /** An ad hoc tenant class (no fields of its own) and a schema whose own fields are the result's columns. */
  private async adhocSchema(ctx: SandboxContext, table: string, columns: Column[]): Promise<Result<string, SqlError>> {
    const seen = new Set<string>();
    for (const c of columns) {
      if (seen.has(c.name.toLowerCase())) return err({ code: SQLSTATE.invalidParameterValue, message: `column "${c.name}" appears more than once in the result` });
      seen.add(c.name.toLowerCase());
    }
    const suffix = randomHex(4);
    const cls = await this.deps.schemas.create(ctx, 'classes', { title: `Query Service ad hoc class ${table} ${suffix}`, description: `Ad hoc class of the CTAS table ${table}`, allOf: [{ $ref: ADHOC }] });
    if (!cls.ok) return err({ code: SQLSTATE.internalError, message: `creating the table's schema failed: ${String(cls.error.body.detail ?? cls.error.body.title)}` });
    const properties = Object.fromEntries(columns.map((c) => [c.name, xdmFieldOf(c.type)]));
    const schema = await this.deps.schemas.create(ctx, 'schemas', { title: `Query Service table ${table} ${suffix}`, description: `Schema of the CTAS table ${table}`, allOf: [{ $ref: cls.value.$id }], properties });
    if (!schema.ok) return err({ code: SQLSTATE.internalError, message: `creating the table's schema failed: ${String(schema.error.body.detail ?? schema.error.body.title)}` });
    return ok(schema.value.$id);
  }

  async insertInto(conn: DuckDBConnection, spec: SessionSpec, tableIn: string, select: string): Promise<Result<number, SqlError>> {
    const table = tableIn.toLowerCase();
    const ds = await this.datasetOf(spec.sandboxId, table);
    if (!ds) return err({ code: SQLSTATE.undefinedTable, message: `relation "${tableIn}" does not exist` });
    const res = await this.deps.schemas.resolve(spec.sandboxId, ds.schemaRef.id);
    if (!res) return err({ code: UNDEFINED_OBJECT, message: `the schema of table "${table}" does not exist` });
    const staged = await this.stage(conn, select);
    if (!staged.ok) return staged;
    try {
      const flat = await this.deps.schemas.flattenOf(spec.sandboxId, res);
      const bad = this.check(staged.value.columns, flat.properties, String(res.title));
      if (bad) return err(bad);
      return ok(await this.write(conn, spec, ds, table, staged.value));
    } finally {
      await conn.run(`DROP TABLE IF EXISTS ${staged.value.tmp}`).catch(() => undefined);
    }
  }

  async dropTable(conn: DuckDBConnection, spec: SessionSpec, tableIn: string, ifExists: boolean): Promise<Result<void, SqlError>> {
    const table = tableIn.toLowerCase();
    const ds = await this.datasetOf(spec.sandboxId, table);
    if (!ds) return ifExists ? ok(undefined) : err({ code: SQLSTATE.undefinedTable, message: `table "${tableIn}" does not exist` });
    if (!(ds.tags[CREATED_BY_TAG] ?? []).includes(CREATED_BY_QUERY_SERVICE))
      return err({ code: SQLSTATE.insufficientPrivilege, message: `must be owner of table ${table}: only tables made by CREATE TABLE AS can be dropped (delete the dataset in the Catalog)` });
    const d = await this.deps.catalog.deleteDataset(this.ctx(spec), ds.id);
    if (!d.ok) return err({ code: SQLSTATE.internalError, message: String(d.error.body.detail ?? d.error.body.title) });
    await this.deps.tables.drop(conn, spec.sandboxId, table);
    // the lake's rows go too (the table name stays reserved in the Catalog, so no new dataset meets them)
    await conn.run(`DROP TABLE IF EXISTS ${this.rawName(spec.sandboxId, table)}`);
    return ok(undefined);
  }

  private rawName(sandboxId: string, table: string): string {
    return `s_${sandboxId.replace(/[^A-Za-z0-9]/g, '')}.${quoteIdent(table)}`;
  }
}
