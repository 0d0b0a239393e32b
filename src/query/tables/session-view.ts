import { ok, err, type Result } from '../../shared/result.js';
import { SQLSTATE, type SessionSpec, type SqlError } from '../engine/query-engine.js';
import type { SessionView } from './table-space.js';
import { catalogSchema, flatSchema, querySchema } from './query-tables.js';
import { CATALOG_FUNCTIONS, INFORMATION_SCHEMA_RELATIONS, PG_CATALOG_RELATIONS } from './pg-catalog.js';

type Ref = { catalog: string; schema: string; name: string };

const missing = (ref: Ref): SqlError => ({
  code: SQLSTATE.undefinedTable,
  message: `relation "${[ref.schema, ref.name].filter(Boolean).join('.')}" does not exist`,
});

/** `prod:all` (the dbname clients connect with): the one catalog name a session may write. */
export const dbNameOf = (spec: SessionSpec): string => `${spec.sandboxName}:all`;

/**
 * What one session may name: its sandbox's tables (unqualified or `public.`), `pg_catalog.*` and
 * `information_schema.*` (the sandbox's catalog copies). Everything else (other sandboxes, `main`, the raw `s_`
 * tables, DuckDB's own catalogs, another database) answers 42P01 as if it did not exist.
 */
export function sessionView(spec: SessionSpec, tables: ReadonlySet<string>): SessionView {
  const data = spec.flatten ? flatSchema(spec.sandboxId) : querySchema(spec.sandboxId);
  const cat = catalogSchema(spec.sandboxId);
  const db = dbNameOf(spec).toLowerCase();
  const okCatalog = (c: string) => c === '' || c.toLowerCase() === db || c.toLowerCase() === spec.sandboxName.toLowerCase();
  return {
    searchPath: `${data},${cat}`,
    resolveTable(ref: Ref): Result<Ref, SqlError> {
      if (!okCatalog(ref.catalog)) return err(missing(ref));
      const schema = ref.schema.toLowerCase();
      const name = ref.name.toLowerCase();
      if ((schema === '' || schema === 'public') && tables.has(name)) return ok({ catalog: '', schema: data, name });
      if ((schema === '' || schema === 'pg_catalog') && PG_CATALOG_RELATIONS.has(name)) return ok({ catalog: '', schema: cat, name });
      if (schema === 'information_schema' && INFORMATION_SCHEMA_RELATIONS.has(name)) return ok({ catalog: '', schema: cat, name: `is_${name}` });
      return err(missing(ref));
    },
    resolveFunction(ref: Ref): Result<Ref, SqlError> {
      const schema = ref.schema.toLowerCase();
      const name = ref.name.toLowerCase();
      const refuse = () => err<SqlError>({ code: SQLSTATE.insufficientPrivilege, message: `permission denied for function ${[ref.schema, ref.name].filter(Boolean).join('.')}` });
      if (ref.catalog !== '' && !okCatalog(ref.catalog)) return refuse();
      // DuckDB's parser itself writes some built-ins as `main.list_value`, `main.struct_pack`
      if (schema === '' || schema === 'pg_catalog' || schema === 'information_schema' || (schema === 'main' && ref.catalog === ''))
        return ok(CATALOG_FUNCTIONS.has(name) ? { catalog: '', schema: cat, name } : { catalog: '', schema: '', name: ref.name });
      return refuse();
    },
  };
}
