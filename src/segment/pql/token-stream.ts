/** Token-level helpers shared by the PQL grammar (`grammar.ts`) and its parts: cursor, errors, spans, argument lists. */
import type { Span } from './ast.js';
import { lex, PqlSyntaxError, type Token } from './lexer.js';

/** Words that cannot start an unquoted path (the printer quotes such a first segment). */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  'and', 'or', 'not', 'in', 'notIn', 'like', 'occurs', 'true', 'false', 'null', 'exists', 'forall', 'select', 'from', 'where', 'let',
  'now', 'today', 'yesterday', 'tomorrow', 'xEvent', '$1',
]);

export class TokenStream {
  protected readonly toks: Token[];
  protected i = 0;

  constructor(readonly text: string) {
    this.toks = lex(text);
  }

  peek(offset = 0): Token {
    return this.toks[Math.min(this.i + offset, this.toks.length - 1)];
  }
  next(): Token {
    const t = this.toks[this.i];
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  get prevEnd(): number {
    return this.i > 0 ? this.toks[this.i - 1].end : 0;
  }
  isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.type === 'ident' && t.text === word;
  }
  isPunct(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.type === 'punct' && t.text === text;
  }
  expectPunct(text: string, context: string): Token {
    const t = this.peek();
    if (t.type !== 'punct' || t.text !== text) this.fail(`Expected '${text}' ${context}, found ${describe(t)}`, t);
    return this.next();
  }
  fail(message: string, at: Token | number): never {
    throw new PqlSyntaxError(message, typeof at === 'number' ? at : at.start);
  }
  unsupported(construct: string, at: Token | number): never {
    throw new PqlSyntaxError(`Unsupported PQL construct '${construct}'`, typeof at === 'number' ? at : at.start, construct);
  }
  span(start: number): Span {
    return { start, end: this.prevEnd };
  }
  /** `(` already consumed; parses `arg, arg, …)` with `each`. */
  parseArgs<T>(each: (index: number) => T): T[] {
    const out: T[] = [];
    if (this.isPunct(')')) {
      this.next();
      return out;
    }
    for (;;) {
      out.push(each(out.length));
      if (this.isPunct(',')) {
        this.next();
        continue;
      }
      this.expectPunct(')', 'to close the argument list');
      return out;
    }
  }
}

export function describe(t: Token): string {
  switch (t.type) {
    case 'eof':
      return 'end of expression';
    case 'string':
      return `string ${JSON.stringify(t.text)}`;
    case 'number':
      return `number ${t.text}`;
    default:
      return `'${t.text}'`;
  }
}
