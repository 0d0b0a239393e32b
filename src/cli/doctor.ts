import type { KithConfig } from '../config/config.js';
import { loadCreds } from './ingest.js';
import { renderReport } from '../doctor/report-text.js';
import type { DoctorReport } from '../doctor/doctor-types.js';

export const DOCTOR_USAGE = `usage: kith doctor profile --email <address> | --id <value> --ns <namespace> [--sandbox <name>] [--json]
  Asks a running Kith why a person may not show up: ten checks, each pass / fail / not applicable with the evidence
  and the fix. Uses <data dir>/credentials.json (or KITH_URL, KITH_TOKEN, KITH_API_KEY, KITH_ORG_ID, KITH_SANDBOX).
  Exit status: 0 every check passes, 1 a check fails, 2 usage or request error.
`;

const flag = (args: string[], name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

/** `kith doctor profile --email …` (or `--id … --ns …`): the profile doctor's report, readable (or `--json`). */
export async function runDoctor(cfg: KithConfig, args: string[], out: NodeJS.WritableStream = process.stdout, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [what, ...rest] = args;
  const email = flag(rest, '--email');
  const id = email ?? flag(rest, '--id');
  const ns = email !== undefined ? 'Email' : flag(rest, '--ns');
  if (what !== 'profile' || id === undefined || id === '' || ns === undefined || ns === '' || (email !== undefined && flag(rest, '--id') !== undefined)) {
    out.write(DOCTOR_USAGE);
    return 2;
  }
  const creds = loadCreds(cfg, env);
  if (!creds) {
    out.write(`kith doctor: no credentials: start Kith once (it writes ${cfg.dataDir}/credentials.json) or set KITH_URL, KITH_TOKEN, KITH_API_KEY and KITH_ORG_ID\n`);
    return 2;
  }
  const sandbox = flag(rest, '--sandbox') ?? creds.sandbox;
  const url = `${creds.baseUrl}/data/foundation/kith/doctor/profile?entityIdNS=${encodeURIComponent(ns)}&entityId=${encodeURIComponent(id)}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${creds.accessToken}`, 'x-api-key': creds.apiKey, 'x-gw-ims-org-id': creds.orgId, 'x-sandbox-name': sandbox } });
  } catch (e) {
    out.write(`kith doctor: cannot reach ${creds.baseUrl}: ${(e as Error).message}\n`);
    return 2;
  }
  const text = await res.text();
  if (!res.ok) {
    out.write(`kith doctor: ${res.status} ${text}\n`);
    return 2;
  }
  const report = JSON.parse(text) as DoctorReport;
  out.write(rest.includes('--json') ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
  return report.summary.fail > 0 ? 1 : 0;
}
