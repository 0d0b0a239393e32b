/**
 * Textual rewrites of the PostgreSQL-only syntax psql and pgjdbc send in their catalog queries, so DuckDB parses
 * them (before the engine's gate parses and maps the statement). Each rewrite keeps the query's meaning over our
 * catalog; string literals are never touched except where the rewrite is about a literal (`'x'::regclass`, `~ 'p'`).
 */

/** A string literal (standard or E'…'), as a regex source. */
const STR = String.raw`(?:[Ee]'(?:[^'\\]|\\.|'')*'|'(?:[^']|'')*')`;
/** An expression the cast rewrites can wrap: a (qualified) column, a parenthesised group without nesting, or a literal. */
const OPERAND = String.raw`((?:[A-Za-z_][\w$]*\.)*[A-Za-z_][\w$]*|\([^()]*\)|${STR}|\d+)`;

const REG_FUNCS: Record<string, string> = { regclass: 'regclass_out', regtype: 'regtype_out', regnamespace: 'regnamespace_out', regproc: 'CAST', regprocedure: 'CAST', regoper: 'CAST', regrole: 'CAST' };

/** `'p'` for PostgreSQL's `~` (a match anywhere) made a DuckDB `~` pattern (a full match). */
function anywhere(literal: string): string {
  const inner = literal.slice(literal.indexOf("'") + 1, -1);
  return `'(?s:.*)(?:${inner})(?s:.*)'`;
}

export function pgCompat(sql: string): string {
  let s = sql;
  // OPERATOR(pg_catalog.~) → ~ (psql's explicit operator spelling)
  s = s.replace(/OPERATOR\s*\(\s*pg_catalog\s*\.\s*([~!=<>*+\-/%|&^#@]+)\s*\)/gi, '$1');
  // COLLATE pg_catalog.default / "C" / "POSIX": DuckDB has no such collations; comparisons stay binary
  s = s.replace(/\s+COLLATE\s+(?:pg_catalog\s*\.\s*)?(?:"?default"?|"C"|"POSIX"|C|POSIX)\b"?/gi, '');
  // PostgreSQL's regex match operators find the pattern anywhere; DuckDB's `~` must match the whole string
  s = s.replace(new RegExp(String.raw`(!?~)(?!\*)\s*(${STR})`, 'g'), (_m, op: string, l: string) => `${op} ${anywhere(l)}`);
  // 'name'::regclass → the relation's oid
  s = s.replace(new RegExp(String.raw`(${STR})\s*::\s*(?:pg_catalog\s*\.\s*)?regclass\b`, 'gi'), (_m, l: string) => `pg_catalog.regclass_in(${l.replace(/^[Ee]/, '')})`);
  // expr::regclass / ::regtype / ::regnamespace → its name (what PostgreSQL prints)
  s = s.replace(new RegExp(String.raw`${OPERAND}\s*::\s*(?:pg_catalog\s*\.\s*)?(regclass|regtype|regnamespace|regprocedure|regproc|regoper|regrole)\b`, 'gi'), (_m, e: string, t: string) => {
    const f = REG_FUNCS[t.toLowerCase()]!;
    return f === 'CAST' ? `CAST(${e} AS VARCHAR)` : `pg_catalog.${f}(${e})`;
  });
  // ::pg_catalog.text → ::text (DuckDB resolves type names without the schema)
  s = s.replace(/::\s*pg_catalog\s*\.\s*"?([A-Za-z_][\w]*)"?/g, '::$1');
  // ::name / ::oid casts: PostgreSQL's identifier and oid types are our VARCHAR and BIGINT
  s = s.replace(/::\s*name\b/gi, '::VARCHAR').replace(/::\s*oid\b/gi, '::BIGINT').replace(/::\s*"char"/gi, '::VARCHAR');
  // '{0}' array literals compared to arrays: an empty-safe list
  s = s.replace(/=\s*'\{(\d+(?:,\d+)*)\}'/g, (_m, xs: string) => `= [${xs}]`);
  // `generate_series(…) s` then `x[s]`: in PostgreSQL the alias of a one-column function names its column; DuckDB
  // reads `s` as the whole row unless the column is named too
  s = s.replace(/(generate_series\s*\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\))\s+(?:AS\s+)?(?!(?:ON|WHERE|JOIN|LEFT|RIGHT|INNER|CROSS|FULL|GROUP|ORDER|LIMIT|UNION|AS)\b)([A-Za-z_]\w*)\b(?!\s*\()/gi, '$1 $2($2)');
  return s;
}
