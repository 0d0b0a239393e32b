import { KeyedSerial } from '../../../shared/serial.js';
import type { DuckDBConnection } from '@duckdb/node-api';
import { Lake } from '../../../lake/lake.js';
import { err, ok, type Result } from '../../../shared/result.js';
import type { SessionView, TableSpace } from '../../tables/table-space.js';
import { SQLSTATE, type SessionSpec, type SqlError } from '../query-engine.js';

/**
 * A test-only TableSpace (the real one is `query/tables/`): the sandbox's raw lake schema `s_<sb>` is the one visible
 * schema (`public`), `information_schema.tables` is a view of it in `c_<sb>`, CTAS / INSERT / DROP are plain DuckDB
 * statements there. Enough to run the engine against a real Lake.
 */
export class SimpleTableSpace implements TableSpace {
  /** Sessions opening at once would alter the catalog at once (a DuckDB write-write conflict): one at a time per sandbox. */
  private readonly perSandbox = new KeyedSerial();

  async prepare(conn: DuckDBConnection, spec: SessionSpec): Promise<Result<SessionView, SqlError>> {
    const s = Lake.schemaOf(spec.sandboxId);
    const c = `c_${s.slice(2)}`;
    await this.perSandbox.run(spec.sandboxId, async () => {
      await conn.run(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await conn.run(`CREATE SCHEMA IF NOT EXISTS ${c}`);
      await conn.run(
        `CREATE OR REPLACE VIEW ${c}.tables AS SELECT 'lake' AS table_catalog, 'public' AS table_schema, table_name, 'BASE TABLE' AS table_type FROM duckdb_tables() WHERE schema_name = '${s}'`,
      );
    });
    const rows = (await conn.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE schema_name = $1`, [s])).getRows();
    const tables = new Set(rows.map((r) => String(r[0]).toLowerCase()));
    return ok({
      searchPath: `${s},${c}`,
      resolveTable(ref) {
        const schema = ref.schema.toLowerCase();
        const name = ref.name.toLowerCase();
        if (ref.catalog === '' && schema === 'information_schema' && name === 'tables') return ok({ catalog: '', schema: c, name: 'tables' });
        if (ref.catalog !== '' || (schema !== '' && schema !== 'public')) return err({ code: SQLSTATE.insufficientPrivilege, message: `permission denied for schema ${ref.schema || ref.catalog}` });
        if (!tables.has(name)) return err({ code: SQLSTATE.undefinedTable, message: `relation "${ref.name}" does not exist` });
        return ok({ catalog: '', schema: s, name });
      },
      resolveFunction(ref) {
        const schema = ref.schema.toLowerCase();
        if (ref.catalog === '' && (schema === '' || schema === 'main')) return ok(ref);
        if (ref.catalog === '' && schema === 'pg_catalog') return ok({ catalog: '', schema: '', name: ref.name });
        return err({ code: SQLSTATE.insufficientPrivilege, message: `permission denied for schema ${ref.schema || ref.catalog}` });
      },
    });
  }

  pgCompat(sql: string): string {
    return sql;
  }

  showTables(spec: SessionSpec): string {
    void spec;
    return `SELECT table_name AS name FROM information_schema.tables ORDER BY 1`;
  }

  async createTableAs(conn: DuckDBConnection, spec: SessionSpec, table: string, select: string): Promise<Result<number, SqlError>> {
    return this.count(conn, `CREATE TABLE ${Lake.qualified(spec.sandboxId, table)} AS ${select}`, `SELECT count(*) FROM ${Lake.qualified(spec.sandboxId, table)}`);
  }

  async insertInto(conn: DuckDBConnection, spec: SessionSpec, table: string, select: string): Promise<Result<number, SqlError>> {
    try {
      const r = await conn.run(`INSERT INTO ${Lake.qualified(spec.sandboxId, table)} ${select}`);
      return ok(r.rowsChanged);
    } catch (e) {
      return err({ code: SQLSTATE.undefinedTable, message: (e as Error).message.split('\n')[0]! });
    }
  }

  async dropTable(conn: DuckDBConnection, spec: SessionSpec, table: string, ifExists: boolean): Promise<Result<void, SqlError>> {
    try {
      await conn.run(`DROP TABLE ${ifExists ? 'IF EXISTS ' : ''}${Lake.qualified(spec.sandboxId, table)}`);
      return ok(undefined);
    } catch (e) {
      return err({ code: SQLSTATE.undefinedTable, message: (e as Error).message.split('\n')[0]! });
    }
  }

  private async count(conn: DuckDBConnection, create: string, count: string): Promise<Result<number, SqlError>> {
    try {
      await conn.run(create);
      return ok(Number((await conn.runAndReadAll(count)).getRows()[0]![0]));
    } catch (e) {
      return err({ code: SQLSTATE.duplicateTable, message: (e as Error).message.split('\n')[0]! });
    }
  }
}
