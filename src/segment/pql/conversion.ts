import { err, ok, type Result } from '../../shared/result.js';
import { problem, type Problem } from '../../shared/problem.js';
import { pqlProblem } from '../compile-definition.js';
import { parsePql } from './parser.js';
import { PqlPrintError, printPql } from './print.js';
import { fromPqlJson, toPqlJson } from './pql-json.js';

export type PqlFormat = 'pql/text' | 'pql/json';

/** A pql/json value that cannot be read or has no PQL spelling: a 400 naming the node (JSON Pointer). */
const jsonProblem = (message: string, at: string): Problem => problem(400, 'Bad Request', `Invalid pql/json: ${message}`, { code: 'PQL-JSON', at });

/** The PQL text of an expression given as pql/text or pql/json (a JSON string, or the JSON itself). */
export function pqlTextOf(format: unknown, value: unknown): Result<string, Problem> {
  if (format === undefined || format === 'pql/text') {
    if (typeof value !== 'string') return err(problem(400, 'Bad Request', 'expression.value must be a PQL string'));
    return ok(value);
  }
  if (format !== 'pql/json') return err(problem(400, 'Bad Request', 'expression.format must be "pql/text" or "pql/json"'));
  let json = value;
  if (typeof value === 'string') {
    try {
      json = JSON.parse(value);
    } catch (e) {
      return err(jsonProblem(`the value is not JSON (${(e as Error).message})`, ''));
    }
  }
  const c = fromPqlJson(json);
  if (!c.ok) return err(jsonProblem(c.error.message, c.error.at));
  try {
    return ok(printPql(c.value));
  } catch (e) {
    if (e instanceof PqlPrintError) return err(jsonProblem(e.message, ''));
    throw e;
  }
}

/**
 * `POST /segment/conversion`: an expression in one format to the other (pql/text ↔ pql/json; to its own format, the
 * canonical form). The value of pql/json is a JSON string, as AEP returns it.
 */
export function convertExpression(expression: unknown, to?: unknown): Result<{ type: 'PQL'; format: PqlFormat; value: string }, Problem> {
  if (typeof expression !== 'object' || expression === null) return err(problem(400, 'Bad Request', 'expression is required: { "type": "PQL", "format": "pql/text", "value": "…" }'));
  const e = expression as Record<string, unknown>;
  if (e.type !== 'PQL') return err(problem(400, 'Bad Request', 'expression.type must be "PQL"'));
  const from = (e.format ?? 'pql/text') as PqlFormat;
  const target = to ?? (from === 'pql/text' ? 'pql/json' : 'pql/text');
  if (target !== 'pql/text' && target !== 'pql/json') return err(problem(400, 'Bad Request', 'the target format must be "pql/text" or "pql/json"'));
  const text = pqlTextOf(from, e.value);
  if (!text.ok) return text;
  const parsed = parsePql(text.value);
  if (!parsed.ok) return err(pqlProblem(parsed.error));
  if (target === 'pql/text') return ok({ type: 'PQL', format: 'pql/text', value: printPql(parsed.value) });
  const j = toPqlJson(parsed.value.root);
  if (!j.ok) return err(problem(400, 'Bad Request', `This expression has no pql/json form: ${j.error.message}`, { code: 'PQL-JSON-UNSUPPORTED', at: j.error.at }));
  return ok({ type: 'PQL', format: 'pql/json', value: JSON.stringify(j.value) });
}
