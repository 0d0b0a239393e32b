import { lit } from './query-tables.js';
import { quoteIdent, type QueryColumn } from './xdm-column-types.js';
import { PG_TYPES, pgTypeOf } from './pg-type-map.js';

/** A table as the sandbox's catalog shows it. */
export interface CatalogTable {
  name: string;
  oid: number;
  datasetId: string;
  datasetName: string;
  description?: string;
  columns: QueryColumn[];
}

export interface CatalogInput {
  /** `prod:all`: pg_database's one row, current_database(). */
  dbName: string;
  /** Owner shown for everything (the org id, the user name AEP clients log in with). */
  owner: string;
  tables: CatalogTable[];
}

export const NS_PG_CATALOG = 11;
export const NS_PUBLIC = 2200;
export const NS_INFORMATION_SCHEMA = 13000;
const OWNER_OID = 10;
const DB_OID = 16384;

/** PostgreSQL's own oids of the system catalogs clients name in `'pg_class'::regclass` (pgjdbc's REMARKS join). */
export const SYSTEM_RELATION_OIDS: Record<string, number> = {
  pg_type: 1247,
  pg_attribute: 1249,
  pg_proc: 1255,
  pg_class: 1259,
  pg_namespace: 2615,
  pg_constraint: 2606,
  pg_database: 1262,
  pg_description: 2609,
  pg_index: 2610,
};

/** A stable oid for a sandbox's table (same name → same oid across restarts), above PostgreSQL's reserved range. */
export function tableOid(name: string, taken: Set<number>): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  let oid = 16385 + (h % 2_000_000_000);
  while (taken.has(oid)) oid++;
  taken.add(oid);
  return oid;
}

type Col = [name: string, type: string];
/** One catalog relation: its columns (PostgreSQL's names, DuckDB types) and rows. */
interface Relation {
  cols: Col[];
  rows: unknown[][];
}

const c = (spec: string): Col[] =>
  spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [n, t] = s.split(':');
      return [n!, t ?? 'VARCHAR'];
    });

/** SQL literal of a row value. */
function val(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return `[${v.map(val).join(', ')}]`;
  return lit(String(v));
}

