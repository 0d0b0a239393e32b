import { SQLSTATE, type SqlError } from './query-engine.js';

/** DuckDB's error class (the `X Error:` prefix of its message) → SQLSTATE, refined by the message where one class covers several. */
function codeOf(kind: string, message: string): string {
  switch (kind) {
    case 'Catalog':
      if (/Function with name|macro/i.test(message)) return SQLSTATE.undefinedFunction;
      if (/already exists/i.test(message)) return SQLSTATE.duplicateTable;
      return SQLSTATE.undefinedTable;
    case 'Binder':
      if (/column|Referenced/i.test(message) && !/function/i.test(message)) return SQLSTATE.undefinedColumn;
      if (/function|No function matches/i.test(message)) return SQLSTATE.undefinedFunction;
      return SQLSTATE.syntaxError;
    case 'Parser':
    case 'Syntax':
      return SQLSTATE.syntaxError;
    case 'Conversion':
      return '22P02';
    case 'Invalid Input':
      return SQLSTATE.invalidParameterValue;
    case 'Out of Range':
      return '22003';
    case 'Division By Zero':
      return '22012';
    case 'Out of Memory':
      return SQLSTATE.outOfMemory;
    case 'INTERRUPT':
    case 'Interrupt':
      return SQLSTATE.queryCanceled;
    case 'Permission':
      return SQLSTATE.insufficientPrivilege;
    case 'Not implemented':
      return SQLSTATE.featureNotSupported;
    case 'Constraint':
      return '23000';
    case 'Type Mismatch':
    case 'Mismatch Type':
      return '42804';
    default:
      return SQLSTATE.internalError;
  }
}

/**
 * A DuckDB exception as a PostgreSQL error: its class mapped to a SQLSTATE, its message without the class prefix and
 * without the quoted-query excerpt (`LINE 1: …`), never a stack.
 */
export function sqlErrorOf(e: unknown): SqlError {
  const raw = e instanceof Error ? e.message : String(e);
  const m = /^([A-Za-z ]+?) Error: ([\s\S]*)$/.exec(raw);
  const kind = m ? m[1]! : '';
  const body = (m ? m[2]! : raw).split(/\n\s*\nLINE \d+:|\nLINE \d+:/)[0]!.trim();
  const lines = body.split('\n').map(userNames);
  const message = lines[0]!;
  const detail = lines.slice(1).filter((l) => !PHYSICAL.test(l)).join('\n').trim();
  return { code: codeOf(kind, message), message: message.replace(PHYSICAL_ANY, ''), ...(detail ? { detail } : {}) };
}

/** The lake's physical schemas (`q_<sandbox id>`, raw `s_…`, `main`…): a session's error never names them. */
const PHYSICAL = /\b(?:lake\.)?(?:[sqfc]_[0-9a-f]{8,}|main)\./;
const PHYSICAL_ANY = new RegExp(PHYSICAL.source, 'g');

/** A session's own physical names as it knows them: its tables are `public.x`, its catalog `pg_catalog.x`. */
function userNames(line: string): string {
  return line.replace(/\b(?:lake\.)?[qf]_[0-9a-f]{8,}\.(?=[A-Za-z_"])/g, 'public.').replace(/\b(?:lake\.)?c_[0-9a-f]{8,}\.(?=[A-Za-z_"])/g, 'pg_catalog.');
}

export const canceled = (why: 'timeout' | 'user'): SqlError => ({
  code: SQLSTATE.queryCanceled,
  message: why === 'timeout' ? 'canceling statement due to statement timeout' : 'canceling statement due to user request',
});
