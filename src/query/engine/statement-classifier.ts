import { err, ok, type Result } from '../../shared/result.js';
import { SQLSTATE, type SqlError, type StatementKind } from './query-engine.js';
import { lex, type Token } from './sql-lexer.js';

/**
 * Routes one statement to what handles it. Routing only: a SELECT is still parsed by DuckDB and walked by the gate
 * (`sql-gate.ts`), and the lake instance's own switches stay the last word on files and extensions.
 */
export type Classified =
  | { kind: 'select'; sql: string; showTables: boolean }
  | { kind: 'set'; name: string; value: string | null; tag: 'SET' | 'RESET' }
  | { kind: 'show'; name: string }
  | { kind: 'transaction'; tag: string }
  | { kind: 'ctas'; table: string; schemaTitle?: string; select: string }
  | { kind: 'insert'; table: string; select: string }
  | { kind: 'drop'; table: string; ifExists: boolean }
  | { kind: 'discard'; tag: string; /** DEALLOCATE's statement name ('ALL' for all): the wire layer keeps statements. */ deallocate?: string }
  | { kind: 'empty' };

export type { StatementKind };

const SELECT_STARTS = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE', 'FROM']);
/** Words after CREATE/ALTER/DROP that name the object kind in the refusal message. */
const OBJECT_KINDS = new Set(['TABLE', 'VIEW', 'INDEX', 'SCHEMA', 'SEQUENCE', 'MACRO', 'FUNCTION', 'TYPE', 'SECRET', 'DATABASE', 'ROLE', 'USER', 'EXTENSION', 'TRIGGER', 'MATERIALIZED', 'TEMP', 'TEMPORARY']);

/** Statements PostgreSQL or DuckDB know that the Query Service refuses by name (any other first word is a syntax error). */
const KNOWN_COMMANDS = new Set(
  'UPDATE DELETE MERGE UPSERT TRUNCATE COPY ATTACH DETACH INSTALL LOAD PRAGMA EXPORT IMPORT CALL EXPLAIN DESCRIBE SUMMARIZE CHECKPOINT FORCE VACUUM ANALYZE USE PIVOT UNPIVOT GRANT REVOKE LISTEN NOTIFY UNLISTEN PREPARE EXECUTE DO LOCK COMMENT REINDEX CLUSTER FETCH MOVE CLOSE DECLARE REFRESH SECURITY REASSIGN'.split(' '),
);
const unsupported = (construct: string): SqlError => ({ code: SQLSTATE.featureNotSupported, message: `${construct} is not supported by the Query Service` });
const syntax = (near: string): SqlError => ({ code: SQLSTATE.syntaxError, message: `syntax error at or near "${near}"` });

/** Classifies one statement (as split by `splitStatements`; a trailing `;` is tolerated). */
export function classify(sql: string): Result<Classified, SqlError> {
  const all = lex(sql);
  // a trailing `;` (a prepared statement's text often has one); anything after it is a second statement
  const semi = all.findIndex((t) => t.kind === 'symbol' && t.value === ';');
  if (semi >= 0 && semi < all.length - 1)
    return err({ code: SQLSTATE.syntaxError, message: 'cannot insert multiple commands into a prepared statement' });
  const toks = semi >= 0 ? all.slice(0, semi) : all;
  const text = semi >= 0 ? sql.slice(0, all[semi]!.start) : sql;
  if (toks.length === 0) return ok({ kind: 'empty' });
  const w = (i: number): string => (toks[i]?.kind === 'word' ? toks[i]!.value : '');
  const first = toks[0]!;
  if (first.kind === 'symbol' && first.value === '(') return ok({ kind: 'select', sql: text.trim(), showTables: false });
  if (first.kind !== 'word') return err(syntax(sql.slice(first.start, first.end)));
  switch (first.value) {
    case 'SELECT':
    case 'WITH':
    case 'VALUES':
    case 'TABLE':
    case 'FROM':
      return ok({ kind: 'select', sql: text.trim(), showTables: false });
    case 'SHOW':
      return classifyShow(toks);
    case 'SET':
      return classifySet(toks, text);
    case 'RESET':
      if (toks.length === 1) return err(syntax(''));
      return ok({ kind: 'set', name: toks.length === 2 && w(1) === 'ALL' ? 'all' : settingName(toks.slice(1)), value: null, tag: 'RESET' });
    case 'BEGIN':
      return ok({ kind: 'transaction', tag: 'BEGIN' });
    case 'START':
      return w(1) === 'TRANSACTION' ? ok({ kind: 'transaction', tag: 'START TRANSACTION' }) : err(unsupported('START'));
    case 'COMMIT':
    case 'END':
      return ok({ kind: 'transaction', tag: 'COMMIT' });
    case 'ROLLBACK':
    case 'ABORT':
      return ok({ kind: 'transaction', tag: 'ROLLBACK' });
    case 'SAVEPOINT':
      return ok({ kind: 'transaction', tag: 'SAVEPOINT' });
    case 'RELEASE':
      return ok({ kind: 'transaction', tag: 'RELEASE' });
    case 'DISCARD':
      return ['ALL', 'PLANS', 'SEQUENCES', 'TEMP', 'TEMPORARY'].includes(w(1)) && toks.length === 2
        ? ok({ kind: 'discard', tag: `DISCARD ${w(1) === 'TEMPORARY' ? 'TEMP' : w(1)}` })
        : err(syntax(toks[1] ? sql.slice(toks[1].start, toks[1].end) : ''));
    case 'DEALLOCATE': {
      const rest = toks.slice(w(1) === 'PREPARE' ? 2 : 1);
      if (rest.length !== 1) return err(syntax(''));
      const all = rest[0]!.kind === 'word' && rest[0]!.value === 'ALL';
      return ok({ kind: 'discard', tag: all ? 'DEALLOCATE ALL' : 'DEALLOCATE', deallocate: all ? 'ALL' : identText(rest[0]!) });
    }
    case 'CREATE':
      return classifyCreate(toks, text);
    case 'INSERT':
      return classifyInsert(toks, text);
    case 'DROP':
      return classifyDrop(toks);
    case 'ALTER':
      return err(unsupported(objectConstruct(toks)));
    default:
      return err(KNOWN_COMMANDS.has(first.value) ? unsupported(first.value) : syntax(sql.slice(first.start, first.end)));
  }
}

