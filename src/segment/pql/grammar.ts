/**
 * The PQL grammar: a recursive-descent parser over `lexer.ts` tokens producing the AST of `ast.ts`.
 * Time windows (`occurs …`, CHAIN `WHEN(…)`) are in `time-words.ts`. Keywords are case-sensitive except CHAIN/WHAT/WHEN.
 *
 *   definition  = condition EOF
 *   condition   = and { "or" and }
 *   and         = not { "and" not }
 *   not         = ( "not" | "!" ) not
 *               | "exists" ident "from" "xEvent" [ "where" condition ]         (→ exists, ident = event variable)
 *               | "exists" postfix                                            (→ isNull negate)
 *               | predicate
 *   predicate   = additive [ cmp additive | ( "in" | "notIn" ) list | "like" additive | "occurs" window ]
 *   cmp         = "=" | "!=" | "<" | "<=" | ">" | ">="
 *   additive    = multiplicative { ( "+" | "-" ) multiplicative }
 *   multiplicative = unary { ( "*" | "/" | "%" ) unary }
 *   unary       = "-" unary | postfix
 *   postfix     = primary { "." ident "(" [ args ] ")" }                       (methods, see METHODS below)
 *   primary     = string | number [ unit ] | "true" | "false" | "null" | list
 *               | "now" [ "(" ")" ] | "today" [ "(" ")" ] | "date" "(" int "," int "," int [ "," int "," int [ "," int ] ] ")"
 *               | ( "lower" | "upper" | "trim" | "length" ) "(" additive ")" | "inSegment" "(" string ")"
 *               | "xEvent" [ "[" condition "]" ]                              (condition with the event as root)
 *               | "select" ident "from" "xEvent" [ "where" condition ]
 *               | "CHAIN" "(" "xEvent" "," "timestamp" "," "[" step { "," step } "]" ")"
 *               | path | "(" condition ")"
 *   step        = ident ":" "WHAT" "(" condition ")" [ "WHEN" "(" window ")" ]
 *   path        = ( ident | qident | "$1" "." segment ) { "." segment }        (segment = ident | qident)
 *   list        = "[" [ additive { "," additive } ] "]"
 *   args        = condition { "," condition }
 *
 * Precedence, loosest first: or, and, not, comparison / in / like / occurs (non-associative), + -, * / %, unary -,
 * postfix. Inside `xEvent[…]`, CHAIN `WHAT(…)` and aggregate arguments paths are event paths (root 'event') and `$1.x`
 * is a profile path; inside `select X … where …` only paths starting with `X.` are event paths.
 */
import type { CompareOp, Condition, EventSet, Span, ValueExpr } from './ast.js';
import { parseChain, parseEvents, parseSelectTail } from './event-grammar.js';
import { describe, RESERVED_WORDS, TokenStream } from './token-stream.js';
import { isUnsupportedUnit, parseWindow, unitOf, type WindowHost } from './time-words.js';
import { buildDate, callMethod, knownUnsupported } from './methods.js';

/** An intermediate parse result: a value, a condition, an event set or an array literal. */
export type Node =
  | { t: 'v'; v: ValueExpr; span: Span }
  | { t: 'c'; c: Condition; span: Span }
  | { t: 'e'; e: EventSet; span: Span }
  | { t: 'list'; items: ValueExpr[]; span: Span };

type Scope = { variable?: string };
const CMP = new Set(['=', '!=', '<', '<=', '>', '>=']);
const RESERVED = RESERVED_WORDS;

export class Parser extends TokenStream implements WindowHost {
  private scopes: Scope[] = [];

  parseDefinition(): Condition {
    if (this.peek().type === 'eof') this.fail('Empty PQL expression', 0);
    const c = this.asCond(this.parseOr());
    const t = this.peek();
    if (t.type !== 'eof') {
      if (t.type === 'punct' && t.text === ',' && this.peek(1).type === 'ident' && this.isWord('from', 2)) this.unsupported('exists … , … from (several quantifier bindings)', t);
      this.fail(`Unexpected ${describe(t)}`, t);
    }
    return c;
  }

  inEventScope(): boolean {
    return this.scopes.length > 0;
  }
  withScope<T>(scope: Scope, f: () => T): T {
    this.scopes.push(scope);
    try {
      return f();
    } finally {
      this.scopes.pop();
    }
  }