/** Every relation of the sandbox's pg_catalog (the ones psql's \d family and pgjdbc's DatabaseMetaData read). */
function pgCatalog(input: CatalogInput): Record<string, Relation> {
  const { tables, owner, dbName } = input;
  const attrs: unknown[][] = [];
  for (const t of tables)
    t.columns.forEach((col, i) => {
      const pt = pgTypeOf(col.type);
      attrs.push([t.oid, col.name, pt.oid, -1, pt.len, i + 1, 0, -1, -1, pt.len > 0 && pt.len <= 8, pt.len === -1 ? 'x' : 'p', 'd', false, false, false, '', '', false, true, 0, pt.category === 'S' ? 100 : 0, '', null, null, null]);
    });
  return {
    pg_namespace: {
      cols: c('oid:BIGINT, nspname, nspowner:BIGINT, nspacl:VARCHAR[]'),
      rows: [
        [NS_PG_CATALOG, 'pg_catalog', OWNER_OID, null],
        [NS_PUBLIC, 'public', OWNER_OID, null],
        [NS_INFORMATION_SCHEMA, 'information_schema', OWNER_OID, null],
      ],
    },
    pg_class: {
      cols: c(
        'oid:BIGINT, relname, relnamespace:BIGINT, reltype:BIGINT, reloftype:BIGINT, relowner:BIGINT, relam:BIGINT, relfilenode:BIGINT, reltablespace:BIGINT, relpages:INTEGER, reltuples:REAL, relallvisible:INTEGER, reltoastrelid:BIGINT, relhasindex:BOOLEAN, relisshared:BOOLEAN, relpersistence, relkind, relnatts:SMALLINT, relchecks:SMALLINT, relhasrules:BOOLEAN, relhastriggers:BOOLEAN, relhassubclass:BOOLEAN, relrowsecurity:BOOLEAN, relforcerowsecurity:BOOLEAN, relispopulated:BOOLEAN, relreplident, relispartition:BOOLEAN, relrewrite:BIGINT, relfrozenxid:BIGINT, relminmxid:BIGINT, relacl:VARCHAR[], reloptions:VARCHAR[], relpartbound',
      ),
      rows: tables.map((t) => [t.oid, t.name, NS_PUBLIC, 0, 0, OWNER_OID, 2, t.oid, 0, 0, -1, 0, 0, false, false, 'p', 'r', t.columns.length, 0, false, false, false, false, false, true, 'd', false, 0, 0, 0, null, null, null]),
    },
    pg_attribute: {
      cols: c(
        'attrelid:BIGINT, attname, atttypid:BIGINT, attstattarget:INTEGER, attlen:SMALLINT, attnum:SMALLINT, attndims:INTEGER, attcacheoff:INTEGER, atttypmod:INTEGER, attbyval:BOOLEAN, attstorage, attalign, attnotnull:BOOLEAN, atthasdef:BOOLEAN, atthasmissing:BOOLEAN, attidentity, attgenerated, attisdropped:BOOLEAN, attislocal:BOOLEAN, attinhcount:INTEGER, attcollation:BIGINT, attcompression, attacl:VARCHAR[], attoptions:VARCHAR[], attfdwoptions:VARCHAR[]',
      ),
      rows: attrs,
    },
    pg_type: {
      cols: c(
        'oid:BIGINT, typname, typnamespace:BIGINT, typowner:BIGINT, typlen:SMALLINT, typbyval:BOOLEAN, typtype, typcategory, typispreferred:BOOLEAN, typisdefined:BOOLEAN, typdelim, typrelid:BIGINT, typsubscript, typelem:BIGINT, typarray:BIGINT, typinput, typoutput, typreceive, typsend, typmodin, typmodout, typanalyze, typalign, typstorage, typnotnull:BOOLEAN, typbasetype:BIGINT, typtypmod:INTEGER, typndims:INTEGER, typcollation:BIGINT, typdefaultbin, typdefault, typacl:VARCHAR[]',
      ),
      rows: PG_TYPES.map((t) => {
        const elem = t.category === 'A' ? (PG_TYPES.find((x) => x.array === t.oid)?.oid ?? 0) : 0;
        return [t.oid, t.name, NS_PG_CATALOG, OWNER_OID, t.len, t.len > 0 && t.len <= 8, 'b', t.category, false, true, ',', 0, '-', elem, t.array, `${t.name}in`, `${t.name}out`, `${t.name}recv`, `${t.name}send`, '-', '-', '-', t.len === 8 ? 'd' : 'i', t.len === -1 ? 'x' : 'p', false, 0, -1, 0, t.category === 'S' ? 100 : 0, null, null, null];
      }),
    },
    pg_database: {
      cols: c(
        'oid:BIGINT, datname, datdba:BIGINT, encoding:INTEGER, datlocprovider, datistemplate:BOOLEAN, datallowconn:BOOLEAN, datconnlimit:INTEGER, datfrozenxid:BIGINT, datminmxid:BIGINT, dattablespace:BIGINT, datcollate, datctype, daticulocale, datcollversion, datacl:VARCHAR[]',
      ),
      rows: [[DB_OID, dbName, OWNER_OID, 6, 'c', false, true, -1, 0, 0, 1663, 'C.UTF-8', 'C.UTF-8', null, null, null]],
    },
    pg_roles: {
      cols: c('rolname, rolsuper:BOOLEAN, rolinherit:BOOLEAN, rolcreaterole:BOOLEAN, rolcreatedb:BOOLEAN, rolcanlogin:BOOLEAN, rolreplication:BOOLEAN, rolconnlimit:INTEGER, rolpassword, rolvaliduntil:TIMESTAMPTZ, rolbypassrls:BOOLEAN, rolconfig:VARCHAR[], oid:BIGINT'),
      rows: [[owner, false, true, false, false, true, false, -1, '********', null, false, null, OWNER_OID]],
    },
    pg_user: {
      cols: c('usename, usesysid:BIGINT, usecreatedb:BOOLEAN, usesuper:BOOLEAN, userepl:BOOLEAN, usebypassrls:BOOLEAN, passwd, valuntil:TIMESTAMPTZ, useconfig:VARCHAR[]'),
      rows: [[owner, OWNER_OID, false, false, false, false, '********', null, null]],
    },
    pg_settings: {
      cols: c('name, setting, unit, category, short_desc, extra_desc, context, vartype, source, min_val, max_val, enumvals:VARCHAR[], boot_val, reset_val, sourcefile, sourceline:INTEGER, pending_restart:BOOLEAN'),
      rows: [
        ['client_encoding', 'UTF8'],
        ['server_encoding', 'UTF8'],
        ['DateStyle', 'ISO, MDY'],
        ['TimeZone', 'UTC'],
        ['standard_conforming_strings', 'on'],
        ['integer_datetimes', 'on'],
        ['max_identifier_length', '63'],
        ['search_path', 'public'],
        ['transaction_isolation', 'read committed'],
      ].map(([n, v]) => [n, v, null, 'Client Connection Defaults', '', null, 'user', 'string', 'default', null, null, null, v, v, null, null, false]),
    },
    pg_am: { cols: c('oid:BIGINT, amname, amhandler, amtype'), rows: [[2, 'heap', 'heap_tableam_handler', 't']] },
    pg_description: {
      cols: c('objoid:BIGINT, classoid:BIGINT, objsubid:INTEGER, description'),
      rows: tables.filter((t) => t.description).map((t) => [t.oid, SYSTEM_RELATION_OIDS.pg_class, 0, t.description]),
    },
    pg_shdescription: { cols: c('objoid:BIGINT, classoid:BIGINT, description'), rows: [] },
    pg_tables: {
      cols: c('schemaname, tablename, tableowner, tablespace, hasindexes:BOOLEAN, hasrules:BOOLEAN, hastriggers:BOOLEAN, rowsecurity:BOOLEAN'),
      rows: tables.map((t) => ['public', t.name, owner, null, false, false, false, false]),
    },
    pg_views: { cols: c('schemaname, viewname, viewowner, definition'), rows: [] },
    pg_matviews: { cols: c('schemaname, matviewname, matviewowner, tablespace, hasindexes:BOOLEAN, ispopulated:BOOLEAN, definition'), rows: [] },
    pg_index: {
      cols: c(
        'indexrelid:BIGINT, indrelid:BIGINT, indnatts:SMALLINT, indnkeyatts:SMALLINT, indisunique:BOOLEAN, indnullsnotdistinct:BOOLEAN, indisprimary:BOOLEAN, indisexclusion:BOOLEAN, indimmediate:BOOLEAN, indisclustered:BOOLEAN, indisvalid:BOOLEAN, indcheckxmin:BOOLEAN, indisready:BOOLEAN, indislive:BOOLEAN, indisreplident:BOOLEAN, indkey:SMALLINT[], indcollation:BIGINT[], indclass:BIGINT[], indoption:SMALLINT[], indexprs, indpred',
      ),
      rows: [],
    },
    pg_constraint: {
      cols: c(
        'oid:BIGINT, conname, connamespace:BIGINT, contype, condeferrable:BOOLEAN, condeferred:BOOLEAN, convalidated:BOOLEAN, conrelid:BIGINT, contypid:BIGINT, conindid:BIGINT, conparentid:BIGINT, confrelid:BIGINT, confupdtype, confdeltype, confmatchtype, conislocal:BOOLEAN, coninhcount:INTEGER, connoinherit:BOOLEAN, conkey:SMALLINT[], confkey:SMALLINT[], conpfeqop:BIGINT[], conppeqop:BIGINT[], conffeqop:BIGINT[], conexclop:BIGINT[], conbin',
      ),
      rows: [],
    },
    pg_inherits: { cols: c('inhrelid:BIGINT, inhparent:BIGINT, inhseqno:INTEGER, inhdetachpending:BOOLEAN'), rows: [] },
    pg_attrdef: { cols: c('oid:BIGINT, adrelid:BIGINT, adnum:SMALLINT, adbin'), rows: [] },
    pg_collation: { cols: c('oid:BIGINT, collname, collnamespace:BIGINT, collowner:BIGINT, collprovider, collisdeterministic:BOOLEAN, collencoding:INTEGER, collcollate, collctype'), rows: [] },
    pg_proc: {
      cols: c('oid:BIGINT, proname, pronamespace:BIGINT, proowner:BIGINT, prolang:BIGINT, procost:REAL, prorows:REAL, provariadic:BIGINT, prosupport, prokind, prosecdef:BOOLEAN, proleakproof:BOOLEAN, proisstrict:BOOLEAN, proretset:BOOLEAN, provolatile, proparallel, pronargs:SMALLINT, pronargdefaults:SMALLINT, prorettype:BIGINT, proargtypes:BIGINT[], proallargtypes:BIGINT[], proargmodes:VARCHAR[], proargnames:VARCHAR[], proargdefaults, protrftypes:BIGINT[], prosrc, probin, prosqlbody, proconfig:VARCHAR[], proacl:VARCHAR[]'),
      rows: [],
    },
    pg_policy: { cols: c('oid:BIGINT, polname, polrelid:BIGINT, polcmd, polpermissive:BOOLEAN, polroles:BIGINT[], polqual, polwithcheck'), rows: [] },
    pg_statistic_ext: { cols: c('oid:BIGINT, stxrelid:BIGINT, stxname, stxnamespace:BIGINT, stxowner:BIGINT, stxstattarget:INTEGER, stxkeys:SMALLINT[], stxkind:VARCHAR[], stxexprs'), rows: [] },
    pg_publication: { cols: c('oid:BIGINT, pubname, pubowner:BIGINT, puballtables:BOOLEAN, pubinsert:BOOLEAN, pubupdate:BOOLEAN, pubdelete:BOOLEAN, pubtruncate:BOOLEAN, pubviaroot:BOOLEAN'), rows: [] },
    pg_publication_namespace: { cols: c('oid:BIGINT, pnpubid:BIGINT, pnnspid:BIGINT'), rows: [] },
    pg_publication_rel: { cols: c('oid:BIGINT, prpubid:BIGINT, prrelid:BIGINT, prqual, prattrs:SMALLINT[]'), rows: [] },
    pg_tablespace: { cols: c('oid:BIGINT, spcname, spcowner:BIGINT, spcacl:VARCHAR[], spcoptions:VARCHAR[]'), rows: [[1663, 'pg_default', OWNER_OID, null, null]] },
    pg_trigger: { cols: c('oid:BIGINT, tgrelid:BIGINT, tgparentid:BIGINT, tgname, tgfoid:BIGINT, tgtype:SMALLINT, tgenabled, tgisinternal:BOOLEAN, tgconstrrelid:BIGINT, tgconstrindid:BIGINT, tgconstraint:BIGINT, tgdeferrable:BOOLEAN, tginitdeferred:BOOLEAN, tgnargs:SMALLINT, tgattr:SMALLINT[], tgargs, tgqual, tgoldtable, tgnewtable'), rows: [] },
    pg_rewrite: { cols: c('oid:BIGINT, rulename, ev_class:BIGINT, ev_type, ev_enabled, is_instead:BOOLEAN, ev_qual, ev_action'), rows: [] },
    pg_extension: { cols: c('oid:BIGINT, extname, extowner:BIGINT, extnamespace:BIGINT, extrelocatable:BOOLEAN, extversion, extconfig:BIGINT[], extcondition:VARCHAR[]'), rows: [] },
    pg_enum: { cols: c('oid:BIGINT, enumtypid:BIGINT, enumsortorder:REAL, enumlabel'), rows: [] },
    pg_range: { cols: c('rngtypid:BIGINT, rngsubtype:BIGINT, rngmultitypid:BIGINT, rngcollation:BIGINT, rngsubopc:BIGINT, rngcanonical, rngsubdiff'), rows: [] },
    pg_foreign_table: { cols: c('ftrelid:BIGINT, ftserver:BIGINT, ftoptions:VARCHAR[]'), rows: [] },
    pg_partitioned_table: { cols: c('partrelid:BIGINT, partstrat, partnatts:SMALLINT, partdefid:BIGINT, partattrs:SMALLINT[]'), rows: [] },
    pg_event_trigger: { cols: c('oid:BIGINT, evtname, evtevent, evtowner:BIGINT, evtfoid:BIGINT, evtenabled, evttags:VARCHAR[]'), rows: [] },
    pg_language: { cols: c('oid:BIGINT, lanname, lanowner:BIGINT, lanispl:BOOLEAN, lanpltrusted:BOOLEAN'), rows: [[12, 'internal', OWNER_OID, false, false], [13, 'c', OWNER_OID, false, false], [14, 'sql', OWNER_OID, false, true]] },
    // not PostgreSQL's: the datasets behind the tables (SHOW TABLES reads it)
    kith_datasets: {
      cols: c('name, dataset_id, dataset_name, description'),
      rows: tables.map((t) => [t.name, t.datasetId, t.datasetName, t.description ?? null]),
    },
    pg_stat_activity: { cols: c('datid:BIGINT, datname, pid:INTEGER, usesysid:BIGINT, usename, application_name, client_addr, state, query'), rows: [] },
  };
}

