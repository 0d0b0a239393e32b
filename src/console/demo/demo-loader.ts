/**
 * `kith demo` and the console's "Load demo data" button: a store's customers, their web and commerce events, audiences,
 * computed attributes and a journey, loaded through Kith's public APIs only (the same calls any client makes). Every
 * step looks its resource up by name first, and records carry fixed `_id`s, so loading again changes nothing.
 * No Node API: it runs in Node (the CLI, tests, the bench) and in the browser (the console).
 */
import { customerEvents, customerRecord, demoCustomer, type DemoCustomer } from './demo-data.js';

export interface DemoTarget {
  /** '' in the browser (same origin) */
  baseUrl: string;
  /** Authorization, x-api-key and x-gw-ims-org-id */
  headers: Record<string, string>;
  sandbox: string;
}

export interface DemoOptions {
  customers?: number;
  eventsPerCustomer?: number;
  /** Extra events for the first customer (the benchmark's heavy person). */
  heavyEvents?: number;
  now?: number;
  onProgress?: (step: string, done: number, total: number) => void;
}

export interface DemoSummary {
  sandbox: string;
  customers: number;
  events: number;
  sampleEmail: string;
  datasets: Record<string, string>;
  audiences: string[];
  computedAttributes: string[];
  journey?: string;
  failedRecords: number;
}

const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;
const XED_ID = 'application/vnd.adobe.xed-id+json';
const INLET_SPEC = 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb';

export const DEMO_AUDIENCES: Array<{ name: string; description: string; pql: string }> = [
  { name: 'Gold members', description: 'Loyalty tier gold', pql: 'loyalty.tier = "gold"' },
  { name: 'Seoul customers', description: 'Customers living in Seoul', pql: 'homeAddress.city = "Seoul"' },
  { name: 'Frequent buyers', description: '3 or more purchases in 30 days', pql: 'xEvent[eventType = "commerce.purchases" and timestamp occurs <= 30 days before now].count() >= 3' },
  { name: 'Big spenders', description: 'An order over 200,000 KRW in 60 days', pql: 'xEvent[eventType = "commerce.purchases" and commerce.order.priceTotal > 200000 and timestamp occurs <= 60 days before now].count() >= 1' },
];

export const DEMO_COMPUTED: Array<{ name: string; displayName: string; expression: Record<string, unknown> }> = [
  { name: 'spend90d', displayName: 'Spend, 90 days (KRW)', expression: { function: 'SUM', eventType: 'commerce.purchases', eventPath: 'commerce.order.priceTotal', lookbackDays: 90 } },
  { name: 'orders90d', displayName: 'Orders, 90 days', expression: { function: 'COUNT', eventType: 'commerce.purchases', lookbackDays: 90 } },
  { name: 'lastOrderTotal', displayName: 'Last order total', expression: { function: 'MOST_RECENT', eventType: 'commerce.purchases', eventPath: 'commerce.order.priceTotal', lookbackDays: 90 } },
];

export const DEMO_JOURNEY = 'Thank big spenders';

class DemoError extends Error {}