  // ---- coercions -------------------------------------------------------------------------------------------------
  asCond(n: Node): Condition {
    switch (n.t) {
      case 'c':
        return n.c;
      case 'e':
        return { kind: 'exists', events: n.e, span: n.span };
      case 'v':
        if (n.v.kind === 'literal' && typeof n.v.value === 'boolean') return { kind: 'bool', value: n.v.value, span: n.span };
        return this.fail('Expected a condition (a comparison, a test such as .isNull(), an event set …), found a value', n.span.start);
      case 'list':
        return this.fail('Expected a condition, found an array literal', n.span.start);
    }
  }
  asValue(n: Node): ValueExpr {
    switch (n.t) {
      case 'v':
        return n.v;
      case 'c':
        return this.fail('Expected a value, found a condition', n.span.start);
      case 'e':
        return this.fail('Expected a value, found an event set (use .count(), .sum(…), …)', n.span.start);
      case 'list':
        return this.fail(`An array literal is only valid after 'in' / 'notIn'`, n.span.start);
    }
  }
  parseValue(): ValueExpr {
    return this.asValue(this.parseAdditive());
  }
  parseCondition(): Condition {
    return this.asCond(this.parseOr());
  }

  // ---- boolean levels --------------------------------------------------------------------------------------------
  parseOr(): Node {
    const start = this.peek().start;
    const first = this.parseAnd();
    if (!this.isWord('or')) return first;
    const items = [this.asCond(first)];
    while (this.isWord('or')) {
      this.next();
      items.push(this.asCond(this.parseAnd()));
    }
    const span = this.span(start);
    return { t: 'c', c: { kind: 'or', items, span }, span };
  }
  parseAnd(): Node {
    const start = this.peek().start;
    const first = this.parseNot();
    if (!this.isWord('and')) return first;
    const items = [this.asCond(first)];
    while (this.isWord('and')) {
      this.next();
      items.push(this.asCond(this.parseNot()));
    }
    const span = this.span(start);
    return { t: 'c', c: { kind: 'and', items, span }, span };
  }
  parseNot(): Node {
    const t = this.peek();
    if (this.isWord('not') || this.isPunct('!')) {
      this.next();
      const item = this.asCond(this.parseNot());
      const span = this.span(t.start);
      return { t: 'c', c: { kind: 'not', item, span }, span };
    }
    if (this.isWord('exists')) {
      this.next();
      if (this.peek().type === 'ident' && this.isWord('from', 1)) {
        const e = parseSelectTail(this, t.start);
        return { t: 'c', c: { kind: 'exists', events: e, span: e.span }, span: e.span as Span };
      }
      const operand = this.parsePostfix();
      const span = this.span(t.start);
      if (operand.t === 'e') return { t: 'c', c: { kind: 'exists', events: operand.e, span }, span };
      return { t: 'c', c: { kind: 'isNull', value: this.asValue(operand), negate: true, span }, span };
    }
    if (this.isWord('forall')) this.unsupported('forall', t);
    return this.parsePredicate();
  }
  parsePredicate(): Node {
    const start = this.peek().start;
    const left = this.parseAdditive();
    const t = this.peek();
    const done = (c: Condition): Node => {
      const span = this.span(start);
      c.span = span;
      const after = this.peek();
      if ((after.type === 'punct' && CMP.has(after.text)) || this.isWord('in') || this.isWord('notIn') || this.isWord('like') || this.isWord('occurs'))
        this.fail(`Comparisons cannot be chained: parenthesise or use 'and'`, after);
      return { t: 'c', c, span };
    };
    if (t.type === 'punct' && CMP.has(t.text)) {
      this.next();
      const l = this.asValue(left);
      return done({ kind: 'compare', op: t.text as CompareOp, left: l, right: this.parseValue() });
    }
    if (t.type === 'punct' && (t.text === '==' || t.text === '&&' || t.text === '||')) {
      this.fail(`Unknown operator '${t.text}' (use ${t.text === '==' ? "'='" : t.text === '&&' ? "'and'" : "'or'"})`, t);
    }
    if (this.isWord('in') || this.isWord('notIn')) {
      this.next();
      const value = this.asValue(left);
      const list = this.parseAdditive();
      if (list.t !== 'list') this.fail(`Expected an array literal '[…]' after '${t.text}'`, list.span.start);
      return done({ kind: 'in', value, list: list.items, negate: t.text === 'notIn' });
    }
    if (this.isWord('like')) {
      this.next();
      const value = this.asValue(left);
      return done({ kind: 'string', test: 'like', value, arg: this.parseValue(), caseSensitive: true, negate: false });
    }
    if (this.isWord('occurs')) {
      this.next();
      const value = this.asValue(left);
      const w = parseWindow(this);
      if (w.kind === 'afterStep') this.fail(`'after <step>' is only valid in a CHAIN step`, t);
      return done({ kind: 'occurs', value, window: w });
    }
    return left;
  }