function identText(t: Token): string {
  return t.kind === 'word' ? t.value.toLowerCase() : t.value;
}

/** `CREATE VIEW`, `DROP SCHEMA`, `ALTER TABLE`: the verb and the object kind. */
function objectConstruct(toks: Token[]): string {
  const words = [toks[0]!.value];
  for (const t of toks.slice(1, 5)) {
    if (t.kind !== 'word') break;
    if (t.value === 'OR' || t.value === 'REPLACE' || t.value === 'UNIQUE' || t.value === 'PERSISTENT') continue;
    if (OBJECT_KINDS.has(t.value)) {
      words.push(t.value);
      if (t.value !== 'MATERIALIZED' && t.value !== 'TEMP' && t.value !== 'TEMPORARY') break;
    } else break;
  }
  return words.join(' ');
}

/** `TimeZone`, `transaction isolation level`, `session characteristics …`: the canonical lowercase name. */
function settingName(toks: Token[]): string {
  const words = toks.map((t) => (t.kind === 'word' ? t.value.toLowerCase() : t.value));
  const joined = words.join(' ');
  if (joined === 'time zone') return 'timezone';
  if (joined.startsWith('transaction isolation level') || joined === 'transaction isolation') return 'transaction_isolation';
  if (joined === 'session authorization') return 'session_authorization';
  return toks[0]!.kind === 'ident' ? toks[0]!.value : words.filter((x) => x !== '.').join('.');
}

function classifyShow(toks: Token[]): Result<Classified, SqlError> {
  if (toks.length === 1) return err(syntax(''));
  if (toks.length === 2 && toks[1]!.kind === 'word' && toks[1]!.value === 'TABLES') return ok({ kind: 'select', sql: 'SHOW TABLES', showTables: true });
  if (toks.length === 2 && toks[1]!.kind === 'word' && toks[1]!.value === 'ALL') return ok({ kind: 'show', name: 'all' });
  return ok({ kind: 'show', name: settingName(toks.slice(1)) });
}

/** The value of `SET x = v1, v2` as PostgreSQL stores it: strings unquoted, list items joined by ', '. */
function settingValue(toks: Token[], text: string): string {
  const items: string[] = [];
  let cur = '';
  for (const t of toks) {
    if (t.kind === 'symbol' && t.value === ',') {
      items.push(cur);
      cur = '';
    } else if (t.kind === 'string' || t.kind === 'ident') cur += t.value;
    else if (t.kind === 'word') cur += text.slice(t.start, t.end);
    else cur += t.value;
  }
  items.push(cur);
  return items.join(', ');
}

