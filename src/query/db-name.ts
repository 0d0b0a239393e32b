import { err, ok, type Result } from '../shared/result.js';

/** A Query Service database name, as AEP writes it: `<sandbox>:all`, optionally `?FLATTEN` (nested fields as columns). */
export interface DbName {
  sandbox: string;
  flatten: boolean;
}

export const DEFAULT_DBNAME = 'prod:all';

/**
 * `prod:all`, `prod:all?FLATTEN`, or the bare sandbox name `prod` (what a client that knows no better sends) → the
 * sandbox and the flatten flag. One reading for the wire's `dbname` and the REST API's `dbName`.
 */
export function parseDbName(text: string): Result<DbName, string> {
  const m = /^([a-z0-9][a-z0-9-]*)(?::([A-Za-z_]\w*))?(?:\?(\w+))?$/i.exec(text.trim());
  if (!m) return err(`database "${text}" must look like "<sandbox>:all" (optionally "<sandbox>:all?FLATTEN")`);
  const [, sandbox, db, option] = m;
  if (db !== undefined && db.toLowerCase() !== 'all') return err(`database "${text}": only the "all" database exists (use "${sandbox}:all")`);
  if (option !== undefined && option.toUpperCase() !== 'FLATTEN') return err(`database "${text}": the only option is ?FLATTEN`);
  return ok({ sandbox: sandbox!.toLowerCase(), flatten: option !== undefined });
}
