/**
 * A service-level error in AEP's RFC-7807-ish "problem" shape. Services return these as values
 * (see result.ts); the HTTP layer serialises them unchanged.
 */
export interface Problem {
  /** HTTP status to answer with. */
  status: number;
  /** Body to send. Most AEP services use {type,status,title,detail,report}; the gateway uses {error_code,message}. */
  body: Record<string, unknown>;
  /** Extra response headers (e.g. Retry-After). */
  headers?: Record<string, string>;
}

export const PROBLEM_TYPE_BASE = 'http://ns.adobe.com/aep/errors';

export function problem(
  status: number,
  title: string,
  detail?: string,
  extra: Record<string, unknown> = {},
): Problem {
  const body: Record<string, unknown> = {
    type: (extra.type as string | undefined) ?? `${PROBLEM_TYPE_BASE}/${status}`,
    status,
    title,
  };
  if (detail !== undefined) body.detail = detail;
  for (const [k, v] of Object.entries(extra)) if (k !== 'type') body[k] = v;
  return { status, body };
}

export const badRequest = (detail: string, extra?: Record<string, unknown>) =>
  problem(400, 'Bad Request', detail, extra);
export const notFound = (detail: string, extra?: Record<string, unknown>) =>
  problem(404, 'Not Found', detail, extra);
export const conflict = (detail: string, extra?: Record<string, unknown>) =>
  problem(409, 'Conflict', detail, extra);
export const unprocessable = (detail: string, extra?: Record<string, unknown>) =>
  problem(422, 'Unprocessable Entity', detail, extra);
