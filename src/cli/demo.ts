import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KithConfig } from '../config/config.js';
import { loadDemo, waitForIngest } from '../console/demo/demo-loader.js';

export const DEMO_USAGE = `  kith demo [--sandbox demo] [--customers 200] [--events 20]
                                           load a demo store (customers, web and commerce events, audiences,
                                           computed attributes, a journey) into a running Kith, through its API`;

const num = (args: string[], flag: string, dflt: number): number | undefined => {
  const i = args.indexOf(flag);
  if (i < 0) return dflt;
  const n = Number(args[i + 1]);
  return Number.isInteger(n) && n >= 1 && n <= 100_000 ? n : undefined;
};

/**
 * `kith demo`: loads the demo store into a running server (credentials from `<data dir>/credentials.json`, or
 * KITH_URL / KITH_TOKEN / KITH_API_KEY / KITH_ORG_ID), into sandbox `demo` unless `--sandbox` says otherwise.
 * Idempotent: a second run finds everything in place.
 */
export async function runDemo(cfg: KithConfig, args: string[], out: NodeJS.WritableStream = process.stdout, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const file = join(cfg.dataDir, 'credentials.json');
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string | undefined>) : {};
  const baseUrl = env.KITH_URL ?? saved.baseUrl;
  const token = env.KITH_TOKEN ?? saved.accessToken;
  const apiKey = env.KITH_API_KEY ?? saved.apiKey;
  const orgId = env.KITH_ORG_ID ?? saved.orgId;
  const si = args.indexOf('--sandbox');
  const sandbox = si >= 0 ? args[si + 1] : 'demo';
  const customers = num(args, '--customers', 200);
  const events = num(args, '--events', 20);
  if (!sandbox || !/^[a-z0-9][a-z0-9-]{0,255}$/.test(sandbox) || customers === undefined || events === undefined) {
    out.write(`usage:\n${DEMO_USAGE}\n(--customers and --events: integers from 1 to 100000; --sandbox: lowercase letters, digits, hyphens)\n`);
    return 2;
  }
  if (!baseUrl || !token || !apiKey || !orgId) {
    out.write(`kith demo: no credentials: start Kith first (it writes ${file}) or set KITH_URL, KITH_TOKEN, KITH_API_KEY and KITH_ORG_ID\n`);
    return 2;
  }
  const target = { baseUrl, sandbox, headers: { authorization: `Bearer ${token}`, 'x-api-key': apiKey, 'x-gw-ims-org-id': orgId } };
  try {
    const s = await loadDemo(target, {
      customers,
      eventsPerCustomer: events,
      onProgress: (step, done, total) => out.write(step === 'records' ? `\r  records ${done}/${total}` : `  ${step} (${done}/${total})\n`),
    });
    out.write('\n  waiting for the processor…\n');
    const settled = await waitForIngest(target);
    out.write(
      [
        `Demo store loaded into sandbox "${s.sandbox}": ${s.customers} customers, ${s.events} events, audiences ${s.audiences.join(', ')}.`,
        settled ? '' : '(the processor is still catching up: profiles appear within a minute)',
        `Open ${baseUrl}/ , sign in, pick sandbox "${s.sandbox}" and search for ${s.sampleEmail}.`,
        '',
      ].filter((l, i) => l !== '' || i === 3).join('\n'),
    );
    return 0;
  } catch (e) {
    out.write(`\nkith demo: ${(e as Error).message}\n`);
    return 1;
  }
}
