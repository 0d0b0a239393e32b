import type { Clock } from '../../shared/clock.js';
import type { ActionContext, ActionResult } from '../journey-ports.js';
import type { ActionError, ActionOutcomeFields } from '../journey-types.js';

/**
 * Attempts of an action (HTTP, email): retries with doubling backoff on transient failures, the outcome of the
 * last attempt and the error of the one before it (`actionExecutionOriginError`), turned into an ActionResult.
 */

export type AttemptOutcome =
  | { ok: true }
  | { ok: false; error: ActionError; code?: string; context?: string; /** Worth another attempt (timeout, network, 5xx/429, SMTP 4xx). */ retryable: boolean };

type Failure = Extract<AttemptOutcome, { ok: false }>;

export interface RetryPolicy {
  retries: number;
  backoffMs: number;
  sleep: (ms: number) => Promise<void>;
  /** Asked before every attempt (the rate cap); false → the attempt is not made and the action fails with `capping`. */
  admit?: () => boolean;
}

export const DEFAULT_RETRIES = 2;
export const DEFAULT_BACKOFF_MS = 200;
const MAX_RETRIES = 10;
const MAX_CONTEXT = 300;

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface AttemptsReport {
  last: AttemptOutcome;
  origin?: Failure;
  attempts: number;
}

/** Runs `attempt` until it succeeds, fails for good, or the retries are spent. `attempt` must not throw. */
export async function withRetries(policy: RetryPolicy, attempt: (n: number) => Promise<AttemptOutcome>): Promise<AttemptsReport> {
  const retries = Math.min(MAX_RETRIES, Math.max(0, Math.floor(Number.isFinite(policy.retries) ? policy.retries : DEFAULT_RETRIES)));
  const backoff = Math.max(0, Number.isFinite(policy.backoffMs) ? policy.backoffMs : DEFAULT_BACKOFF_MS);
  let attempts = 0;
  let previous: Failure | undefined;
  for (;;) {
    if (policy.admit !== undefined && !policy.admit()) {
      return { last: { ok: false, error: 'capping', context: 'rate cap of the endpoint reached', retryable: false }, origin: previous, attempts };
    }
    const before = previous;
    const out = await attempt(attempts);
    attempts++;
    if (out.ok || !out.retryable || attempts > retries) return { last: out, origin: before, attempts };
    previous = out;
    await policy.sleep(backoff * 2 ** (attempts - 1));
  }
}

/** The outcome fields every result carries. */
export function baseFields(ctx: ActionContext, type: ActionOutcomeFields['actionType'], startedAt: number, clock: Clock, attempts: number): ActionOutcomeFields {
  return {
    actionID: ctx.actionId,
    actionName: ctx.actionName,
    actionType: type,
    actionExecutionTime: Math.max(0, clock.now() - startedAt),
    attempts,
  };
}

const clip = (s: string): string => (s.length > MAX_CONTEXT ? `${s.slice(0, MAX_CONTEXT)}…` : s);

/** A failed result without attempts (bad spec, nothing configured): the call was never made. */
export function failedBeforeCall(ctx: ActionContext, type: ActionOutcomeFields['actionType'], startedAt: number, clock: Clock, error: ActionError, code: string, context: string): ActionResult {
  const fields = baseFields(ctx, type, startedAt, clock, 0);
  return { status: 'failed', error, fields: { ...fields, actionExecutionError: error, actionExecutionErrorCode: code, actionErrorContext: clip(context) } };
}

/** The ActionResult of a run of attempts. */
export function resultOf(ctx: ActionContext, type: ActionOutcomeFields['actionType'], startedAt: number, clock: Clock, report: AttemptsReport): ActionResult {
  const fields = baseFields(ctx, type, startedAt, clock, report.attempts);
  if (report.origin !== undefined) {
    fields.actionExecutionOriginError = report.origin.error;
    if (report.origin.code !== undefined) fields.actionExecutionOriginCode = report.origin.code;
  }
  const last = report.last;
  if (last.ok) return { status: 'done', fields };
  fields.actionExecutionError = last.error;
  if (last.code !== undefined) fields.actionExecutionErrorCode = last.code;
  if (last.context !== undefined) fields.actionErrorContext = clip(last.context);
  return { status: 'failed', error: last.error, fields };
}

/** A thrown value as a short message. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === 'string' ? e : 'unknown error';
}
