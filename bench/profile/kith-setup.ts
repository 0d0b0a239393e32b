/**
 * Shared by the profile benchmarks that run against a real server: start/stop a Kith in a child process
 * (server-child.ts), create the CRMID namespace, a profile schema (2 profile datasets) and an event schema (1 event
 * dataset), a streaming inlet, and build /collection envelopes. Everything goes through the public HTTP API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';

const ROOT = new URL('../../', import.meta.url).pathname;
const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;

export interface RunningKith {
  url: string;
  headers: Record<string, string>;
  dataDir: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `startTestKith` (processor in its worker thread) in a child process over `dataDir`. */
export function startKithProcess(dataDir: string, processor?: { streamingBatchMaxAgeMs?: number; idleMs?: number }, env: Record<string, string> = {}): Promise<RunningKith> {
  return new Promise((resolve, reject) => {
    // PROFILE_BENCH_SERVER_FLAGS: extra node flags for the server process (e.g. --cpu-prof, --trace-gc)
    const flags = (process.env.PROFILE_BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
    const args = [...flags, '--import', 'tsx', `${ROOT}bench/profile/server-child.ts`, dataDir, ...(processor ? [JSON.stringify(processor)] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT, env: { ...process.env, ...env } });
    let out = '';
    const onExit = (c: number | null) => reject(new Error(`server exited ${c}: ${out}`));
    child.on('exit', onExit);
    let partial = ''; // a trace line split across chunks is stamped once, when complete
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
      if (!process.env.KITH_TRACE_SLOW_STEP_MS) return;
      // slow-step trace, each line with wall-clock seconds first (BENCH_PROBE_LOG lines carry the same clock)
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) process.stderr.write(`${(Date.now() / 1000).toFixed(2)} ${line}\n`);
    });
    child.stdout!.on('data', (d: Buffer) => {
      // PROFILE_BENCH_SERVER_STDOUT=<file>: the server's stdout (e.g. --trace-gc output) is copied there
      if (process.env.PROFILE_BENCH_SERVER_STDOUT) fs.appendFileSync(process.env.PROFILE_BENCH_SERVER_STDOUT, d);
      out += d.toString();
      const m = /^KITH (.*)$/m.exec(out);
      if (!m) return;
      const info = JSON.parse(m[1]!) as { url: string; headers: Record<string, string>; dataDir: string };
      child.off('exit', onExit);
      resolve({
        ...info,
        child,
        stop: () =>
          new Promise<void>((r) => {
            if (child.exitCode !== null) return r();
            child.on('exit', () => r());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
          }),
      });
    });
  });
}

export interface ProfileSetup {
  sandboxId: string;
  profileSchema: string;
  eventSchema: string;
  dsCRM: string;
  dsWeb: string;
  dsEv: string;
  inletId: string;
}