export async function loadDemo(target: DemoTarget, opts: DemoOptions = {}): Promise<DemoSummary> {
  const customers = opts.customers ?? 200;
  const perCustomer = opts.eventsPerCustomer ?? 20;
  const now = opts.now ?? Date.now();
  const progress = opts.onProgress ?? (() => {});
  const call = async (method: string, path: string, body?: unknown, extra: Record<string, string> = {}, sandboxed = true): Promise<{ status: number; json: any }> => {
    const r = await fetch(target.baseUrl + path, {
      method,
      headers: { ...target.headers, ...(sandboxed ? { 'x-sandbox-name': target.sandbox } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extra },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    let json: any = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: r.status, json };
  };
  const must = async (what: string, p: Promise<{ status: number; json: any }>) => {
    const r = await p;
    if (r.status >= 300) throw new DemoError(`${what}: HTTP ${r.status} ${typeof r.json === 'string' ? r.json : JSON.stringify(r.json)}`);
    return r.json;
  };
  const steps = 9;
  let step = 0;
  const next = (name: string) => progress(name, ++step, steps);

  next('sandbox');
  const sb = await call('GET', `/data/foundation/sandbox-management/sandboxes/${target.sandbox}`, undefined, {}, false);
  if (sb.status === 404 || sb.status === 403)
    await must('create sandbox', call('POST', '/data/foundation/sandbox-management/sandboxes', { name: target.sandbox, title: 'Demo store', type: 'development' }, {}, false));
  else if (sb.status >= 300) throw new DemoError(`read sandbox: HTTP ${sb.status}`);

  next('namespaces');
  const nss = (await must('namespaces', call('GET', '/data/core/idnamespace/identities'))) as Array<{ code: string }>;
  for (const [code, name] of [['CRMID', 'CRM ID'], ['CustomerId', 'Commerce customer id']] as const)
    if (!nss.some((n) => n.code.toLowerCase() === code.toLowerCase()))
      await must(`namespace ${code}`, call('POST', '/data/core/idnamespace/identities', { name, code, idType: 'CROSS_DEVICE' }));

  next('schemas');
  const schemas = ((await must('schemas', call('GET', '/data/foundation/schemaregistry/tenant/schemas?limit=1000', undefined, { accept: XED_ID }))).results ?? []) as Array<{ $id: string; title: string }>;
  const schema = async (title: string, classId: string, groups: string[], primary?: { path: string; ns: string }) => {
    const found = schemas.find((s) => s.title === title);
    if (found) return found.$id;
    const created = await must(`schema ${title}`, call('POST', '/data/foundation/schemaregistry/tenant/schemas', { type: 'object', title, allOf: [{ $ref: classId }, ...groups.map(($ref) => ({ $ref }))], 'meta:immutableTags': ['union'] }));
    if (primary)
      await must(`identity of ${title}`, call('POST', '/data/foundation/schemaregistry/tenant/descriptors', { '@type': 'xdm:descriptorIdentity', 'xdm:sourceSchema': created.$id, 'xdm:sourceVersion': 1, 'xdm:sourceProperty': primary.path, 'xdm:namespace': primary.ns, 'xdm:property': 'xdm:code', 'xdm:isPrimary': true }));
    return created.$id as string;
  };
  const custSchema = await schema('Demo Customers', FG('profile'), [FG('identitymap'), FG('profile-person-details'), FG('profile-personal-details'), FG('profile-loyalty-details'), FG('profile-consents')], { path: '/personalEmail/address', ns: 'Email' });
  const evSchema = await schema('Demo Experience Events', FG('experienceevent'), [FG('identitymap'), FG('experienceevent-web'), FG('experienceevent-commerce')]);

  next('datasets');
  const dataset = async (name: string, schemaId: string) => {
    const same = ((await must('datasets', call('GET', `/data/foundation/catalog/dataSets?limit=10&name=${encodeURIComponent(name)}`))) ?? {}) as Record<string, { name: string }>;
    const found = Object.entries(same).find(([, d]) => d.name === name);
    if (found) return found[0];
    const r = await must(`dataset ${name}`, call('POST', '/data/foundation/catalog/dataSets', { name, schemaRef: { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' }, tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] } }));
    return String(r[0]).replace('@/dataSets/', '');
  };
  const datasets = { customers: await dataset('Demo Customers', custSchema), web: await dataset('Demo Web Events', evSchema), orders: await dataset('Demo Orders', evSchema) };

  next('source');
  const conns = ((await must('connections', call('GET', '/data/foundation/flowservice/connections'))).items ?? []) as Array<{ id: string; name: string }>;
  let connId = conns.find((c) => c.name === 'Demo store website')?.id;
  if (!connId)
    connId = (await must('connection', call('POST', '/data/foundation/flowservice/connections', { name: 'Demo store website', connectionSpec: { id: INLET_SPEC, version: '1.0' }, auth: { specName: 'Streaming Connection', params: { dataType: 'xdm' } } }))).id as string;
  const inletId = (await must('connection', call('GET', `/data/foundation/flowservice/connections/${connId}`))).items[0].auth.params.inletId as string;

  next('computed attributes');
  const cas = ((await must('computed attributes', call('GET', '/data/core/ca/attributes'))).computedAttributes ?? []) as Array<{ name: string }>;
  for (const ca of DEMO_COMPUTED) if (!cas.some((c) => c.name === ca.name)) await must(`computed attribute ${ca.name}`, call('POST', '/data/core/ca/attributes', ca));

  next('audiences');
  const segs = ((await must('audiences', call('GET', '/data/core/ups/segment/definitions?limit=100'))).segments ?? []) as Array<{ name: string }>;
  for (const a of DEMO_AUDIENCES)
    if (!segs.some((s) => s.name === a.name))
      await must(`audience ${a.name}`, call('POST', '/data/core/ups/segment/definitions', { name: a.name, description: a.description, schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: a.pql } }));

  next('journey');
  let journey: string | undefined;
  const js = await call('GET', '/ajo/journeys');
  if (js.status === 200) {
    const existing = (js.json.children ?? []).find((j: { name: string }) => j.name === DEMO_JOURNEY);
    journey = existing?.id;
    if (!journey) {
      const created = await must('journey', call('POST', '/ajo/journeys', {
        name: DEMO_JOURNEY,
        description: 'Orders over 150,000 KRW: wait a week for the review request',
        entry: { type: 'event', eventType: 'commerce.purchases', namespace: 'Email', next: 'big' },
        nodes: [
          { id: 'big', type: 'condition', branches: [{ condition: 'event.commerce.order.priceTotal > 150000', next: 'wait' }], otherwise: 'done' },
          { id: 'wait', type: 'wait', seconds: 7 * 86400, next: 'done' },
          { id: 'done', type: 'end' },
        ],
      }));
      journey = (created.journey?.id ?? created.id) as string;
    }
    // published once: a journey with no live version gets its draft published (a rerun after a failed publish too)
    const doc = await must('journey', call('GET', `/ajo/journeys/${journey}`));
    const versions = (doc.versions ?? []) as Array<{ id: string; status: string }>;
    const draft = doc.journey?.draftVersionId as string | undefined;
    if (!versions.some((v) => v.status === 'live') && draft) await must('publish journey', call('POST', `/ajo/journeys/${journey}/versions/${draft}/publish`));
  }

  next('records');
  const people: DemoCustomer[] = Array.from({ length: customers }, (_, i) => demoCustomer(i));
  const envelope = (schemaId: string, datasetId: string, entity: Record<string, unknown>) => {
    const schemaRef = { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' };
    return { header: { schemaRef, imsOrgId: target.headers['x-gw-ims-org-id'], datasetId, source: { name: 'kith demo' } }, body: { xdmMeta: { schemaRef }, xdmEntity: entity } };
  };
  // events are deduplicated by _id; profile records are not (each is a new fragment row in the lake): send them once
  const custDs = await must('dataset', call('GET', `/data/foundation/catalog/dataSets/${datasets.customers}`));
  const loaded = Boolean(custDs?.[datasets.customers]?.lastBatchId);
  const messages: unknown[] = loaded ? [] : people.map((c) => envelope(custSchema, datasets.customers, customerRecord(c)));
  let events = 0;
  for (const c of people) {
    const evs = customerEvents(c, perCustomer + (c.index === 0 ? (opts.heavyEvents ?? 0) : 0), now);
    events += evs.length;
    for (const e of evs) {
      const ds = e.eventType === 'commerce.purchases' ? datasets.orders : datasets.web;
      messages.push(envelope(evSchema, ds, { _id: e._id, timestamp: e.timestamp, eventType: e.eventType, ...e.fields, identityMap: { Email: [{ id: c.email, primary: true }], ECID: [{ id: c.ecid }] } }));
    }
  }
  // two orders whose total is not a number: the failed-records page has something to show (sent once)
  const failed = await call('GET', `/data/foundation/kith/failed-records?datasetId=${datasets.orders}&limit=1&includeReplayed=true`);
  let failedRecords = 0;
  if (failed.status === 200 && (failed.json.records ?? []).length === 0) {
    for (const k of [0, 1]) {
      const c = people[k % people.length]!;
      messages.push(envelope(evSchema, datasets.orders, { _id: `demo-bad-${k}`, timestamp: new Date(now - 3_600_000).toISOString(), eventType: 'commerce.purchases', commerce: { order: { priceTotal: 'free' } }, identityMap: { Email: [{ id: c.email, primary: true }] } }));
      failedRecords++;
    }
  }
  const BATCH = 200;
  for (let i = 0; i < messages.length; i += BATCH) {
    await must('collection', call('POST', `/collection/batch/${inletId}`, { messages: messages.slice(i, i + BATCH) }));
    progress('records', Math.min(i + BATCH, messages.length), messages.length);
  }
  return {
    sandbox: target.sandbox,
    customers,
    events,
    sampleEmail: people[0]!.email,
    datasets,
    audiences: DEMO_AUDIENCES.map((a) => a.name),
    computedAttributes: DEMO_COMPUTED.map((c) => c.name),
    journey,
    failedRecords,
  };
}

/** Waits until the processor has handled everything that was sent (the ingest status' backlog is empty). */
export async function waitForIngest(target: DemoTarget, timeoutMs = 120_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const r = await fetch(`${target.baseUrl}/data/foundation/kith/ingest/status`, { headers: { ...target.headers, 'x-sandbox-name': target.sandbox } });
    const s = (await r.json()) as { logHead: number; lakeOffset: number; downstreamOffset: number };
    if (s.lakeOffset >= s.logHead && s.downstreamOffset >= s.logHead) return true;
    await new Promise((res) => setTimeout(res, 200));
  }
  return false;
}