/** information_schema views (prefixed `is_` in the sandbox's catalog schema). */
function infoSchema(input: CatalogInput): Record<string, Relation> {
  const cat = input.dbName;
  const cols: unknown[][] = [];
  for (const t of input.tables)
    t.columns.forEach((col, i) => {
      const pt = pgTypeOf(col.type);
      const dataType = pt.category === 'A' ? 'ARRAY' : pt.sqlName;
      cols.push([cat, 'public', t.name, col.name, i + 1, null, 'YES', dataType, null, null, null, null, null, null, null, 'pg_catalog', pt.name, String(i + 1), 'NO', 'NO', 'NEVER', null, 'YES']);
    });
  return {
    is_tables: {
      cols: c('table_catalog, table_schema, table_name, table_type, self_referencing_column_name, reference_generation, user_defined_type_catalog, user_defined_type_schema, user_defined_type_name, is_insertable_into, is_typed, commit_action'),
      rows: input.tables.map((t) => [cat, 'public', t.name, 'BASE TABLE', null, null, null, null, null, 'NO', 'NO', null]),
    },
    is_columns: {
      cols: c(
        'table_catalog, table_schema, table_name, column_name, ordinal_position:INTEGER, column_default, is_nullable, data_type, character_maximum_length:INTEGER, character_octet_length:INTEGER, numeric_precision:INTEGER, numeric_precision_radix:INTEGER, numeric_scale:INTEGER, datetime_precision:INTEGER, interval_type, udt_schema, udt_name, dtd_identifier, is_self_referencing, is_identity, is_generated, generation_expression, is_updatable',
      ),
      rows: cols,
    },
    is_schemata: {
      cols: c('catalog_name, schema_name, schema_owner, default_character_set_catalog, default_character_set_schema, default_character_set_name, sql_path'),
      rows: ['public', 'pg_catalog', 'information_schema'].map((s) => [cat, s, input.owner, null, null, null, null]),
    },
    is_views: { cols: c('table_catalog, table_schema, table_name, view_definition, check_option, is_updatable, is_insertable_into, is_trigger_updatable, is_trigger_deletable, is_trigger_insertable_into'), rows: [] },
    is_table_constraints: { cols: c('constraint_catalog, constraint_schema, constraint_name, table_catalog, table_schema, table_name, constraint_type, is_deferrable, initially_deferred, enforced, nulls_distinct'), rows: [] },
    is_key_column_usage: { cols: c('constraint_catalog, constraint_schema, constraint_name, table_catalog, table_schema, table_name, column_name, ordinal_position:INTEGER, position_in_unique_constraint:INTEGER'), rows: [] },
    is_routines: { cols: c('specific_catalog, specific_schema, specific_name, routine_catalog, routine_schema, routine_name, routine_type, data_type'), rows: [] },
  };
}

