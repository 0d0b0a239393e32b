import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { ManualClock } from '../../shared/clock.js';
import { ok } from '../../shared/result.js';
import type { EmailActionSpec } from '../journey-types.js';
import { JourneyActionRunner, type JourneyActionRunnerOptions } from './action-runner.js';
import { checkEmailAction, consentRefusal, messageIdOf } from './email-action.js';
import { actionContext } from './testing/action-context.js';
import { mailHeader, startTestSmtp, type TestSmtp } from '../../testing/smtp-test-server.js';

/** RCPT to `reject@…` answers 550, to `flaky@…` 451 the first time. */
function startSmtp(): Promise<TestSmtp> {
  let flaky = 0;
  return startTestSmtp({
    refuse: (address) => {
      if (address.startsWith('reject@')) return { code: 550, message: 'No such user' };
      if (address.startsWith('flaky@') && flaky++ === 0) return { code: 451, message: 'Try again later' };
      return undefined;
    },
  });
}

const header = mailHeader;

const sink = { write: () => Promise.resolve(ok(undefined)) };
const noSleep = () => Promise.resolve();
const spec = (over: Partial<EmailActionSpec> = {}): EmailActionSpec => ({
  kind: 'email',
  from: 'journeys@kith.test',
  subject: 'Hello {{profile.person.name.firstName}}',
  text: 'Your order of {{event.commerce.order.priceTotal}} is on its way.',
  ...over,
});

