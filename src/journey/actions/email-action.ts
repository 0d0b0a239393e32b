import nodemailer from 'nodemailer';
import SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { Clock } from '../../shared/clock.js';
import { err, ok, type Result } from '../../shared/result.js';
import type { ActionContext, ActionResult } from '../journey-ports.js';
import type { EmailActionSpec } from '../journey-types.js';
import { DEFAULT_BACKOFF_MS, DEFAULT_RETRIES, failedBeforeCall, messageOf, resultOf, withRetries, type AttemptOutcome } from './attempts.js';
import { checkTemplate, fillTemplate, lookup, scopeOf } from './template.js';

/**
 * Email action over SMTP (nodemailer). Consent first: `consents.marketing.email.val` or `consents.marketing.any.val`
 * of `n` (no) or `dn` (default no) skips the send, as does an empty recipient. No SMTP server configured is a
 * failure (`error`, code `noSmtp`), not a skip: the journey author expects mail to go out and the step event makes
 * the misconfiguration visible (and `errorNext` can route around it).
 * Message-ID is `<key@kith>` (the idempotency key, characters that may not stand in a Message-ID percent-encoded)
 * and `X-Kith-Idempotency-Key` carries the key verbatim, so a repeated send after a crash is recognisable.
 * Retries (like HTTP) on connection errors, timeouts and transient (4xx) SMTP replies only.
 */

export const DEFAULT_TO = '{{profile.personalEmail.address}}';
export const DEFAULT_EMAIL_TIMEOUT_MS = 10_000;

export interface EmailActionDeps {
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  /** Undefined when no SMTP server is configured. */
  transport: EmailTransport | undefined;
  retries?: number;
  backoffMs?: number;
}

export interface EmailMessage {
  from: string;
  to: string;
  subject: string;
  text?: string;
  html?: string;
  messageId: string;
  headers: Record<string, string>;
}

/** What sends a message: `ok` or the SMTP/connection error nodemailer reports. */
export interface EmailTransport {
  send(message: EmailMessage): Promise<Result<void, { code?: string; responseCode?: number; message: string }>>;
  close(): void;
}

/** A nodemailer SMTP transport for `smtpUrl` (e.g. `smtp://127.0.0.1:2525`; query options such as `?ignoreTLS=true` pass through). */
export function smtpTransport(smtpUrl: string, timeoutMs = DEFAULT_EMAIL_TIMEOUT_MS): EmailTransport {
  // the SMTP transport merges `url` with the other options (createTransport would drop them for the URL's)
  const t = nodemailer.createTransport(new SMTPTransport({ url: smtpUrl, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs }));
  return {
    async send(message) {
      try {
        await t.sendMail(message);
        return ok(undefined);
      } catch (e) {
        const x = e as { code?: unknown; responseCode?: unknown };
        return err({
          code: typeof x.code === 'string' ? x.code : undefined,
          responseCode: typeof x.responseCode === 'number' ? x.responseCode : undefined,
          message: messageOf(e),
        });
      }
    },
    close() {
      t.close();
    },
  };
}