async function api(k: Pick<RunningKith, 'url' | 'headers'>, method: string, path: string, body?: unknown): Promise<any> {
  const r = await fetch(k.url + path, { method, headers: { ...k.headers, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Namespace, schemas, datasets (profile + identity enabled) and an inlet. */
export async function setupProfileData(k: Pick<RunningKith, 'url' | 'headers'>): Promise<ProfileSetup> {
  await api(k, 'POST', '/data/core/idnamespace/identities', { name: 'CRM ID', code: 'CRMID', idType: 'CROSS_DEVICE' });
  const schema = async (title: string, cls: string, groups: string[]) =>
    (await api(k, 'POST', '/data/foundation/schemaregistry/tenant/schemas', { type: 'object', title, allOf: [{ $ref: cls }, ...groups.map((g) => ({ $ref: FG(g) }))], 'meta:immutableTags': ['union'] })).$id as string;
  const profileSchema = await schema('Bench customers', FG('profile'), ['identitymap', 'profile-person-details', 'profile-personal-details', 'profile-loyalty-details']);
  const eventSchema = await schema('Bench web events', FG('experienceevent'), ['identitymap', 'experienceevent-web']);
  const dataset = async (name: string, schemaId: string) =>
    String((await api(k, 'POST', '/data/foundation/catalog/dataSets', {
      name, schemaRef: { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' }, tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] },
    }))[0]).replace('@/dataSets/', '');
  const dsCRM = await dataset('Bench CRM', profileSchema);
  const dsWeb = await dataset('Bench web profile', profileSchema);
  const dsEv = await dataset('Bench web events', eventSchema);
  const conn = await api(k, 'POST', '/data/foundation/flowservice/connections', {
    name: 'profile bench', connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' }, auth: { specName: 'Streaming Connection', params: { dataType: 'xdm', authenticationRequired: false } },
  });
  const inletId = (await api(k, 'GET', `/data/foundation/flowservice/connections/${conn.id}`)).items[0].auth.params.inletId as string;
  const mp = await api(k, 'GET', '/data/core/ups/config/mergePolicies');
  const sandboxId = mp.children[0].sandbox.sandboxId as string;
  return { sandboxId, profileSchema, eventSchema, dsCRM, dsWeb, dsEv, inletId };
}

export const crm = (i: number) => ({ namespace: 'CRMID', id: `crm-${i}` });
export const ecid = (i: number) => ({ namespace: 'ECID', id: `${String(10n ** 37n + BigInt(i))}` });

/** The three profile records of person `i` (CRM record in dsCRM, CRM partial and ECID record in dsWeb). */
export function profileRecords(i: number, t: number): Array<{ ds: 'dsCRM' | 'dsWeb'; primary: { namespace: string; id: string }; eventTime: number; record: Record<string, unknown> }> {
  const c = crm(i), e = ecid(i);
  return [
    { ds: 'dsCRM', primary: c, eventTime: t - 5000, record: {
      person: { name: { firstName: `First${i}`, lastName: `Last${i}` }, birthDate: '1980-01-01', gender: 'female' },
      personalEmail: { address: `u${i}@example.com` }, loyalty: { tier: 'gold', points: i % 1000 },
      homeAddress: { city: 'Paris', country: 'FR', postalCode: '75001' }, identityMap: { CRMID: [{ id: c.id, primary: true }] } } },
    { ds: 'dsWeb', primary: c, eventTime: t - 1000, record: { loyalty: { tier: 'platinum' }, identityMap: { CRMID: [{ id: c.id, primary: true }] } } },
    { ds: 'dsWeb', primary: e, eventTime: t - 2000, record: { identityMap: { ECID: [{ id: e.id, primary: true }], CRMID: [{ id: c.id }] } } },
  ];
}

export function webEvent(i: number, eventId: string, ts: number, page: string): Record<string, unknown> {
  return {
    _id: eventId, timestamp: new Date(ts).toISOString(), eventType: 'web.webpagedetails.pageViews',
    web: { webPageDetails: { name: page, pageViews: { value: 1 } } }, identityMap: { ECID: [{ id: ecid(i).id, primary: true }] },
  };
}

/** A /collection envelope (JSON text). */
export function envelope(schemaId: string, datasetId: string, entity: Record<string, unknown>): string {
  const schemaRef = { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' };
  return JSON.stringify({ header: { schemaRef, datasetId, source: { name: 'profile bench' } }, body: { xdmMeta: { schemaRef }, xdmEntity: entity } });
}

/** Minimal keep-alive HTTP client: resolves with status and body text. */
export function request(agent: http.Agent, url: URL, method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const h: Record<string, string | number> = { ...headers };
    if (body !== undefined) (h['content-type'] = 'application/json'), (h['content-length'] = Buffer.byteLength(body));
    const req = http.request({ host: url.hostname, port: url.port, path, method, agent, headers: h }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const pct = (sorted: number[], p: number): number => {
  if (sorted.length === 0) return NaN;
  return Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(2));
};
