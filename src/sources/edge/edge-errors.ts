import type { Problem } from '../../shared/problem.js';

/** Edge Network style error (`EXEG-…` problem types). */
export function edgeError(status: number, code: string, title: string, detail: string): Problem {
  return { status, body: { type: `https://ns.adobe.com/aep/errors/${code}-${status}`, status, title, detail } };
}

export const invalidEdgeRequest = (detail: string) => edgeError(400, 'EXEG-0003', 'Invalid request', detail);
