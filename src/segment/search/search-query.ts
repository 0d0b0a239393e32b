import { err, ok, type Result } from '../../shared/result.js';

/**
 * The `s` parameter of AEP's segment search (`/search/entities`): a subset of Lucene's query syntax. Supported: words
 * (any case), `"phrases"`, `field:term` (fields `segmentId`, `segmentName`, `segmentDescription`, `folderId`,
 * `parentFolderId`, `folderLocation`), `AND`, `OR`, `NOT` (also `&&`, `||`, `!`), parentheses, and the wildcards `*`
 * (0 or more characters) and `?` (exactly one) inside words. Words side by side mean OR (Lucene's default operator).
 * Fuzzy (`~`), proximity, boosting (`^`), ranges and regular expressions are refused with their position.
 */
export type SearchQuery =
  | { kind: 'term'; field?: string; words: string[]; phrase: boolean }
  | { kind: 'and' | 'or'; items: SearchQuery[] }
  | { kind: 'not'; item: SearchQuery };

export const SEARCH_FIELDS = ['segmentId', 'segmentName', 'segmentDescription', 'folderId', 'parentFolderId', 'folderLocation'] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

type Tok = { t: 'word' | 'phrase' | 'and' | 'or' | 'not' | '(' | ')'; v: string; at: number; field?: string };

function lex(s: string): Result<Tok[], string> {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      out.push({ t: c, v: c, at: i++ });
      continue;
    }
    if (s.startsWith('&&', i)) (out.push({ t: 'and', v: '&&', at: i }), (i += 2));
    else if (s.startsWith('||', i)) (out.push({ t: 'or', v: '||', at: i }), (i += 2));
    else if (c === '!') out.push({ t: 'not', v: '!', at: i++ });
    else if ('~^[]{}/'.includes(c)) return err(`"${c}" at position ${i}: fuzzy, proximity, boost, range and regular-expression searches are not supported`);
    else {
      // a word or a phrase, optionally after `field:`
      const start = i;
      let field: string | undefined;
      const f = /^([A-Za-z]+):/.exec(s.slice(i));
      if (f) {
        if (!(SEARCH_FIELDS as readonly string[]).includes(f[1]!)) return err(`unknown field "${f[1]}" at position ${i} (searchable: ${SEARCH_FIELDS.join(', ')})`);
        field = f[1];
        i += f[0].length;
        while (i < s.length && /\s/.test(s[i]!)) i++;
      }
      if (s[i] === '"') {
        const end = s.indexOf('"', i + 1);
        if (end < 0) return err(`unterminated phrase at position ${i}`);
        out.push({ t: 'phrase', v: s.slice(i + 1, end), at: start, ...(field ? { field } : {}) });
        i = end + 1;
        if (s[i] === '~') return err(`"~" at position ${i}: proximity searches are not supported`);
        continue;
      }
      let j = i;
      while (j < s.length && !/[\s()"]/.test(s[j]!) && !'~^[]{}'.includes(s[j]!)) j++;
      const w = s.slice(i, j);
      if (w === '') return err(`a term is missing at position ${i}`);
      if (!field && (w === 'AND' || w === 'OR' || w === 'NOT')) out.push({ t: w.toLowerCase() as 'and' | 'or' | 'not', v: w, at: start });
      else out.push({ t: 'word', v: w, at: start, ...(field ? { field } : {}) });
      i = j;
    }
  }
  return ok(out);
}

const wordsOf = (text: string): string[] => text.toLowerCase().split(/[^\p{L}\p{N}*?]+/u).filter(Boolean);

/** Parses an `s` expression; errors name the position. */
export function parseSearch(s: string): Result<SearchQuery, string> {
  const toks = lex(s);
  if (!toks.ok) return toks;
  const t = toks.value;
  let p = 0;
  const fail = (msg: string): never => {
    throw new SyntaxError(msg);
  };
  // or := and (("OR" | juxtaposition) and)*; and := unary ("AND" unary | "NOT" unary)*; unary := "NOT" unary | atom
  const or = (): SearchQuery => {
    const items = [and()];
    while (p < t.length && t[p]!.t !== ')') {
      if (t[p]!.t === 'or') p++;
      items.push(and());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  };
  const and = (): SearchQuery => {
    const items = [unary()];
    while (p < t.length && (t[p]!.t === 'and' || (t[p]!.t === 'not' && items.length > 0))) {
      if (t[p]!.t === 'and') {
        p++;
        items.push(unary());
      } else {
        p++;
        items.push({ kind: 'not', item: unary() });
      }
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  };
  const unary = (): SearchQuery => {
    const k = t[p];
    if (!k) return fail('the expression ends where a term is expected');
    if (k.t === 'not') {
      p++;
      return { kind: 'not', item: unary() };
    }
    if (k.t === '(') {
      p++;
      const q = or();
      if (t[p]?.t !== ')') return fail(`")" expected at position ${t[p]?.at ?? s.length}`);
      p++;
      return q;
    }
    if (k.t === 'word' || k.t === 'phrase') {
      p++;
      const words = wordsOf(k.v);
      if (words.length === 0) return fail(`term at position ${k.at} has no letters or digits`);
      return { kind: 'term', ...(k.field ? { field: k.field } : {}), words, phrase: k.t === 'phrase' };
    }
    return fail(`unexpected "${k.v}" at position ${k.at}`);
  };
  try {
    if (t.length === 0) return err('empty search expression');
    const q = or();
    if (p < t.length) return err(`unexpected "${t[p]!.v}" at position ${t[p]!.at}`);
    return ok(q);
  } catch (e) {
    if (e instanceof SyntaxError) return err(e.message);
    throw e;
  }
}

const wordRe = new Map<string, RegExp>();
function wordMatches(pattern: string, word: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === word;
  let re = wordRe.get(pattern);
  if (!re) wordRe.set(pattern, (re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'u')));
  return re.test(word);
}

/** Whether a document (field -> text) matches. */
export function matchesSearch(q: SearchQuery, doc: Partial<Record<SearchField, string | undefined>>): boolean {
  switch (q.kind) {
    case 'and':
      return q.items.every((i) => matchesSearch(i, doc));
    case 'or':
      return q.items.some((i) => matchesSearch(i, doc));
    case 'not':
      return !matchesSearch(q.item, doc);
    case 'term': {
      const fields = q.field ? [q.field as SearchField] : SEARCH_FIELDS;
      return fields.some((f) => {
        const text = doc[f];
        if (!text) return false;
        const words = wordsOf(text);
        if (!q.phrase) return q.words.every((w) => words.some((x) => wordMatches(w, x)));
        // a phrase: its words in sequence
        for (let i = 0; i + q.words.length <= words.length; i++) if (q.words.every((w, j) => wordMatches(w, words[i + j]!))) return true;
        return false;
      });
    }
  }
}
