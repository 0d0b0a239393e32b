/**
 * CORS for the Edge endpoints. alloy calls with `credentials: "include"`, so the answer must echo the exact Origin
 * with `Access-Control-Allow-Credentials: true` — never `*`. No Origin (server-to-server) → no CORS headers.
 * `allowedOrigins` (exact strings) restricts which origins are echoed when the datastream configures it.
 */
export function corsHeaders(origin: string | undefined, allowedOrigins?: readonly string[]): Record<string, string> {
  if (!origin || origin === '*' || origin === 'null') return {};
  if (allowedOrigins && !allowedOrigins.includes(origin)) return {};
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Expose-Headers': 'x-request-id, x-adobe-edge',
    Vary: 'Origin',
  };
}

/** Preflight (OPTIONS) answer: CORS headers plus the allowed methods and the requested headers echoed. */
export function corsPreflightHeaders(origin: string | undefined, requestHeaders?: string, allowedOrigins?: readonly string[]): Record<string, string> {
  const base = corsHeaders(origin, allowedOrigins);
  if (!base['Access-Control-Allow-Origin']) return {};
  return {
    ...base,
    'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
    'Access-Control-Allow-Headers': requestHeaders && /^[\w\-, ]+$/.test(requestHeaders) ? requestHeaders : 'content-type',
    'Access-Control-Max-Age': '86400',
    Vary: 'Origin, Access-Control-Request-Headers',
  };
}
