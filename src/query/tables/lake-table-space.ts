import type { DuckDBConnection } from '@duckdb/node-api';
import type { Lake } from '../../lake/lake.js';
import type { CatalogService } from '../../catalog/catalog-service.js';
import type { SchemaRegistry } from '../../schema/schema-registry.js';
import type { Clock } from '../../shared/clock.js';
import { KeyedSerial } from '../../shared/serial.js';
import { ok, err, type Result } from '../../shared/result.js';
import { isObj } from '../../shared/objects.js';
import { TABLE_TAG, type Dataset } from '../../catalog/catalog-types.js';
import { globalOfType } from '../../schema/global/index.js';
import type { JsonSchema } from '../../schema/global/field-types.js';
import { SQLSTATE, type SessionSpec, type SqlError } from '../engine/query-engine.js';
import type { SessionView, TableSpace } from './table-space.js';
import { QueryTables, catalogSchema, flatSchema, querySchema, type TableDef } from './query-tables.js';
import { xdmColumns, type QueryColumn } from './xdm-column-types.js';
import { catalogStatements, tableOid, type CatalogTable } from './pg-catalog.js';
import { pgCompat } from './pg-compat.js';
import { createFlattenView } from './flatten-views.js';
import { dbNameOf, sessionView } from './session-view.js';
import { CtasWriter } from './ctas.js';

export interface LakeTableSpaceDeps {
  lake: Lake;
  catalog: CatalogService;
  schemas: SchemaRegistry;
  clock: Clock;
  /** Schema tenant id for CTAS schemas (`_<tenant>` namespace rules); default `kith` (the config's default). */
  tenantId?: string;
  /** Where background catch-up failures go (default: nowhere; `prepare` reports its own). */
  onError?: (e: unknown) => void;
  /**
   * Least time between two background catch-ups (ms, default 1000): under load the lake commits several times a
   * second, and each catch-up is a DuckDB transaction of its own; sessions catch up in `prepare` regardless.
   */
  catchUpEveryMs?: number;
}

/** Tags marking datasets the platform writes itself (segmentation's audience membership events). */
const SYSTEM_TAG = 'kith/system';
const TABLE_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * The tables a Query Service session sees, on the lake's DuckDB instance: typed query tables per dataset
 * (`QueryTables`, kept current after lake commits and before each session's statement), FLATTEN views, the
 * sandbox's pg_catalog / information_schema copies and catalog macros, psql/JDBC syntax rewrites, and
 * CTAS / INSERT INTO / DROP TABLE as Catalog datasets.
 *
 * Columns: from the dataset's XDM schema (resolved with all its field groups). System datasets (segmentation's
 * membership events carry `segmentMembership` and `_kith` beyond their ExperienceEvent schema) and datasets without
 * a usable schema take their structure from the data (`json_group_structure`, merged incrementally), over the
 * schema's own fields, so every field the rows carry is a typed column.
 */
export class LakeTableSpace implements TableSpace {
  private readonly tables = new QueryTables();
  private readonly perSandbox = new KeyedSerial();
  /** Catalog / flatten signatures last written per sandbox (in this process). */
  private readonly catalogSig = new Map<string, string>();
  private readonly flatSig = new Map<string, string>();
  private readonly dirty = new Map<string, Set<string>>();
  private bg: DuckDBConnection | undefined;
  private draining: Promise<void> | undefined;
  private closed = false;
  private readonly ctas: CtasWriter;
  private static fallbackFields: Record<string, JsonSchema> | undefined;

  private constructor(private readonly deps: LakeTableSpaceDeps) {
    this.ctas = new CtasWriter({ ...deps, tenantId: deps.tenantId ?? 'kith', tables: this.tables, defsOf: (sb) => this.defsOf(sb) });
  }

  static create(deps: LakeTableSpaceDeps): LakeTableSpace {
    return new LakeTableSpace(deps);
  }

  /** Follows lake commits: typed tables catch up in the background (coalesced, on a connection of their own). */
  private warming: Promise<void> | undefined;

  async start(): Promise<void> {
    this.bg = await this.deps.lake.connect();
    this.deps.lake.onCommitted((touched) => {
      if (this.closed) return;
      for (const { sandboxId, table } of touched) {
        this.tables.noteCommitted(sandboxId, table);
        (this.dirty.get(sandboxId) ?? this.dirty.set(sandboxId, new Set()).get(sandboxId)!).add(table);
      }
      // never inside the lake's commit: the listener only records, the catch-up runs later, for all commits meanwhile
      this.draining ??= new Promise<void>((resolve) => setTimeout(resolve, this.deps.catchUpEveryMs ?? 1000)).then(() => this.drain());
    });
  }