describe('email action', () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let runner: JourneyActionRunner;
  const make = (over: Partial<JourneyActionRunnerOptions> = {}) => new JourneyActionRunner({ clock: new ManualClock(), profileUpdates: sink, sleep: noSleep, smtpUrl: smtp.url, emailBackoffMs: 1, ...over });
  before(async () => {
    smtp = await startSmtp();
    runner = make();
  });
  after(async () => {
    runner.close();
    await smtp.close();
  });
  const arrivedFor = (to: string) => smtp.received.filter((m) => m.to.includes(to));

  it('a sent message arrives with the templated subject, body, Message-ID and idempotency header', async () => {
    const r = await runner.run(spec(), actionContext());
    assert.equal(r.status, 'done', JSON.stringify(r));
    assert.equal(r.fields.actionType, 'email');
    assert.equal(r.fields.attempts, 1);
    const [m] = arrivedFor('ada@example.com');
    assert.ok(m);
    assert.equal(m.from, 'journeys@kith.test');
    assert.equal(header(m.raw, 'Subject'), 'Hello Ada');
    assert.equal(header(m.raw, 'Message-ID'), '<inst-1%3A3@kith>');
    assert.equal(header(m.raw, 'X-Kith-Idempotency-Key'), 'inst-1:3');
    assert.match(m.raw, /Your order of 42\.5 is on its way\./);
  });

  it('html escapes values; an explicit `to` template is used', async () => {
    const ctx = actionContext({ profile: { person: { name: { firstName: '<script>x</script>' } }, work: 'ada.work@example.com' } });
    const r = await runner.run(spec({ to: '{{profile.work}}', text: undefined, html: '<p>Hi {{profile.person.name.firstName}}</p>' }), ctx);
    assert.equal(r.status, 'done');
    const [m] = arrivedFor('ada.work@example.com');
    assert.match(m.raw, /<p>Hi &lt;script&gt;x&lt;\/script&gt;<\/p>/);
    assert.doesNotMatch(m.raw.split(/\r?\n\r?\n/).slice(1).join('\n'), /<script>/);
  });

  const skips: Array<[string, Record<string, unknown>, RegExp]> = [
    ['email consent n', { personalEmail: { address: 'no1@example.com' }, consents: { marketing: { email: { val: 'n' } } } }, /consents\.marketing\.email\.val is 'n'/],
    ['any-channel consent n', { personalEmail: { address: 'no2@example.com' }, consents: { marketing: { any: { val: 'n' } } } }, /consents\.marketing\.any\.val is 'n'/],
    ['email consent dn', { personalEmail: { address: 'no3@example.com' }, consents: { marketing: { email: { val: 'dn' } } } }, /'dn'/],
    ['no recipient', { person: {} }, /no recipient/],
  ];
  for (const [name, profile, reason] of skips) {
    it(`${name} → skipped, nothing arrives`, async () => {
      const before = smtp.received.length;
      const r = await runner.run(spec(), actionContext({ profile }));
      assert.equal(r.status, 'skipped');
      if (r.status === 'skipped') assert.match(r.reason, reason);
      assert.equal(r.fields.attempts, 0);
      assert.equal(smtp.received.length, before);
    });
  }

  it('consent y sends', async () => {
    const r = await runner.run(spec(), actionContext({ profile: { personalEmail: { address: 'yes@example.com' }, consents: { marketing: { email: { val: 'y' } } } } }));
    assert.equal(r.status, 'done');
    assert.equal(arrivedFor('yes@example.com').length, 1);
  });

  it('RCPT rejected with 550 → error 550, no retry', async () => {
    const r = await runner.run(spec({ to: 'reject@example.com' }), actionContext());
    assert.equal(r.status, 'failed');
    assert.equal(r.fields.actionExecutionError, 'error');
    assert.equal(r.fields.actionExecutionErrorCode, '550');
    assert.equal(r.fields.attempts, 1);
  });

  it('a transient 451 is retried', async () => {
    const r = await runner.run(spec({ to: 'flaky@example.com' }), actionContext());
    assert.equal(r.status, 'done', JSON.stringify(r));
    assert.equal(r.fields.attempts, 2);
    assert.equal(r.fields.actionExecutionOriginError, 'error');
    assert.equal(r.fields.actionExecutionOriginCode, '451');
    assert.equal(arrivedFor('flaky@example.com').length, 1);
  });

  it('no SMTP configured → failed noSmtp (a decision: not a skip)', async () => {
    const r = await make({ smtpUrl: undefined }).run(spec(), actionContext());
    assert.equal(r.status, 'failed');
    assert.equal(r.fields.actionExecutionErrorCode, 'noSmtp');
    assert.equal(r.fields.attempts, 0);
  });

  it('connection refused → error, retried', async () => {
    const tcp = createTcpServer();
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const port = (tcp.address() as AddressInfo).port;
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    const r = await make({ smtpUrl: `smtp://127.0.0.1:${port}`, emailRetries: 1 }).run(spec(), actionContext());
    assert.equal(r.status, 'failed');
    assert.equal(r.fields.actionExecutionError, 'error');
    assert.equal(r.fields.actionExecutionErrorCode, 'ECONNREFUSED');
    assert.equal(r.fields.attempts, 2);
  });

  it('a server that never greets → timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createTcpServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const r = await make({ smtpUrl: `smtp://127.0.0.1:${port}`, emailTimeoutMs: 100, emailRetries: 0 }).run(spec(), actionContext());
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    assert.equal(r.status, 'failed');
    assert.equal(r.fields.actionExecutionError, 'timeout');
    assert.equal(r.fields.attempts, 1);
  });

  it('messageIdOf keeps atext and percent-encodes the rest', () => {
    assert.equal(messageIdOf('abc-1.2'), '<abc-1.2@kith>');
    assert.equal(messageIdOf('i d:3'), '<i%20d%3A3@kith>');
  });

  describe('invalid input', () => {
    const bad: Array<[string, Partial<EmailActionSpec>, RegExp]> = [
      ['no from', { from: '' }, /from is required/],
      ['no body', { text: undefined, html: undefined }, /text or html/],
      ['unclosed subject placeholder', { subject: 'Hi {{profile.x' }, /subject: unclosed/],
      ['unknown root in to', { to: '{{secret.email}}' }, /to: unknown placeholder root/],
      ['non-string html', { html: 42 as unknown as string }, /html must be a string/],
    ];
    for (const [name, over, want] of bad) {
      it(`${name}: refused at check and at run`, async () => {
        const s = spec(over);
        const c = checkEmailAction(s);
        assert.equal(c.ok, false);
        if (!c.ok) assert.match(c.error, want);
        const r = await runner.run(s, actionContext());
        assert.equal(r.status, 'failed');
        assert.equal(r.fields.actionExecutionErrorCode, 'invalidSpec');
      });
    }
    it('consent on a non-object profile or odd shapes is no refusal', () => {
      for (const profile of [{}, { consents: 'n' }, { consents: { marketing: { email: 'n' } } }, { consents: { marketing: { email: { val: 42 } } } }]) {
        assert.equal(consentRefusal(profile as Record<string, unknown>), undefined);
      }
    });
    it('newlines in a templated subject cannot inject headers', async () => {
      const ctx = actionContext({ profile: { personalEmail: { address: 'inject@example.com' }, person: { name: { firstName: 'x\r\nBcc: evil@example.com' } } } });
      const r = await runner.run(spec(), ctx);
      assert.equal(r.status, 'done');
      const [m] = arrivedFor('inject@example.com');
      assert.equal(header(m.raw, 'Bcc'), undefined);
      assert.deepEqual(m.to, ['inject@example.com']);
    });
  });
});
