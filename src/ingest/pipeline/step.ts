/**
 * Processing steps, PostHog-style: a step takes one input and returns data describing what happened, never throws
 * for bad data. `ok` carries the value on (with optional warnings), `drop` discards the item on purpose (e.g. a
 * duplicate), `deadLetter` rejects it with a reason that must be kept (failed records). A step THROWS only for
 * infrastructure faults (a store is down): the runner then rejects so the caller can retry the same log range.
 */
export type StepResult<T> =
  | { type: 'ok'; value: T; warnings?: string[] }
  | { type: 'drop'; reason: string }
  | { type: 'deadLetter'; reason: string; code?: string; details?: unknown };

export type Step<I, O> = (input: I) => Promise<StepResult<O>> | StepResult<O>;

export const ok = <T>(value: T, warnings?: string[]): StepResult<T> => (warnings?.length ? { type: 'ok', value, warnings } : { type: 'ok', value });
export const drop = (reason: string): StepResult<never> => ({ type: 'drop', reason });
export const deadLetter = (reason: string, code?: string, details?: unknown): StepResult<never> => {
  const r: { type: 'deadLetter'; reason: string; code?: string; details?: unknown } = { type: 'deadLetter', reason };
  if (code !== undefined) r.code = code;
  if (details !== undefined) r.details = details;
  return r;
};