  // ---- value levels ----------------------------------------------------------------------------------------------
  parseAdditive(): Node {
    const start = this.peek().start;
    let left = this.parseMultiplicative();
    while (this.isPunct('+') || this.isPunct('-')) {
      const op = this.next().text as '+' | '-';
      const l = this.asValue(left);
      const r = this.asValue(this.parseMultiplicative());
      const span = this.span(start);
      left = { t: 'v', v: { kind: 'arith', op, left: l, right: r, span }, span };
    }
    return left;
  }
  parseMultiplicative(): Node {
    const start = this.peek().start;
    let left = this.parseUnary();
    while (this.isPunct('*') || this.isPunct('/') || this.isPunct('%')) {
      const op = this.next().text as '*' | '/' | '%';
      const l = this.asValue(left);
      const r = this.asValue(this.parseUnary());
      const span = this.span(start);
      left = { t: 'v', v: { kind: 'arith', op, left: l, right: r, span }, span };
    }
    return left;
  }
  parseUnary(): Node {
    if (!this.isPunct('-')) return this.parsePostfix();
    const start = this.next().start;
    const x = this.asValue(this.parseUnary());
    const span = this.span(start);
    if (x.kind === 'literal' && typeof x.value === 'number') return { t: 'v', v: { kind: 'literal', value: x.value === 0 ? 0 : -x.value, span }, span };
    if (x.kind === 'duration') return { t: 'v', v: { kind: 'duration', amount: x.amount === 0 ? 0 : -x.amount, unit: x.unit, span }, span };
    return { t: 'v', v: { kind: 'arith', op: '-', left: { kind: 'literal', value: 0, span: { start, end: start } }, right: x, span }, span };
  }
  parsePostfix(): Node {
    const start = this.peek().start;
    let n = this.parsePrimary();
    for (;;) {
      if (this.isPunct('.')) {
        const name = this.peek(1);
        if (name.type !== 'ident' || !this.isPunct('(', 2)) this.fail(`Expected a method call after '.', found ${describe(name)}`, name);
        this.next();
        this.next();
        this.next();
        n = callMethod(this, n, name, start);
        continue;
      }
      if (this.isPunct('[')) this.unsupported('array filter [...]', this.peek());
      if (this.isPunct('^')) this.unsupported('^ (up operator)', this.peek());
      return n;
    }
  }
  parsePrimary(): Node {
    const t = this.peek();
    const v = (x: ValueExpr): Node => {
      const span = this.span(t.start);
      x.span = span;
      return { t: 'v', v: x, span };
    };
    if (t.type === 'string') {
      this.next();
      return v({ kind: 'literal', value: t.text });
    }
    if (t.type === 'number') {
      this.next();
      const u = this.peek();
      if (u.type === 'ident' && !this.isPunct('(', 1)) {
        const unit = unitOf(u.text);
        if (unit) {
          this.next();
          return v({ kind: 'duration', amount: t.num as number, unit });
        }
        if (isUnsupportedUnit(u.text)) this.unsupported(u.text, u);
      }
      return v({ kind: 'literal', value: t.num as number });
    }
    if (t.type === 'punct') {
      if (t.text === '(') {
        if (this.peek(1).type === 'ident' && this.isPunct(')', 2) && this.isPunct('=>', 3)) this.unsupported('lambda (x) => …', t);
        this.next();
        const inner = this.parseOr();
        this.expectPunct(')', 'to close the parenthesis');
        return { ...inner, span: this.span(t.start) };
      }
      if (t.text === '[') {
        this.next();
        const items = this.parseList();
        return { t: 'list', items, span: this.span(t.start) };
      }
      if (t.text === '{') this.unsupported('object literal {…}', t);
      this.fail(`Unexpected ${describe(t)}`, t);
    }
    if (t.type === 'eof') this.fail('Unexpected end of expression', t);
    if (t.type === 'qident') return this.parsePath();
    // identifiers
    const call = this.isPunct('(', 1);
    switch (t.text) {
      case 'true':
      case 'false':
        this.next();
        return v({ kind: 'literal', value: t.text === 'true' });
      case 'null':
        this.next();
        return v({ kind: 'literal', value: null });
      case 'now':
      case 'today':
        this.next();
        if (call) {
          this.next();
          this.expectPunct(')', `after '${t.text}('`);
        }
        return v({ kind: t.text });
      case 'yesterday':
      case 'tomorrow':
        return this.unsupported(t.text, t);
      case 'xEvent':
        return parseEvents(this);
      case 'select': {
        this.next();
        const e = parseSelectTail(this, t.start);
        return { t: 'e', e, span: e.span as Span };
      }
      case 'let':
        return this.unsupported('let … in', t);
      case 'forall':
        return this.unsupported('forall', t);
      case 'exists':
        return this.fail(`'exists' must start a condition (parenthesise it)`, t);
    }
    if (RESERVED.has(t.text) && t.text !== '$1') this.fail(`Unexpected ${describe(t)}`, t);
    if (!call) return this.parsePath();
    this.next();
    this.next();
    const lower = t.text.toLowerCase();
    if (lower === 'chain') return { t: 'c', c: parseChain(this, t), span: this.span(t.start) };
    switch (t.text) {
      case 'date':
        return v(buildDate(this, t));
      case 'lower':
      case 'upper':
      case 'trim':
      case 'length': {
        const [arg] = this.parseArgs((i) => (i === 0 ? this.parseValue() : this.fail(`${t.text}() takes one argument`, this.peek())));
        if (!arg) this.fail(`${t.text}() takes one argument`, t);
        return v({ kind: 'fn', fn: t.text, arg });
      }
      case 'inSegment': {
        const args = this.parseArgs(() => this.next());
        const a = args[0];
        if (args.length !== 1 || a.type !== 'string') this.fail(`inSegment() takes one string argument (a segment id)`, t);
        const span = this.span(t.start);
        return { t: 'c', c: { kind: 'inSegment', segmentId: a.text, span }, span };
      }
    }
    if (knownUnsupported(t.text)) this.unsupported(t.text, t);
    return this.fail(`Unknown function '${t.text}'`, t);
  }

