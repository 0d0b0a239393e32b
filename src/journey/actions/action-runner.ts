import type { Clock } from '../../shared/clock.js';
import { err, type Result } from '../../shared/result.js';
import type { ActionContext, ActionResult, ActionRunner, ProfileUpdateSink } from '../journey-ports.js';
import type { ActionSpec } from '../journey-types.js';
import { baseFields, messageOf, realSleep } from './attempts.js';
import { checkEmailAction, DEFAULT_EMAIL_TIMEOUT_MS, runEmailAction, smtpTransport, type EmailTransport } from './email-action.js';
import { checkHttpAction, runHttpAction } from './http-action.js';
import { RateCap } from './rate-cap.js';
import { checkUpdateProfile, runUpdateProfileAction } from './update-profile-action.js';
import { journeyActionsTotal } from '../../metrics/pipeline-metrics.js';

/**
 * The journey engine's ActionRunner: dispatches an action spec by kind to HTTP, email or update profile. Every
 * result carries `fields` (actionID/actionName from the context, actionType, actionExecutionTime, attempts).
 * Never throws. The SMTP URL comes from the composition root (`KITH_SMTP_URL`), never from the environment here.
 */

export interface JourneyActionRunnerOptions {
  clock: Clock;
  /** e.g. `smtp://user:pass@127.0.0.1:2525`; absent → email actions fail with `noSmtp`. */
  smtpUrl?: string;
  profileUpdates: ProfileUpdateSink;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** Backoff waits (default: real timers). */
  sleep?: (ms: number) => Promise<void>;
  /** Per SMTP connection/greeting/socket step (default 10 s). */
  emailTimeoutMs?: number;
  /** Email retries and first backoff (HTTP takes them from its spec); defaults 2 and 200 ms. */
  emailRetries?: number;
  emailBackoffMs?: number;
  /** Replaces the SMTP transport `smtpUrl` would make. */
  emailTransport?: EmailTransport;
}

export class JourneyActionRunner implements ActionRunner {
  private readonly rateCap: RateCap;
  private transport: EmailTransport | undefined;

  constructor(private readonly options: JourneyActionRunnerOptions) {
    this.rateCap = new RateCap(options.clock);
    this.transport = options.emailTransport;
  }

  async run(spec: ActionSpec, ctx: ActionContext): Promise<ActionResult> {
    const r = await this.runOnce(spec, ctx);
    const kind = (spec as { kind?: unknown } | null)?.kind;
    journeyActionsTotal.inc({ kind: typeof kind === 'string' ? kind : 'unknown', status: r.status });
    return r;
  }

  private async runOnce(spec: ActionSpec, ctx: ActionContext): Promise<ActionResult> {
    const startedAt = this.options.clock.now();
    try {
      return await this.dispatch(spec, ctx);
    } catch (e) {
      // the parts return errors as values; this is the seam's promise that nothing escapes
      const kind = (spec as { kind?: unknown } | null)?.kind;
      const type = kind === 'email' || kind === 'updateProfile' ? kind : 'http';
      const fields = baseFields(ctx, type, startedAt, this.options.clock, 0);
      return { status: 'failed', error: 'error', fields: { ...fields, actionExecutionError: 'error', actionExecutionErrorCode: 'internal', actionErrorContext: messageOf(e).slice(0, 300) } };
    }
  }

  /** Closes the SMTP transport, if one was made. */
  close(): void {
    this.transport?.close();
    this.transport = undefined;
  }

  private dispatch(spec: ActionSpec, ctx: ActionContext): Promise<ActionResult> {
    const { clock } = this.options;
    const sleep = this.options.sleep ?? realSleep;
    switch (spec.kind) {
      case 'http':
        return runHttpAction(spec, ctx, { clock, rateCap: this.rateCap, fetch: this.options.fetch ?? globalThis.fetch, sleep });
      case 'email':
        return runEmailAction(spec, ctx, { clock, sleep, transport: this.emailTransport(), retries: this.options.emailRetries, backoffMs: this.options.emailBackoffMs });
      case 'updateProfile':
        return runUpdateProfileAction(spec, ctx, { clock, sink: this.options.profileUpdates });
      default:
        return Promise.reject(new Error(`unknown action kind ${JSON.stringify((spec as { kind?: unknown }).kind)}`));
    }
  }

  private emailTransport(): EmailTransport | undefined {
    if (this.transport === undefined && this.options.smtpUrl !== undefined && this.options.smtpUrl !== '') {
      this.transport = smtpTransport(this.options.smtpUrl, this.options.emailTimeoutMs ?? DEFAULT_EMAIL_TIMEOUT_MS);
    }
    return this.transport;
  }
}

/** For the definition validator: what is wrong with an action spec, if anything. */
export function checkAction(spec: ActionSpec): Result<void, string> {
  switch ((spec as { kind?: unknown } | null)?.kind) {
    case 'http':
      return checkHttpAction(spec as Extract<ActionSpec, { kind: 'http' }>);
    case 'email':
      return checkEmailAction(spec as Extract<ActionSpec, { kind: 'email' }>);
    case 'updateProfile':
      return checkUpdateProfile(spec as Extract<ActionSpec, { kind: 'updateProfile' }>);
    default:
      return err('action.kind must be http, email or updateProfile');
  }
}
