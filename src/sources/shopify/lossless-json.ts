import { parse, isInteger, isSafeNumber } from 'lossless-json';
import { ok, err, type Result } from '../../shared/result.js';
import { badRequest, type Problem } from '../../shared/problem.js';
import { exceedsDepth, MAX_JSON_DEPTH } from '../../shared/json-depth.js';

/**
 * Number parser for lossless-json: integers outside ±(2^53-1) stay exact as decimal strings
 * (Shopify ids such as 820982911946154508); every other number becomes a JS number unless it would overflow.
 */
export function parseNumberLossless(value: string): number | string {
  if (isInteger(value)) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  }
  return isSafeNumber(value, { approx: true }) ? Number(value) : value;
}

/** Parses JSON text/bytes keeping big integers exact (as strings). Throws SyntaxError on bad JSON. */
export function parseJsonLossless(text: string | Buffer): unknown {
  return parse(typeof text === 'string' ? text : text.toString('utf8'), null, parseNumberLossless);
}

/** Same, as a Result (400 on bad JSON or on JSON nesting deeper than the API's limit). */
export function tryParseJsonLossless(text: string | Buffer): Result<unknown, Problem> {
  try {
    const v = parseJsonLossless(text);
    return exceedsDepth(v, MAX_JSON_DEPTH) ? err(badRequest(`Body nests deeper than ${MAX_JSON_DEPTH} levels`)) : ok(v);
  } catch (e) {
    return err(badRequest(`Body is not valid JSON: ${(e as Error).message}`));
  }
}
