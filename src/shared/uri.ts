/**
 * One more percent-decoding of an id that the router already decoded once (clients that encode a schema `$id`
 * twice). A string that is not valid percent-encoding (`%`, `%E0%A4%A`) is returned as is: it is an id to look
 * up, not a malformed request.
 */
export function decodeAgain(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
