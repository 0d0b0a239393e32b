/**
 * `parsePql(text)`: PQL text → `SegmentAst` (see `ast.ts` for the semantics, `grammar.ts` for the grammar), or a
 * `PqlError` with the offset, 1-based line/column and, for valid AEP PQL that Kith does not support, the construct.
 */
import { err, ok, type Result } from '../../shared/result.js';
import type { Condition, SegmentAst, Span, ValueExpr } from './ast.js';
import { Parser } from './grammar.js';
import { lineColumn, PqlSyntaxError } from './lexer.js';

export interface PqlError {
  message: string;
  /** Offset into the PQL text (0-based). */
  position: number;
  line: number;
  column: number;
  /** Set when the text is valid AEP PQL that Kith does not support (e.g. 'forall', 'groupBy', 'last week'). */
  construct?: string;
}

export function parsePql(text: string): Result<SegmentAst, PqlError> {
  try {
    const root = new Parser(text).parseDefinition();
    checkDurations(root);
    return ok({ root, source: text });
  } catch (e) {
    if (e instanceof RangeError) return err({ message: 'PQL expression is nested too deeply at line 1, column 1', position: 0, line: 1, column: 1 });
    if (!(e instanceof PqlSyntaxError)) throw e;
    const { line, column } = lineColumn(text, e.position);
    const where = `at line ${line}, column ${column}`;
    const message = `${e.message} ${where}`;
    const out: PqlError = { message, position: e.position, line, column };
    if (e.construct) out.construct = e.construct;
    return err(out);
  }
}

/** A duration (`3 days`) is only meaningful as an operand of `+` / `-` (with a datetime). */
function checkDurations(root: Condition): void {
  const bad = (v: ValueExpr): never => {
    throw new PqlSyntaxError(`A duration ('${v.kind === 'duration' ? `${v.amount} ${v.unit}s` : ''}') is only valid as an operand of + or -`, startOf(v.span));
  };
  const val = (v: ValueExpr | undefined, durationOk = false): void => {
    if (!v) return;
    switch (v.kind) {
      case 'duration':
        if (!durationOk) bad(v);
        return;
      case 'arith': {
        const ok = v.op === '+' || v.op === '-';
        val(v.left, ok);
        val(v.right, ok);
        return;
      }
      case 'fn':
        return val(v.arg);
      case 'aggregate':
        if (v.events.where) cond(v.events.where);
        return val(v.value);
      default:
        return;
    }
  };
  const cond = (c: Condition): void => {
    switch (c.kind) {
      case 'and':
      case 'or':
        return c.items.forEach(cond);
      case 'not':
        return cond(c.item);
      case 'compare':
        val(c.left);
        return val(c.right);
      case 'in':
        val(c.value);
        return c.list.forEach((x) => val(x));
      case 'isNull':
        return val(c.value);
      case 'string':
        val(c.value);
        return val(c.arg);
      case 'occurs':
        val(c.value);
        if (c.window.kind === 'absolute') {
          val(c.window.from);
          val(c.window.to);
        }
        return;
      case 'exists':
        if (c.events.where) cond(c.events.where);
        return;
      case 'chain':
        return c.steps.forEach((s) => cond(s.what));
      default:
        return;
    }
  };
  cond(root);
}

const startOf = (s: Span | undefined): number => s?.start ?? 0;