  parseList(): ValueExpr[] {
    const items: ValueExpr[] = [];
    if (this.isPunct(']')) {
      this.next();
      return items;
    }
    for (;;) {
      items.push(this.parseValue());
      if (this.isPunct(',')) {
        this.next();
        continue;
      }
      this.expectPunct(']', 'to close the array');
      return items;
    }
  }

  parsePath(): Node {
    const first = this.next();
    let root: 'profile' | 'event' = 'profile';
    const path: string[] = [];
    const scope = this.scopes[this.scopes.length - 1];
    const needsField = first.type === 'ident' && (first.text === '$1' || (scope?.variable !== undefined && first.text === scope.variable));
    if (first.type === 'ident' && /^\$\d+$/.test(first.text) && first.text !== '$1') this.unsupported(`${first.text} (multi-entity parameters)`, first);
    if (needsField) {
      root = first.text === '$1' ? 'profile' : 'event';
      if (!this.isPunct('.') || !(this.peek(1).type === 'ident' || this.peek(1).type === 'qident') || this.isPunct('(', 2))
        this.fail(`Expected a field after '${first.text}.'`, this.peek());
    } else {
      root = scope && scope.variable === undefined ? 'event' : 'profile';
      path.push(first.text);
    }
    while (this.isPunct('.') && (this.peek(1).type === 'ident' || this.peek(1).type === 'qident') && !this.isPunct('(', 2)) {
      this.next();
      path.push(this.next().text);
    }
    const span = this.span(first.start);
    return { t: 'v', v: { kind: 'path', root, path, span }, span };
  }

}