  /**
   * Brings every dataset of these sandboxes up to date in the background (at start: a lake that grew while the typed
   * tables did not follow, or that predates them, must not make the first connection wait for minutes).
   */
  warm(sandboxIds: string[]): void {
    if (this.closed || !this.bg) return;
    this.warming = (async () => {
      for (const sandboxId of sandboxIds) {
        const names = (await this.defsOf(sandboxId)).map((d) => d.table);
        if (names.length === 0) continue;
        const set = this.dirty.get(sandboxId) ?? this.dirty.set(sandboxId, new Set()).get(sandboxId)!;
        for (const n of names) set.add(n);
      }
      this.draining ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
    })().catch((e: unknown) => this.deps.onError?.(e));
  }

  /** Resolves when the background catch-up has nothing left to do (tests synchronise on it). */
  async idle(): Promise<void> {
    await this.warming;
    while (this.draining) await this.draining;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
    this.bg?.closeSync();
    this.bg = undefined;
  }

  private async drain(): Promise<void> {
    try {
      while (this.dirty.size > 0 && this.bg && !this.closed) {
        const [sandboxId, names] = this.dirty.entries().next().value as [string, Set<string>];
        this.dirty.delete(sandboxId);
        const defs = await this.defsOf(sandboxId);
        for (const def of defs) {
          if (!names.has(def.table)) continue;
          const r = await this.tables.catchUp(this.bg, def);
          if (!r.ok) this.deps.onError?.(new Error(r.error));
        }
      }
    } catch (e) {
      this.deps.onError?.(e);
    } finally {
      this.draining = undefined;
    }
  }

  // ---- the datasets of a sandbox -------------------------------------------------------------------

  /** XDM fields the global field groups define (typing data fields a dataset's schema lacks, e.g. `segmentMembership`). */
  private async fallback(sandboxId: string): Promise<Record<string, JsonSchema>> {
    if (LakeTableSpace.fallbackFields) return LakeTableSpace.fallbackFields;
    const out: Record<string, JsonSchema> = {};
    for (const fg of globalOfType('mixins')) {
      const f = await this.deps.schemas.flattenOf(sandboxId, fg);
      for (const [k, v] of Object.entries(f.properties)) if (!(k in out) && concrete(v)) out[k] = v;
    }
    return (LakeTableSpace.fallbackFields = out);
  }

  private async defOf(ds: Dataset): Promise<TableDef | undefined> {
    const table = ds.tags[TABLE_TAG]?.[0];
    if (!table || !TABLE_NAME.test(table)) return undefined;
    const base = { sandboxId: ds.sandboxId, table, datasetId: ds.id, datasetName: ds.name, description: ds.description };
    const res = await this.deps.schemas.resolve(ds.sandboxId, ds.schemaRef.id);
    const flat = res ? await this.deps.schemas.flattenOf(ds.sandboxId, res) : undefined;
    const usable = flat && flat.errors.length === 0 ? flat.properties : undefined;
    if (usable && !ds.tags[SYSTEM_TAG]) {
      const cols = xdmColumns(usable);
      if (cols.ok) return { ...base, source: { kind: 'schema', columns: cols.value } };
      this.deps.onError?.(new Error(`dataset ${ds.id} (${table}): ${cols.error}; its columns come from the data`));
    }
    const known = usable && xdmColumns(usable).ok ? usable : {};
    return { ...base, source: { kind: 'data', known, fallback: await this.fallback(ds.sandboxId) } };
  }

