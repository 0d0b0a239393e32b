/** The event parts of the PQL grammar (see the EBNF in `grammar.ts`): `xEvent[…]`, `select/exists X from xEvent where …`, CHAIN. */
import type { ChainStep, Condition, EventSet } from './ast.js';
import type { Node, Parser } from './grammar.js';
import type { Token } from './lexer.js';
import { parseWindow } from './time-words.js';
import { describe, RESERVED_WORDS } from './token-stream.js';

/** After `select` / `exists`: `X from xEvent [where condition]`. */
export function parseSelectTail(p: Parser, start: number): EventSet {
  const v = p.next();
  if (v.type !== 'ident' || RESERVED_WORDS.has(v.text)) p.fail(`Expected a variable name, found ${describe(v)}`, v);
  if (!p.isWord('from')) p.fail(`Expected 'from' after '${v.text}'`, p.peek());
  p.next();
  const src = p.peek();
  if (!p.isWord('xEvent')) {
    if (src.type === 'ident' || src.type === 'qident') p.unsupported(`from ${src.text} (quantifiers over arrays other than xEvent)`, src);
    p.fail(`Expected 'xEvent' after 'from', found ${describe(src)}`, src);
  }
  if (p.inEventScope()) p.unsupported('nested xEvent', src);
  p.next();
  let where: Condition | undefined;
  if (p.isWord('where')) {
    p.next();
    where = p.withScope({ variable: v.text }, () => p.parseCondition());
  }
  return where ? { kind: 'events', where, span: p.span(start) } : { kind: 'events', span: p.span(start) };
}

export function parseEvents(p: Parser): Node {
  const t = p.next();
  if (p.inEventScope()) p.unsupported('nested xEvent', t);
  let events: EventSet = { kind: 'events' };
  if (p.isPunct('[')) {
    p.next();
    const where = p.withScope({}, () => p.parseCondition());
    p.expectPunct(']', 'to close the event filter');
    events = { kind: 'events', where };
  }
  if (p.isPunct('.') && p.peek(1).type === 'ident' && !p.isPunct('(', 2)) p.unsupported('xEvent field access (use xEvent[…] or an aggregate)', p.peek(1));
  events.span = p.span(t.start);
  return { t: 'e', e: events, span: events.span };
}

export function parseChain(p: Parser, t: Token): Condition {
  if (p.inEventScope()) p.unsupported('nested xEvent', t);
  const ev = p.next();
  if (ev.type !== 'ident' || ev.text !== 'xEvent') p.fail(`CHAIN's first argument must be xEvent`, ev);
  p.expectPunct(',', 'after xEvent');
  const ts = p.next();
  if (ts.type !== 'ident' && ts.type !== 'qident') p.fail(`Expected a timestamp field as CHAIN's second argument`, ts);
  if (ts.text !== 'timestamp' || p.isPunct('.')) p.unsupported('CHAIN on a field other than timestamp', ts);
  p.expectPunct(',', 'after timestamp');
  p.expectPunct('[', 'to start the CHAIN steps');
  const steps: ChainStep[] = [];
  const labels: string[] = [];
  for (;;) {
    const label = p.next();
    if (label.type !== 'ident' || RESERVED_WORDS.has(label.text)) p.fail(`Expected a step label (e.g. C0), found ${describe(label)}`, label);
    if (labels.includes(label.text)) p.fail(`Duplicate CHAIN step label '${label.text}'`, label);
    p.expectPunct(':', `after the step label '${label.text}'`);
    const what = p.next();
    if (what.type !== 'ident' || what.text.toUpperCase() !== 'WHAT') p.fail(`Expected WHAT(…) in CHAIN step '${label.text}'`, what);
    p.expectPunct('(', 'after WHAT');
    const cond = p.withScope({}, () => p.parseCondition());
    p.expectPunct(')', 'to close WHAT(…)');
    const step: ChainStep = { label: label.text, what: cond };
    if (p.peek().type === 'ident' && p.peek().text.toUpperCase() === 'WHEN') {
      p.next();
      p.expectPunct('(', 'after WHEN');
      step.when = parseWindow(p, labels);
      p.expectPunct(')', 'to close WHEN(…)');
    }
    labels.push(label.text);
    steps.push(step);
    if (p.isPunct(',')) {
      p.next();
      continue;
    }
    p.expectPunct(']', 'to close the CHAIN steps');
    break;
  }
  p.expectPunct(')', 'to close CHAIN(…)');
  return { kind: 'chain', steps, span: p.span(t.start) };
}
