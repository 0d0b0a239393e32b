/**
 * JSON as DuckDB's `json_serialize_sql` writes it, read and written back without loss: its numbers include unsigned
 * 64-bit values (`query_location` 2^64-1, HUGEINT halves) beyond a double, and bare `Infinity`/`NaN` for DOUBLE
 * constants, so numbers stay their source text (`RawNumber`) and are written back as they came.
 */
export class RawNumber {
  constructor(readonly text: string) {}
}

export type AstValue = null | boolean | string | RawNumber | AstValue[] | { [k: string]: AstValue };
export type AstObject = { [k: string]: AstValue };

export function parseAst(text: string): AstValue {
  let i = 0;
  const fail = (): never => {
    throw new Error(`bad AST JSON at ${i}`);
  };
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\t' || text[i] === '\r')) i++;
  };
  const value = (): AstValue => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const o: AstObject = {};
      ws();
      if (text[i] === '}') return (i++, o);
      for (;;) {
        ws();
        const k = value();
        if (typeof k !== 'string') fail();
        ws();
        if (text[i++] !== ':') fail();
        o[k as string] = value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return (i++, o);
        else fail();
      }
    }
    if (c === '[') {
      i++;
      const a: AstValue[] = [];
      ws();
      if (text[i] === ']') return (i++, a);
      for (;;) {
        a.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return (i++, a);
        else fail();
      }
    }
    if (c === '"') {
      const start = i;
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      return JSON.parse(text.slice(start, i)) as string;
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const)
      if (text.startsWith(word, i)) return ((i += word.length), v);
    const m = /^-?(?:Infinity|NaN|[0-9][0-9.eE+-]*)/.exec(text.slice(i, i + 64));
    if (!m) return fail();
    i += m[0].length;
    return new RawNumber(m[0]);
  };
  const v = value();
  ws();
  if (i !== text.length) fail();
  return v;
}

export function stringifyAst(v: AstValue): string {
  if (v === null) return 'null';
  if (v instanceof RawNumber) return v.text;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stringifyAst).join(',')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${JSON.stringify(k)}:${stringifyAst(x)}`)
    .join(',')}}`;
}

export function isObject(v: AstValue | undefined): v is AstObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RawNumber);
}