  async defsOf(sandboxId: string): Promise<Array<TableDef & { datasetName: string }>> {
    const out: Array<TableDef & { datasetName: string }> = [];
    const seen = new Set<string>();
    for (const ds of await this.deps.catalog.listDatasets(sandboxId)) {
      const d = await this.defOf(ds);
      if (d && !seen.has(d.table)) {
        seen.add(d.table);
        out.push(d as TableDef & { datasetName: string });
      }
    }
    return out.sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0));
  }

  // ---- TableSpace ----------------------------------------------------------------------------------

  async prepare(conn: DuckDBConnection, spec: SessionSpec): Promise<Result<SessionView, SqlError>> {
    try {
      const defs = await this.defsOf(spec.sandboxId);
      const ready: Array<{ def: TableDef & { datasetName: string }; columns: QueryColumn[] }> = [];
      for (const def of defs) {
        const r = await this.tables.catchUp(conn, def);
        if (r.ok) ready.push({ def, columns: r.value });
        else this.deps.onError?.(new Error(r.error)); // one broken dataset must not take the others away
      }
      await this.perSandbox.run(spec.sandboxId, () => this.refreshSandbox(conn, spec, ready));
      return ok(sessionView(spec, new Set(ready.map((x) => x.def.table))));
    } catch (e) {
      return err({ code: SQLSTATE.internalError, message: `preparing the sandbox's tables failed: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  /** Rebuilds the catalog schema (and FLATTEN views) when the sandbox's tables or their columns changed. */
  private async refreshSandbox(conn: DuckDBConnection, spec: SessionSpec, ready: Array<{ def: TableDef & { datasetName: string }; columns: QueryColumn[] }>): Promise<void> {
    const sb = spec.sandboxId;
    // a sandbox without datasets yet still needs its schemas: they are on every session's search_path (called
    // inside the sandbox's serial, so two sessions opening at once never alter the catalog at once)
    await conn.run(`CREATE SCHEMA IF NOT EXISTS ${querySchema(sb)}`);
    if (spec.flatten) await conn.run(`CREATE SCHEMA IF NOT EXISTS ${flatSchema(sb)}`);
    const sig = JSON.stringify([dbNameOf(spec), spec.orgId, ready.map((x) => [x.def.table, x.def.datasetId, x.def.datasetName, x.def.description ?? null, x.columns])]);
    if (this.catalogSig.get(sb) !== sig) {
      const taken = new Set<number>();
      const tables: CatalogTable[] = ready.map(({ def, columns }) => ({
        name: def.table,
        oid: tableOid(def.table, taken),
        datasetId: def.datasetId,
        datasetName: def.datasetName,
        description: def.description,
        columns,
      }));
      await conn.run('BEGIN');
      try {
        // typed tables whose dataset is gone
        const names = new Set(tables.map((t) => t.name));
        const r = await conn.runAndReadAll('SELECT table_name FROM duckdb_tables() WHERE schema_name = $1', [querySchema(sb)]);
        const orphans = r.getRows().map((row) => String(row[0])).filter((n) => !names.has(n));
        for (const stmt of catalogStatements(catalogSchema(sb), { dbName: dbNameOf(spec), owner: spec.orgId, tables })) await conn.run(stmt);
        await conn.run('COMMIT');
        for (const o of orphans) await this.tables.drop(conn, sb, o);
      } catch (e) {
        await conn.run('ROLLBACK').catch(() => undefined);
        throw e;
      }
      this.catalogSig.set(sb, sig);
    }
    if (spec.flatten && this.flatSig.get(sb) !== sig) {
      for (const { def } of ready) await createFlattenView(conn, flatSchema(sb), querySchema(sb), def.table);
      this.flatSig.set(sb, sig);
    }
  }

  pgCompat(sql: string): string {
    return pgCompat(sql);
  }

  /** AEP's SHOW TABLES columns (name, type, dataSetId, dataSet, description, labels) over the sandbox's catalog. */
  showTables(_spec: SessionSpec): string {
    return `SELECT name, 'table' AS type, dataset_id AS "dataSetId", dataset_name AS "dataSet", description, '' AS labels FROM pg_catalog.kith_datasets ORDER BY name`;
  }

  async createTableAs(conn: DuckDBConnection, spec: SessionSpec, table: string, select: string, options: { schemaTitle?: string }): Promise<Result<number, SqlError>> {
    return this.ctas.createTableAs(conn, spec, table, select, options);
  }

  async insertInto(conn: DuckDBConnection, spec: SessionSpec, table: string, select: string): Promise<Result<number, SqlError>> {
    return this.ctas.insertInto(conn, spec, table, select);
  }

  async dropTable(conn: DuckDBConnection, spec: SessionSpec, table: string, ifExists: boolean): Promise<Result<void, SqlError>> {
    return this.ctas.dropTable(conn, spec, table, ifExists);
  }
}

/** A field whose shape XDM fixes (not an open object): worth typing data by. */
function concrete(v: JsonSchema): boolean {
  if (!isObj(v)) return false;
  if (v.type === 'object') return isObj(v.properties) || isObj(v.additionalProperties);
  return typeof v.type === 'string';
}
