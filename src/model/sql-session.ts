import { JSDuckDBValueConverter, type DuckDBConnection } from '@duckdb/node-api';
import { lit } from './sql-text.js';

/**
 * What training needs of DuckDB: statements, small reads, and large reads a chunk at a time (columns of plain JS
 * values: DOUBLE → number, VARCHAR → string, lists → arrays). One connection of the lake's instance (its temporary
 * tables are its own), closed at the end of a run.
 */
export interface SqlSession {
  run(sql: string): Promise<void>;
  rows(sql: string): Promise<Array<Record<string, unknown>>>;
  /** Calls `onChunk` with the columns of each chunk of the result (up to 2,048 rows). */
  chunks(sql: string, onChunk: (columns: unknown[][]) => Promise<void> | void): Promise<void>;
  /** Inserts single-column text values into a (temporary) table, in statements of a few thousand. */
  insertTexts(table: string, values: readonly string[]): Promise<void>;
  /** Stops the statement running now (it fails with an interrupt error). */
  interrupt(): void;
  close(): void;
}

export class DuckDbSession implements SqlSession {
  constructor(private readonly conn: DuckDBConnection) {}

  async run(sql: string): Promise<void> {
    await this.conn.run(sql);
  }

  async rows(sql: string): Promise<Array<Record<string, unknown>>> {
    const r = await this.conn.runAndReadAll(sql);
    return r.getRowObjectsJS() as Array<Record<string, unknown>>;
  }

  async chunks(sql: string, onChunk: (columns: unknown[][]) => Promise<void> | void): Promise<void> {
    const result = await this.conn.stream(sql);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      await onChunk(chunk.convertColumns(JSDuckDBValueConverter) as unknown[][]);
    }
  }

  async insertTexts(table: string, values: readonly string[]): Promise<void> {
    for (let i = 0; i < values.length; i += 2000) {
      const part = values.slice(i, i + 2000);
      await this.conn.run(`INSERT INTO ${table} SELECT unnest([${part.map(lit).join(',')}]::VARCHAR[])`);
    }
  }

  interrupt(): void {
    this.conn.interrupt();
  }

  close(): void {
    this.conn.closeSync();
  }
}
