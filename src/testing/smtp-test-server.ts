import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A message a test SMTP server accepted (its final 250 was sent). */
export interface TestMail {
  from: string;
  to: string[];
  raw: string;
  subject: string;
  messageId: string;
  /** `X-Kith-Idempotency-Key`. */
  key: string;
}

export interface TestSmtp {
  /** nodemailer URL (no TLS). */
  url: string;
  received: TestMail[];
  /** While set, a message with this subject gets no final answer (held until its connection closes, then dropped). */
  hold: { subject?: string };
  /** Held messages by session id. */
  pending: Map<string, () => void>;
  close(): Promise<void>;
}

/** A header of a raw message (folded lines joined), undefined when absent. */
export function mailHeader(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  return new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1]?.trim();
}

/**
 * A real SMTP server (the `smtp-server` package) on 127.0.0.1:0 without TLS, for tests of email actions. `refuse`
 * may answer an SMTP error for a recipient (e.g. 550).
 */
export async function startTestSmtp(opts: { refuse?: (address: string) => { code: number; message: string } | undefined } = {}): Promise<TestSmtp> {
  const received: TestMail[] = [];
  const pending = new Map<string, () => void>();
  const hold: { subject?: string } = {};
  const server = new SMTPServer({
    authOptional: true,
    secure: false,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const no = opts.refuse?.(address.address);
      if (no) return callback(Object.assign(new Error(no.message), { responseCode: no.code }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const env = session.envelope;
        const mail: TestMail = {
          from: env.mailFrom ? env.mailFrom.address : '',
          to: env.rcptTo.map((r) => r.address),
          raw,
          subject: mailHeader(raw, 'Subject') ?? '',
          messageId: mailHeader(raw, 'Message-ID') ?? '',
          key: mailHeader(raw, 'X-Kith-Idempotency-Key') ?? '',
        };
        if (hold.subject !== undefined && mail.subject === hold.subject) {
          pending.set(session.id, () => callback());
          return;
        }
        received.push(mail);
        callback();
      });
    },
    onClose(session) {
      pending.delete(session.id);
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}/?ignoreTLS=true`, received, hold, pending, close: () => new Promise<void>((r) => server.close(() => r())) };
}