const ATEXT = /[A-Za-z0-9!#$&'*+\-/=?^_`{|}~.]/;

/** `<key@kith>` with the key's non-atext characters percent-encoded (RFC 5322 msg-id). */
export function messageIdOf(key: string): string {
  let local = '';
  for (const ch of key) local += ATEXT.test(ch) ? ch : Array.from(Buffer.from(ch, 'utf8'), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  return `<${local}@kith>`;
}

const DENIED = new Set(['n', 'dn']);

/** Why the profile's consent forbids marketing email, if it does. */
export function consentRefusal(profile: Record<string, unknown>): string | undefined {
  for (const channel of ['email', 'any']) {
    const val = lookup({ profile }, 'profile', ['consents', 'marketing', channel, 'val']);
    if (typeof val === 'string' && DENIED.has(val)) return `consents.marketing.${channel}.val is '${val}'`;
  }
  return undefined;
}

/** For the definition validator: what is wrong with the spec, if anything. */
export function checkEmailAction(spec: EmailActionSpec): Result<void, string> {
  if (typeof spec.from !== 'string' || spec.from.trim() === '') return err('from is required');
  if (typeof spec.subject !== 'string') return err('subject is required');
  if (spec.text === undefined && spec.html === undefined) return err('text or html is required');
  for (const [name, v] of [['to', spec.to], ['from', spec.from], ['subject', spec.subject], ['text', spec.text], ['html', spec.html]] as const) {
    if (v === undefined) continue;
    if (typeof v !== 'string') return err(`${name} must be a string (a template)`);
    const t = checkTemplate(v);
    if (!t.ok) return err(`${name}: ${t.error}`);
  }
  return ok(undefined);
}

const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ').trim();

function classify(e: { code?: string; responseCode?: number; message: string }): Extract<AttemptOutcome, { ok: false }> {
  if (e.code === 'ETIMEDOUT') return { ok: false, error: 'timeout', context: e.message, retryable: true };
  if (e.responseCode !== undefined) {
    return { ok: false, error: 'error', code: String(e.responseCode), context: e.message, retryable: e.responseCode >= 400 && e.responseCode < 500 };
  }
  // a socket error's own code (ECONNREFUSED) is in its message once nodemailer relabels it ESOCKET
  const sys = e.code === 'ESOCKET' ? /\b(E[A-Z]{4,})\b/.exec(e.message)?.[1] : undefined;
  const connection = e.code === 'ESOCKET' || e.code === 'ECONNECTION' || e.code === 'EDNS';
  return { ok: false, error: 'error', code: sys ?? e.code ?? 'smtp', context: e.message, retryable: connection };
}

export async function runEmailAction(spec: EmailActionSpec, ctx: ActionContext, deps: EmailActionDeps): Promise<ActionResult> {
  const startedAt = deps.clock.now();
  const checked = checkEmailAction(spec);
  if (!checked.ok) return failedBeforeCall(ctx, 'email', startedAt, deps.clock, 'error', 'invalidSpec', checked.error);
  const skipped = (reason: string): ActionResult => ({ status: 'skipped', reason, fields: { actionID: ctx.actionId, actionName: ctx.actionName, actionType: 'email', actionExecutionTime: Math.max(0, deps.clock.now() - startedAt), attempts: 0 } });
  const refusal = consentRefusal(ctx.profile);
  if (refusal !== undefined) return skipped(`no consent: ${refusal}`);
  const scope = scopeOf(ctx);
  const fill = (t: string, mode: 'text' | 'html' = 'text'): string => {
    const r = fillTemplate(t, scope, mode);
    return r.ok ? r.value : ''; // checked above: cannot fail
  };
  const to = oneLine(fill(spec.to ?? DEFAULT_TO));
  if (to === '') return skipped('no recipient');
  if (deps.transport === undefined) return failedBeforeCall(ctx, 'email', startedAt, deps.clock, 'error', 'noSmtp', 'no SMTP server configured (KITH_SMTP_URL)');
  const message: EmailMessage = {
    from: oneLine(fill(spec.from)),
    to,
    subject: oneLine(fill(spec.subject)),
    messageId: messageIdOf(ctx.idempotencyKey),
    headers: { 'X-Kith-Idempotency-Key': oneLine(ctx.idempotencyKey) },
  };
  if (spec.text !== undefined) message.text = fill(spec.text);
  if (spec.html !== undefined) message.html = fill(spec.html, 'html');
  const transport = deps.transport;
  const report = await withRetries(
    { retries: deps.retries ?? DEFAULT_RETRIES, backoffMs: deps.backoffMs ?? DEFAULT_BACKOFF_MS, sleep: deps.sleep },
    async () => {
      const sent = await transport.send(message);
      return sent.ok ? { ok: true } : classify(sent.error);
    },
  );
  return resultOf(ctx, 'email', startedAt, deps.clock, report);
}