/** Relations a session may name as `pg_catalog.x` (or unqualified `pg_x`) and as `information_schema.x`. */
export const PG_CATALOG_RELATIONS = new Set(Object.keys(pgCatalog({ dbName: '', owner: '', tables: [] })));
export const INFORMATION_SCHEMA_RELATIONS = new Set(Object.keys(infoSchema({ dbName: '', owner: '', tables: [] })).map((k) => k.slice(3)));

/**
 * Catalog macros: the functions psql and pgjdbc call in their catalog queries. Sessions reach them through
 * `SessionView.resolveFunction` (`pg_catalog.format_type` → `c_<sb>.format_type`); each is a plain expression.
 */
function macros(schema: string, input: CatalogInput): string[] {
  const typeCase = PG_TYPES.map((t) => `WHEN ${t.oid} THEN ${lit(t.sqlName)}`).join(' ');
  const m = (sig: string) => `CREATE OR REPLACE MACRO ${schema}.${sig}`;
  return [
    m(`pg_get_userbyid(id) AS ${lit(input.owner)}`),
    m('pg_table_is_visible(id) AS true'),
    m('pg_type_is_visible(id) AS true'),
    m('pg_function_is_visible(id) AS true'),
    m(`format_type(id, mod) AS CASE id ${typeCase} ELSE '???' END`),
    m('pg_get_expr(e, r) AS CAST(NULL AS VARCHAR), (e, r, p) AS CAST(NULL AS VARCHAR)'),
    m(`obj_description(id) AS (SELECT description FROM ${schema}.pg_description d WHERE d.objoid = id AND d.objsubid = 0 LIMIT 1), (id, cat) AS (SELECT description FROM ${schema}.pg_description d WHERE d.objoid = id AND d.objsubid = 0 LIMIT 1)`),
    m(`col_description(id, n) AS (SELECT description FROM ${schema}.pg_description d WHERE d.objoid = id AND d.objsubid = n LIMIT 1)`),
    m('shobj_description(id, cat) AS CAST(NULL AS VARCHAR)'),
    m(`pg_encoding_to_char(e) AS 'UTF8'`),
    m('has_table_privilege(a) AS true, (a, b) AS true, (a, b, c) AS true'),
    m('has_schema_privilege(a) AS true, (a, b) AS true, (a, b, c) AS true'),
    m('has_database_privilege(a) AS true, (a, b) AS true, (a, b, c) AS true'),
    m('pg_get_indexdef(a) AS CAST(NULL AS VARCHAR), (a, b, c) AS CAST(NULL AS VARCHAR)'),
    m('pg_get_constraintdef(a) AS CAST(NULL AS VARCHAR), (a, b) AS CAST(NULL AS VARCHAR)'),
    m('pg_get_viewdef(a) AS CAST(NULL AS VARCHAR), (a, b) AS CAST(NULL AS VARCHAR)'),
    m('pg_get_triggerdef(a) AS CAST(NULL AS VARCHAR), (a, b) AS CAST(NULL AS VARCHAR)'),
    m('pg_get_functiondef(a) AS CAST(NULL AS VARCHAR)'),
    m('pg_get_statisticsobjdef_columns(a) AS CAST(NULL AS VARCHAR)'),
    m('pg_relation_is_publishable(a) AS false'),
    m('pg_relation_size(a) AS 0::BIGINT, (a, b) AS 0::BIGINT'),
    m('pg_total_relation_size(a) AS 0::BIGINT'),
    m('pg_table_size(a) AS 0::BIGINT'),
    m('pg_size_pretty(a) AS CAST(a AS VARCHAR) || \' bytes\''),
    m('array_upper(a, d) AS len(a)'),
    m('array_lower(a, d) AS CASE WHEN len(a) > 0 THEN 1 END'),
    m(`current_database() AS ${lit(input.dbName)}`),
    m(`current_schema() AS 'public'`),
    m(`current_schemas(implicit) AS CASE WHEN implicit THEN ['pg_catalog', 'public'] ELSE ['public'] END`),
    m(`current_user() AS ${lit(input.owner)}`),
    m(`session_user() AS ${lit(input.owner)}`),
    m(`_pg_expandarray(a) AS {'x': CAST(NULL AS BIGINT), 'n': CAST(NULL AS BIGINT)}`),
    // ::regclass, ::regtype, ::regnamespace on expressions (pgCompat rewrites them to these)
    m(`regclass_out(id) AS coalesce((SELECT relname FROM ${schema}.pg_class WHERE oid = id), CAST(id AS VARCHAR))`),
    m(`regtype_out(id) AS CASE id ${typeCase} ELSE CAST(id AS VARCHAR) END`),
    m(`regnamespace_out(id) AS coalesce((SELECT nspname FROM ${schema}.pg_namespace WHERE oid = id), CAST(id AS VARCHAR))`),
    m(`regclass_in(name) AS coalesce((SELECT oid FROM ${schema}.pg_class WHERE relname = name OR 'public.' || relname = name), CASE name ${Object.entries(SYSTEM_RELATION_OIDS)
      .map(([n, o]) => `WHEN ${lit(n)} THEN ${o} WHEN ${lit(`pg_catalog.${n}`)} THEN ${o}`)
      .join(' ')} END)`),
  ];
}

/** Names of the catalog macros (resolveFunction maps `pg_catalog.<name>` and unqualified `<name>` to them). */
export const CATALOG_FUNCTIONS = new Set(
  macros('x', { dbName: '', owner: '', tables: [] }).map((s) => /MACRO x\.([a-z_0-9]+)\(/.exec(s)![1]!),
);

/** Statements that (re)build the sandbox's catalog schema: tables holding the catalog rows, then the macros. */
export function catalogStatements(schema: string, input: CatalogInput): string[] {
  const out = [`CREATE SCHEMA IF NOT EXISTS ${schema}`];
  for (const [name, rel] of [...Object.entries(pgCatalog(input)), ...Object.entries(infoSchema(input))]) {
    const t = `${schema}.${name}`;
    out.push(`CREATE OR REPLACE TABLE ${t} (${rel.cols.map(([n, ty]) => `${quoteIdent(n)} ${ty}`).join(', ')})`);
    for (let i = 0; i < rel.rows.length; i += 500)
      out.push(`INSERT INTO ${t} VALUES ${rel.rows.slice(i, i + 500).map((r) => `(${r.map(val).join(', ')})`).join(', ')}`);
  }
  out.push(...macros(schema, input));
  return out;
}