function classifySet(toks: Token[], text: string): Result<Classified, SqlError> {
  let i = 1;
  const word = (k: number): string => (toks[k]?.kind === 'word' ? toks[k]!.value : '');
  if (word(i) === 'SESSION' && word(i + 1) === 'CHARACTERISTICS') return ok({ kind: 'set', name: 'default_transaction_characteristics', value: settingValue(toks.slice(i + 2), text), tag: 'SET' });
  if (word(i) === 'SESSION' || word(i) === 'LOCAL') i++;
  if (word(i) === 'TRANSACTION') return ok({ kind: 'set', name: 'transaction_characteristics', value: settingValue(toks.slice(i + 1), text), tag: 'SET' });
  if (word(i) === 'TIME' && word(i + 1) === 'ZONE') {
    const v = toks.slice(i + 2);
    if (v.length === 0) return err(syntax(''));
    return ok({ kind: 'set', name: 'timezone', value: v.length === 1 && v[0]!.kind === 'word' && v[0]!.value === 'LOCAL' ? null : settingValue(v, text), tag: 'SET' });
  }
  if (word(i) === 'NAMES') return ok({ kind: 'set', name: 'client_encoding', value: settingValue(toks.slice(i + 1), text), tag: 'SET' });
  if (word(i) === 'SCHEMA') return ok({ kind: 'set', name: 'search_path', value: settingValue(toks.slice(i + 1), text), tag: 'SET' });
  if (word(i) === 'ROLE' || word(i) === 'SESSION') return err(unsupported(`SET ${word(i)}`));
  // name [ . name ] { = | TO } value
  const eq = toks.findIndex((t, k) => k >= i && ((t.kind === 'symbol' && t.value === '=') || (t.kind === 'word' && t.value === 'TO')));
  if (eq <= i) return err(syntax(toks[i] ? text.slice(toks[i]!.start, toks[i]!.end) : ''));
  const name = settingName(toks.slice(i, eq));
  const valueToks = toks.slice(eq + 1);
  if (valueToks.length === 0) return err(syntax(''));
  if (valueToks.length === 1 && valueToks[0]!.kind === 'word' && valueToks[0]!.value === 'DEFAULT') return ok({ kind: 'set', name, value: null, tag: 'SET' });
  return ok({ kind: 'set', name, value: settingValue(valueToks, text), tag: 'SET' });
}

/** A target table name: one identifier (CTAS / INSERT / DROP address the sandbox's datasets by table name). */
function tableName(t: Token | undefined, next: Token | undefined): Result<string, SqlError> {
  if (!t || (t.kind !== 'word' && t.kind !== 'ident')) return err(syntax(t ? t.value : ''));
  if (next && next.kind === 'symbol' && next.value === '.') return err(unsupported('a schema-qualified target table'));
  return ok(identText(t));
}

function classifyCreate(toks: Token[], text: string): Result<Classified, SqlError> {
  const construct = objectConstruct(toks);
  if (construct !== 'CREATE TABLE') return err(unsupported(construct));
  const name = tableName(toks[2], toks[3]);
  if (!name.ok) return name;
  let i = 3;
  let schemaTitle: string | undefined;
  if (toks[i]?.kind === 'word' && toks[i]!.value === 'WITH') {
    // WITH (schema = '<title>')
    const close = toks.findIndex((t, k) => k > i && t.kind === 'symbol' && t.value === ')');
    const inner = toks.slice(i + 2, close);
    if (toks[i + 1]?.value !== '(' || close < 0 || inner.length !== 3 || inner[0]!.value !== 'SCHEMA' || inner[1]!.value !== '=' || inner[2]!.kind !== 'string')
      return err(unsupported("CREATE TABLE options other than WITH (schema='<title>')"));
    schemaTitle = inner[2]!.value;
    i = close + 1;
  }
  if (!(toks[i]?.kind === 'word' && toks[i]!.value === 'AS')) return err(unsupported('CREATE TABLE without AS SELECT'));
  const select = toks[i + 1];
  if (!select || !(SELECT_STARTS.has(select.value) || select.value === '(')) return err(unsupported('CREATE TABLE AS without a SELECT'));
  return ok({ kind: 'ctas', table: name.value, ...(schemaTitle !== undefined ? { schemaTitle } : {}), select: text.slice(select.start).trim() });
}

function classifyInsert(toks: Token[], text: string): Result<Classified, SqlError> {
  if (!(toks[1]?.kind === 'word' && toks[1]!.value === 'INTO')) return err(syntax(toks[1]?.value ?? ''));
  const name = tableName(toks[2], toks[3]);
  if (!name.ok) return name;
  const select = toks[3];
  if (select?.kind === 'symbol' && select.value === '(' && toks[4]?.kind !== 'word') return err(syntax('('));
  if (select?.kind === 'symbol' && select.value === '(' && !SELECT_STARTS.has(toks[4]!.value)) return err(unsupported('INSERT with a column list'));
  if (!select || !(SELECT_STARTS.has(select.value) || select.value === '(')) return err(unsupported('INSERT other than INSERT INTO … SELECT'));
  return ok({ kind: 'insert', table: name.value, select: text.slice(select.start).trim() });
}

function classifyDrop(toks: Token[]): Result<Classified, SqlError> {
  const construct = objectConstruct(toks);
  if (construct !== 'DROP TABLE') return err(unsupported(construct));
  let i = 2;
  const ifExists = toks[2]?.value === 'IF' && toks[3]?.value === 'EXISTS';
  if (ifExists) i = 4;
  const name = tableName(toks[i], toks[i + 1]);
  if (!name.ok) return name;
  if (toks.length > i + 1) return err(unsupported('DROP TABLE of more than one table or with options'));
  return ok({ kind: 'drop', table: name.value, ifExists });
}
